"""Monthly active users: /mau parameters, windows and groupings (docs/formats.md §2.4)."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from resolvers.buckets import month_starts, utc_days
from resolvers.errors import InvalidRequest
from resolvers.series import UNKNOWN, SeriesList, zero_filled
from resolvers.usage_params import Query, TimeRange, choice, choices, texts, usage_range
from resolvers.vocabulary import Category, SdkType, values
from storage import mau as rows
from storage.engine import Database

DEFAULT_CONTEXT_KINDS = ("user",)
GROUPS = ("project", "environment", "sdktype", "sdk", "anonymous", "contextKind")
AGGREGATIONS = ("rolling_30d", "month_to_date", "daily_incremental")
# LaunchDarkly's client also offers these; we keep no such dimension, so they are a 400.
UNSUPPORTED_GROUPS = ("sdkAppId",)
ROLLING_DAYS = 30


@dataclass(frozen=True, slots=True)
class MauQuery:
    """What /mau asks for: filters, groupings and the window of each day's count."""

    span: TimeRange
    projects: tuple[str, ...] = ()
    environments: tuple[str, ...] = ()
    sdk_types: tuple[str, ...] = ()
    sdks: tuple[str, ...] = ()
    anonymous: bool | None = None
    context_kinds: tuple[str, ...] = ()
    group_by: tuple[str, ...] = ()
    aggregation: str = "rolling_30d"
    filters: dict[str, tuple[Any, ...]] = field(init=False)

    def __post_init__(self) -> None:
        anonymous = () if self.anonymous is None else (self.anonymous,)
        filters = {
            "project": self.projects,
            "environment": self.environments,
            "sdktype": self.sdk_types,
            "sdk": self.sdks,
            "anonymous": anonymous,
            "contextKind": self.context_kinds,
        }
        object.__setattr__(self, "filters", filters)


def parse_mau_query(query: Query, *, now: datetime) -> MauQuery:
    """Return the /mau request a query string describes, or raise InvalidRequest."""
    span = usage_range(query, now=now, route="mau")
    projects, environments = texts(query, "project"), texts(query, "environment")
    if environments and len(projects) != 1:
        raise InvalidRequest("environment: needs exactly one project parameter")
    groups = query.get("groupby", ())
    for group in groups:
        if group in UNSUPPORTED_GROUPS:
            raise InvalidRequest(f"groupby: {group} is not supported by this gateway")
    anonymous = choice(query, "anonymous", ("true", "false"))
    return MauQuery(
        span=span,
        projects=projects,
        environments=environments,
        sdk_types=choices(query, "sdktype", values(SdkType)),
        sdks=texts(query, "sdk"),
        anonymous=None if anonymous is None else anonymous == "true",
        # LaunchDarkly counts only the user kind when contextKind is not given (MAU is a
        # count of users, as the seed page says), so legacy dashboards get its numbers.
        context_kinds=texts(query, "contextKind") or DEFAULT_CONTEXT_KINDS,
        group_by=choices(query, "groupby", GROUPS),
        aggregation=choice(query, "aggregationType", AGGREGATIONS) or "rolling_30d",
    )


def _value(group: str, value: Any) -> Any:
    if group == "anonymous":
        return bool(value)
    return value


async def mau_series(db: Database, query: MauQuery) -> SeriesList:
    """Return distinct active contexts per UTC day: one series, or one per group."""
    days = utc_days(query.span.lo, query.span.hi)
    lookback = {"rolling_30d": ROLLING_DAYS, "daily_incremental": 1}.get(query.aggregation)
    async with db.session() as session:
        counts = await rows.active_counts(
            session,
            first_day=days[0],
            last_day=days[-1],
            lookback_days=lookback,
            month_starts=month_starts(days),
            filters=query.filters,
            group_by=query.group_by,
        )
    index = {day: i for i, day in enumerate(days)}
    found = {
        (index[day], tuple(_value(g, v) for g, v in zip(query.group_by, values, strict=True))): n
        for day, *values, n in counts
    }
    keys = sorted({key for _, key in found}) if query.group_by else [()]
    metadata = tuple(dict(zip(query.group_by, key, strict=True)) for key in keys)
    return SeriesList(metadata, zero_filled(days, keys, found))


async def mau_by_category(db: Database, *, span: TimeRange) -> SeriesList:
    """Return rolling-30-day MAU per category: browser, mobile, backend, in that order."""
    days = utc_days(span.lo, span.hi)
    async with db.session() as session:
        counts = await rows.active_counts(
            session,
            first_day=days[0],
            last_day=days[-1],
            lookback_days=ROLLING_DAYS,
            # The same users as /mau without contextKind, so the categories add up to it.
            filters={"contextKind": DEFAULT_CONTEXT_KINDS},
            group_by=("category",),
        )
    index = {day: i for i, day in enumerate(days)}
    found = {(index[day], category): n for day, category, n in counts}
    categories = values(Category)
    metadata = tuple({"category": c} for c in categories)
    return SeriesList(metadata, zero_filled(days, categories, found))


def parse_sdk_type(query: Query) -> str | None:
    """Return the /mau/sdks ``sdktype`` filter, if any."""
    return choice(query, "sdktype", values(SdkType))


async def mau_sdks(db: Database, *, span: TimeRange, sdk_type: str | None) -> list[str]:
    """Return the names of SDKs with active contexts in the range (UTC days), sorted."""
    days = utc_days(span.lo, span.hi)
    async with db.session() as session:
        names = await rows.sdk_names(
            session,
            first_day=days[0],
            last_day=days[-1],
            sdk_types=() if sdk_type is None else (sdk_type,),
        )
    return sorted({name or UNKNOWN for name in names})
