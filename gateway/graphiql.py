"""GraphiQL, served whole by the gateway: it works with no internet access.

The page loads scripts and styles only from ``/graphql/assets/`` (vendored by
``gateway assets install``), and its Content-Security-Policy lets the browser fetch nothing
from anywhere else. The GraphQL view renders it for browsers that GET the endpoint.
"""

import html
from pathlib import Path

from aiohttp import web

from gateway import assets
from gateway.keys import GRAPHIQL_ASSETS
from resolvers.errors import NotFound

ASSETS_PATH = "/graphql/assets/"
STATIC_DIR = Path(__file__).resolve().parent / "static"
# Our own start-up script (committed): it is not vendored, so it is served from static/.
START_SCRIPT = "graphiql-start.js"

# Connections (fetch and the graphql-transport-ws websocket) go to this origin only.
POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ]
)

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Usage Gateway GraphQL · GraphiQL</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{assets}graphiql.min.css">
<style>html, body, #graphiql {{ height: 100%; margin: 0; }}</style>
</head>
<body>
<div id="graphiql" data-endpoint="{endpoint}">Loading GraphiQL…</div>
<script src="{assets}react.production.min.js"></script>
<script src="{assets}react-dom.production.min.js"></script>
<script src="{assets}graphiql.min.js"></script>
<script src="{assets}{start}"></script>
</body>
</html>
"""

MISSING = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Usage Gateway GraphQL · GraphiQL not installed</title></head>
<body style="font-family: sans-serif; max-width: 44em; margin: 3em auto; line-height: 1.5">
<h1>GraphiQL is not installed</h1>
<p>The gateway serves GraphiQL from its own files so that it works without internet access.
Those files come from the npm registry and are not part of the source. Fetch them once
(this needs Node.js with <code>npm</code> and access to the npm registry):</p>
<pre style="background: #eee; padding: 1em">{command}</pre>
<p>then reload this page. The GraphQL endpoint itself works without them:</p>
<pre style="background: #eee; padding: 1em; overflow-x: auto">curl {url} \\
  -H 'Authorization: TOKEN' -H 'Content-Type: application/json' \\
  -d '{{"query": "{{ __typename }}"}}'</pre>
</body>
</html>
"""


def page(request: web.Request) -> web.Response:
    """Return the GraphiQL page for the endpoint at ``request.path``, or how to install it."""
    headers = {"Content-Security-Policy": POLICY, "X-Content-Type-Options": "nosniff"}
    if not assets.is_installed(_vendor_dir(request)):
        text = MISSING.format(
            command=html.escape(assets.INSTALL_COMMAND),
            url=html.escape(str(request.url.with_query(None))),
        )
        # 200: the page itself works, as documentation; the GraphQL endpoint is unaffected.
        return web.Response(text=text, content_type="text/html", headers=headers)
    text = PAGE.format(
        assets=ASSETS_PATH, endpoint=html.escape(request.path, quote=True), start=START_SCRIPT
    )
    return web.Response(text=text, content_type="text/html", headers=headers)


async def asset(request: web.Request) -> web.FileResponse:
    """Return one vendored file (or the start script); other names are not found."""
    name = request.match_info["name"]
    if name == START_SCRIPT:
        path = STATIC_DIR / START_SCRIPT
    elif name in assets.file_names():
        path = _vendor_dir(request) / name
    else:
        raise NotFound(f"no GraphiQL asset {name!r}")
    if not path.is_file():
        raise NotFound(f"GraphiQL asset {name!r} is not installed: run {assets.INSTALL_COMMAND}")
    # no-cache: revalidate (cheap, Last-Modified) so a reinstall shows at the next reload.
    return web.FileResponse(
        path, headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}
    )


def _vendor_dir(request: web.Request) -> Path:
    return request.app.get(GRAPHIQL_ASSETS, assets.VENDOR_DIR)


def add_routes(app: web.Application, *, vendor_dir: Path = assets.VENDOR_DIR) -> None:
    """Serve GraphiQL's assets; the GraphQL view serves ``page`` at its own URL."""
    app[GRAPHIQL_ASSETS] = vendor_dir
    app.router.add_get(ASSETS_PATH + "{name}", asset)
