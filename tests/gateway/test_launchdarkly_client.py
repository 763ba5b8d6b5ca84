"""LaunchDarkly's own generated client (launchdarkly-api 17.2.0) against our server.

The client is synchronous (urllib3), so each call runs in a thread while the aiohttp
test server serves it on the event loop.
"""

import asyncio
import random
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import launchdarkly_api
import pytest
from aiohttp.test_utils import TestClient
from launchdarkly_api.api import account_usage_beta_api
from launchdarkly_api.exceptions import (
    ApiException,
    ForbiddenException,
    NotFoundException,
    UnauthorizedException,
)
from launchdarkly_api.model.sdk_list_rep import SdkListRep
from launchdarkly_api.model.sdk_version_list_rep import SdkVersionListRep
from launchdarkly_api.model.series_intervals_rep import SeriesIntervalsRep
from launchdarkly_api.model.series_list_rep import SeriesListRep

from resolvers.clock import epoch_s
from resolvers.database import Database
from tests import usage_data as data
from tests.conftest import ADMIN
from tests.usage_data import NOW

Api = account_usage_beta_api.AccountUsageBetaApi


def make_api(
    client: TestClient[Any, Any], *, token: str = ADMIN, beta: bool = True, retries: Any = None
) -> Api:
    config = launchdarkly_api.Configuration(host=str(client.make_url("")).rstrip("/"))
    # urllib3 honours Retry-After on 429/503 by sleeping and retrying (a minute here).
    config.retries = retries
    config.api_key["ApiKey"] = token
    api_client = (
        launchdarkly_api.ApiClient(config, header_name="LD-API-Version", header_value="beta")
        if beta
        else launchdarkly_api.ApiClient(config)
    )
    return Api(api_client)


async def call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    return await asyncio.to_thread(fn, *args, **kwargs)


@pytest.fixture
async def seeded(db: Database) -> None:
    rng = random.Random(31)
    raw = [
        *data.evaluations(rng, 100),
        *data.events(rng, 50),
        *data.streams(rng, 50),
        *data.contexts(rng, 100),
        *data.meters(rng, 50),
        {"type": "meter", "time": data.iso(NOW), "meter": "experimentation-units",
         "value": 2.5},
    ]  # fmt: skip
    await data.ingest(db, raw)


MS_FROM = str(epoch_s(NOW - timedelta(days=10)) * 1000)
S_FROM = str(epoch_s(NOW - timedelta(days=10)))

CALLS: list[tuple[str, tuple[Any, ...], dict[str, Any], type]] = [
    ("get_data_export_events_usage", (), {"_from": S_FROM}, SeriesIntervalsRep),
    ("get_evaluations_usage", ("web", "production", "f"), {"tz": "Asia/Kolkata"}, SeriesListRep),
    ("get_events_usage", ("received",), {"_from": MS_FROM}, SeriesListRep),
    ("get_experimentation_keys_usage", (), {}, SeriesIntervalsRep),
    ("get_experimentation_units_usage", (), {}, SeriesIntervalsRep),
    ("get_mau_sdks_by_type", (), {"sdktype": "client"}, SdkListRep),
    (
        "get_mau_usage",
        (),
        {"groupby": "sdk", "aggregation_type": "month_to_date", "context_kind": "user"},
        SeriesListRep,
    ),
    ("get_mau_usage_by_category", (), {}, SeriesListRep),
    (
        "get_service_connection_usage",
        (),
        {"project_key": "web", "environment_key": "production"},
        SeriesIntervalsRep,
    ),
    ("get_stream_usage", ("server",), {"tz": "America/New_York"}, SeriesListRep),
    ("get_stream_usage_by_sdk_version", ("server",), {"sdk": "Go"}, SeriesListRep),
    ("get_stream_usage_sdkversion", ("client",), {}, SdkVersionListRep),
]


@pytest.mark.parametrize(("method", "args", "kwargs", "model"), CALLS, ids=[c[0] for c in CALLS])
async def test_every_200_deserializes_into_its_model(
    client: TestClient[Any, Any],
    seeded: None,
    method: str,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    model: type,
) -> None:
    result = await call(getattr(make_api(client), method), *args, **kwargs)
    assert isinstance(result, model)
    if isinstance(result, SeriesListRep | SeriesIntervalsRep):
        assert len(result.series) > 0
        assert result.links["self"]["type"] == "application/json"


async def test_fractional_meter_value_deserializes(
    client: TestClient[Any, Any], seeded: None
) -> None:
    result = await call(make_api(client).get_experimentation_units_usage)
    assert result.series[-1].value == 2.5


ERRORS: list[tuple[str, tuple[Any, ...], dict[str, Any], dict[str, Any], type, int]] = [
    ("get_mau_usage", (), {}, {"token": "wrong"}, UnauthorizedException, 401),
    ("get_mau_usage", (), {}, {"beta": False}, ForbiddenException, 403),
    ("get_mau_usage", (), {"sdktype": "edge"}, {}, ApiException, 400),
    ("get_events_usage", ("sent",), {}, {}, NotFoundException, 404),
    ("get_stream_usage_sdkversion", ("mobile",), {}, {}, NotFoundException, 404),
    ("get_evaluations_usage", ("web", "production", "nope"), {}, {}, NotFoundException, 404),
]


@pytest.mark.parametrize(
    ("method", "args", "kwargs", "api_kwargs", "error", "status"),
    ERRORS,
    ids=[f"{e[0]}-{e[5]}" for e in ERRORS],
)
async def test_each_error_status_raises_the_clients_exception(
    client: TestClient[Any, Any],
    seeded: None,
    method: str,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    api_kwargs: dict[str, Any],
    error: type,
    status: int,
) -> None:
    with pytest.raises(error) as caught:
        await call(getattr(make_api(client, **api_kwargs), method), *args, **kwargs)
    assert caught.value.status == status


async def test_429_raises_api_exception(aiohttp_client: Any, database_url: str, clock: Any) -> None:
    from gateway.app import create_app
    from gateway.settings import Settings

    settings = Settings(database_url=database_url, admin_token=ADMIN, rate_limit_per_minute=1)
    client = await aiohttp_client(create_app(settings, clock=clock))
    api = make_api(client, retries=False)
    await call(api.get_mau_sdks_by_type)
    with pytest.raises(ApiException) as caught:
        await call(api.get_mau_sdks_by_type)
    assert caught.value.status == 429
    assert caught.value.headers["Retry-After"]
