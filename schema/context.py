"""What every resolver gets: who is calling, the database, the clock and the limits."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from strawberry.dataloader import DataLoader
from strawberry.types import Info as StrawberryInfo

from resolvers import statistics
from resolvers.clock import Clock
from resolvers.statistics import StatisticsDocument
from resolvers.tokens import Principal
from resolvers.upstreams import Upstream
from schema.limits import Limits
from storage.engine import Database


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

    def start_operation(self) -> None:
        """Forget what the previous operation counted and cached (a WebSocket runs many)."""
        self.points_spent = 0
        self._latest = None

    @property
    def latest_statistics(self) -> DataLoader[str, StatisticsDocument | None]:
        """Each instance's newest document, loaded once per operation."""
        if self._latest is None:
            self._latest = DataLoader(load_fn=self._load_latest)
        return self._latest

    async def _load_latest(self, instance_ids: list[str]) -> list[StatisticsDocument | None]:
        return [await statistics.statistics_at(self.db, instance_id=i) for i in instance_ids]


Info = StrawberryInfo[Context, None]
