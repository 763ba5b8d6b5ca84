"""The Authorization value to a token, alike for the REST header and connection_init."""

import pytest

from gateway.auth import strip_bearer


@pytest.mark.parametrize(
    ("value", "token"),
    [
        ("abc", "abc"),
        ("Bearer abc", "abc"),
        ("bearer   abc ", "abc"),
        ("  BEARER abc", "abc"),
        ("Bearerabc", "Bearerabc"),
        ("", None),
        ("Bearer ", None),
        ("   ", None),
    ],
)
def test_strip_bearer(value: str, token: str | None) -> None:
    assert strip_bearer(value) == token
