"""The dashboard's HTTP side: one shell for every view, a strict CSP, only our own files."""

import re
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from gateway.cli.demo import print_demo
from gateway.dashboard import routes
from gateway.errors import error_middleware
from gateway.settings import Settings
from tests.conftest import ClientFactory


def dashboard_app(vendor_dir: Path) -> web.Application:
    app = web.Application(middlewares=[error_middleware])
    routes.add_routes(app, vendor_dir=vendor_dir)
    return app


@pytest.fixture
def vendor(tmp_path: Path) -> Path:
    for name in routes.CHART_FILES:
        (tmp_path / name).write_text(f"/* {name} */")
    return tmp_path


@pytest.fixture
async def dashboard(aiohttp_client: ClientFactory, vendor: Path) -> TestClient[Any, Any]:
    return await aiohttp_client(dashboard_app(vendor))


def csp(response: Any) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in policy.split(";"))


@pytest.mark.parametrize(
    "path", ["/", "/dashboard", "/dashboard/flags", "/dashboard/flag?project=web&flag=x"]
)
async def test_every_view_gets_the_same_shell_under_a_strict_policy(
    dashboard: TestClient[Any, Any], path: str
) -> None:
    response = await dashboard.get(path)
    assert response.status == 200
    assert response.content_type == "text/html"
    policy = csp(response)
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"  # no inline styles, no other origin
    assert policy["connect-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    text = await response.text()
    assert '<script type="module" src="/dashboard/assets/app.js"></script>' in text
    assert "<script>" not in text and "style=" not in text  # nothing inline for the CSP to allow


async def test_the_shell_names_only_files_the_gateway_serves(
    dashboard: TestClient[Any, Any],
) -> None:
    text = await (await dashboard.get("/")).text()
    for src in re.findall(r'(?:src|href)="([^"]+)"', text):
        if src.startswith("data:"):
            continue
        assert src.startswith("/dashboard/assets/"), src
        response = await dashboard.get(src)
        assert response.status == 200, src
        assert "Content-Security-Policy" in response.headers


async def test_every_module_is_served_as_javascript(dashboard: TestClient[Any, Any]) -> None:
    for path in sorted(routes.STATIC_DIR.glob("*.js")):
        response = await dashboard.get(f"/dashboard/assets/{path.name}")
        assert response.status == 200, path.name
        assert response.content_type in {"text/javascript", "application/javascript"}
    response = await dashboard.get("/dashboard/assets/uPlot.esm.js")
    assert await response.text() == "/* uPlot.esm.js */"


def test_no_module_reaches_another_origin() -> None:
    """No CDN, no absolute URL: every import is relative and every request is to /graphql."""
    files = sorted(routes.STATIC_DIR.glob("*.js")) + sorted(routes.STATIC_DIR.glob("*.css"))
    assert len(files) > 5
    for path in files:
        text = path.read_text()
        assert not re.search(r"https?://(?!www\.w3\.org/2000/svg)", text), path.name
        assert "@import" not in text and "cdn" not in text.lower(), path.name
        for target in re.findall(r'^import .* from "([^"]+)";$', text, flags=re.M):
            assert target.startswith("./"), (path.name, target)
            assert (routes.STATIC_DIR / target).is_file() or target in {
                f"./{n}" for n in routes.CHART_FILES
            }, (path.name, target)
        assert "localStorage" not in text, path.name  # the token lives in sessionStorage
        assert "?token" not in text and "&token" not in text, path.name  # never in a query
    graphql = (routes.STATIC_DIR / "graphql.js").read_text()
    assert 'const ENDPOINT = "/graphql";' in graphql


@pytest.mark.parametrize(
    "name", ["versions.json", "..%2Froutes.py", "nope.js", "react.production.min.js", "x.py"]
)
async def test_only_dashboard_files_are_served(dashboard: TestClient[Any, Any], name: str) -> None:
    response = await dashboard.get(f"/dashboard/assets/{name}")
    assert response.status == 404
    assert (await response.json())["code"] == "not_found"  # the gateway's one error shape


async def test_without_the_chart_library_the_page_says_how_to_get_it(
    aiohttp_client: ClientFactory, tmp_path: Path
) -> None:
    client = await aiohttp_client(dashboard_app(tmp_path))
    response = await client.get("/dashboard/mau")
    assert response.status == 200
    text = await response.text()
    assert "<pre>gateway assets install</pre>" in text
    assert "<script" not in text
    assert (await client.get("/dashboard/assets/uPlot.esm.js")).status == 404


async def test_the_gateway_serves_the_dashboard_at_its_root(client: TestClient[Any, Any]) -> None:
    response = await client.get("/")
    assert response.status == 200
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert (await client.get("/dashboard/assets/app.js")).status == 200


def test_serve_demo_prints_the_dashboard_link(capsys: pytest.CaptureFixture[str]) -> None:
    print_demo(Settings(database_url="sqlite+aiosqlite:///x.db", port=8123), "ug_admin_s3cret")
    out = capsys.readouterr().out
    # The token goes in the fragment: browsers never send it, the page keeps it per tab.
    assert "  Dashboard: http://127.0.0.1:8123/#token=ug_admin_s3cret\n" in out
