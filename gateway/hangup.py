"""A request whose client hung up is cancelled, so that its database statement stops.

aiohttp lets a handler run on after its client left unless the server was started with
``handler_cancellation``; this middleware does the same for any runner: a request that
outlives its connection by up to ``CHECK_EVERY_S`` is cancelled (storage then stops the
statement it was waiting for). An ingest cancelled this way commits nothing, as if it
had never arrived; the client, which got no acknowledgement, sends it again.
"""

import asyncio
from collections.abc import Awaitable, Callable

from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
CHECK_EVERY_S = 0.5


class _Watch:
    """Cancels a request's task once the request's connection is gone."""

    def __init__(self, request: web.Request, task: asyncio.Task[object]) -> None:
        self.request = request
        self.task = task
        self.loop = asyncio.get_running_loop()
        self.handle = self.loop.call_later(CHECK_EVERY_S, self)

    def __call__(self) -> None:
        transport = self.request.transport
        if transport is None or transport.is_closing():
            self.task.cancel()
            return
        self.handle = self.loop.call_later(CHECK_EVERY_S, self)

    def stop(self) -> None:
        self.handle.cancel()


@web.middleware
async def cancel_on_hangup(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Run the handler; cancel it if the client goes away first."""
    task = asyncio.current_task()
    if task is None or request.headers.get("Upgrade", "").lower() == "websocket":
        return await handler(request)  # a websocket's handler ends with its connection
    watch = _Watch(request, task)
    try:
        return await handler(request)
    finally:
        watch.stop()
