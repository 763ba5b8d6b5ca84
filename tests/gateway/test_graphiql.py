"""GraphiQL: the page, its assets, and a real browser running a query with no internet."""

import asyncio
import contextlib
import json
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import strawberry
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from strawberry.aiohttp.views import GraphQLView

from gateway import assets, graphiql
from gateway.errors import error_middleware
from tests import chromium
from tests.conftest import ADMIN

# A stand-in for the gateway's schema: it shows which credentials each transport carried.


@strawberry.type
class Query:
    @strawberry.field
    def hello(self, info: strawberry.Info) -> str:
        return f"Hello, {info.context['request'].headers.get('Authorization', 'nobody')}"


@strawberry.type
class Subscription:
    @strawberry.subscription
    async def countdown(self, info: strawberry.Info, start: int) -> AsyncIterator[str]:
        token = info.context["connection_params"].get("Authorization", "nobody")
        for n in range(start, -1, -1):
            yield f"{n} for {token}"
            await asyncio.sleep(0.05)


class View(GraphQLView[dict[str, Any], None]):
    async def render_graphql_ide(self, request: web.Request) -> web.Response:
        return graphiql.page(request)


def graphql_app(vendor_dir: Path = assets.VENDOR_DIR) -> web.Application:
    app = web.Application(middlewares=[error_middleware])
    graphiql.add_routes(app, vendor_dir=vendor_dir)
    schema = strawberry.Schema(query=Query, subscription=Subscription)
    app.router.add_route("*", "/graphql", View(schema=schema))
    return app


AiohttpClient = Callable[[web.Application], Awaitable[TestClient[web.Request, web.Application]]]


async def test_page_without_assets_says_how_to_get_them(
    aiohttp_client: AiohttpClient, tmp_path: Path
) -> None:
    client = await aiohttp_client(graphql_app(vendor_dir=tmp_path))
    response = await client.get("/graphql", headers={"Accept": "text/html"})
    assert response.status == 200
    text = await response.text()
    assert '<pre style="background: #eee; padding: 1em">gateway assets install</pre>' in text
    assert "<script" not in text
    # Half an install (no manifest) is still not installed.
    (tmp_path / "graphiql.min.js").write_text("partial")
    response = await client.get("/graphql", headers={"Accept": "text/html"})
    assert "gateway assets install" in await response.text()


async def test_page_loads_everything_from_the_gateway(
    aiohttp_client: AiohttpClient, tmp_path: Path
) -> None:
    for name in assets.file_names():
        (tmp_path / name).write_text(f"/* {name} */")
    (tmp_path / assets.MANIFEST).write_text(json.dumps(assets.pinned_versions()))
    client = await aiohttp_client(graphql_app(vendor_dir=tmp_path))

    response = await client.get("/graphql", headers={"Accept": "text/html"})
    assert response.status == 200
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    text = await response.text()
    assert "http" not in text.replace('charset="utf-8"', "")  # no absolute URL anywhere
    for src in [
        "graphiql.min.js",
        "graphiql.min.css",
        "react.production.min.js",
        "graphiql-start.js",
    ]:
        assert f'"/graphql/assets/{src}"' in text
        asset = await client.get(f"/graphql/assets/{src}")
        assert asset.status == 200, src
    script = await client.get("/graphql/assets/graphiql.min.js")
    assert script.content_type in {"text/javascript", "application/javascript"}
    assert await (await client.get("/graphql/assets/react.LICENSE.txt")).text() == (
        "/* react.LICENSE.txt */"
    )


@pytest.mark.parametrize("name", ["versions.json", "..%2Fgraphiql.py", "nope.js"])
async def test_only_the_vendored_files_are_served(aiohttp_client: AiohttpClient, name: str) -> None:
    client = await aiohttp_client(graphql_app())
    response = await client.get(f"/graphql/assets/{name}")
    assert response.status == 404


# ---- the browser ------------------------------------------------------------------------

RESULT = "document.querySelector('.result-window .CodeMirror')?.CodeMirror.getValue() || ''"


async def run_in_graphiql(page: chromium.Page, query: str, expected: str) -> dict[str, Any]:
    """Type ``query`` into the editor, press the run button, return the result pane's JSON."""
    await page.wait_for("!!document.querySelector('.graphiql-query-editor .CodeMirror')")
    await page.evaluate(
        "(() => { const cm = document.querySelector('.graphiql-query-editor .CodeMirror')"
        ".CodeMirror; cm.focus(); cm.execCommand('selectAll'); })()"
    )
    await page.send("Input.insertText", text=query)
    typed = await page.evaluate(
        "document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.getValue()"
    )
    assert typed == query
    # GraphiQL parses the editor after a debounce and picks the transport from that parse:
    # a subscription run before it would go out as the previous query, over HTTP.
    await page.wait_for(
        "document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror"
        f".documentAST?.loc?.source?.body === {json.dumps(query)}"
    )
    await page.click(".graphiql-execute-button")
    await page.wait_for(f"({RESULT}).includes({json.dumps(expected)})")
    return json.loads(await page.evaluate(RESULT))


@pytest.fixture
def browser_ready() -> None:
    """Chromium and the assets; either missing fails the test in CI and skips it elsewhere."""
    chromium.executable()
    if not assets.is_installed():
        message = f"GraphiQL assets missing: run `{assets.INSTALL_COMMAND}`"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@contextlib.asynccontextmanager
async def graphiql_tab(url: str, workdir: Path) -> AsyncIterator[chromium.Page]:
    """Open GraphiQL at ``url`` in headless Chromium; on failure save a screenshot."""
    async with chromium.launch(workdir) as page:
        try:
            await page.send("Page.navigate", url=url)
            await page.wait_for("!!document.querySelector('.graphiql-container')")
            yield page
        except BaseException:
            print(f"screenshot: {await page.screenshot(workdir / 'graphiql.png')}")
            raise


def assert_stayed_local(events: list[tuple[str, dict[str, Any]]]) -> None:
    """Every request and websocket went to 127.0.0.1, and nothing failed in the page."""
    urls = [p["request"]["url"] for m, p in events if m == "Network.requestWillBeSent"]
    sockets = [p["url"] for m, p in events if m == "Network.webSocketCreated"]
    hosts = {urlsplit(u).hostname for u in urls + sockets if not u.startswith("data:")}
    assert hosts == {"127.0.0.1"}
    assert any(u.endswith("/graphql/assets/graphiql.min.js") for u in urls)
    assert [urlsplit(s).path for s in sockets] == ["/graphql"]  # the subscription's
    problems = [p for m, p in events if m == "Runtime.exceptionThrown"] + [
        p["entry"] for m, p in events if m == "Log.entryAdded" and p["entry"]["level"] == "error"
    ]
    assert problems == []


@pytest.mark.browser
@pytest.mark.usefixtures("browser_ready")
async def test_graphiql_runs_a_query_and_a_subscription_offline(tmp_path: Path) -> None:
    server = TestServer(graphql_app(), host="127.0.0.1")
    await server.start_server()
    try:
        async with graphiql_tab(str(server.make_url("/graphql#token=tok-123")), tmp_path) as page:
            # The fragment's token is in the headers editor and gone from the address bar.
            assert await page.evaluate("location.hash") == ""
            result = await run_in_graphiql(page, "{ hello }", "Hello")
            assert result == {"data": {"hello": "Hello, tok-123"}}
            result = await run_in_graphiql(page, "subscription { countdown(start: 3) }", "0 for")
            assert result == {"data": {"countdown": "0 for tok-123"}}
    finally:
        await server.close()
    assert_stayed_local(page.events)


LIVE = """subscription {
  evaluationsLive(project: "web", environment: "prod", flag: "checkout", minutes: 5) {
    granularity
  }
}"""


@pytest.mark.browser
@pytest.mark.usefixtures("browser_ready")
async def test_graphiql_on_the_gateway_itself(client: TestClient[Any, Any], tmp_path: Path) -> None:
    # The GraphQL view lands with branch issue-5; until then only the stand-in test above runs.
    pytest.importorskip("gateway.graphql", reason="the GraphQL view (issue 5) is not merged yet")
    async with graphiql_tab(str(client.make_url(f"/graphql#token={ADMIN}")), tmp_path) as page:
        result = await run_in_graphiql(page, "{ viewer { kind } }", "ADMIN")
        assert result == {"data": {"viewer": {"kind": "ADMIN"}}}
        result = await run_in_graphiql(page, LIVE, "MINUTELY")
        assert result == {"data": {"evaluationsLive": {"granularity": "MINUTELY"}}}
    assert_stayed_local(page.events)
