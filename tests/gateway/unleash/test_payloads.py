"""Unleash metrics buckets become evaluation counts (no HTTP, no database)."""

from datetime import UTC, datetime

import pytest

from gateway.unleash.features import parse_features
from gateway.unleash.payloads import (
    evaluation_records,
    parse_metrics,
    parse_registration,
    unleash_sdk,
    variant_variation,
)
from resolvers.errors import InvalidRequest
from resolvers.records import Evaluation
from resolvers.sdks import UNKNOWN, Sdk

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
SDK = Sdk("unleash-node-sdk", "6.7.0")


def counts(
    toggles: dict[str, object], stop: str = "2026-11-20T11:01:00Z"
) -> dict[tuple[str, int, object], int]:
    payload = {
        "appName": "a",
        "bucket": {"start": "2026-11-20T11:00:00Z", "stop": stop, "toggles": toggles},
    }
    metrics = parse_metrics(payload, now=NOW)
    records = evaluation_records(metrics, project="p", environment="e", sdk=SDK)
    assert all(isinstance(r, Evaluation) for r in records)
    return {(r.flag, r.variation, r.value): r.count for r in records if isinstance(r, Evaluation)}


def test_yes_no_and_variants_add_up_to_evaluations() -> None:
    toggles = {
        "t": {"yes": 10, "no": 4, "variants": {"blue": 3, "red": 2, "disabled": 4}},
        "plain": {"yes": 1, "no": 0},
    }
    assert counts(toggles) == {
        ("t", 0, False): 4,
        ("t", 1, True): 10 - 3 - 2,
        ("t", variant_variation("blue"), "blue"): 3,
        ("t", variant_variation("red"), "red"): 2,
        ("plain", 1, True): 1,
    }


def test_variants_counted_apart_never_make_negative_counts() -> None:
    assert counts({"t": {"yes": 1, "no": 0, "variants": {"v": 5}}}) == {
        ("t", variant_variation("v"), "v"): 5
    }


def test_variant_indices_are_stable_and_clear_of_true_false() -> None:
    assert variant_variation("blue") == variant_variation("blue") != variant_variation("red")
    assert all(2 <= variant_variation(n) < 2**31 for n in ("", "a", "disabled", "x" * 300))


def test_bucket_lands_at_stop_clamped_to_now() -> None:
    payload = {
        "appName": "a",
        "bucket": {"start": 0, "stop": "2099-01-01T00:00:00Z", "toggles": {}},
    }
    assert parse_metrics(payload, now=NOW).stop == NOW


def test_registration_fields_and_sdk_fallback() -> None:
    payload = {"appName": "a", "interval": 60, "started": 1, "strategies": ["default"]}
    registration = parse_registration(payload, sdk_header="unleash-go-sdk:4.1.0")
    assert (registration.instance_id, registration.sdk) == (
        "default",
        Sdk("unleash-go-sdk", "4.1.0"),
    )
    with pytest.raises(InvalidRequest, match="strategies"):
        parse_registration({**payload, "strategies": "default"}, sdk_header=None)


def test_features_file_formats_and_project_filter() -> None:
    features = [{"name": "a", "project": "shop"}, {"name": "b"}]
    for text in ('{"version": 2, "features": %s}', "%s"):
        feature_set = parse_features(text % str(features).replace("'", '"'), source="f.json")
        assert feature_set.document()["features"] == features
        assert feature_set.document("default") == {"version": 2, "features": [{"name": "b"}]}
    with pytest.raises(ValueError, match="feature 0"):
        parse_features('[{"nom": "a"}]', source="f.json")


@pytest.mark.parametrize(
    ("announced", "expected"),
    [
        ("unleash-python-sdk:6.9.1", Sdk("unleash-python-sdk", "6.9.1")),
        ("unleash-client-java:7.0.0", Sdk("unleash-client-java", "7.0.0")),
        ("custom", Sdk("custom", "")),
        ("", UNKNOWN),
        (None, UNKNOWN),
    ],
)
def test_unleash_sdk(announced: str | None, expected: Sdk) -> None:
    assert unleash_sdk(announced) == expected
