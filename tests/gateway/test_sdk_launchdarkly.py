"""The real LaunchDarkly server-side SDK (PyPI launchdarkly-server-sdk) against the gateway."""

import asyncio
import json
from pathlib import Path
from typing import Any

from ldclient import Context
from ldclient.client import LDClient
from ldclient.config import Config
from ldclient.integrations import Files
from ldclient.version import VERSION
from sqlalchemy import select

from gateway.settings import Settings
from resolvers.ingestion import context_hash
from storage.engine import Database
from storage.tables import MINUTE, ClientApplication, EventBucket, FlagVariation, StreamBucket
from tests.gateway.sdk_support import (
    ServerFactory,
    contexts_seen,
    evaluation_counts,
    scoped_token,
    start_gateway,
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
        alice = Context.create("alice")
        bob = Context.create("bob")
        anonymous = Context.builder("visitor-1").anonymous(True).build()
        multi = Context.create_multi(Context.create("carol"), Context.create("acme", "org"))
        for context, times in ((alice, 3), (bob, 2), (anonymous, 4), (multi, 1)):
            for _ in range(times):
                client.variation("new-checkout", context, False)
        for _ in range(5):
            client.variation("banner", alice, "none")
        for _ in range(2):  # an unknown flag has no variation index: not counted
            client.variation("no-such-flag", alice, "default")
        client.track("purchase", alice)
        client.track("purchase", bob)
        client.identify(Context.create("dave"))
    finally:
        client.close()


async def test_server_sdk_events_become_evaluations_contexts_and_sdk(
    aiohttp_server: ServerFactory, settings: Settings, db: Database, tmp_path: Path
) -> None:
    base_url = await start_gateway(aiohttp_server, settings)
    secret, _ = await scoped_token(db, "web", "production")
    flags_file = tmp_path / "flags.json"
    flags_file.write_text(json.dumps(FLAGS))

    await asyncio.to_thread(run_sdk, base_url, secret, flags_file)

    sdk = ("Python", VERSION)
    assert await evaluation_counts(db) == {
        ("web", "production", "new-checkout", 0, *sdk): 3 + 2,
        ("web", "production", "new-checkout", 1, *sdk): 4 + 1,
        ("web", "production", "banner", 2, *sdk): 5,
    }
    async with db.session() as session:
        values = {
            (r.flag, r.variation): json.loads(r.value_json)
            for r in (await session.execute(select(FlagVariation))).scalars()
        }
        events = (
            (await session.execute(select(EventBucket).where(EventBucket.width == MINUTE)))
            .scalars()
            .all()
        )
        instances = (await session.execute(select(ClientApplication))).scalars().all()
        streams = (
            (await session.execute(select(StreamBucket).where(StreamBucket.width == MINUTE)))
            .scalars()
            .all()
        )
    assert values == {("new-checkout", 0): True, ("new-checkout", 1): False, ("banner", 2): "blue"}
    assert [(e.event_type, e.count) for e in events] == [("received", 2)]

    dims = ("web", "production", "Python", "server", "backend")
    assert await contexts_seen(db) == {
        (context_hash("user", "alice"), "user", False, *dims),
        (context_hash("user", "bob"), "user", False, *dims),
        (context_hash("user", "visitor-1"), "user", True, *dims),
        (context_hash("user", "carol"), "user", False, *dims),
        (context_hash("org", "acme"), "org", False, *dims),
        (context_hash("user", "dave"), "user", False, *dims),
    }
    # The diagnostic-init event registers the instance and observes one live connection.
    assert [(i.environment, i.sdk, i.sdk_version) for i in instances] == [("production", *sdk)]
    assert [(s.source, s.sdk, s.sdk_version, s.connections) for s in streams] == [
        ("server", *sdk, 1)
    ]
