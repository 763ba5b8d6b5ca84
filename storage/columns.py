"""Typed access to a model's Table and columns, shared by the query modules."""

from typing import Any

from sqlalchemy import ColumnElement, String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement


def table(model: Any) -> Any:
    """Return a model's Table (SQLModel attributes type as plain values, so go through it)."""
    return model.__table__


def columns(model: Any) -> Any:
    """Return a table's column collection."""
    return table(model).c


class code_point_order(FunctionElement[Any]):
    """An ORDER BY key that sorts text by code point on both backends (as Python does).

    SQLite's default BINARY collation already does; PostgreSQL's follows the database's
    locale unless told ``COLLATE "C"``.
    """

    inherit_cache = True

    def __init__(self, column: ColumnElement[Any]) -> None:
        super().__init__(column)
        self.type = column.type


@compiles(code_point_order)
def _code_point_order(element: code_point_order, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)


@compiles(code_point_order, "postgresql")
def _code_point_order_pg(element: code_point_order, compiler: SQLCompiler, **kw: Any) -> str:
    inner = compiler.process(element.clauses, **kw)
    return f'({inner}) COLLATE "C"' if isinstance(element.type, String) else inner
