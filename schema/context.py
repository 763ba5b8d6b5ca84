"""What every resolver gets: who is calling, the database, the clock and the limits."""

from dataclasses import dataclass, field
from typing import Any

from strawberry.types import Info as StrawberryInfo

from resolvers.clock import Clock
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


Info = StrawberryInfo[Context, None]
