"""Protection against hostile documents: size, tokens, depth, aliases, points.

The validation rules are classes made once per schema. Strawberry's ValidationCache keys
on the tuple of rule classes, so rules rebuilt per request would make every request a
cache miss (and validation ~10x slower); ``Limits.rules()`` is memoized for that reason.
"""

import functools
from collections.abc import Iterator
from dataclasses import dataclass

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSyntaxError,
    InlineFragmentNode,
    Lexer,
    OperationDefinitionNode,
    SelectionSetNode,
    Source,
    StringValueNode,
    TokenKind,
    ValidationContext,
    ValidationRule,
)
from strawberry.extensions import SchemaExtension

from resolvers import strings

CODE_TOO_LARGE = "document_too_large"
CODE_TOO_DEEP = "query_too_deep"
CODE_TOO_MANY_ALIASES = "too_many_aliases"
CODE_TOO_MANY_POINTS = "too_many_points"
CODE_TIMEOUT = "query_timeout"
CODE_TOO_MANY_SUBSCRIPTIONS = "too_many_subscriptions"


@dataclass(frozen=True)
class Limits:
    """What one GraphQL operation may ask for."""

    max_depth: int = 10
    max_aliases: int = 30
    max_tokens: int = 5000
    max_document_chars: int = 50_000
    max_points: int = 100_000
    timeout_s: float = 15.0
    live_poll_s: float = 2.0
    cache_size: int = 512
    # WebSockets: operations in flight on one connection, and how many polls a live
    # subscription makes between re-checks of its token (a revoked token ends it).
    max_subscriptions: int = 10
    live_recheck_polls: int = 15

    @functools.cached_property
    def rules(self) -> tuple[type[ValidationRule], ...]:
        """Return the validation rules of these limits, the same classes on every call."""
        budget = self.max_tokens * 4
        return (
            depth_rule(self.max_depth, budget),
            alias_rule(self.max_aliases, budget),
            StringRule,
        )


def limit_error(message: str, code: str) -> GraphQLError:
    """Return an error that says which limit refused the operation."""
    return GraphQLError(message, extensions={"code": code})


def check_points(points: int, limits: Limits, *, spent: int = 0) -> None:
    """Raise a coded error when ``spent`` plus ``points`` would pass ``max_points``."""
    if spent + points > limits.max_points:
        so_far = f" (after {spent} already in this response)" if spent else ""
        raise limit_error(
            f"this series would have {points} points{so_far}; the limit is {limits.max_points} "
            "per response: narrow the range or choose a coarser granularity",
            CODE_TOO_MANY_POINTS,
        )


def _fragments(context: ValidationContext) -> dict[str, FragmentDefinitionNode]:
    return {
        d.name.value: d
        for d in context.document.definitions
        if isinstance(d, FragmentDefinitionNode)
    }


class _Expansion:
    """A budget of field visits: fragments spreading fragments can multiply a small document."""

    def __init__(self, budget: int) -> None:
        self.left = budget

    def spend(self) -> None:
        self.left -= 1
        if self.left < 0:
            raise _TooLarge


class _TooLarge(Exception):
    pass


def _walk(
    selections: SelectionSetNode | None,
    fragments: dict[str, FragmentDefinitionNode],
    depth: int,
    seen: frozenset[str],
    budget: _Expansion,
) -> Iterator[tuple[FieldNode, int]]:
    """Yield every field under a selection set with its depth (fragments inlined).

    Depth does not grow under introspection fields (``__schema``, ``__type``): their nesting
    is bounded by the schema itself, and GraphiQL's own introspection query is deep.
    """
    if selections is None:
        return
    for node in selections.selections:
        budget.spend()
        if isinstance(node, FieldNode):
            yield node, depth
            # Depth 0 marks an introspection subtree.
            below = 0 if node.name.value.startswith("__") or depth == 0 else depth + 1
            yield from _walk(node.selection_set, fragments, below, seen, budget)
        elif isinstance(node, InlineFragmentNode):
            yield from _walk(node.selection_set, fragments, depth, seen, budget)
        elif isinstance(node, FragmentSpreadNode):
            name = node.name.value
            fragment = fragments.get(name)
            if fragment is not None and name not in seen:
                yield from _walk(fragment.selection_set, fragments, depth, seen | {name}, budget)


def _fields(context: ValidationContext, budget: int) -> list[tuple[FieldNode, int]]:
    """Return every field of every operation with its depth; raise _TooLarge past budget."""
    fragments = _fragments(context)
    expansion = _Expansion(budget)
    return [
        pair
        for operation in _operations(context)
        for pair in _walk(operation.selection_set, fragments, 1, frozenset(), expansion)
    ]


def _too_large(context: ValidationContext, budget: int) -> None:
    context.report_error(
        limit_error(
            f"the document expands to more than {budget} fields (fragments included)",
            CODE_TOO_LARGE,
        )
    )


def _operations(context: ValidationContext) -> Iterator[OperationDefinitionNode]:
    for d in context.document.definitions:
        if isinstance(d, OperationDefinitionNode):
            yield d


def depth_rule(max_depth: int, budget: int) -> type[ValidationRule]:
    """Return a rule refusing operations nested deeper than ``max_depth`` fields."""

    class DepthLimit(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            try:
                fields = _fields(context, budget)
            except _TooLarge:
                _too_large(context, budget)
                return
            deepest = max((d for _, d in fields), default=0)
            if deepest > max_depth:
                context.report_error(
                    limit_error(
                        f"the query is nested {deepest} levels deep; the limit is {max_depth}",
                        CODE_TOO_DEEP,
                    )
                )

    return DepthLimit


def alias_rule(max_aliases: int, budget: int) -> type[ValidationRule]:
    """Return a rule refusing documents with more than ``max_aliases`` aliased fields."""

    class AliasLimit(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            try:
                fields = _fields(context, budget)
            except _TooLarge:
                return  # the depth rule reports it once
            aliases = sum(1 for f, _ in fields if f.alias is not None)
            if aliases > max_aliases:
                context.report_error(
                    limit_error(
                        f"the document has {aliases} aliases; the limit is {max_aliases}",
                        CODE_TOO_MANY_ALIASES,
                    )
                )

    return AliasLimit


_OPENERS = (TokenKind.BRACE_L, TokenKind.BRACKET_L)
_CLOSERS = (TokenKind.BRACE_R, TokenKind.BRACKET_R)


@functools.lru_cache(maxsize=512)
def nesting(query: str, max_tokens: int) -> int:
    """Return how deeply braces and brackets nest in a document (lexed, not parsed).

    The parser recurses once per level, so a document nested thousands deep must be refused
    before it is parsed; the exact field-depth rule runs later, in validation.
    """
    lexer = Lexer(Source(query))
    depth = deepest = 0
    try:
        for _ in range(max_tokens):
            kind = lexer.advance().kind
            if kind is TokenKind.EOF:
                break
            if kind in _OPENERS:
                depth += 1
                deepest = max(deepest, depth)
            elif kind in _CLOSERS:
                depth -= 1
    except GraphQLSyntaxError:
        pass  # the parser reports it, with its position
    return deepest


class DocumentLimits(SchemaExtension):
    """Refuse an over-long document before parsing, and cap the parser's token count."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits

    def on_operation(self) -> Iterator[None]:
        query = self.execution_context.query or ""
        if len(query) > self.limits.max_document_chars:
            raise limit_error(
                f"the document is {len(query)} characters; "
                f"the limit is {self.limits.max_document_chars}",
                CODE_TOO_LARGE,
            )
        guard = max(50, 3 * self.limits.max_depth)
        if nesting(query, self.limits.max_tokens) > guard:
            raise limit_error(f"the document nests more than {guard} levels deep", CODE_TOO_DEEP)
        self.execution_context.parse_options["max_tokens"] = self.limits.max_tokens
        self.execution_context.validation_rules = (
            *self.execution_context.validation_rules,
            *self.limits.rules,
        )
        yield


class StringRule(ValidationRule):
    """Refuses a string literal that breaks the string rule (resolvers/strings.py).

    GraphQL's ``"\\u0000"`` escape makes a NUL, which PostgreSQL cannot store; variables
    are decoded by the gateway's JSON decoder, which applies the same rule.
    """

    def enter_string_value(self, node: StringValueNode, *_args: object) -> None:
        problem = strings.problem(node.value)
        if problem is not None:
            self.report_error(
                GraphQLError(
                    f"a string in the document {problem}",
                    node,
                    extensions={"code": "invalid_request"},
                )
            )
