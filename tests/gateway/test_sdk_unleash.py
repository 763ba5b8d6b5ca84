"""The real Unleash Python SDK (PyPI UnleashClient) against the gateway."""

import asyncio
import json
from dataclasses import replace
from pathlib import Path

from sqlalchemy import select
from UnleashClient import UnleashClient
from UnleashClient.constants import SDK_NAME, SDK_VERSION

from gateway.settings import Settings
from resolvers.unleash_client import variant_variation
from storage.engine import Database
from storage.tables import ClientApplication
from tests.gateway.sdk_support import ServerFactory, evaluation_counts, scoped_token, start_gateway

FEATURES = {
    "version": 2,
    "features": [
        {
            "name": "checkout",
            "type": "release",
            "enabled": True,
            "project": "default",
            "strategies": [{"name": "default", "parameters": {}, "constraints": []}],
            # One variant with all the weight: every get_variant gets "blue".
            "variants": [
                {"name": "blue", "weight": 1000, "weightType": "variable", "stickiness": "default"}
            ],
        },
        {
            "name": "legacy",
            "type": "release",
            "enabled": False,
            "project": "default",
            "strategies": [{"name": "default", "parameters": {}, "constraints": []}],
        },
    ],
}


def run_sdk(base_url: str, token: str, cache: Path) -> None:
    """Evaluate known toggles a known number of times; destroy() sends the last metrics."""
    client = UnleashClient(
        url=f"{base_url}/api",
        app_name="checkout-service",
        instance_id="pod-1",
        custom_headers={"Authorization": token},
        refresh_interval=3600,
        metrics_interval=3600,
        disable_registration=False,
        cache_directory=str(cache),
    )
    client.initialize_client()
    try:
        assert client.is_initialized
        for n in range(3):
            assert client.is_enabled("checkout", {"userId": f"u{n}"})
        for n in range(2):
            assert client.get_variant("checkout", {"userId": f"u{n}"})["name"] == "blue"
        for n in range(4):
            assert not client.is_enabled("legacy", {"userId": f"u{n}"})
        assert client.get_variant("legacy")["name"] == "disabled"
        assert not client.is_enabled("ghost")
    finally:
        client.destroy()


async def test_unleash_sdk_registers_and_reports_evaluations(
    aiohttp_server: ServerFactory, settings: Settings, db: Database, tmp_path: Path
) -> None:
    features_file = tmp_path / "features.json"
    features_file.write_text(json.dumps(FEATURES))
    base_url = await start_gateway(
        aiohttp_server, replace(settings, unleash_features_file=str(features_file))
    )
    secret, _ = await scoped_token(db, "shop", "staging")

    await asyncio.to_thread(run_sdk, base_url, secret, tmp_path / "cache")

    sdk = (SDK_NAME, SDK_VERSION)
    assert await evaluation_counts(db) == {
        # checkout: 5 yes, of which 2 got the variant "blue"
        ("shop", "staging", "checkout", 1, *sdk): 3,
        ("shop", "staging", "checkout", variant_variation("blue"), *sdk): 2,
        # legacy: 5 no (the get_variant's "disabled" variant is one of them)
        ("shop", "staging", "legacy", 0, *sdk): 5,
        # an unknown toggle evaluates to false
        ("shop", "staging", "ghost", 0, *sdk): 1,
    }
    async with db.session() as session:
        apps = (await session.execute(select(ClientApplication))).scalars().all()
    assert [(a.app_name, a.instance_id, a.environment, a.sdk, a.sdk_version) for a in apps] == [
        ("checkout-service", "pod-1", "staging", *sdk)
    ]
