"""POST/GET /graphql and graphql-transport-ws: Strawberry's aiohttp view, with our auth.

The schema (and with it the limiter rules and caches) is built once per application.
"""

import asyncio
import functools
import json
from typing import Any, cast

from aiohttp import web
from cross_web import HTTPException
from graphql import GraphQLError, GraphQLFormattedError
from strawberry.aiohttp.views import GraphQLView
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLHTTPResponse
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    ConnectionInitMessage,
    SubscribeMessage,
)
from strawberry.types import ExecutionResult
from strawberry.types.unset import UnsetType

from gateway import drain, graphiql
from gateway.auth import secret_of, strip_bearer
from gateway.body import client_json
from gateway.errors import error_response, graphql_body
from gateway.keys import CLOCK, DATABASE, SETTINGS, UPSTREAMS
from gateway.metrics import METRICS, Metrics
from gateway.observe import REQUEST_ID, note_principal
from gateway.rate_limit import spend
from gateway.settings import Settings
from resolvers import tokens
from resolvers.errors import GatewayError, InvalidRequest, RateLimited, Unavailable
from resolvers.tokens import Principal
from schema.build import build_schema
from schema.context import Context
from schema.limits import CODE_TIMEOUT, CODE_TOO_MANY_SUBSCRIPTIONS, Limits


async def _spend_quietly(request: web.Request, principal: Principal) -> None:
    """Spend the token's budget for a WebSocket message (no headers to send there)."""
    await spend(request, principal)


class TransportHandler(BaseGraphQLTransportWSHandler[Context, None]):
    """graphql-transport-ws with our limits: rate limit on init and subscribe, a coded cap."""

    async def run_operation(self, operation: Any) -> None:
        live = self.view.metrics.live if isinstance(self.view, GatewayGraphQLView) else None
        if live is None:
            return await super().run_operation(operation)
        live.inc()
        try:
            await super().run_operation(operation)
        finally:
            live.dec()

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        try:
            await super().handle_connection_init(message)
        except RateLimited:
            await self.websocket.close(code=4429, reason="rate limited")

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        if self.connection_acknowledged and message["id"] not in self.operations:
            refusal = await _refusal(self.context, len(self.operations))
            if refusal is not None:
                await self.send_message(
                    {"id": message["id"], "type": "error", "payload": [refusal]}
                )
                return
        await super().handle_subscribe(message)


async def _refusal(context: Context, in_flight: int) -> GraphQLFormattedError | None:
    """Return why a new operation on a WebSocket is refused: too many at once, or rate."""
    if in_flight >= context.limits.max_subscriptions:
        message = (
            f"this connection already runs {in_flight} operations; the limit is "
            f"{context.limits.max_subscriptions}: complete one first"
        )
        return {"message": message, "extensions": {"code": CODE_TOO_MANY_SUBSCRIPTIONS}}
    if context.spend is not None and context.principal is not None:
        try:
            await context.spend(context.principal)
        except RateLimited as error:
            return {"message": error.text, "extensions": {"code": error.code}}
    return None


def limits_of(settings: Settings) -> Limits:
    """Return the GraphQL limits configured in the settings."""
    return Limits(
        max_depth=settings.graphql_max_depth,
        max_aliases=settings.graphql_max_aliases,
        max_tokens=settings.graphql_max_tokens,
        max_document_chars=settings.graphql_max_document_chars,
        max_points=settings.graphql_max_points,
        timeout_s=settings.graphql_timeout_s,
        live_poll_s=settings.graphql_live_poll_s,
        cache_size=settings.graphql_cache_size,
    )


TRANSPORT_CODES = {405: "method_not_allowed", 413: "payload_too_large"}


def _transport_error(request: web.Request, exc: HTTPException) -> web.Response:
    code = TRANSPORT_CODES.get(exc.status_code, "invalid_request")
    return web.json_response(graphql_body(request, exc.reason, code), status=exc.status_code)


async def _principal(context: Context, secret: str | None) -> Principal | None:
    if not secret:
        return None
    try:
        return await tokens.authenticate(context.db, secret, now=context.clock())
    except GatewayError:
        return None


class GatewayGraphQLView(GraphQLView[Context, None]):
    """Authenticates HTTP requests by header, WebSockets by header or connection_init."""

    graphql_transport_ws_handler_class = TransportHandler

    def __init__(self, limits: Limits, metrics: Metrics) -> None:
        # Only graphql-transport-ws: the legacy graphql-ws protocol would bypass our handler.
        super().__init__(
            build_schema(limits),
            graphql_ide=None,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            max_subscriptions_per_connection=limits.max_subscriptions,
        )
        self.limits = limits
        self.metrics = metrics

    async def get_context(
        self, request: web.Request, response: web.Response | web.WebSocketResponse
    ) -> Context:
        app = request.app
        context = Context(
            db=app[DATABASE],
            clock=app[CLOCK],
            limits=self.limits,
            primary_instance=app[SETTINGS].primary_instance,
            upstreams=app.get(UPSTREAMS, ()),
        )
        context.secret = secret_of(request)
        if isinstance(response, web.WebSocketResponse):
            drain.track(app, response)
            # Browsers cannot set headers on a WebSocket: the token may come in connection_init.
            context.principal = await _principal(context, context.secret)
            context.spend = functools.partial(_spend_quietly, request)
        else:
            context.principal = await tokens.authenticate(
                context.db, secret_of(request), now=context.clock()
            )
            note_principal(request, context.principal)
            # One budget per token across both doors: GraphQL is no way around the REST limit.
            response.headers.update(await spend(request, context.principal))
        return context

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        if context.principal is None:
            params = context.connection_params
            raw = params.get("Authorization", params.get("authorization"))
            if isinstance(raw, str):
                context.secret = strip_bearer(raw)
                context.principal = await _principal(context, context.secret)
            if context.principal is None:
                raise ConnectionRejectionError({"code": "unauthorized"})
        if context.spend is not None:
            await context.spend(context.principal)  # RateLimited: TransportHandler closes 4429
        return await super().on_ws_connect(context)

    def parse_json(self, data: str | bytes) -> Any:
        # HTTP bodies and GET variables: our strict decoder; its InvalidRequest becomes a
        # GraphQL-shaped 400 in __call__, naming the problem (depth, NUL, UTF-8).
        return client_json(data, what="request")

    def decode_json(self, data: str | bytes) -> object:
        # WebSocket messages: Strawberry closes the socket (4400) on a JSONDecodeError.
        try:
            return client_json(data, what="message")
        except InvalidRequest as error:
            raise json.JSONDecodeError(error.text, "", 0) from None

    async def execute_operation(self, *args: Any, **kwargs: Any) -> Any:
        try:
            async with asyncio.timeout(self.limits.timeout_s):
                result = await super().execute_operation(*args, **kwargs)
        except TimeoutError:
            error = GraphQLError(
                f"the operation took longer than {self.limits.timeout_s:g} s and was stopped",
                extensions={"code": CODE_TIMEOUT},
            )
            result = ExecutionResult(data=None, errors=[error])
        if isinstance(result, ExecutionResult):
            data = kwargs.get("request_data")
            outcome = _outcome(result)
            self.metrics.observe_operation(getattr(data, "operation_name", None), outcome)
            response = kwargs.get("sub_response")
            if (
                result.data is None
                and outcome == UNAVAILABLE
                and isinstance(response, web.Response)
            ):
                # Nothing answered because the database did not: 503, as before execution
                # (when the token check needed it) and on every REST route.
                response.set_status(503)
        return result

    async def process_result(
        self, request: web.Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        response = await super().process_result(request, result)
        # Each error names the request, so a client's report leads to the server's log line.
        for error in cast("list[dict[str, Any]]", response.get("errors") or []):
            extensions = dict(error.get("extensions") or {})
            extensions["requestId"] = request.get(REQUEST_ID, "")
            error["extensions"] = extensions
        return response

    async def __call__(self, request: web.Request) -> web.StreamResponse:
        if _wants_page(request):
            return graphiql.page(request)
        try:
            return await self.run(request=request)
        except HTTPException as exc:  # Strawberry's transport errors: bad JSON, wrong method
            return _transport_error(request, exc)
        except GatewayError as error:
            return error_response(request, error)


UNAVAILABLE = Unavailable.code


def _outcome(result: ExecutionResult) -> str:
    """Return ``ok``, or the code of the first error (codes are a small fixed set)."""
    if not result.errors:
        return "ok"
    extensions = result.errors[0].extensions or {}
    return str(extensions.get("code", "error"))


def _wants_page(request: web.Request) -> bool:
    """A browser navigating to /graphql gets the GraphiQL page, without a token."""
    return (
        request.method == "GET"
        and "query" not in request.query
        and "text/html" in request.headers.get("Accept", "")
        and request.headers.get("Upgrade", "").lower() != "websocket"
    )


def add_routes(app: web.Application) -> None:
    """Serve GraphQL (HTTP and WebSocket) at /graphql; graphiql.add_routes serves its assets."""
    view = GatewayGraphQLView(limits_of(app[SETTINGS]), app[METRICS])
    app.router.add_route("*", "/graphql", view)
