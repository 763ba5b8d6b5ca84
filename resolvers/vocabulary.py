"""The allowed values of usage dimensions, defined once for ingestion and queries."""

SOURCES = ("client", "server")  # a stream's source, a context's SDK type
CATEGORIES = ("browser", "mobile", "backend")
EVENT_TYPES = ("received", "published")
METERS = (
    "data-export-events",
    "experimentation-keys",
    "experimentation-units",
    "service-connections",
)
