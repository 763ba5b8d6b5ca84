"""Serve the dashboard: one HTML shell for every view, and its static ES modules.

The shell is the same for ``/`` and every ``/dashboard/...`` URL: the page reads its view
and state from the URL itself, so any link reproduces what its sender saw. Scripts, styles
and the chart library (vendored by ``gateway assets install``) come from
``/dashboard/assets/``; the Content-Security-Policy lets the page reach nothing but this
origin (``/graphql`` over fetch and the graphql-transport-ws websocket).
"""

import html
from pathlib import Path

from aiohttp import web

from gateway import assets
from gateway.keys import DASHBOARD_ASSETS
from resolvers.errors import NotFound

ASSETS_PATH = "/dashboard/assets/"
STATIC_DIR = Path(__file__).resolve().parent.parent / "static" / "dashboard"
CHART_FILES = frozenset({"uPlot.esm.js", "uPlot.min.css", "uPlot.LICENSE.txt"})
SERVED_SUFFIXES = frozenset({".js", ".css"})

POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ]
)
HEADERS = {
    "Content-Security-Policy": POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}

SHELL = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>Usage Gateway</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{assets}uPlot.min.css">
<link rel="stylesheet" href="{assets}dashboard.css">
{preload}
<script type="module" src="{assets}app.js"></script>
</head>
<body>
<div id="app" aria-live="polite"><p class="state">Loading the dashboard…</p></div>
<noscript>The dashboard needs JavaScript. The GraphQL endpoint is at /graphql.</noscript>
</body>
</html>
"""

MISSING = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Usage Gateway · dashboard not installed</title></head>
<body>
<h1>The dashboard's chart library is not installed</h1>
<p>The gateway serves every file of the dashboard itself, so that it works without internet
access. The chart library comes from the npm registry and is not part of the source. Fetch
it once (this needs Node.js with <code>npm</code> and access to the npm registry):</p>
<pre>{command}</pre>
<p>then reload this page. The GraphQL endpoint at <a href="/graphql">/graphql</a> works
without it.</p>
</body>
</html>
"""


def _preloads() -> str:
    """Return modulepreload links for every module: fetched at once, not import by import."""
    names = [*sorted(p.name for p in STATIC_DIR.glob("*.js")), "uPlot.esm.js"]
    return "\n".join(f'<link rel="modulepreload" href="{ASSETS_PATH}{name}">' for name in names)


def _vendor_dir(request: web.Request) -> Path:
    return request.app.get(DASHBOARD_ASSETS, assets.VENDOR_DIR)


async def shell(request: web.Request) -> web.Response:
    """Return the page every dashboard view starts from, or how to install its chart library."""
    if not all((_vendor_dir(request) / name).is_file() for name in CHART_FILES):
        text = MISSING.format(command=html.escape(assets.INSTALL_COMMAND))
        return web.Response(text=text, content_type="text/html", headers=HEADERS)
    return web.Response(
        text=SHELL.format(assets=ASSETS_PATH, preload=PRELOADS),
        content_type="text/html",
        headers=HEADERS,
    )


PRELOADS = _preloads()


async def asset(request: web.Request) -> web.FileResponse:
    """Return one of the dashboard's modules or the vendored chart library; else not found."""
    name = request.match_info["name"]
    if name in CHART_FILES:
        path = _vendor_dir(request) / name
    elif Path(name).suffix in SERVED_SUFFIXES and Path(name).name == name:
        path = STATIC_DIR / name
    else:
        raise NotFound(f"no dashboard asset {name!r}")
    if not path.is_file():
        raise NotFound(f"no dashboard asset {name!r}")
    return web.FileResponse(path, headers=HEADERS)


def add_routes(app: web.Application, *, vendor_dir: Path = assets.VENDOR_DIR) -> None:
    """Serve the dashboard at ``/`` and ``/dashboard/...``, its files at ``/dashboard/assets/``."""
    app[DASHBOARD_ASSETS] = vendor_dir
    app.router.add_get(ASSETS_PATH + "{name}", asset)
    app.router.add_get("/", shell)
    app.router.add_get("/dashboard", shell)
    app.router.add_get("/dashboard/{view:.*}", shell)
