"""Every GraphQL error gets a code; unexpected ones are masked (their detail only logged)."""

import logging

import pytest
from graphql import GraphQLError, GraphQLSyntaxError, Source

from resolvers.errors import FieldError, Forbidden, InvalidRequest, NotFound, Unavailable
from schema.errors import MASKED_MESSAGE, classify, code_errors
from schema.limits import CODE_TOO_DEEP, limit_error


@pytest.mark.parametrize(
    ("original", "message", "code"),
    [
        (Forbidden("no"), "no", "forbidden"),
        (NotFound(None), "Invalid resource identifier", "not_found"),
        (
            Unavailable(None, detail="connection refused to 10.0.0.1"),
            "Requested service unavailable",
            "service_unavailable",
        ),
        (RuntimeError("password=hunter2"), MASKED_MESSAGE, "internal_error"),
        (KeyError("secret"), MASKED_MESSAGE, "internal_error"),
    ],
)
def test_resolver_failures_are_coded(original: Exception, message: str, code: str) -> None:
    error = GraphQLError(str(original), original_error=original)
    assert classify(error) == (message, {"code": code})


def test_invalid_requests_carry_their_field_errors() -> None:
    original = InvalidRequest("bad", errors=(FieldError(2, "time", "time is required"),))
    error = GraphQLError("bad", original_error=original)
    assert classify(error) == (
        "bad",
        {
            "code": "invalid_request",
            "errors": [{"index": 2, "field": "time", "message": "time is required"}],
        },
    )


def test_limit_and_document_errors_are_coded() -> None:
    assert classify(limit_error("deep", CODE_TOO_DEEP)) == ("deep", {"code": CODE_TOO_DEEP})
    syntax = GraphQLSyntaxError(Source("{"), 1, "Expected Name, found <EOF>.")
    assert classify(syntax)[1] == {"code": "graphql_parse_failed"}
    assert classify(GraphQLError("Cannot query field 'x'."))[1] == {
        "code": "graphql_validation_failed"
    }


def test_masking_logs_the_detail_and_sends_none_of_it(caplog: pytest.LogCaptureFixture) -> None:
    error = GraphQLError("x", original_error=RuntimeError("password=hunter2"))
    with caplog.at_level(logging.ERROR, logger="schema.errors"):
        code_errors([error])
    assert error.formatted["message"] == MASKED_MESSAGE
    assert "hunter2" not in str(error.formatted)
    assert "hunter2" in caplog.text
