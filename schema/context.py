"""What every resolver gets: who is calling, the database, the clock and the limits."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from strawberry.dataloader import DataLoader
from strawberry.types import Info as StrawberryInfo

from resolvers import statistics, upstreams
from resolvers.clock import Clock
from resolvers.database import Database
from resolvers.statistics import StatisticsDocument
from resolvers.tokens import Principal
from resolvers.upstreams import Upstream, UpstreamState
from schema.flag_loaders import FlagLoaders
from schema.limits import Limits


@dataclass
class Context:
    """The per-operation (or per-WebSocket) context; ``principal`` None means not yet known."""

    db: Database
    clock: Clock
    limits: Limits
    principal: Principal | None = None
    # Statistics configuration: the instance served by default, the collector's upstreams.
    primary_instance: str | None = None
    upstreams: tuple[Upstream, ...] = ()
    # Series points already in this response (the points limit is per response).
    points_spent: int = 0
    # graphql-transport-ws puts the connection_init payload here (it may carry the token).
    connection_params: dict[str, Any] = field(default_factory=dict)
    # The token as given, so a long-lived subscription can re-check it was not revoked.
    secret: str | None = field(default=None, repr=False)
    # The door's per-token budget; a WebSocket spends it on connection_init and each subscribe.
    spend: Callable[[Principal], Awaitable[None]] | None = None
    _latest: DataLoader[str, StatisticsDocument | None] | None = None
    _upstream_states: DataLoader[None, list[UpstreamState]] | None = None
    _flag_loaders: FlagLoaders | None = None

    def start_operation(self) -> None:
        """Forget what the previous operation counted and cached (a WebSocket runs many)."""
        self.points_spent = 0
        self._latest = None
        self._upstream_states = None
        self._flag_loaders = None

    @property
    def flag_loaders(self) -> FlagLoaders:
        """The per-flag loaders of this operation."""
        if self._flag_loaders is None:
            self._flag_loaders = FlagLoaders(self.db, self.clock)
        return self._flag_loaders

    @property
    def latest_statistics(self) -> DataLoader[str, StatisticsDocument | None]:
        """Each instance's newest document, loaded once per operation."""
        if self._latest is None:
            self._latest = DataLoader(load_fn=self._load_latest)
        return self._latest

    async def _load_latest(self, instance_ids: list[str]) -> list[StatisticsDocument | None]:
        found = await statistics.newest_statistics_of(self.db, instance_ids=instance_ids)
        return [found.get(i) for i in instance_ids]

    async def upstream_states(self) -> list[UpstreamState]:
        """Every upstream's collector state, loaded once per operation."""
        if self._upstream_states is None:
            # A loader, not a plain cache: fields resolved concurrently share one load.
            self._upstream_states = DataLoader(load_fn=self._load_upstream_states)
        return await self._upstream_states.load(None)

    async def _load_upstream_states(self, keys: list[None]) -> list[list[UpstreamState]]:
        states = await upstreams.upstream_states(self.db, configured=self.upstreams)
        return [states for _ in keys]


Info = StrawberryInfo[Context, None]
