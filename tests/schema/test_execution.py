"""Lists of scalars completed at once give what graphql-core's item-by-item path gives."""

from datetime import UTC, datetime
from typing import Any

import strawberry

from schema.execution import LeafListExecution

WHEN = datetime(2026, 11, 20, 12, tzinfo=UTC)


@strawberry.type
class Query:
    @strawberry.field
    def counts(self) -> list[int]:
        return [3, 0, -7]

    @strawberry.field
    def big(self) -> list[int] | None:
        return [1, 2**40]  # Int cannot hold it: the coercion fails

    @strawberry.field
    def times(self) -> list[datetime]:
        return [WHEN, WHEN.replace(hour=13)]

    @strawberry.field
    def holes(self) -> list[int] | None:
        return [1, None, 3]  # type: ignore[list-item]  # a resolver breaking its promise

    @strawberry.field
    def maybe(self) -> list[int | None]:
        return [1, None]

    @strawberry.field
    def words(self) -> list[str]:
        return ["a", 5]  # type: ignore[list-item]  # coerced to "5" by String


QUERY = "{ counts big times holes maybe words }"


def run(**kwargs: Any) -> Any:
    result = strawberry.Schema(query=Query, **kwargs).execute_sync(QUERY)
    errors = [(e.message, e.path) for e in result.errors or []]
    return result.data, errors


def test_the_same_data_and_errors_as_graphql_core() -> None:
    at_once = run(execution_context_class=LeafListExecution)
    assert at_once == run()
    data, errors = at_once
    assert data["counts"] == [3, 0, -7]
    assert data["big"] is None and data["holes"] is None
    assert data["times"] == ["2026-11-20T12:00:00+00:00", "2026-11-20T13:00:00+00:00"]
    assert data["maybe"] == [1, None]
    assert data["words"] == ["a", "5"]
    assert sorted(path for _, path in errors) == [["big", 1], ["holes", 1]]
