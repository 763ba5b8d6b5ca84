"""Typed access to a model's Table and columns, shared by the query modules."""

from typing import Any


def table(model: Any) -> Any:
    """Return a model's Table (SQLModel attributes type as plain values, so go through it)."""
    return model.__table__


def columns(model: Any) -> Any:
    """Return a table's column collection."""
    return table(model).c
