"""The Query, Mutation and Subscription roots: thin fields over resolvers."""

import strawberry

from schema import flags as flag_fields
from schema import graph_usage, ingestion, live, sdks, statistics, statistics_series, usage
from schema import tokens as token_fields
from schema.access import principal
from schema.context import Info
from schema.enums import TokenKind


@strawberry.type(description="Who is calling.")
class Viewer:
    name: str
    kind: TokenKind


def _viewer(info: Info) -> Viewer:
    caller = principal(info.context)
    return Viewer(name=caller.name, kind=TokenKind(caller.kind))


@strawberry.type
class Query:
    viewer: Viewer = strawberry.field(
        resolver=_viewer, description="The caller's token: its name and kind."
    )
    tokens: list[token_fields.Token] = strawberry.field(
        resolver=token_fields.list_tokens, description="Every API token (admin only)."
    )

    projects: list[flag_fields.Project] = strawberry.field(
        resolver=flag_fields.projects,
        description=(
            "Every project seen in usage data (evaluations, contexts, meters), with its "
            "environments, by key."
        ),
    )
    flags: flag_fields.FlagConnection = strawberry.field(
        resolver=flag_fields.flag_connection,
        description=(
            "Flags seen in evaluations, one per (project, environment, key), as a Relay "
            "connection. `from`/`to` (default: the past 7 days) is the range "
            "EVALUATIONS_DESC and each flag's evaluationTotal use."
        ),
    )
    flag: flag_fields.Flag | None = strawberry.field(
        resolver=flag_fields.flag,
        description="One flag of one environment; null when it was never evaluated there.",
    )

    instance_statistics = strawberry.field(
        resolver=statistics.instance_statistics,
        description=(
            "The newest statistics document of the primary (or given) instance taken at or "
            "before `at`; null when there is none."
        ),
    )
    instance_statistics_history = strawberry.field(
        resolver=statistics.instance_statistics_history,
        description=(
            "The last statistics document of each step (`every` seconds) of [from, to) that "
            "has one, oldest first."
        ),
    )
    fleet_statistics = strawberry.field(
        resolver=statistics.fleet_statistics,
        description=(
            "Totals over every instance's newest statistics document taken at or before `at` "
            "(default: now)."
        ),
    )
    instances = strawberry.field(
        resolver=statistics.instances,
        description=(
            "Every instance with stored statistics, with its newest document and the "
            "collector upstream that delivered it."
        ),
    )
    statistics_series = strawberry.field(
        resolver=statistics_series.statistics_series_field,
        description=(
            "Any numeric statistics field as a series, per instance or (without instanceId) "
            "the fleet total (the largest instance's value for max… fields). A point is the "
            "value in the newest document taken before its bucket ends (carried forward; 0 "
            "before the first document); a series' total is its last point. Default range: "
            "the past 30 days; granularity by the REST rule unless given; UTC."
        ),
    )
    upstreams = strawberry.field(
        resolver=statistics.collector_upstreams,
        description=(
            "The statistics collector's upstreams: last attempt, last success, last error."
        ),
    )

    evaluations = strawberry.field(
        resolver=usage.evaluations,
        description=(
            "Evaluations of a flag per variation; null (with a not_found error) for a flag "
            "never seen. Granularity by the vendor rule unless given. "
            "REST: /api/v2/usage/evaluations/{project}/{environment}/{flag}."
        ),
    )
    events = strawberry.field(
        resolver=usage.events,
        description=("Analytics events of a type. REST: /api/v2/usage/events/{type}."),
    )
    streams = strawberry.field(
        resolver=usage.streams,
        description=(
            "Peak streaming connections, in total or per SDK version. REST: "
            "/api/v2/usage/streams/{source}[/bysdkversion]."
        ),
    )
    stream_sdk_versions = strawberry.field(
        resolver=usage.stream_sdk_versions,
        description=(
            "SDKs and versions that streamed in the past 60 days. REST: "
            "/api/v2/usage/streams/{source}/sdkversions."
        ),
    )
    mau = strawberry.field(
        resolver=usage.mau_series,
        description=(
            "Monthly active users per UTC day, filtered and grouped. REST: /api/v2/usage/mau."
        ),
    )
    mau_by_category = strawberry.field(
        resolver=usage.mau_by_category,
        description=(
            "MAU per category (browser, mobile, backend). REST: /api/v2/usage/mau/bycategory."
        ),
    )
    mau_sdks = strawberry.field(
        resolver=usage.mau_sdks,
        description=("Names of SDKs with active contexts. REST: /api/v2/usage/mau/sdks."),
    )
    sdk_instances = strawberry.field(
        resolver=sdks.sdk_instances,
        description=(
            "SDK instances seen at or after `since` (default: the past 60 days), with the SDK "
            "name and version each announced: Unleash SDKs when they register, LaunchDarkly "
            "SDKs in diagnostic events. Optionally of one environment or SDK name."
        ),
    )
    evaluation_sdks = strawberry.field(
        resolver=sdks.evaluation_sdks,
        description=(
            "Evaluations per SDK name and version over a range (default: the past 30 days), "
            "optionally of one project and/or environment; counted in the buckets the "
            "evaluations field would use."
        ),
    )
    meter = strawberry.field(
        resolver=usage.meter,
        description=(
            "A billing meter's month-to-date value per UTC day. REST: /api/v2/usage/{meter}."
        ),
    )
    # After every use of the `usage` module above: this name shadows it in the class body.
    usage = strawberry.field(
        resolver=graph_usage.usage,
        description=(
            "One aggregate over any measure: a series per group of `groupBy` (each a dimension "
            "of the measure), filtered, ordered by total (or labels) and cut to the `first`. "
            "Range defaults and granularity as the measure's REST route; MAU and meters count "
            "UTC days. A total: evaluations and events the sum of the points, connections the "
            "highest point, MAU the distinct contexts active on any day of the range, meters "
            "the amount added within it."
        ),
    )


@strawberry.type
class Mutation:
    ingest = strawberry.mutation(resolver=ingestion.ingest)
    record_instance_statistics = strawberry.mutation(resolver=ingestion.record_instance_statistics)
    create_token = strawberry.mutation(
        resolver=token_fields.create_token, description="Issue a token (admin only)."
    )
    revoke_token = strawberry.mutation(
        resolver=token_fields.revoke_token, description="Revoke a token (admin only)."
    )


@strawberry.type
class Subscription:
    evaluations_live = strawberry.subscription(
        resolver=live.evaluations_live,
        description="A flag's evaluations by variation, minutely, pushed as buckets change.",
    )
