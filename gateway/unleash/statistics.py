"""Unleash's instance-statistics routes: the newest document, as JSON and as CSV."""

from aiohttp import web

from gateway.auth import authorize
from gateway.keys import CLOCK, DATABASE, SETTINGS
from gateway.unleash.format import attachment, csv_text, js_json
from resolvers import statistics
from resolvers.clock import epoch_ms
from resolvers.statistics import StatisticsDocument

PATH = "/api/admin/instance-admin/statistics"


async def _current(request: web.Request) -> StatisticsDocument:
    await authorize(request, "admin", "read")
    return await statistics.current_statistics(
        request.app[DATABASE],
        instance_id=request.app[SETTINGS].primary_instance,
        now=request.app[CLOCK](),
    )


async def statistics_json(request: web.Request) -> web.Response:
    """Serve the primary instance's newest document as Unleash's JSON."""
    document = await _current(request)
    return web.Response(
        text=js_json(document.fields), content_type="application/json", charset="utf-8"
    )


async def statistics_csv(request: web.Request) -> web.Response:
    """Serve the same document as Unleash's CSV download."""
    document = await _current(request)
    # Unleash names the file after the time of the request (Date.now()), not the document's.
    stamp = epoch_ms(request.app[CLOCK]())
    response = web.Response(
        text=csv_text(document.fields), content_type="text/csv", charset="utf-8"
    )
    response.headers["Content-Disposition"] = attachment(
        f"unleash-{document.instance_id}-{stamp}.csv"
    )
    return response


def add_routes(app: web.Application) -> None:
    app.router.add_get(PATH, statistics_json)
    app.router.add_get(PATH + "/csv", statistics_csv)
