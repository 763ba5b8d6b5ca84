"""The doors LaunchDarkly SDKs come through, and the SDK behind a request."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from resolvers.sdks import Sdk, launchdarkly_sdk


@dataclass(frozen=True, slots=True)
class Channel:
    """Which door an SDK came through: it fixes MAU category, SDK type and stream source."""

    name: str
    category: str
    sdk_type: str
    stream_source: str


SERVER = Channel("server", "backend", "server", "server")
MOBILE = Channel("mobile", "mobile", "client", "client")
BROWSER = Channel("browser", "browser", "client", "client")


def sdk_of(headers: Mapping[str, str], body_sdk: Any = None) -> Sdk:
    """Return the SDK a request came from, by its headers, else a diagnostic ``sdk`` object."""
    body = body_sdk if isinstance(body_sdk, dict) else {}
    name, version = body.get("name"), body.get("version")
    wrapper = body.get("wrapperName")
    if isinstance(wrapper, str) and wrapper and isinstance(body.get("wrapperVersion"), str):
        wrapper = f"{wrapper}/{body['wrapperVersion']}"
    return launchdarkly_sdk(
        user_agent=headers.get("User-Agent"),
        ld_user_agent=headers.get("X-LaunchDarkly-User-Agent"),
        wrapper=headers.get("X-LaunchDarkly-Wrapper")
        or (wrapper if isinstance(wrapper, str) else None),
        body_name=name if isinstance(name, str) else None,
        body_version=version if isinstance(version, str) else None,
    )
