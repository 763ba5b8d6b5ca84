"""The real LaunchDarkly server-side SDK (PyPI launchdarkly-server-sdk) against the gateway."""

import asyncio
import json
from collections import Counter
from importlib.metadata import version
from pathlib import Path
from typing import Any

from ldclient import Context
from ldclient.client import LDClient
from ldclient.config import Config
from ldclient.integrations import Files
from ldclient.version import VERSION
from sqlalchemy import select

from gateway.settings import Settings
from resolvers.database import Database
from storage.tables import ClientApplication
from tests.gateway.sdk_support import (
    ServerFactory,
    UsageApi,
    evaluation_counts,
    graphql,
    newest,
    read_token,
    scoped_token,
    start_gateway,
    totals,
)


def _flag(
    key: str, variations: list[Any], *, fallthrough: int, targets: dict[int, list[str]]
) -> dict[str, Any]:
    return {
        "key": key,
        "version": 7,
        "on": True,
        "variations": variations,
        "targets": [{"variation": v, "values": keys} for v, keys in targets.items()],
        "contextTargets": [],
        "rules": [],
        "prerequisites": [],
        "fallthrough": {"variation": fallthrough},
        "offVariation": 0,
        "salt": key,
        "trackEvents": False,
    }


FLAGS = {
    "flags": {
        # alice and bob are targeted to true; everyone else falls through to false.
        "new-checkout": _flag(
            "new-checkout", [True, False], fallthrough=1, targets={0: ["alice", "bob"]}
        ),
        "banner": _flag("banner", ["red", "green", "blue"], fallthrough=2, targets={}),
    }
}


ALICE = Context.create("alice")
BOB = Context.create("bob")
VISITOR = Context.builder("visitor-1").anonymous(True).build()
CAROL_AT_ACME = Context.create_multi(Context.create("carol"), Context.create("acme", "org"))
DAVE = Context.create("dave")
# (flag, context, how many evaluations)
EVALUATIONS = [
    ("new-checkout", ALICE, 3),
    ("new-checkout", BOB, 2),
    ("new-checkout", VISITOR, 4),
    ("new-checkout", CAROL_AT_ACME, 1),
    ("banner", ALICE, 5),
    # An unknown flag has no variation index: the SDK sends it, the gateway counts nothing.
    ("no-such-flag", ALICE, 2),
]
TRACKED = [("purchase", ALICE), ("purchase", BOB)]
IDENTIFIED = [DAVE]
PROJECT, ENVIRONMENT = "web", "production"


def run_sdk(base_url: str, sdk_key: str, flags_file: Path) -> None:
    """Evaluate a known set of flags for known contexts, then close (which delivers events)."""
    config = Config(
        sdk_key=sdk_key,
        update_processor_class=Files.new_data_source(paths=[str(flags_file)]),
        events_uri=base_url,
        send_events=True,
        flush_interval=60,
    )
    client = LDClient(config=config, start_wait=5)
    try:
        assert client.is_initialized()
        for flag, context, times in EVALUATIONS:
            for _ in range(times):
                client.variation(flag, context, None)
        for event, context in TRACKED:
            client.track(event, context)
        for context in IDENTIFIED:
            client.identify(context)
    finally:
        client.close()


def _served(flag: dict[str, Any], context: Context) -> int:
    """The variation the flag's user targets or fallthrough give a context."""
    user = context.get_individual_context("user")
    for target in flag["targets"]:
        if user is not None and user.key in target["values"]:
            return int(target["variation"])
    return int(flag["fallthrough"]["variation"])


def expected_evaluations() -> dict[str, Counter[int]]:
    """Evaluations per known flag and variation, from what run_sdk did."""
    counts: dict[str, Counter[int]] = {key: Counter() for key in FLAGS["flags"]}
    for key, context, times in EVALUATIONS:
        if key in FLAGS["flags"]:
            counts[key][_served(FLAGS["flags"][key], context)] += times
    return counts


def individual_contexts() -> set[tuple[str, str, bool]]:
    """(kind, key, anonymous) of every single context run_sdk showed the SDK."""
    used = [c for _, c, _ in EVALUATIONS] + [c for _, c in TRACKED] + IDENTIFIED
    found = set()
    for context in used:
        for i in range(context.individual_context_count):
            single = context.get_individual_context(i)
            assert single is not None
            found.add((single.kind, single.key, single.anonymous))
    return found


def expected_mau(labels: tuple[str, ...]) -> list[tuple[dict[str, Any], int]]:
    """MAU of every kind grouped by project, environment, SDK type, SDK, anonymous, kind.

    ``labels`` names those six dimensions as the door spells them; series come sorted by
    their values, and only anonymous and kind vary here.
    """
    by_group = Counter((anonymous, kind) for kind, _, anonymous in individual_contexts())
    return [
        (dict(zip(labels, (PROJECT, ENVIRONMENT, "server", "Python", a, k), strict=True)), n)
        for (a, k), n in sorted(by_group.items())
    ]


CONTEXTS = individual_contexts()
KINDS = sorted({kind for kind, _, _ in CONTEXTS})
USERS = [c for c in CONTEXTS if c[0] == "user"]
KNOWN_USERS = [c for c in USERS if not c[2]]
# A server-side SDK's contexts are backend ones; the categories break down the users.
CATEGORIES = [("browser", 0), ("mobile", 0), ("backend", len(USERS))]


async def check_rest(api: UsageApi) -> None:
    """The LaunchDarkly usage shims show exactly what run_sdk did."""
    scope = f"/evaluations/{PROJECT}/{ENVIRONMENT}"
    for key, counts in expected_evaluations().items():
        variations = FLAGS["flags"][key]["variations"]
        assert await api.totals(f"{scope}/{key}") == [
            ({"variation": v, "value": variations[v]}, n) for v, n in sorted(counts.items())
        ]
    assert await api.status(f"{scope}/no-such-flag") == 404

    # Without contextKind, /mau counts users only, as LaunchDarkly does.
    assert await api.latest("/mau") == [({}, len(USERS))]
    assert await api.latest("/mau", ("anonymous", "false")) == [({}, len(KNOWN_USERS))]
    every_kind = [("contextKind", kind) for kind in KINDS]
    assert await api.latest("/mau", *every_kind) == [({}, len(CONTEXTS))]
    groups = ("project", "environment", "sdktype", "sdk", "anonymous", "contextKind")
    grouped = await api.latest("/mau", *every_kind, *[("groupby", g) for g in groups])
    assert grouped == expected_mau(groups)
    categories = [({"category": c}, n) for c, n in CATEGORIES]
    assert await api.latest("/mau/bycategory") == categories
    assert await api.get("/mau/sdks") == {
        "_links": {"self": {"href": "/api/v2/usage/mau/sdks", "type": "application/json"}},
        "sdks": ["Python"],
    }
    assert (await api.get("/mau/sdks", ("sdktype", "client")))["sdks"] == []

    # The diagnostic-init event observes one live connection of this SDK and version.
    assert (await api.get("/streams/server/sdkversions"))["sdkVersions"] == [
        {"sdk": "Python", "version": VERSION}
    ]
    assert await api.peaks("/streams/server") == [({"source": "server"}, 1)]
    assert await api.peaks("/streams/server/bysdkversion") == [
        ({"sdk": "Python", "version": VERSION, "source": "server"}, 1)
    ]
    assert (await api.get("/streams/client/sdkversions"))["sdkVersions"] == []

    assert await api.totals("/events/received") == [({"type": "received"}, len(TRACKED))]
    assert await api.totals("/events/published") == [({"type": "published"}, 0)]


SERIES = "series {{ labels {{ {} }} total values }}"
MAU_LABELS = ("project", "environment", "sdkType", "sdk", "anonymous", "contextKind")


def usage_query() -> str:
    """One GraphQL operation asking what check_rest asks."""
    evaluations = " ".join(
        f'f{i}: evaluations(project: "{PROJECT}", environment: "{ENVIRONMENT}", flag: "{key}")'
        f" {{ {SERIES.format('variation value')} }}"
        for i, key in enumerate(expected_evaluations())
    )
    kinds = json.dumps(KINDS)
    return f"""{{
        {evaluations}
        users: mau {{ {SERIES.format("contextKind")} }}
        known: mau(anonymous: false) {{ {SERIES.format("anonymous")} }}
        everyKind: mau(contextKinds: {kinds}) {{ {SERIES.format("contextKind")} }}
        grouped: mau(
            contextKinds: {kinds},
            groupBy: [PROJECT, ENVIRONMENT, SDK_TYPE, SDK, ANONYMOUS, CONTEXT_KIND]
        ) {{ {SERIES.format(" ".join(MAU_LABELS))} }}
        mauByCategory {{ {SERIES.format("category")} }}
        mauSdks
        clientSdks: mauSdks(sdkType: CLIENT)
        streamSdkVersions(source: SERVER) {{ sdk version }}
        clientVersions: streamSdkVersions(source: CLIENT) {{ sdk version }}
        streams(source: SERVER, bySdkVersion: true) {{ {SERIES.format("sdk version source")} }}
        received: events(type: RECEIVED) {{ {SERIES.format("eventType")} }}
        sdkInstances {{ appName environment sdk sdkVersion }}
        evaluationSdks(project: "{PROJECT}", environment: "{ENVIRONMENT}") {{
            sdk version evaluations
        }}
    }}"""


async def check_graphql(base_url: str, token: str) -> None:
    """GraphQL shows the same numbers as the shims (the same resolvers answer both)."""
    body = await graphql(base_url, token, usage_query())
    assert "errors" not in body, body
    data = body["data"]
    for i, (key, counts) in enumerate(expected_evaluations().items()):
        variations = FLAGS["flags"][key]["variations"]
        assert totals(data[f"f{i}"], "variation", "value") == [
            ({"variation": v, "value": variations[v]}, n) for v, n in sorted(counts.items())
        ]
    # Without groupBy, MAU is one series, of users only unless contextKinds says otherwise.
    assert [s["values"][-1] for s in data["users"]["series"]] == [len(USERS)]
    assert [s["values"][-1] for s in data["known"]["series"]] == [len(KNOWN_USERS)]
    assert [s["values"][-1] for s in data["everyKind"]["series"]] == [len(CONTEXTS)]
    assert newest(data["grouped"], *MAU_LABELS) == expected_mau(MAU_LABELS)
    categories = [({"category": c}, n) for c, n in CATEGORIES]
    assert newest(data["mauByCategory"], "category") == categories
    assert (data["mauSdks"], data["clientSdks"]) == (["Python"], [])
    assert data["streamSdkVersions"] == [{"sdk": "Python", "version": VERSION}]
    assert data["clientVersions"] == []
    assert [(s["labels"], max(s["values"])) for s in data["streams"]["series"]] == [
        ({"sdk": "Python", "version": VERSION, "source": "server"}, 1)
    ]
    assert totals(data["received"], "eventType") == [({"eventType": "received"}, len(TRACKED))]
    # The diagnostic event names the instance's SDK; without application tags the app is
    # "launchdarkly". The version is the installed package's.
    installed = version("launchdarkly-server-sdk")
    assert data["sdkInstances"] == [
        {
            "appName": "launchdarkly",
            "environment": ENVIRONMENT,
            "sdk": "Python",
            "sdkVersion": installed,
        }
    ]
    # Every evaluation the SDK reported carries the same name and version.
    calls = sum(sum(counts.values()) for counts in expected_evaluations().values())
    assert data["evaluationSdks"] == [{"sdk": "Python", "version": installed, "evaluations": calls}]

    unknown = await graphql(
        base_url,
        token,
        f'{{ evaluations(project: "{PROJECT}", environment: "{ENVIRONMENT}",'
        ' flag: "no-such-flag") { granularity } }',
    )
    assert [e["extensions"]["code"] for e in unknown["errors"]] == ["not_found"]


async def test_server_sdk_events_become_evaluations_contexts_and_sdk(
    aiohttp_server: ServerFactory, settings: Settings, db: Database, tmp_path: Path
) -> None:
    base_url = await start_gateway(aiohttp_server, settings)
    secret, _ = await scoped_token(db, PROJECT, ENVIRONMENT)
    flags_file = tmp_path / "flags.json"
    flags_file.write_text(json.dumps(FLAGS))

    await asyncio.to_thread(run_sdk, base_url, secret, flags_file)

    reader = await read_token(db)
    await check_rest(UsageApi(base_url, reader))
    await check_graphql(base_url, reader)

    # Storage holds which SDK made each evaluation, and which instance reported.
    sdk = ("Python", VERSION)
    assert await evaluation_counts(db) == {
        (PROJECT, ENVIRONMENT, key, variation, *sdk): n
        for key, counts in expected_evaluations().items()
        for variation, n in counts.items()
    }
    async with db.session() as session:
        instances = (await session.execute(select(ClientApplication))).scalars().all()
    assert [(i.environment, i.sdk, i.sdk_version) for i in instances] == [(ENVIRONMENT, *sdk)]
