"""A TCP forwarder to PostgreSQL that a test can pause or unplug: the process edge."""

import asyncio
from urllib.parse import urlsplit


class Forwarder:
    """Forwards 127.0.0.1:port to a target; ``pause`` stalls every byte, closing nothing."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.port = 0
        self.server: asyncio.Server | None = None
        self.writers: list[asyncio.StreamWriter] = []
        self.flowing = asyncio.Event()
        self.flowing.set()

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        self.port = self.server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Refuse new connections and cut the open ones."""
        assert self.server is not None
        self.flowing.set()
        self.server.close()
        for writer in self.writers:
            writer.close()
        await self.server.wait_closed()
        self.writers.clear()

    def pause(self) -> None:
        """Stop forwarding: connections stay open and are still accepted, nothing answers."""
        self.flowing.clear()

    def resume(self) -> None:
        self.flowing.set()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.writers.append(writer)
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        self.writers.append(up_writer)
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))

    async def _pipe(self, src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
        try:
            while data := await src.read(65536):
                await self.flowing.wait()
                dst.write(data)
                await dst.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            dst.close()


async def forwarded(database_url: str, server_dsn: str) -> tuple[Forwarder, str]:
    """Return a started forwarder to ``server_dsn``'s server, and the database's URL via it."""
    target = urlsplit(server_dsn)
    forwarder = Forwarder(target.hostname or "127.0.0.1", target.port or 5432)
    await forwarder.start()
    name = database_url.rsplit("/", 1)[1]
    user = f"{target.username}@" if target.username else ""
    return forwarder, f"postgresql+asyncpg://{user}127.0.0.1:{forwarder.port}/{name}"
