"""GraphQL enums are spelled out for readable SDL; their values must stay the resolvers' own."""

from enum import Enum

import pytest

from resolvers import mau, vocabulary
from schema import usage_arguments as args


@pytest.mark.parametrize(
    ("enum", "allowed"),
    [
        (args.StreamSource, vocabulary.SOURCES),
        (args.SdkType, vocabulary.SOURCES),
        (args.EventType, vocabulary.EVENT_TYPES),
        (args.Meter, vocabulary.METERS),
        (args.MauGroup, mau.GROUPS),
        (args.MauAggregation, mau.AGGREGATIONS),
    ],
)
def test_enum_values_are_the_resolvers_vocabulary(
    enum: type[Enum], allowed: tuple[str, ...]
) -> None:
    assert tuple(member.value for member in enum) == allowed
