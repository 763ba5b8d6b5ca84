"""The one set of payload checks every ingestion door uses."""

import pytest

from gateway import body
from resolvers import payloads
from resolvers.errors import InvalidRequest
from resolvers.payloads import Bad


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e400", "-1e400"])
def test_every_decoder_refuses_numbers_json_does_not_have(literal: str) -> None:
    with pytest.raises(ValueError, match="JSON number"):
        payloads.loads(f'{{"v": {literal}}}')
    with pytest.raises(InvalidRequest, match="not valid JSON"):
        body.decode_json(f"[{literal}]", expect=list)
    with pytest.raises(InvalidRequest, match="not valid JSON"):
        body.json_records(f'{{"records": [{literal}]}}')
    with pytest.raises(InvalidRequest, match="line 2"):
        body.ndjson_records(f'{{"v": 1}}\n{{"v": {literal}}}')


@pytest.mark.parametrize("value", ["", "   ", "\t\n", None, 3])
def test_text_must_not_be_blank(value: object) -> None:
    with pytest.raises(Bad, match="appName must be a non-empty string"):
        payloads.text(value, "appName")


def test_bounds_name_the_field() -> None:
    assert payloads.count(10**9, "count") == 10**9
    with pytest.raises(Bad, match="count must be at most 1000000000"):
        payloads.count(10**9 + 1, "count")
    assert payloads.variation(2**31 - 1, "variation") == 2**31 - 1
    with pytest.raises(Bad, match="variation must be at most 2147483647"):
        payloads.variation(2**31, "variation")
    assert payloads.number(1e15, "value", minimum=0, maximum=1e15) == 1e15
    for bad in (1e15 * 1.01, float("nan"), float("inf"), -1):
        with pytest.raises(Bad, match="value must be a finite number from 0 to 1e"):
            payloads.number(bad, "value", minimum=0, maximum=1e15)


def test_json_value_refuses_what_would_be_served_as_invalid_json() -> None:
    assert payloads.json_value({"a": [1, "x", None]}, "value") == {"a": [1, "x", None]}
    with pytest.raises(Bad, match="value must be a JSON value"):
        payloads.json_value({"a": float("nan")}, "value")


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_json_is_refused_past_64_levels_and_accepted_at_64() -> None:
    assert payloads.MAX_JSON_DEPTH == 64
    assert payloads.loads(_nested(64)) is not None
    for depth in (65, 900, 100_000):  # 100,000: past the parser's own recursion limit
        with pytest.raises(Bad, match="nested deeper than 64"):
            payloads.loads(_nested(depth))
    with pytest.raises(Bad, match="nested deeper than 64"):
        payloads.loads('{"records": [{"value": ' + _nested(62) + "}]}")
    assert payloads.loads('{"records": [{"value": ' + _nested(61) + "}]}") is not None


@pytest.mark.parametrize(
    ("text", "where", "problem"),
    [
        ('"a\\u0000"', "$", "contains a NUL character (U+0000)"),
        ('{"a": ["x", "\\ud800"]}', "a[1]", "contains a lone surrogate (U+D800)"),
        ('{"a": {"\\udfff": 1}}', "a", "has a key that contains a lone surrogate (U+DFFF)"),
    ],
)
def test_json_strings_follow_the_string_rule(text: str, where: str, problem: str) -> None:
    with pytest.raises(Bad) as refused:
        payloads.loads(text)
    assert (refused.value.where, refused.value.message) == (where, problem)


def test_a_surrogate_pair_is_one_character_and_accepted() -> None:
    assert payloads.loads('["\\ud83d\\ude00"]') == ["\U0001f600"]


def test_the_body_decoder_names_the_problem() -> None:
    with pytest.raises(InvalidRequest, match=r"^body is not valid UTF-8$"):
        body.client_json(b'{"a": "\xff"}')
    with pytest.raises(InvalidRequest, match=r"^body at a contains a NUL character \(U\+0000\)$"):
        body.decode_json('{"a": "\\u0000"}', expect=dict)
    with pytest.raises(InvalidRequest, match=r"^malformed NDJSON: line 2 is nested deeper than 64"):
        body.ndjson_records('{"v": 1}\n' + _nested(100))
