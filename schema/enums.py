"""The resolvers' vocabularies, registered as GraphQL enums (never restated here)."""

import strawberry

from resolvers.vocabulary import (
    Category,
    Dimension,
    EventType,
    FlagOrder,
    Granularity,
    MauAggregation,
    Measure,
    Meter,
    SdkType,
    SeriesOrder,
    TokenKind,
)

# strawberry.enum marks the class itself, so schema modules import these names from here
# and annotate with them as with any Python enum.
for vocabulary in (
    Category,
    Dimension,
    EventType,
    FlagOrder,
    Granularity,
    MauAggregation,
    Measure,
    Meter,
    SdkType,
    SeriesOrder,
    TokenKind,
):
    strawberry.enum(vocabulary, description=(vocabulary.__doc__ or "").strip())

__all__ = [
    "Category",
    "Dimension",
    "EventType",
    "FlagOrder",
    "Granularity",
    "MauAggregation",
    "Measure",
    "Meter",
    "SdkType",
    "SeriesOrder",
    "TokenKind",
]
