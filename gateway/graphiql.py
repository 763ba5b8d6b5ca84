"""PLACEHOLDER, to be replaced by the issue-5-graphiql branch (offline GraphiQL).

It keeps the interface that gateway/graphql.py relies on: ``add_routes(app)`` for the
page's assets and ``page(request)`` for the HTML a browser gets at GET /graphql.
"""

from aiohttp import web

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Usage Gateway GraphQL</title></head>
<body><h1>Usage Gateway GraphQL</h1>
<p>POST GraphQL operations to <code>/graphql</code> with an <code>Authorization</code> header.
The offline GraphiQL page is not installed in this build.</p></body></html>
"""


def add_routes(app: web.Application) -> None:
    """Serve GraphiQL's assets (none in this placeholder)."""


def page(request: web.Request) -> web.Response:
    """Return the page a browser gets at GET /graphql."""
    return web.Response(text=PAGE, content_type="text/html")
