"""Running the app on sockets bound beforehand: one process, or each forked worker.

Binding first means a port in use is reported before anything announces the server.
Several workers each listen with SO_REUSEPORT, so the kernel spreads new connections
evenly over them (one shared socket would let whichever worker wakes first take a whole
burst). The supervisor keeps a bound, non-listening placeholder so that no other program
takes the port while workers come and go; connections queued on a worker that dies
are lost, as they would be with any process that dies.
"""

import asyncio
import errno
import logging
import os
import signal
import socket
import time

from aiohttp import web

from gateway.metrics import METRICS, metrics_app
from gateway.protocol import GatewayRunner
from gateway.settings import Settings, env_name

log = logging.getLogger(__name__)

BACKLOG = 1024


class BindFailed(Exception):
    """The address cannot be listened on; the message says why and what to do."""


def _family(host: str, port: int) -> socket.AddressFamily:
    try:
        return socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
    except socket.gaierror as exc:
        raise BindFailed(
            f"cannot listen on {host}: {exc.strerror}: use an address of this machine "
            "(--host or GATEWAY_HOST)"
        ) from None


def listen(host: str, port: int, *, shared: bool = False) -> socket.socket:
    """Return a socket listening on host:port (joining the port's workers if ``shared``)."""
    family = _family(host, port)
    return socket.create_server((host, port), family=family, backlog=BACKLOG, reuse_port=shared)


def bind(host: str, port: int, *, setting: str = "port", shared: bool = False) -> socket.socket:
    """Return a socket on host:port, or raise BindFailed with the fix.

    Not ``shared``: a listening socket. ``shared``: a bound placeholder that workers
    join with ``listen(..., shared=True)``.
    """
    try:
        sock = listen(host, port)
        if not shared:
            return sock
        sock.close()
        placeholder = socket.socket(_family(host, port), socket.SOCK_STREAM)
        placeholder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        placeholder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        placeholder.bind((host, port))
        return placeholder
    except OSError as exc:
        flag = f"--{setting.replace('_', '-')} or {env_name(setting)}"
        if exc.errno == errno.EADDRINUSE:
            raise BindFailed(
                f"port {port} on {host} is in use: stop what listens there or choose another "
                f"port ({flag})"
            ) from None
        if exc.errno in (errno.EACCES, errno.EPERM):
            raise BindFailed(
                f"no permission to listen on port {port}: choose one above 1023 ({flag})"
            ) from None
        raise BindFailed(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}: use an address of this "
            "machine (--host or GATEWAY_HOST)"
        ) from None


async def serve(
    app: web.Application,
    sock: socket.socket,
    settings: Settings,
    metrics_sock: socket.socket | None = None,
) -> None:
    """Serve ``app`` on ``sock`` until SIGTERM or SIGINT, then drain and return."""
    runner = GatewayRunner(app, access_log=None, shutdown_timeout=settings.shutdown_grace_s)
    await runner.setup()
    await web.SockSite(runner, sock, backlog=BACKLOG).start()
    side = None
    if metrics_sock is not None:
        side = web.AppRunner(metrics_app(app[METRICS]), access_log=None)
        await side.setup()
        await web.SockSite(side, metrics_sock).start()
    stop = asyncio.Event()
    received: list[str] = []

    def on_signal(sig: signal.Signals) -> None:
        received.append(sig.name)
        stop.set()

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, on_signal, sig)
    log.info("worker %d serving", os.getpid())
    await stop.wait()
    started = time.monotonic()
    log.info("worker %d got %s: draining", os.getpid(), received[0])
    if side is not None:
        await side.cleanup()
    await runner.cleanup()
    log.info("worker %d stopped after %.1f s of draining", os.getpid(), time.monotonic() - started)
