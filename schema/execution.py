"""GraphQL execution with lists of scalars completed at once.

graphql-core completes a list item by item (a path, an awaitable check and a coercion
call each); a 48-point series carries some 400 such leaves in ``times`` and ``values``,
which was most of a GraphQL series read's CPU. A list of non-null scalars holding plain
values is coerced in one pass instead; anything else (nulls, awaitables, a failing
coercion, @stream) takes graphql-core's own path, with its errors and their paths.
"""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from graphql import GraphQLNonNull, GraphQLScalarType, Undefined
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

_PLAIN = frozenset({int, float, str, bool, datetime})


class LeafListExecution(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's execution context, with lists of non-null scalars in one pass."""

    def complete_iterable_value(
        self,
        item_type: Any,
        field_details_list: Any,
        info: Any,
        path: Any,
        items: Iterable[Any],
        position_context: Any,
    ) -> Any:
        done = _at_once(item_type, items)
        if done is not None and self.get_stream_usage(field_details_list, path) is None:
            return done
        return super().complete_iterable_value(
            item_type, field_details_list, info, path, items, position_context
        )


def _at_once(item_type: Any, items: Iterable[Any]) -> list[Any] | None:
    """Return the coerced list, or None where graphql-core must complete it itself."""
    if not isinstance(item_type, GraphQLNonNull) or not isinstance(items, list | tuple):
        return None
    scalar = item_type.of_type
    if not isinstance(scalar, GraphQLScalarType):
        return None
    if any(type(item) not in _PLAIN for item in items):
        return None
    coerce = scalar.coerce_output_value
    try:
        coerced = [coerce(item) for item in items]
    except Exception:  # graphql-core reports it, with the item's path
        return None
    if any(value is None or value is Undefined for value in coerced):
        return None
    return coerced
