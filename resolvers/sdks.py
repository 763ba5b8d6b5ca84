"""SDK identities: the name and version an SDK announces, in one spelling per SDK.

LaunchDarkly SDKs name themselves twice: a User-Agent product token on every request
(``PythonClient/9.18.2``) and an SDK name in diagnostic events (``python-server-sdk``).
Both map to the display name the usage API reports (``Python``), so one SDK is one
series whichever way it spoke.
"""

from dataclasses import dataclass

# User-Agent product tokens and diagnostic SDK names -> display name.
LAUNCHDARKLY_NAMES = {
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
MAX_PART = 128


@dataclass(frozen=True, slots=True)
class Sdk:
    """An SDK's display name and version; "" where it did not say."""

    name: str
    version: str


UNKNOWN = Sdk("", "")


def _clean(text: str) -> str:
    return text.strip()[:MAX_PART]


def split_product(token: str) -> Sdk:
    """Return name and version of a ``name/version`` token; version may be ""."""
    name, _, version = token.strip().partition("/")
    return Sdk(_clean(name), _clean(version))


def launchdarkly_name(raw: str) -> str:
    """Return the display name of a LaunchDarkly SDK token or diagnostic name."""
    return LAUNCHDARKLY_NAMES.get(raw.strip().lower(), _clean(raw))


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
        return Sdk(launchdarkly_name(product.name), product.version)
    agent = ld_user_agent if ld_user_agent and ld_user_agent.strip() else user_agent
    if agent and agent.strip():
        # "PythonClient/9.18.2 extra/1" : the first product token is the SDK.
        # LaunchDarkly SDK tokens end in "Client" (GoClient); a browser's or curl's do not.
        product = split_product(agent.split()[0])
        token = product.name.lower()
        if token in LAUNCHDARKLY_NAMES or token.endswith("client"):
            return Sdk(launchdarkly_name(product.name), product.version)
    if body_name:
        return Sdk(launchdarkly_name(body_name), _clean(body_version or ""))
    return UNKNOWN


def unleash_sdk(announced: str | None) -> Sdk:
    """Return name and version of an Unleash ``sdkVersion`` such as ``unleash-python-sdk:6.9.1``."""
    if not announced or not announced.strip():
        return UNKNOWN
    name, _, version = announced.strip().rpartition(":")
    if not name:
        return Sdk(_clean(version), "")
    return Sdk(_clean(name), _clean(version))
