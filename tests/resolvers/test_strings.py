"""The one rule for client strings: no NUL and no lone surrogate, on either database."""

import pytest

from resolvers import strings


@pytest.mark.parametrize("value", ["", "web", "caf\u00e9", "\U0001f600", "tab\there"])
def test_ordinary_strings_pass(value: str) -> None:
    assert strings.problem(value) is None


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("a\x00b", "contains a NUL character (U+0000)"),
        ("\ud800", "contains a lone surrogate (U+D800)"),
        ("caf\udce9", "contains a lone surrogate (U+DCE9)"),  # a byte aiohttp could not decode
    ],
)
def test_nul_and_lone_surrogates_are_named(value: str, problem: str) -> None:
    assert strings.problem(value) == problem
