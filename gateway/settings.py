"""One frozen Settings object; only the CLI reads the environment (GATEWAY_*)."""

import dataclasses
import os
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from gateway.database_url import check_database_url
from resolvers.database import Timeouts

ENV_PREFIX = "GATEWAY_"
MIN_MINUTE_RETENTION_HOURS = 3
MINIMUM_RETENTION = {
    "minute_retention_hours": MIN_MINUTE_RETENTION_HOURS,
    "quarter_retention_days": 2,
    "mau_retention_days": 31,
    "statistics_retention_days": 1,
}
DATABASE_TIMEOUTS = (
    "database_connect_timeout_s",
    "database_pool_timeout_s",
    "database_statement_timeout_s",
    "database_lock_timeout_s",
)
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
LOG_FORMATS = ("text", "json")
MAX_PORT = 65535


def default_database_path() -> Path:
    """Return the per-user SQLite file used when no database is configured."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "usage-gateway" / "gateway.db"


def _at_least(name: str, value: float, least: float) -> None:
    if value < least:
        raise ValueError(f"{env_name(name)} must be at least {least:g}, not {value:g}")


def _secret(default: str | None = None, doc: str = "") -> Any:
    return field(default=default, repr=False, metadata={"doc": doc, "secret": True})


def _setting(default: Any, doc: str) -> Any:
    return field(default=default, metadata={"doc": doc})


def _without_password(url: str) -> str:
    """Return a URL with the password of its authority masked."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"{parts.username}:***@{host}"))


@dataclass(frozen=True, repr=False)
class Settings:
    """Everything the gateway can be told; defaults run it on an embedded SQLite file."""

    database_url: str | None = _setting(
        None,
        "`postgresql://user@host/dbname`, a SQLite URL, or a SQLite file path ending in `.db` "
        "or `.sqlite`. Unset: `$XDG_DATA_HOME/usage-gateway/gateway.db` "
        "(`~/.local/share/usage-gateway/gateway.db`), whatever the working directory.",
    )
    # A database that stops answering must cost a request seconds, not minutes (issue 9).
    database_connect_timeout_s: float = _setting(
        2.0,
        "Seconds to open a database connection; a pooled connection must answer a ping "
        "as fast before each use, or it is replaced.",
    )
    database_pool_size: int = _setting(
        20,
        "Database connections each gateway process keeps open: as many as requests it runs at "
        "once. Up to 10 more are opened when busier, each closed after one use.",
    )
    database_pool_timeout_s: float = _setting(
        3.0, "Seconds a request waits for a free pooled database connection before it gets 503."
    )
    database_statement_timeout_s: float = _setting(
        15.0,
        "Longest one SQL statement may run: PostgreSQL cancels it itself (`statement_timeout`), "
        "SQLite's is interrupted, and the request gets 503. A request whose client hangs up "
        "stops its statement at once. Migrations are exempt.",
    )
    database_lock_timeout_s: float = _setting(
        3.0,
        "Longest a statement waits for a lock another transaction or process holds "
        "(PostgreSQL `lock_timeout`, SQLite's busy timeout) before the request gets 503.",
    )
    # Each read checking its token in the database cost more than the read (issue 10).
    cache_s: float = _setting(
        5.0,
        "Seconds a process serves a token check or the current statistics document from memory. "
        "A token revoked, or a document stored, through this process (or a worker of the same "
        "`gateway serve`) shows at once; through another process (the CLI, another gateway on "
        "the same database) within this time. 0 checks every request in the database.",
    )
    host: str = _setting("127.0.0.1", "Interface `gateway serve` binds to.")
    port: int = _setting(8080, "Port `gateway serve` listens on.")
    admin_token: str | None = _secret(
        None, "If set, an admin token with this secret is ensured at start (automation, tests)."
    )
    max_body_bytes: int = _setting(10 * 1024 * 1024, "Largest accepted request body (413 above).")
    minute_retention_hours: int = _setting(24, "How long minute buckets are kept.")
    log_level: str = _setting(
        "INFO", "Least severe log level written: DEBUG, INFO, WARNING, ERROR or CRITICAL."
    )
    unleash_features_file: str | None = _setting(
        None,
        "JSON file of toggles served to Unleash SDKs at `/api/client/features` "
        '(`{"features": [...]}`, Unleash\'s format); unset serves none.',
    )

    # Unleash instance statistics (issue 4)
    primary_instance: str | None = _setting(
        None,
        "Instance whose statistics the Unleash routes serve; unset: the instance with the "
        "newest document.",
    )
    unleash_upstreams: tuple[str, ...] | None = _setting(
        None,
        "Unleash servers to pull statistics from: comma-separated `name=https://host[/path]` "
        "(a bare URL is named by its host). Unset: no collector.",
    )
    unleash_upstream_tokens: str | None = _secret(
        None,
        "Token for the upstreams: one token for all, or comma-separated `name=token` pairs.",
    )
    unleash_collect_interval_s: float = _setting(
        300.0, "Seconds between two pulls of a healthy upstream."
    )
    unleash_collect_timeout_s: float = _setting(10.0, "Seconds an upstream has to answer one pull.")
    unleash_collect_backoff_max_s: float = _setting(
        3600.0, "Longest wait between pulls of a failing upstream (the wait doubles per failure)."
    )

    # GraphQL protection (issue 5): limits are built into the schema once, at start.
    graphql_max_depth: int = _setting(10, "Deepest GraphQL selection nesting accepted.")
    graphql_max_aliases: int = _setting(30, "Most field aliases in one GraphQL document.")
    graphql_max_tokens: int = _setting(5000, "Most lexical tokens in one GraphQL document.")
    graphql_max_document_chars: int = _setting(
        50_000, "Longest GraphQL document (characters), checked before parsing."
    )
    graphql_max_points: int = _setting(
        100_000, "Most series points one GraphQL response may carry (series x buckets)."
    )
    graphql_timeout_s: float = _setting(15.0, "Time limit of one GraphQL query or mutation.")
    graphql_live_poll_s: float = _setting(
        2.0, "How often live subscriptions poll the database for new buckets."
    )
    graphql_cache_size: int = _setting(
        512, "Entries in each of the GraphQL parser and validation caches."
    )

    # LaunchDarkly usage API (issue 3)
    rate_limit_per_minute: int = _setting(
        0,
        "Requests per minute each token may make to `/api/v2/` and `/graphql` together; "
        "0 turns the limit off.",
    )
    redis_url: str | None = _secret(
        None,
        "If set (`redis://host:6379/0`), rate-limit counts live in Redis and are shared by "
        "every gateway process; otherwise each process counts alone.",
    )
    redis_prefix: str = _setting(
        "gateway:ratelimit:", "Prefix of the rate-limit keys in Redis (one per deployment)."
    )

    # Operating it (issue 13)
    workers: int = _setting(
        1, "Processes `gateway serve` runs on one port (a supervisor restarts dead ones)."
    )
    shutdown_grace_s: float = _setting(
        30.0, "On SIGTERM, how long in-flight requests may take to finish before they are cut."
    )
    log_format: str = _setting(
        "text", "`text` (one readable line per event) or `json` (one JSON object per line)."
    )
    metrics_port: int | None = _setting(
        None, "Serve `/metrics` on this port only (same host); unset: on the main port."
    )
    lease_ttl_s: float = _setting(
        30.0,
        "How long a process holds the once-per-deployment duties (collector, pruning) "
        "without renewing; another process takes them over after that.",
    )
    quarter_retention_days: int = _setting(
        0, "How long quarter-hour buckets are kept (at least 2 days); 0 keeps them for ever."
    )
    mau_retention_days: int = _setting(
        0, "How long MAU rows (contexts seen per day) are kept (at least 31 days); 0: for ever."
    )
    statistics_retention_days: int = _setting(
        0,
        "How long statistics documents are kept (each instance's newest is always kept); "
        "0: for ever.",
    )

    @classmethod
    def from_env(cls, environ: Mapping[str, str], **overrides: Any) -> "Settings":
        """Return settings from GATEWAY_* variables, then explicit overrides (CLI flags)."""
        hints = typing.get_type_hints(cls)
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            raw = environ.get(env_name(f.name))
            if raw is not None:
                values[f.name] = _convert(f.name, raw, hints[f.name])
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def __post_init__(self) -> None:
        if self.database_url is not None:
            check_database_url(self.database_url)
        # Below these, series that the routes serve by default would show pruned
        # buckets as zeros: minutely (2 h), hourly (2 days), rolling 30-day MAU.
        for name, least in MINIMUM_RETENTION.items():
            value = getattr(self, name)
            if value != 0 or name == "minute_retention_hours":
                _at_least(name, value, least)
        if self.log_level.upper() not in LOG_LEVELS:
            raise ValueError(
                f"{env_name('log_level')} must be one of {', '.join(LOG_LEVELS)}, "
                f"not {self.log_level!r}"
            )
        if self.log_format not in LOG_FORMATS:
            raise ValueError(
                f"{env_name('log_format')} must be text or json, not {self.log_format!r}"
            )
        for name in ("workers", "port", "shutdown_grace_s", "lease_ttl_s"):
            _at_least(name, getattr(self, name), 1)
        for name in DATABASE_TIMEOUTS:
            if getattr(self, name) <= 0:
                raise ValueError(f"{env_name(name)} must be above 0, not {getattr(self, name):g}")
        if self.port > MAX_PORT or (self.metrics_port or 1) > MAX_PORT:
            raise ValueError(f"a port must be 1 to {MAX_PORT}")

    @property
    def database(self) -> str:
        """Return the database to use: the configured URL or path, else the per-user file."""
        return self.database_url or str(default_database_path())

    def __repr__(self) -> str:
        shown = []
        for f in dataclasses.fields(self):
            if not f.repr:
                continue
            value = getattr(self, f.name)
            if f.name == "database_url" and value is not None:
                value = _without_password(value)
            shown.append(f"{f.name}={value!r}")
        return f"Settings({', '.join(shown)})"

    def database_timeouts(self) -> Timeouts:
        """Return the database timeouts these settings ask for."""
        return Timeouts(
            connect_s=self.database_connect_timeout_s,
            pool_s=self.database_pool_timeout_s,
            statement_s=self.database_statement_timeout_s,
            lock_s=self.database_lock_timeout_s,
        )

    def documented(self) -> list[tuple[str, str, str]]:
        """Return (variable, default, description) for every setting, for the README."""
        rows = []
        for f in dataclasses.fields(self):
            default = "unset" if f.default is None else f"`{f.default}`"
            rows.append((env_name(f.name), default, f.metadata.get("doc", "")))
        return rows


def env_name(field_name: str) -> str:
    """Return the environment variable that sets a field."""
    return ENV_PREFIX + field_name.upper()


def _convert(name: str, raw: str, hint: Any) -> Any:
    args = typing.get_args(hint)
    if isinstance(hint, types.UnionType) and type(None) in args:
        if raw == "":
            return None
        hint = next(a for a in args if a is not type(None))
    if hint is bool:
        if raw.lower() in ("1", "true", "yes", "on"):
            return True
        if raw.lower() in ("0", "false", "no", "off"):
            return False
        raise ValueError(f"{env_name(name)} must be true or false, not {raw!r}")
    if hint in (int, float):
        try:
            return hint(raw)
        except ValueError:
            raise ValueError(f"{env_name(name)} must be a number, not {raw!r}") from None
    if typing.get_origin(hint) is tuple:
        return tuple(part.strip() for part in raw.split(",") if part.strip())
    return raw
