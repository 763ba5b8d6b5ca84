"""Arguments of the usage fields, and how they become the vendor's query parameters.

The GraphQL door hands these parameters to ``resolvers.usage_params`` exactly as a REST
request's query string, so both doors apply one set of defaults, clipping and validation.
"""

from datetime import datetime
from enum import Enum
from typing import Annotated, Any

import strawberry

from resolvers.clock import epoch_ms, epoch_s
from resolvers.usage_params import Query
from schema.enums import EventType, MauAggregation, Meter, SdkType

__all__ = ["EventType", "FromArg", "MauAggregation", "MauGroup", "Meter", "SdkType", "vendor_query"]

FromArg = Annotated[datetime | None, strawberry.argument(name="from")]


@strawberry.enum(description="A dimension MAU can be grouped by.")
class MauGroup(Enum):
    PROJECT = "project"
    ENVIRONMENT = "environment"
    SDK_TYPE = "sdktype"
    SDK = "sdk"
    ANONYMOUS = "anonymous"
    CONTEXT_KIND = "contextKind"


def vendor_query(
    *, start: datetime | None = None, end: datetime | None = None, ms: bool = True, **more: Any
) -> Query:
    """Return GraphQL arguments as the vendor's query parameters (absent ones left out)."""
    query: dict[str, list[str]] = {}
    for name, moment in (("from", start), ("to", end)):
        if moment is not None:
            query[name] = [str(epoch_ms(moment) if ms else epoch_s(moment))]
    for name, value in more.items():
        values = value if isinstance(value, list | tuple) else [value]
        query[name] = [_text(v) for v in values if v is not None]
        if not query[name]:
            del query[name]
    return query


def _text(value: Any) -> str:
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
