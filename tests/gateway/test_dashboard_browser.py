"""The dashboard in headless Chromium on a real gateway: what it shows is what GraphQL says."""

import json
import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from aiohttp.test_utils import TestClient

from gateway import assets
from gateway.app import create_app
from gateway.dashboard import routes
from gateway.settings import Settings
from resolvers.clock import system_clock
from tests import chromium
from tests.conftest import ADMIN, ClientFactory
from tests.gateway.test_ingest import new_token
from tests.graphql_client import gql

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("browser_ready")]


@pytest.fixture
def browser_ready() -> None:
    """Chromium and the chart library; either missing fails in CI and skips elsewhere."""
    chromium.executable()
    if not all((assets.VENDOR_DIR / name).is_file() for name in routes.CHART_FILES):
        message = f"the dashboard's chart library is missing: run `{assets.INSTALL_COMMAND}`"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture
async def gateway(aiohttp_client: ClientFactory, database_url: str) -> TestClient[Any, Any]:
    """The app on the real clock (the browser's ranges end at its own now), polling live fast."""
    settings = Settings(database_url=database_url, admin_token=ADMIN, graphql_live_poll_s=0.2)
    client = await aiohttp_client(create_app(settings, clock=system_clock))
    now = datetime.now(UTC)
    await ingest(
        client,
        [
            evaluation(now - timedelta(minutes=30), "checkout", 0, 5),
            evaluation(now - timedelta(minutes=30), "checkout", 1, 7),
            evaluation(now - timedelta(days=1, hours=3), "checkout", 1, 11),
            evaluation(now - timedelta(days=5), "checkout", 0, 13),
            evaluation(now - timedelta(days=5, hours=7), "checkout", 1, 4),
            evaluation(now - timedelta(days=12), "search", 0, 3),
            *[context(now - timedelta(hours=1), f"user-{n}") for n in range(3)],
        ],
    )
    return client


def evaluation(at: datetime, flag: str, variation: int, count: int) -> dict[str, Any]:
    return {
        "type": "evaluation",
        "time": at.isoformat(),
        "project": "web",
        "environment": "production",
        "flag": flag,
        "variation": variation,
        "value": ["off", "on"][variation],
        "count": count,
    }


def context(at: datetime, key: str) -> dict[str, Any]:
    return {
        "type": "context",
        "time": at.isoformat(),
        "contextKey": key,
        "contextKind": "user",
        "anonymous": False,
        "project": "web",
        "environment": "production",
        "sdk": "Go",
        "sdkType": "server",
        "category": "backend",
    }


async def ingest(client: TestClient[Any, Any], records: list[dict[str, Any]]) -> None:
    response = await client.post(
        "/api/gateway/ingest", json={"records": records}, headers={"Authorization": ADMIN}
    )
    assert response.status == 202, await response.text()


@pytest.fixture
async def page(gateway: TestClient[Any, Any], tmp_path: Path) -> AsyncIterator[chromium.Page]:
    async with chromium.launch(tmp_path) as tab:
        try:
            yield tab
        except BaseException:
            print(f"screenshot: {await tab.screenshot(tmp_path / 'dashboard.png')}")
            raise


# ---- reading the page -------------------------------------------------------------------

RENDERED = "Number(document.getElementById('app').dataset.rendered || 0)"
TABLE = """(() => {
  const card = document.querySelector('[data-chart=%s]');
  const table = card && card.querySelector('table.numbers');
  if (!table) return null;
  const rows = [...table.tBodies[0].rows];
  return {
    from: card.dataset.from, to: card.dataset.to, granularity: card.dataset.granularity,
    labels: [...table.tHead.rows[0].cells].slice(1).map((c) => c.textContent),
    times: rows.map((r) => r.cells[0].dataset.time),
    values: rows.map((r) => [...r.cells].slice(1).map((c) => c.dataset.value)),
    totals: [...table.tFoot.rows[0].cells].slice(1).map((c) => c.dataset.total),
  };
})()"""


async def act(page: chromium.Page, expression: str) -> None:
    """Run ``expression`` (a user's action) and wait until the view it leads to has rendered."""
    before = await page.evaluate(RENDERED)
    await page.evaluate(expression)
    await page.wait_for(f"{RENDERED} > {before}")


def choose(control: str, value: str) -> str:
    """Return JavaScript that picks ``value`` in a control as a user would (then `change`)."""
    return (
        f"(() => {{ const e = document.getElementById({json.dumps(control)}); e.focus();"
        f" e.value = {json.dumps(value)}; e.dispatchEvent(new Event('change', {{bubbles: true}}));"
        " })()"
    )


async def table_of(page: chromium.Page, chart: str) -> dict[str, Any]:
    """Open a chart's table view and return its numbers (as the page's data- attributes)."""
    await page.click(f"[data-chart={chart}] header button[aria-pressed]")
    table: dict[str, Any] = await page.wait_for(TABLE % chart)
    return table


async def state(page: chromium.Page) -> dict[str, str]:
    query = parse_qs(urlsplit(await page.evaluate("location.href")).query)
    return {k: v[0] for k, v in query.items()}


async def sign_in(page: chromium.Page, secret: str) -> str:
    """Type ``secret`` into the sign-in form and return the message the page then shows."""
    await page.wait_for("!!document.getElementById('token')")
    await page.evaluate(
        "document.querySelector('.state-error')?.remove(); document.getElementById('token').focus()"
    )
    await page.send("Input.insertText", text=secret)
    await page.click("form.signin button[type=submit]")
    text: str = await page.wait_for(
        "document.querySelector('.state-error')?.textContent"
        " || document.querySelector('.top') && 'signed in'"
    )
    return text


# ---- what GraphQL says --------------------------------------------------------------------

SERIES = "granularity from to series { labels { variation value } total times values }"


async def ask(client: TestClient[Any, Any], query: str, **variables: Any) -> dict[str, Any]:
    status, body = await gql(client, query, variables)
    assert status == 200 and "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


def as_shown(series: list[dict[str, Any]]) -> dict[str, Any]:
    """Return a GraphQL series list in the shape of the page's table (strings, by label)."""
    return {
        "labels": [f"{s['labels']['variation']}: {s['labels']['value']}" for s in series],
        "times": series[0]["times"] if series else [],
        "values": [[str(s["values"][i]) for s in series] for i in range(len(series[0]["times"]))],
        "totals": [str(s["total"]) for s in series],
    }


def shown(table: dict[str, Any]) -> dict[str, Any]:
    return {k: table[k] for k in ("labels", "times", "values", "totals")}


async def flag_series(client: TestClient[Any, Any], table: dict[str, Any], tz: str) -> Any:
    query = f"""query($from: DateTime, $to: DateTime, $granularity: Granularity, $tz: String) {{
      flag(project: "web", environment: "production", key: "checkout") {{
        evaluations(from: $from, to: $to, granularity: $granularity, tz: $tz) {{ {SERIES} }}
      }} }}"""
    data = await ask(
        client,
        query,
        granularity=table["granularity"],
        tz=tz,
        **{"from": table["from"]},
        to=table["to"],
    )
    return data["flag"]["evaluations"]["series"]


# ---- the test -------------------------------------------------------------------------------


async def test_the_dashboard_shows_what_graphql_answers(
    gateway: TestClient[Any, Any], page: chromium.Page
) -> None:
    base = str(gateway.make_url("/"))
    await page.send("Page.navigate", url=base)

    # Sign-in: a wrong token and an ingest token are told why, not shown an empty chart.
    assert "refused this token" in await sign_in(page, "wrong-token")
    assert "ingest tokens can only send data" in await sign_in(
        page, await new_token(gateway, "ingest")
    )
    # A token in the fragment signs in and leaves the address bar (and every request URL).
    await page.send("Page.navigate", url=f"{base}#token={ADMIN}")
    await page.wait_for("!!document.querySelector('[data-chart=evaluations]')")
    assert await page.evaluate("location.href") == base
    assert await page.evaluate("sessionStorage.getItem('usage-gateway.token')") == ADMIN

    # The overview's evaluations, bucket by bucket, are GraphQL's usage over the same range.
    await act(page, choose("tz", "UTC"))
    table = await table_of(page, "evaluations")
    data = await ask(
        gateway,
        f"""query($from: DateTime, $to: DateTime, $granularity: Granularity) {{
          usage(measure: EVALUATIONS, from: $from, to: $to, granularity: $granularity, tz: "UTC")
          {{ {SERIES} }} }}""",
        granularity=table["granularity"],
        **{"from": table["from"]},
        to=table["to"],
    )
    [series] = data["usage"]["series"]
    assert table["granularity"] == "DAILY"  # 7 days by default: the rule's choice
    assert table["totals"] == [str(series["total"])] == ["40"]
    assert table["values"] == [[str(v)] for v in series["values"]]
    assert table["times"] == series["times"]
    now = datetime.now(UTC)
    month = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    data = await ask(
        gateway,
        "query($from: DateTime, $to: DateTime) { usage(measure: MAU, from: $from, to: $to, "
        "aggregation: MONTH_TO_DATE) { series { total } } }",
        **{"from": month.isoformat()},
        to=now.isoformat(),
    )
    mau_total = sum(s["total"] for s in data["usage"]["series"])
    assert await page.evaluate("document.querySelector('[data-stat=mau]').dataset.value") == str(
        mau_total
    )

    # Pick a flag from the top flags: its variations are GraphQL's, values in the legend.
    await act(page, "document.querySelector('[data-list=top-flags] a').click()")
    assert await page.evaluate("location.pathname") == "/dashboard/flag"
    table = await table_of(page, "variations")
    assert shown(table) == as_shown(await flag_series(gateway, table, "UTC"))
    assert table["labels"] == ["0: off", "1: on"] and table["totals"] == ["18", "22"]

    # Change the range: 48 hours is hourly by the rule. The keyboard focus stays on the control.
    await act(page, choose("range", "48h"))
    assert await page.evaluate("document.activeElement.id") == "range"
    table = await table_of(page, "variations")
    assert table["granularity"] == "HOURLY"
    assert shown(table) == as_shown(await flag_series(gateway, table, "UTC"))
    assert table["totals"] == ["5", "18"]
    # The rule can be overridden: the same 48 hours in days.
    await act(page, choose("gran", "DAILY"))
    table = await table_of(page, "variations")
    assert table["granularity"] == "DAILY"
    assert shown(table) == as_shown(await flag_series(gateway, table, "UTC"))
    await act(page, choose("gran", ""))

    # Change the zone: days start at Kolkata's midnight, and the numbers follow.
    await act(page, choose("range", "7d"))
    await act(page, choose("tz", "Asia/Kolkata"))
    assert (await state(page))["tz"] == "Asia/Kolkata"
    table = await table_of(page, "variations")
    assert shown(table) == as_shown(await flag_series(gateway, table, "Asia/Kolkata"))
    assert all(t.endswith("T18:30:00+00:00") for t in table["times"])  # midnight in Kolkata

    # Live: the last 2 hours over the subscription; a new evaluation shows within seconds.
    await act(page, choose("range", "2h"))
    # The rule shown is the one applied: the last 2 hours are minutely.
    assert await page.evaluate("document.querySelector('.rule').dataset.granularity") == "MINUTELY"
    assert (
        await page.evaluate("document.querySelector('[data-chart=variations]').dataset.granularity")
        == "MINUTELY"
    )
    await act(page, "document.getElementById('live').click()")
    assert (await state(page)) == {
        "range": "2h",
        "tz": "Asia/Kolkata",
        "live": "1",
        "project": "web",
        "env": "production",
        "flag": "checkout",
    }
    await page.wait_for("!!document.querySelector('[data-chart=variations][data-live]')")
    totals = "JSON.parse(document.querySelector('[data-chart=variations]').dataset.totals)"
    assert await page.evaluate(totals) == {"0: off": 5, "1: on": 7}
    await ingest(gateway, [evaluation(datetime.now(UTC), "checkout", 1, 17)])
    await page.wait_for(f"{totals}['1: on'] === 24")

    # The flags table: "not evaluated for 10 days" leaves the stale flag only.
    await act(page, "document.querySelector('nav a[href^=\"/dashboard/flags\"]').click()")
    await page.evaluate("document.getElementById('stale').value = '10'")
    await act(page, "document.querySelector('form.filters button[type=submit]').click()")
    rows = await page.evaluate(
        "[...document.querySelectorAll('table.flags tbody tr')].map((r) => r.dataset.flag)"
    )
    assert rows == ["search"]
    sparkline = "document.querySelector('table.flags td.spark svg title')?.textContent"
    values = (await page.evaluate(sparkline)).removeprefix("search: ").split(", ")
    assert len(values) > 100 and set(values) == {"0"}  # the last 2 hours by minute: none

    # MAU and instances render from the same controls (no statistics yet: an empty state).
    await act(page, "document.querySelector('nav a[href^=\"/dashboard/mau\"]').click()")
    mau = await page.evaluate(
        "JSON.parse(document.querySelector('[data-chart=mau]').dataset.totals)"
    )
    assert mau == {"backend": 3}
    await act(page, "document.querySelector('nav a[href^=\"/dashboard/instances\"]').click()")
    assert "No instance statistics yet" in await page.evaluate(
        "document.getElementById('main').textContent"
    )

    # A token revoked while the page is open: the next view says so and asks for another.
    _, body = await gql(
        gateway,
        'mutation { createToken(kind: READ, name: "viewer") '
        "{ ... on CreatedToken { token { id } secret } } }",
    )
    created = body["data"]["createToken"]
    await page.click("header.top .who button")  # sign out
    assert await sign_in(page, created["secret"]) == "signed in"
    assert await page.wait_for("document.querySelector('.who')?.textContent.includes('viewer')")
    await gql(gateway, f"mutation {{ revokeToken(id: {created['token']['id']}) {{ __typename }} }}")
    await page.evaluate("document.querySelector('nav a[href^=\"/dashboard/flags\"]').click()")
    refused = await page.wait_for("document.querySelector('.state-error')?.textContent")
    assert "refused this token: it is wrong or was revoked" in refused

    assert_stayed_local(page.events)


def assert_stayed_local(events: list[tuple[str, dict[str, Any]]]) -> None:
    """Every request and websocket went to 127.0.0.1, and nothing failed in the page."""
    urls = [p["request"]["url"] for m, p in events if m == "Network.requestWillBeSent"]
    sockets = [p["url"] for m, p in events if m == "Network.webSocketCreated"]
    hosts = {urlsplit(u).hostname for u in urls + sockets if not u.startswith("data:")}
    assert hosts == {"127.0.0.1"}
    paths = {urlsplit(u).path for u in urls}
    assert "/dashboard/assets/uPlot.esm.js" in paths
    # Data only from /graphql: every other request is the page or one of its files.
    assert {p for p in paths if not p.startswith("/dashboard/assets/")} <= {
        "/",
        "/graphql",
        "/dashboard/flag",
    }
    assert {urlsplit(s).path for s in sockets} == {"/graphql"}  # the live subscription's
    assert all("token" not in u for u in urls[1:] + sockets)
    logged = [p["entry"] for m, p in events if m == "Log.entryAdded"]
    # Chromium logs the 401s that answered the wrong and the revoked token; the page itself
    # must log nothing.
    refused = [e for e in logged if e["source"] == "network" and "status of 401" in e["text"]]
    # The wrong token's sign-in; the flags page and its sparklines, asked together (the second
    # answer may be cut short when the first sends the page back to the sign-in form).
    assert 2 <= len(refused) <= 3
    problems = [p for m, p in events if m == "Runtime.exceptionThrown"] + [
        e for e in logged if e["level"] == "error" and e not in refused
    ]
    assert problems == []
