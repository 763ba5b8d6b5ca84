"""The schema, built once per application with its limits and caches."""

from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import ParserCache, ValidationCache
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from schema.access import OperationAccess
from schema.errors import code_errors
from schema.execution import LeafListExecution
from schema.limits import DocumentLimits, Limits
from schema.roots import Mutation, Query, Subscription
from schema.scalars import SCALARS


class GatewaySchema(strawberry.Schema):
    """A schema whose errors all carry a code, with unexpected ones masked."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        code_errors(errors)


def build_schema(limits: Limits | None = None) -> GatewaySchema:
    """Return the gateway schema; its limiter rules and caches are made here, once."""
    limits = limits or Limits()
    size = limits.cache_size
    # Factories (not instances) as Strawberry 0.341 wants; each builds an extension around
    # the same rule classes and the same module-level LRU caches, so caches keep hitting.
    extensions: list[Any] = [
        lambda: DocumentLimits(limits),
        lambda: ParserCache(maxsize=size),
        lambda: ValidationCache(maxsize=size),
        OperationAccess,
    ]
    return GatewaySchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=extensions,
        config=StrawberryConfig(scalar_map=SCALARS),
        execution_context_class=LeafListExecution,
    )


def sdl() -> str:
    """Return the schema in SDL, as committed in ``schema.graphql``."""
    return build_schema().as_str() + "\n"
