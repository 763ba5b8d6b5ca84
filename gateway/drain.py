"""Stopping without dropping work: WebSockets close with 1001, in-flight requests finish.

aiohttp stops accepting first, then calls ``on_shutdown`` (here: close every WebSocket
with 1001 Going Away, so clients reconnect elsewhere), then waits up to the runner's
shutdown timeout (GATEWAY_SHUTDOWN_GRACE_S) for requests still running.
"""

import logging
import weakref

from aiohttp import WSCloseCode, web

from gateway.keys import SETTINGS
from gateway.observe import OBSERVER

log = logging.getLogger(__name__)

SOCKETS: web.AppKey["weakref.WeakSet[web.WebSocketResponse]"] = web.AppKey("websockets")


def track(app: web.Application, websocket: web.WebSocketResponse) -> None:
    """Remember an open WebSocket so that shutdown can close it properly."""
    app[SOCKETS].add(websocket)


async def _close_websockets(app: web.Application) -> None:
    sockets = [ws for ws in app[SOCKETS] if not ws.closed]
    in_flight = app[OBSERVER].in_flight - len(sockets)
    log.info(
        "draining: no longer accepting; closing %d WebSocket(s) with 1001; waiting up to %g s "
        "for %d request(s) in flight",
        len(sockets),
        app[SETTINGS].shutdown_grace_s,
        max(in_flight, 0),
    )
    for ws in sockets:
        await ws.close(code=WSCloseCode.GOING_AWAY, message=b"server shutting down")


def add_drain(app: web.Application) -> None:
    """Close the app's WebSockets with 1001 when it shuts down."""
    app[SOCKETS] = weakref.WeakSet()
    app.on_shutdown.append(_close_websockets)
