"""LaunchDarkly events payloads become records (no HTTP, no database)."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from gateway.launchdarkly.events import parse_diagnostic, parse_events
from gateway.launchdarkly.sdks import BROWSER, SERVER, Channel
from resolvers.clock import epoch_ms
from resolvers.errors import InvalidRequest
from resolvers.records import Context, Evaluation, Event, Record
from resolvers.sdks import Sdk
from resolvers.vocabulary import Category, EventType, SdkType

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
MS = epoch_ms(NOW)
SDK = Sdk("Go", "7.1.0")


def parse(payload: list[Any], channel: Channel = SERVER) -> list[Record]:
    return parse_events(
        payload, project="web", environment="prod", channel=channel, sdk=SDK, now=NOW
    )


def test_summary_counts_land_at_end_date_by_variation() -> None:
    payload = [
        {
            "kind": "summary",
            "startDate": MS - 60_000,
            "endDate": MS - 30_000,
            "features": {
                "f": {
                    "default": False,
                    "contextKinds": ["user"],
                    "counters": [
                        {"variation": 0, "value": True, "version": 3, "count": 7},
                        {"variation": 1, "value": False, "version": 3, "count": 2},
                        {"value": False, "unknown": True, "count": 5},  # no variation index
                        {"variation": 1, "value": False, "version": 2, "count": 0},
                    ],
                }
            },
        }
    ]
    at = NOW - timedelta(seconds=30)
    base = {"time": at, "project": "web", "environment": "prod", "flag": "f", "has_value": True}
    assert parse(payload) == [
        Evaluation(**base, variation=0, value=True, count=7, sdk="Go", sdk_version="7.1.0"),
        Evaluation(**base, variation=1, value=False, count=2, sdk="Go", sdk_version="7.1.0"),
    ]


@pytest.mark.parametrize(
    ("dates", "expected"),
    [
        ({"startDate": MS - 9000}, NOW - timedelta(seconds=9)),
        ({}, NOW),
        ({"startDate": MS, "endDate": MS + 3_600_000}, NOW),  # a fast SDK clock is clamped
    ],
)
def test_summary_time_falls_back_and_is_clamped(dates: dict[str, int], expected: datetime) -> None:
    summary = {"kind": "summary", "features": {"f": {"counters": [{"variation": 0, "count": 1}]}}}
    (record,) = parse([{**summary, **dates}])
    assert isinstance(record, Evaluation)
    assert record.time == expected


def test_contexts_single_multi_and_legacy_user() -> None:
    at = MS - 1000
    payload = [
        {"kind": "index", "creationDate": at, "context": {"kind": "org", "key": "acme"}},
        {
            "kind": "identify",
            "creationDate": at,
            "context": {
                "kind": "multi",
                "user": {"key": "u1", "anonymous": True},
                "device": {"key": "d1"},
                "_meta": {},
            },
        },
        {"kind": "feature", "creationDate": at, "key": "f", "user": {"key": "old"}},
        {"kind": "feature", "creationDate": at, "key": "f", "contextKeys": {"user": "u9"}},
    ]
    seen = [(r.context_kind, r.context_key, r.anonymous) for r in parse(payload, BROWSER)]
    assert seen == [
        ("org", "acme", False),
        ("user", "u1", True),
        ("device", "d1", False),
        ("user", "old", False),
    ]
    record = parse(payload, BROWSER)[0]
    assert isinstance(record, Context)
    assert (record.sdk, record.sdk_type, record.category) == (
        "Go",
        SdkType.CLIENT,
        Category.BROWSER,
    )


def test_custom_events_count_as_received() -> None:
    custom = {"kind": "custom", "key": "buy", "creationDate": MS, "contextKeys": {"user": "u"}}
    assert parse([custom, custom]) == [Event(time=NOW, event_type=EventType.RECEIVED, count=1)] * 2


def test_errors_name_the_event_and_field() -> None:
    bad = {"kind": "summary", "features": {"f": {"counters": [{"variation": 0, "count": -1}]}}}
    with pytest.raises(InvalidRequest) as caught:
        parse([{"kind": "index", "context": {"key": "k"}}, bad])
    assert caught.value.message == (
        "malformed events payload: event 1.features.f.counters[0].count must be at least 0"
    )
    assert caught.value.errors[0].index == 1


def test_diagnostic_identity() -> None:
    init = {
        "kind": "diagnostic-init",
        "id": {"diagnosticId": "abc", "sdkKeySuffix": "123456"},
        "creationDate": MS,
        "sdk": {"name": "python-server-sdk", "version": "9.18.2"},
        "configuration": {"diagnosticRecordingIntervalMillis": 900_000},
    }
    diagnostic = parse_diagnostic(init, {})
    assert diagnostic is not None
    assert (diagnostic.instance_id, diagnostic.sdk, diagnostic.interval_ms) == (
        "abc",
        Sdk("Python", "9.18.2"),
        900_000,
    )
    assert parse_diagnostic({"kind": "something-else"}, {}) is None
