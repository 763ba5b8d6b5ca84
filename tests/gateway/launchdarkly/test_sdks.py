"""LaunchDarkly SDK identities from headers and bodies."""

import pytest

from gateway.launchdarkly.sdks import launchdarkly_sdk
from resolvers.sdks import UNKNOWN, Sdk


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"user_agent": "PythonClient/9.18.2"}, Sdk("Python", "9.18.2")),
        ({"user_agent": "PythonAsyncClient/9.18.2"}, Sdk("Python", "9.18.2")),
        ({"user_agent": "GoClient/7.1.0 extra/1"}, Sdk("Go", "7.1.0")),
        ({"user_agent": "ZigClient/0.1"}, Sdk("ZigClient", "0.1")),  # unknown, but an SDK
        ({"user_agent": "Mozilla/5.0 (X11)"}, UNKNOWN),  # a browser, not an SDK
        ({"user_agent": "curl/8.5.0"}, UNKNOWN),
        (
            {"user_agent": "Mozilla/5.0", "ld_user_agent": "JSClient/3.4.0"},
            Sdk("JavaScript", "3.4.0"),
        ),
        (
            {"user_agent": "NodeJSClient/9.0.0", "wrapper": "react-client-sdk/3.6.0"},
            Sdk("React", "3.6.0"),
        ),
        ({"user_agent": None, "wrapper": "MyWrapper"}, Sdk("MyWrapper", "")),
        (
            {"user_agent": None, "body_name": "python-server-sdk", "body_version": "9.1"},
            Sdk("Python", "9.1"),
        ),
        ({"user_agent": "GoClient/7.1.0", "body_name": "python-server-sdk"}, Sdk("Go", "7.1.0")),
        ({"user_agent": None}, UNKNOWN),
    ],
)
def test_launchdarkly_sdk(headers: dict[str, str | None], expected: Sdk) -> None:
    assert launchdarkly_sdk(**headers) == expected  # type: ignore[arg-type]


def test_user_agent_token_and_diagnostic_name_are_one_sdk() -> None:
    by_header = launchdarkly_sdk(user_agent="NodeJSClient/9.2.0")
    by_body = launchdarkly_sdk(user_agent=None, body_name="node-server-sdk", body_version="9.2.0")
    assert by_header == by_body == Sdk("Node.js", "9.2.0")
