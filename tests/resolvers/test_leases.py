"""The duties lease on both databases: one holder, renewals, take-over after the TTL."""

from datetime import UTC, datetime, timedelta

from resolvers import leases
from resolvers.database import Database

T0 = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


async def test_one_holder_at_a_time_and_a_take_over_once_it_stops_renewing(db: Database) -> None:
    async def hold(holder: str, after_s: float) -> bool:
        now = T0 + timedelta(seconds=after_s)
        return await leases.hold(db, name="duties", holder=holder, now=now, ttl_s=30)

    assert await hold("a", 0)
    assert not await hold("b", 1)
    assert await hold("a", 20)  # renewed until 50 s
    assert not await hold("b", 45)
    assert await hold("b", 51)  # a stopped renewing
    assert not await hold("a", 52)
    await leases.let_go(db, name="duties", holder="a")  # not a's any more: changes nothing
    assert not await hold("a", 53)
    await leases.let_go(db, name="duties", holder="b")
    assert await hold("a", 54)  # released: no need to wait for the TTL


def test_holder_names_differ_between_calls() -> None:
    assert leases.holder_name() != leases.holder_name()
