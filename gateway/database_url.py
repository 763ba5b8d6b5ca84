"""What counts as a database setting: a PostgreSQL or SQLite URL, or a SQLite file path.

Checked when settings are made, so a typo stops every command with one line instead
of creating a file named after the typo or connecting to some other database.
"""

from urllib.parse import urlsplit

POSTGRES_SCHEMES = ("postgresql", "postgres", "postgresql+asyncpg")
SQLITE_SCHEMES = ("sqlite", "sqlite+aiosqlite")
SQLITE_SUFFIXES = (".db", ".sqlite", ".sqlite3")
EXAMPLES = "postgresql://user@host/dbname or a SQLite file such as ./gateway.db"


def check_database_url(url: str) -> None:
    """Raise ValueError, naming the problem and the fix, unless ``url`` names a database."""
    if "://" not in url:
        if not url.strip().lower().endswith(SQLITE_SUFFIXES):
            raise ValueError(
                f"database {url!r} is neither a URL nor a SQLite file ending in "
                f"{', '.join(SQLITE_SUFFIXES)}: use {EXAMPLES}"
            )
        return
    scheme = url.split("://", 1)[0].lower()
    if scheme in SQLITE_SCHEMES:
        if not url.split("://", 1)[1].lstrip("/"):
            raise ValueError(f"database URL {url!r} names no file: use sqlite:///path/to/file.db")
        return
    if scheme not in POSTGRES_SCHEMES:
        raise ValueError(
            f"unsupported database URL scheme {scheme!r}: use {EXAMPLES} "
            "(PostgreSQL and SQLite are supported)"
        )
    _check_postgres(url)


def _check_postgres(url: str) -> None:
    shown = _masked(url)
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises on a port that is not a number
    except ValueError as exc:
        raise ValueError(f"cannot parse database URL {shown}: {exc}") from None
    if not parts.path.strip("/"):
        raise ValueError(
            f"database URL {shown} names no database: add it, as in postgresql://user@host/dbname"
        )


def _masked(url: str) -> str:
    """Return ``url`` quoted for a message, without whatever sits between ``:`` and ``@``."""
    scheme, _, rest = url.partition("://")
    authority, slash, path = rest.partition("/")
    if "@" in authority:
        user_info, _, host = authority.rpartition("@")
        if ":" in user_info:
            authority = f"{user_info.split(':', 1)[0]}:***@{host}"
    return repr(f"{scheme}://{authority}{slash}{path}")
