"""``gateway serve`` and ``migrate``: the database and the running service."""

import asyncio
import logging
import socket

import click
from aiohttp import web

from gateway import logs, metrics, server
from gateway.app import create_app
from gateway.cli.common import UsageProblem, database_option, run, settings_of
from gateway.cli.demo import demo_prepare, print_demo
from gateway.settings import Settings
from gateway.supervisor import Supervisor
from resolvers import database, tokens
from resolvers.clock import system_clock
from resolvers.database import Database

log = logging.getLogger(__name__)


@click.command()
@click.option("--host", help="Interface to bind (default 127.0.0.1).")
@click.option("--port", type=int, help="Port to listen on (default 8080).")
@database_option
@click.option(
    "--workers",
    type=int,
    help="Processes serving the port (default 1, or GATEWAY_WORKERS).",
)
@click.option(
    "--demo",
    "with_demo",
    is_flag=True,
    help="Fill an empty database with demo data and print an admin token.",
)
def serve(
    host: str | None,
    port: int | None,
    database_url: str | None,
    workers: int | None,
    with_demo: bool,
) -> None:
    """Run the gateway (creating and migrating the database on first start)."""
    settings = settings_of(host=host, port=port, database_url=database_url, workers=workers)
    logs.configure(level=settings.log_level, json_lines=settings.log_format == "json")
    folder = metrics.use_multiprocess() if settings.workers > 1 else None
    try:
        _serve(settings, with_demo)
    finally:
        if folder is not None:
            metrics.forget_multiprocess(folder)


def _serve(settings: Settings, with_demo: bool) -> None:
    try:
        app = create_app(settings)  # checks the settings before any slow start-up work
    except ValueError as exc:
        raise UsageProblem(str(exc)) from None
    sock, metrics_sock = _bind(settings)
    try:
        secret = _prepare(settings, with_demo)
        banner = (
            f"Usage Gateway on http://{settings.host}:{settings.port} with "
            f"{settings.workers} worker(s) (database {database.redact_url(settings.database)})"
        )
        if settings.log_format == "json":
            log.info("%s", banner)  # every line of a JSON log is JSON
        else:
            click.echo(banner, err=True)
        if secret is not None:
            print_demo(settings, secret)
        if settings.workers == 1:
            asyncio.run(server.serve(app, sock, settings, metrics_sock))
            return
        supervisor = Supervisor(
            lambda: _run_worker(app, settings),
            workers=settings.workers,
            grace_s=settings.shutdown_grace_s,
            on_exit=metrics.worker_gone,
        )
        supervisor.run()
    finally:
        sock.close()
        if metrics_sock is not None:
            metrics_sock.close()


def _run_worker(app: web.Application, settings: Settings) -> None:
    """Serve in a forked worker, on its own sockets sharing the ports with its siblings."""
    sock = server.listen(settings.host, settings.port, shared=True)
    metrics_sock = None
    if settings.metrics_port is not None:
        metrics_sock = server.listen(settings.host, settings.metrics_port, shared=True)
    asyncio.run(server.serve(app, sock, settings, metrics_sock))


def _bind(settings: Settings) -> tuple[socket.socket, socket.socket | None]:
    shared = settings.workers > 1
    try:
        sock = server.bind(settings.host, settings.port, shared=shared)
    except server.BindFailed as exc:
        raise UsageProblem(str(exc)) from None
    if settings.metrics_port is None:
        return sock, None
    try:
        metrics_sock = server.bind(
            settings.host, settings.metrics_port, setting="metrics_port", shared=shared
        )
        return sock, metrics_sock
    except server.BindFailed as exc:
        sock.close()
        raise UsageProblem(str(exc)) from None


def _prepare(settings: Settings, with_demo: bool) -> str | None:
    """Migrate, check the admin token and add the demo, before anything is announced."""

    async def work(db: Database) -> str | None:
        if settings.admin_token:
            await tokens.ensure_token(
                db,
                secret=settings.admin_token,
                kind="admin",
                name="GATEWAY_ADMIN_TOKEN",
                now=system_clock(),
            )
        return await demo_prepare(db, settings) if with_demo else None

    return run(work, settings, create=True)


@click.command("migrate")
@database_option
def migrate_command(database_url: str | None) -> None:
    """Create or upgrade the database schema."""
    settings = settings_of(database_url=database_url)

    async def work(db: Database) -> str | None:
        return await database.current_revision(db)

    revision = run(work, settings, create=True)
    click.echo(f"{database.redact_url(settings.database)} is at schema revision {revision}.")
