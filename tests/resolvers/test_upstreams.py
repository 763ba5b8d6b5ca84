"""Upstream settings: name=url entries and their tokens."""

import pytest

from resolvers.upstreams import Upstream, parse_upstreams


def test_named_entries_with_a_token_each() -> None:
    parsed = parse_upstreams(
        ["eu=https://eu.example.com", "us=http://10.0.0.2:4242/unleash/"], "eu=*:*.a1,us=user:b2"
    )
    assert parsed == (
        Upstream("eu", "https://eu.example.com", "*:*.a1"),
        Upstream("us", "http://10.0.0.2:4242/unleash/", "user:b2"),
    )
    assert parsed[1].statistics_url == (
        "http://10.0.0.2:4242/unleash/api/admin/instance-admin/statistics"
    )


def test_one_token_for_all_and_bare_urls_named_by_host() -> None:
    parsed = parse_upstreams(["https://a.example.com", "b=https://b.example.com"], "tok==")
    assert [(u.name, u.token) for u in parsed] == [("a.example.com", "tok=="), ("b", "tok==")]
    assert parse_upstreams(["x=http://x"], None)[0].token is None
    assert parse_upstreams([], "t") == ()


def test_tokens_stay_out_of_repr() -> None:
    assert "s3cret" not in repr(parse_upstreams(["x=http://x"], "s3cret"))


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        (["eu=ftp://eu"], "not name=http"),
        (["eu=eu.example.com"], "not name=http"),
        (["=http://x"], "empty name"),
        (["a=http://x", "a=http://y"], "'a' is used twice"),
        (["a=http://user:pw@x"], "credentials"),
    ],
)
def test_bad_entries_name_the_setting(entries: list[str], message: str) -> None:
    with pytest.raises(ValueError, match="GATEWAY_UNLEASH_UPSTREAMS") as caught:
        parse_upstreams(entries, None)
    assert message in str(caught.value)
    assert "pw" not in str(caught.value)


@pytest.mark.parametrize(
    "tokens",
    ["a=tokA,c=tokB", "a=tokA,tokB", "a=tokA,b="],
    ids=["unknown-name", "bare-part", "empty-token"],
)
def test_a_malformed_token_list_is_refused_not_sent_to_every_upstream(tokens: str) -> None:
    with pytest.raises(ValueError, match="GATEWAY_UNLEASH_UPSTREAM_TOKENS"):
        parse_upstreams(["a=http://a", "b=http://b"], tokens)


def test_pairs_may_leave_an_upstream_without_a_token() -> None:
    parsed = parse_upstreams(["a=http://a", "b=http://b"], "a=tok=A=")
    assert [(u.name, u.token) for u in parsed] == [("a", "tok=A="), ("b", None)]
