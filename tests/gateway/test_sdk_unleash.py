"""The real Unleash Python SDK (PyPI UnleashClient) against the gateway."""

import asyncio
import json
from collections import Counter
from dataclasses import replace
from importlib.metadata import version
from pathlib import Path
from typing import Any

from sqlalchemy import select
from UnleashClient import UnleashClient
from UnleashClient.constants import SDK_NAME, SDK_VERSION

from gateway.settings import Settings
from gateway.unleash.payloads import variant_variation
from resolvers.database import Database
from storage.tables import ClientApplication
from tests.gateway.sdk_support import (
    ServerFactory,
    UsageApi,
    evaluation_counts,
    graphql,
    read_token,
    scoped_token,
    start_gateway,
    totals,
)

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


PROJECT, ENVIRONMENT = "shop", "staging"
# (toggle, how many is_enabled calls, what each returns); "ghost" is unknown: false.
IS_ENABLED = [("checkout", 3, True), ("legacy", 4, False), ("ghost", 1, False)]
# (toggle, how many get_variant calls, the variant each returns); a disabled toggle gives
# Unleash's built-in "disabled" variant.
GET_VARIANT = [("checkout", 2, "blue"), ("legacy", 1, "disabled")]


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
        for toggle, times, enabled in IS_ENABLED:
            for n in range(times):
                assert client.is_enabled(toggle, {"userId": f"u{n}"}) is enabled
        for toggle, times, variant in GET_VARIANT:
            for n in range(times):
                assert client.get_variant(toggle, {"userId": f"u{n}"})["name"] == variant
    finally:
        client.destroy()


def expected_evaluations() -> dict[str, Counter[tuple[int, Any]]]:
    """Evaluations per toggle and (variation, value), from what run_sdk did.

    A plain yes/no is variation 1/0 (true/false); a named variant is its own variation
    valued by its name; the built-in "disabled" variant is a plain no.
    """
    counts: dict[str, Counter[tuple[int, Any]]] = {}
    for toggle, times, enabled in IS_ENABLED:
        counts.setdefault(toggle, Counter())[(int(enabled), enabled)] += times
    for toggle, times, variant in GET_VARIANT:
        outcome = (0, False) if variant == "disabled" else (variant_variation(variant), variant)
        counts.setdefault(toggle, Counter())[outcome] += times
    return counts


async def test_unleash_sdk_registers_and_reports_evaluations(
    aiohttp_server: ServerFactory, settings: Settings, db: Database, tmp_path: Path
) -> None:
    features_file = tmp_path / "features.json"
    features_file.write_text(json.dumps(FEATURES))
    base_url = await start_gateway(
        aiohttp_server, replace(settings, unleash_features_file=str(features_file))
    )
    secret, _ = await scoped_token(db, PROJECT, ENVIRONMENT)

    await asyncio.to_thread(run_sdk, base_url, secret, tmp_path / "cache")

    api = UsageApi(base_url, await read_token(db))
    for toggle, counts in expected_evaluations().items():
        assert await api.totals(f"/evaluations/{PROJECT}/{ENVIRONMENT}/{toggle}") == [
            ({"variation": variation, "value": value}, n)
            for (variation, value), n in sorted(counts.items())
        ]
    # Unleash metrics carry counts per toggle, never contexts, and a polling SDK holds no
    # stream: there is no MAU, no MAU SDK and no streaming SDK version to show.
    assert await api.latest("/mau") == [({}, 0)]
    assert (await api.get("/mau/sdks"))["sdks"] == []
    assert (await api.get("/streams/server/sdkversions"))["sdkVersions"] == []

    toggles = list(expected_evaluations())
    evaluations = " ".join(
        f't{i}: evaluations(project: "{PROJECT}", environment: "{ENVIRONMENT}", flag: "{name}")'
        " { series { labels { variation value } total } }"
        for i, name in enumerate(toggles)
    )
    body = await graphql(
        base_url,
        api.headers["Authorization"],
        f"""{{
            {evaluations}
            mau {{ series {{ values }} }}
            mauSdks
            streamSdkVersions(source: SERVER) {{ sdk version }}
            sdkInstances {{ appName instanceId environment sdk sdkVersion }}
            evaluationSdks(project: "{PROJECT}") {{ sdk version evaluations }}
        }}""",
    )
    assert "errors" not in body, body
    data = body["data"]
    for i, name in enumerate(toggles):
        assert totals(data[f"t{i}"], "variation", "value") == [
            ({"variation": variation, "value": value}, n)
            for (variation, value), n in sorted(expected_evaluations()[name].items())
        ]
    assert [s["values"][-1] for s in data["mau"]["series"]] == [0]
    assert (data["mauSdks"], data["streamSdkVersions"]) == ([], [])
    # The SDK name and version show on the instance that registered.
    sdk = (SDK_NAME, SDK_VERSION)
    assert data["sdkInstances"] == [
        {
            "appName": "checkout-service",
            "instanceId": "pod-1",
            "environment": ENVIRONMENT,
            "sdk": SDK_NAME,
            "sdkVersion": version("UnleashClient"),  # the installed package's
        }
    ]
    # And on the evaluations the SDK reported: every call of run_sdk.
    calls = sum(times for _, times, _ in IS_ENABLED + GET_VARIANT)
    assert data["evaluationSdks"] == [
        {"sdk": SDK_NAME, "version": version("UnleashClient"), "evaluations": calls}
    ]

    # Storage holds them on each evaluation and on the instance too.
    assert await evaluation_counts(db) == {
        (PROJECT, ENVIRONMENT, toggle, variation, *sdk): n
        for toggle, counts in expected_evaluations().items()
        for (variation, _), n in counts.items()
    }
    async with db.session() as session:
        apps = (await session.execute(select(ClientApplication))).scalars().all()
    assert [(a.app_name, a.instance_id, a.environment, a.sdk, a.sdk_version) for a in apps] == [
        ("checkout-service", "pod-1", ENVIRONMENT, *sdk)
    ]
