"""The statistics collector's edge: aiohttp pulls from upstream Unleash servers."""

import asyncio

import aiohttp
from aiohttp import web

from gateway import duties
from gateway.keys import CLOCK, DATABASE, SETTINGS, UPSTREAMS
from gateway.metrics import METRICS
from resolvers import collector
from resolvers.collector import Schedule, UpstreamFailure
from resolvers.upstreams import Upstream, parse_upstreams

# A statistics document is a few kilobytes; anything far larger is not one.
MAX_ANSWER_BYTES = 1024 * 1024


async def _read_limited(response: aiohttp.ClientResponse) -> bytes:
    chunks, size = [], 0
    async for chunk in response.content.iter_chunked(64 * 1024):
        chunks.append(chunk)
        size += len(chunk)
        if size > MAX_ANSWER_BYTES:
            break
    return b"".join(chunks)


class HttpStatisticsFetcher:
    """Fetches ``GET /api/admin/instance-admin/statistics`` over HTTP."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self.session = session

    async def fetch(self, upstream: Upstream, *, timeout_s: float) -> str:
        """Return the body of a 200 answer; raise UpstreamFailure for anything else."""
        headers = {"Accept": "application/json"}
        if upstream.token:
            headers["Authorization"] = upstream.token
        timeout = aiohttp.ClientTimeout(total=timeout_s)
        # No redirects: a login page is an error to report, and the token stays with its host.
        try:
            async with self.session.get(
                upstream.statistics_url, headers=headers, timeout=timeout, allow_redirects=False
            ) as response:
                body = await _read_limited(response)
                status = response.status
        except TimeoutError:
            raise UpstreamFailure(f"no answer within {timeout_s:g} s") from None
        except aiohttp.ClientError as exc:
            raise UpstreamFailure(f"request failed: {type(exc).__name__}: {exc}") from None
        if status != 200:
            snippet = body[:200].decode("utf-8", "replace")
            raise UpstreamFailure(f"HTTP {status}: {snippet}")
        if len(body) > MAX_ANSWER_BYTES:
            raise UpstreamFailure(f"answer is larger than {MAX_ANSWER_BYTES} bytes")
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError:
            raise UpstreamFailure("answer is not UTF-8 text") from None


def _collector(upstreams: tuple[Upstream, ...], schedule: Schedule) -> duties.Duty:
    async def collect(app: web.Application) -> None:
        metrics = app[METRICS]

        def observe(outcome: collector.Outcome) -> None:
            metrics.observe_collector(outcome, app[CLOCK]().timestamp())

        async with aiohttp.ClientSession() as session:
            fetcher = HttpStatisticsFetcher(session)
            await asyncio.gather(
                *(
                    collector.poll(
                        app[DATABASE],
                        fetcher,
                        upstream,
                        clock=app[CLOCK],
                        schedule=schedule,
                        on_outcome=observe,
                    )
                    for upstream in upstreams
                )
            )

    return collect


def add_collector(app: web.Application) -> None:
    """Pull statistics from the configured upstreams, in one process of the deployment.

    Raises ValueError at once when the upstream settings are malformed.
    """
    settings = app[SETTINGS]
    upstreams = parse_upstreams(settings.unleash_upstreams or (), settings.unleash_upstream_tokens)
    app[UPSTREAMS] = upstreams
    if not upstreams:
        return
    schedule = Schedule(
        interval_s=settings.unleash_collect_interval_s,
        timeout_s=settings.unleash_collect_timeout_s,
        backoff_max_s=settings.unleash_collect_backoff_max_s,
    )
    duties.add_duty(app, "statistics collector", _collector(upstreams, schedule))
