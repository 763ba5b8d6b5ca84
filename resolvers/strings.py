"""The one rule for strings from clients, whichever database is behind: no NUL, no lone surrogate.

PostgreSQL cannot store U+0000 in text, and asyncpg cannot encode a lone surrogate
(U+D800 to U+DFFF, which only an escape such as ``"\\ud800"`` in JSON can produce); SQLite
would store both. So the doors refuse such a string in a path, a query string, a header,
a JSON body or a GraphQL document before it reaches a resolver, on both databases alike.
"""

import re

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def problem(value: str) -> str | None:
    """Return what makes ``value`` unacceptable (a NUL or a lone surrogate), or None."""
    found = _UNSTORABLE.search(value)
    if found is None:
        return None
    if found.group() == "\x00":
        return "contains a NUL character (U+0000)"
    return f"contains a lone surrogate (U+{ord(found.group()):04X})"
