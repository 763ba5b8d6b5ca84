"""Which LaunchDarkly SDK sent a request, and which door it came through.

LaunchDarkly SDKs name themselves twice: a User-Agent product token on every request
(``PythonClient/9.18.2``) and an SDK name in diagnostic events (``python-server-sdk``).
Both map to the display name the usage API reports (``Python``), so one SDK is one
series whichever way it spoke.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from resolvers.sdks import UNKNOWN, Sdk
from resolvers.vocabulary import Category, SdkType

# User-Agent product tokens and diagnostic SDK names -> display name.
NAMES = {
    "pythonclient": "Python",
    "pythonasyncclient": "Python",
    "python-server-sdk": "Python",
    "goclient": "Go",
    "go-server-sdk": "Go",
    "nodejsclient": "Node.js",
    "node-server-sdk": "Node.js",
    "javaclient": "Java",
    "java-server-sdk": "Java",
    "dotnetclient": ".NET",
    "dotnet-server-sdk": ".NET",
    "dotnet-client-sdk": ".NET (client)",
    "rubyclient": "Ruby",
    "ruby-server-sdk": "Ruby",
    "phpclient": "PHP",
    "php-server-sdk": "PHP",
    "erlangclient": "Erlang",
    "erlang-server-sdk": "Erlang",
    "luaclient": "Lua",
    "rustclient": "Rust",
    "rust-server-sdk": "Rust",
    "cserverclient": "C/C++ (server)",
    "cclient": "C/C++ (client)",
    "jsclient": "JavaScript",
    "js-client-sdk": "JavaScript",
    "electronclient": "Electron",
    "electron-client-sdk": "Electron",
    "reactnativeclient": "React Native",
    "react-native-client-sdk": "React Native",
    "androidclient": "Android",
    "android-client-sdk": "Android",
    "ios": "iOS",
    "iosswiftclient": "iOS",
    "swift-client-sdk": "iOS",
    "flutterclientsdk": "Flutter",
    "flutter-client-sdk": "Flutter",
    "react-client-sdk": "React",
    "vue-client-sdk": "Vue",
}


@dataclass(frozen=True, slots=True)
class Channel:
    """Which door an SDK came through: it fixes MAU category, SDK type and stream source."""

    name: str
    category: Category
    sdk_type: SdkType


SERVER = Channel("server", Category.BACKEND, SdkType.SERVER)
MOBILE = Channel("mobile", Category.MOBILE, SdkType.CLIENT)
BROWSER = Channel("browser", Category.BROWSER, SdkType.CLIENT)


def split_product(token: str) -> Sdk:
    """Return name and version of a ``name/version`` token; version may be ""."""
    name, _, version = token.strip().partition("/")
    return Sdk.announced(name, version)


def display_name(raw: str) -> str:
    """Return the display name of a LaunchDarkly SDK token or diagnostic name."""
    return NAMES.get(raw.strip().lower(), Sdk.announced(raw, "").name)


def launchdarkly_sdk(
    *,
    user_agent: str | None,
    ld_user_agent: str | None = None,
    wrapper: str | None = None,
    body_name: str | None = None,
    body_version: str | None = None,
) -> Sdk:
    """Return the SDK behind a request to the events endpoints.

    A wrapper (``X-LaunchDarkly-Wrapper: react-client-sdk/3.0.1``) is what the application
    installed, so it names the SDK when present. Browsers cannot set User-Agent, so the JS
    SDK sends ``X-LaunchDarkly-User-Agent``; it wins over the browser's own User-Agent.
    The body (diagnostic events) is the fallback when no header names the SDK.
    """
    if wrapper and wrapper.strip():
        product = split_product(wrapper)
        return Sdk(display_name(product.name), product.version)
    agent = ld_user_agent if ld_user_agent and ld_user_agent.strip() else user_agent
    if agent and agent.strip():
        # "PythonClient/9.18.2 extra/1" : the first product token is the SDK.
        # LaunchDarkly SDK tokens end in "Client" (GoClient); a browser's or curl's do not.
        product = split_product(agent.split()[0])
        token = product.name.lower()
        if token in NAMES or token.endswith("client"):
            return Sdk(display_name(product.name), product.version)
    if body_name:
        return Sdk.announced(display_name(body_name), body_version or "")
    return UNKNOWN


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
