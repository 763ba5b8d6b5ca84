"""Upstream Unleash servers the collector pulls statistics from, and what it last saw."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

from resolvers.database import Database
from storage import upstreams

STATISTICS_PATH = "/api/admin/instance-admin/statistics"


@dataclass(frozen=True)
class Upstream:
    """One Unleash server: a name of our choosing, its base URL, and a token for it."""

    name: str
    url: str
    token: str | None = field(default=None, repr=False)

    @property
    def statistics_url(self) -> str:
        """Return the URL of the server's statistics endpoint."""
        return self.url.rstrip("/") + STATISTICS_PATH


def _entry(raw: str) -> tuple[str, str]:
    name, sep, url = raw.partition("=")
    if not sep or "://" in name:
        # A bare URL: name it by its host.
        url = raw
        name = urlsplit(raw).netloc
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"GATEWAY_UNLEASH_UPSTREAMS: {raw!r} is not name=http(s)://host[/path]")
    if parts.username or parts.password:
        raise ValueError(
            f"GATEWAY_UNLEASH_UPSTREAMS: {name.strip()!r} has credentials in its URL; "
            "put the token in GATEWAY_UNLEASH_UPSTREAM_TOKENS"
        )
    if not name.strip():
        raise ValueError(f"GATEWAY_UNLEASH_UPSTREAMS: {raw!r} has an empty name")
    return name.strip(), url.strip()


def _tokens(raw: str | None, names: Sequence[str]) -> dict[str, str]:
    if not raw:
        return {}
    parts = [part.partition("=") for part in raw.split(",")]
    if not any(sep and name.strip() in names for name, sep, _ in parts):
        # No part names an upstream: one token (which may itself contain "=") for all.
        return dict.fromkeys(names, raw.strip())
    # Some part names an upstream, so every part must: a typo must not silently send
    # the whole list, other upstreams' tokens included, to every server.
    for name, sep, token in parts:
        if not sep or name.strip() not in names or not token.strip():
            raise ValueError(
                f"GATEWAY_UNLEASH_UPSTREAM_TOKENS: {name.strip() or '(empty)'!r} is not "
                f"name=token for a configured upstream ({', '.join(names)})"
            )
    return {name.strip(): token.strip() for name, _, token in parts}


def parse_upstreams(entries: Sequence[str], tokens: str | None) -> tuple[Upstream, ...]:
    """Return upstreams from ``name=url`` entries and a token, or ``name=token`` pairs.

    Raise ValueError naming the setting when an entry is malformed or a name repeats.
    """
    parsed = [_entry(raw) for raw in entries if raw.strip()]
    names = [name for name, _ in parsed]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ValueError(f"GATEWAY_UNLEASH_UPSTREAMS: name {repeated[0]!r} is used twice")
    secrets = _tokens(tokens, names)
    return tuple(Upstream(name, url, secrets.get(name)) for name, url in parsed)


@dataclass(frozen=True)
class UpstreamState:
    """What the collector last saw from one upstream (all None before the first pull)."""

    name: str
    url: str
    configured: bool
    last_attempt_at: datetime | None = None
    last_success_at: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None
    consecutive_failures: int = 0


async def upstream_states(
    db: Database, *, configured: Sequence[Upstream] = ()
) -> list[UpstreamState]:
    """Return the state of every configured upstream and of every one ever pulled, by name."""
    async with db.session() as session:
        rows = {r.name: r for r in await upstreams.upstream_rows(session)}
    wanted = {u.name: u for u in configured}
    states = []
    for name in sorted(rows.keys() | wanted.keys()):
        row = rows.get(name)
        if row is None:
            states.append(UpstreamState(name, wanted[name].url, configured=True))
            continue
        states.append(
            UpstreamState(
                name,
                wanted[name].url if name in wanted else row.url,
                name in wanted,
                row.last_attempt_at,
                row.last_success_at,
                row.last_error,
                row.last_error_at,
                row.consecutive_failures,
            )
        )
    return states
