"""GraphQL enums are the resolvers' vocabularies, registered, never restated."""

from graphql import GraphQLEnumType

from resolvers import vocabulary
from schema.build import build_schema


def test_every_graphql_enum_is_a_resolvers_vocabulary() -> None:
    schema = build_schema()
    enums = {
        name: t
        for name, t in schema._schema.type_map.items()
        if isinstance(t, GraphQLEnumType) and not name.startswith("__")
    }
    restated = []
    for name, graphql_enum in enums.items():
        python_enum = getattr(vocabulary, name, None)
        if python_enum is None:
            restated.append(name)
            continue
        assert [v.value for v in graphql_enum.values.values()] == [m.value for m in python_enum]
    assert restated == []
