"""SDK identities: the name and version an SDK announced, however its door spelled them."""

from dataclasses import dataclass

MAX_PART = 128


@dataclass(frozen=True, slots=True)
class Sdk:
    """An SDK's display name and version; "" where it did not say."""

    name: str
    version: str

    @classmethod
    def announced(cls, name: str, version: str) -> "Sdk":
        """Return an SDK from announced text: trimmed, and cut to a sane length."""
        return cls(name.strip()[:MAX_PART], version.strip()[:MAX_PART])


UNKNOWN = Sdk("", "")
