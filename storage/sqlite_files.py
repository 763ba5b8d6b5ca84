"""SQLite files: where a database lives on disk, and consistent copies of it while it serves."""

import asyncio
import sqlite3
from pathlib import Path

from sqlalchemy.engine import make_url

from storage.engine import normalize_url
from storage.errors import StorageUnavailable


def sqlite_path(url: str) -> Path | None:
    """Return the file of a SQLite database URL or path, or None for another engine."""
    parsed = make_url(normalize_url(url))
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    return Path(parsed.database)


def _copy(source: Path, target: Path) -> None:
    # The online backup API copies page by page under SQLite's own locking, so the copy
    # is one consistent snapshot even while gateway workers keep writing (WAL included).
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.execute("PRAGMA busy_timeout=10000")
        src.backup(dst, pages=1024)
    finally:
        src.close()
        dst.close()


async def backup(source: Path, target: Path) -> None:
    """Copy the SQLite database ``source`` to the new file ``target``, consistently."""
    try:
        await asyncio.to_thread(_copy, source, target)
    except sqlite3.Error as exc:
        raise StorageUnavailable(f"backup of {source} failed: {exc}") from exc
