"""Custom scalars: ``Long``, a 64-bit integer for counts and totals."""

from typing import Any, NewType

import strawberry
from graphql import GraphQLError
from strawberry.types.scalar import ScalarDefinition

Long = NewType("Long", int)

LONG_MIN, LONG_MAX = -(2**63), 2**63 - 1


def _integer(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise GraphQLError(f"Long cannot represent {value!r}: not an integer")
    if isinstance(value, float) and not value.is_integer():
        raise GraphQLError(f"Long cannot represent {value!r}: not an integer")
    number = int(value)
    if not LONG_MIN <= number <= LONG_MAX:
        raise GraphQLError(f"Long cannot represent {value!r}: outside 64 bits")
    return number


LONG = strawberry.scalar(
    name="Long",
    description="A 64-bit integer, written as a JSON number (exact up to 2^53).",
    serialize=_integer,
    parse_value=_integer,
)

# Given to StrawberryConfig(scalar_map=...) so annotations can use the plain NewType.
SCALARS: dict[object, ScalarDefinition] = {Long: LONG}
