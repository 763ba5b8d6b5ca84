"""Demo data that looks like a real account: rhythms, a rollout ramp, growth, several SDKs."""

import json
import math
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from resolvers import mau
from resolvers.clock import epoch_s, from_epoch_s
from resolvers.database import Database
from resolvers.demo_statistics import statistics_rows
from resolvers.ingestion import bucket_start, context_hash
from storage import statistics, usage
from storage.tables import DAY, MINUTE, QUARTER

Progress = Callable[[str, int], None]
STEPS = ("evaluations", "variations", "streams", "events", "meters", "contexts", "statistics")
HOUR = 3600
CHUNK = 5_000

PROJECTS = {
    "web": ("production", "staging", "development"),
    "mobile": ("production", "staging"),
    "payments": ("production", "staging", "test"),
}
_ENV_SHARE = {"production": 1.0, "staging": 0.04, "development": 0.01, "test": 0.02}
_WORDS = (
    "checkout",
    "search",
    "banner",
    "pricing",
    "onboarding",
    "dark-mode",
    "recommendations",
    "cart",
    "wallet",
    "profile",
    "signup",
    "billing",
    "invoice",
    "refunds",
    "chat",
    "ranking",
    "cache",
    "api-v2",
)
_PREFIXES = ("new", "enable", "beta", "show", "use", "release")
SERVER_SDKS = (("Go", "6.1.0"), ("Node.js", "9.2.0"), ("Node.js", "9.3.1"), ("Python", "9.18.4"))
CLIENT_SDKS = (("JavaScript", "3.4.0"), ("iOS", "9.1.0"), ("Android", "5.3.0"))


@dataclass(frozen=True)
class Flag:
    project: str
    key: str
    values: tuple[object, ...]
    daily: float
    ramp_start_day: int | None
    retired: bool = False  # evaluated no more for the last RETIRED_DAYS days


# The stale flag (see _flags) stops this long before now, or half-way through a shorter demo.
RETIRED_DAYS = 10
RETIRED = Flag("web", "legacy-promo-banner", (False, True), 6_000.0, None, retired=True)


def _rhythm(moment: datetime) -> float:
    """Traffic shape: a daily wave peaking mid-afternoon UTC, quieter weekends."""
    hour = moment.hour + moment.minute / 60
    daily = 0.55 + 0.45 * math.sin((hour - 8) / 24 * 2 * math.pi)
    return daily * (0.6 if moment.weekday() >= 5 else 1.0)


def _flags(rng: random.Random) -> list[Flag]:
    # The flag the README's examples query: a boolean mid-rollout in the web project.
    # Booleans are (false, true), as SDKs index them: variation 0 is false.
    flags = [Flag("web", "new-checkout", (False, True), 25_000.0, 80)]
    used = {flags[0].key}
    while len(flags) < 50:
        key = f"{rng.choice(_PREFIXES)}-{rng.choice(_WORDS)}"
        if key in used:
            continue
        used.add(key)
        shape = rng.random()
        values: tuple[object, ...] = (
            (False, True)
            if shape < 0.6
            else ("control", "treatment-a", "treatment-b")
            if shape < 0.85
            else ({"limit": 10}, {"limit": 25}, {"limit": 50}, {"limit": 100})
        )
        ramp = rng.randrange(20, 80) if rng.random() < 0.15 else None
        flags.append(
            Flag(
                rng.choice(list(PROJECTS)),
                key,
                values,
                math.exp(rng.uniform(math.log(200), math.log(40_000))),
                ramp,
            )
        )
    # A flag nobody evaluates any more: what `flags(notEvaluatedSince: ...)` finds.
    return [*flags, RETIRED]


def retired_at(start: datetime, now: datetime) -> datetime:
    """Return when the retired flag was last evaluated."""
    return max(now - timedelta(days=RETIRED_DAYS), start + (now - start) / 2).replace(
        minute=0, second=0, microsecond=0
    )


def _shares(flag: Flag, day_index: int) -> list[float]:
    n = len(flag.values)
    if flag.ramp_start_day is not None:
        # A rollout: the last variation (true for a boolean) goes from 0% to 100%
        # over two weeks.
        progress = min(max((day_index - flag.ramp_start_day) / 14, 0.0), 1.0)
        return [(1 - progress) / (n - 1)] * (n - 1) + [progress]
    return [0.5, 0.5] if n == 2 else [1 / n] * n


def _slots(start: datetime, now: datetime) -> Iterator[tuple[int, int, int]]:
    """Yield (bucket start, width, stored quarter start) from ``start`` to ``now``.

    History is hourly, the last two days quarter-hourly, the last three hours minutely
    (minute slots also yield their quarter so both widths agree).
    """
    t, end = epoch_s(start), epoch_s(now)
    recent_quarters, recent_minutes = end - 2 * DAY, end - 3 * HOUR
    while t < end:
        if t >= recent_minutes:
            yield t, MINUTE, bucket_start(t, QUARTER)
            t += MINUTE
        elif t >= recent_quarters:
            yield t, QUARTER, t
            t += QUARTER
        else:
            yield t, HOUR, t
            t += HOUR


def _evaluations(
    flags: Sequence[Flag], start: datetime, now: datetime, rng: random.Random
) -> Iterator[usage.EvaluationCount]:
    first_day = epoch_s(start) // DAY
    # The retired flag draws from its own generator: the other data stays as it was.
    retired_rng = random.Random(RETIRED.key)
    for flag in flags:
        end = epoch_s(retired_at(start, now) if flag.retired else now)
        draw = retired_rng if flag.retired else rng
        for env in PROJECTS[flag.project]:
            quarters: dict[tuple[int, int], int] = {}
            for t, width, quarter in _slots(start, now):
                if t >= end:
                    break
                moment = from_epoch_s(t)
                expected = flag.daily * _ENV_SHARE[env] * _rhythm(moment) * width / DAY
                shares = _shares(flag, t // DAY - first_day)
                for variation, share in enumerate(shares):
                    count = int(draw.gauss(expected * share, math.sqrt(expected * share + 1)))
                    if count <= 0:
                        continue
                    if width == MINUTE:
                        yield usage.EvaluationCount(
                            flag.project, env, flag.key, MINUTE, t, variation, "", "", count
                        )
                        key = (quarter, variation)
                        quarters[key] = quarters.get(key, 0) + count
                    else:
                        yield usage.EvaluationCount(
                            flag.project, env, flag.key, QUARTER, t, variation, "", "", count
                        )
            for (quarter, variation), count in quarters.items():
                yield usage.EvaluationCount(
                    flag.project, env, flag.key, QUARTER, quarter, variation, "", "", count
                )


def _variations(
    flags: Sequence[Flag], start: datetime, now: datetime
) -> Iterator[usage.VariationSeen]:
    for flag in flags:
        last = retired_at(start, now) if flag.retired else now
        for env in PROJECTS[flag.project]:
            for index, value in enumerate(flag.values):
                yield usage.VariationSeen(
                    flag.project,
                    env,
                    flag.key,
                    index,
                    json.dumps(value, separators=(",", ":")),
                    start,
                    last,
                )


def _streams(start: datetime, now: datetime, rng: random.Random) -> Iterator[usage.StreamPeak]:
    sdks = [("server", s) for s in SERVER_SDKS] + [("client", s) for s in CLIENT_SDKS]
    span = epoch_s(now) - epoch_s(start)
    for source, (sdk, version) in sdks:
        base = rng.uniform(20, 80) if source == "server" else rng.uniform(300, 2000)
        quarters: dict[int, int] = {}
        for t, width, quarter in _slots(start, now):
            # Node.js 9.3.1 replaces 9.2.0 over the period: an SDK upgrade in progress.
            progress = (t - epoch_s(start)) / span
            weight = progress if version == "9.3.1" else 1 - progress if version == "9.2.0" else 1
            peak = int(base * weight * _rhythm(from_epoch_s(t)) * rng.uniform(0.9, 1.1))
            stored_width = MINUTE if width == MINUTE else QUARTER
            yield usage.StreamPeak(source, stored_width, t, sdk, version, peak)
            if width == MINUTE:
                quarters[quarter] = max(quarters.get(quarter, 0), peak)
        for quarter, peak in quarters.items():
            yield usage.StreamPeak(source, QUARTER, quarter, sdk, version, peak)


def _events(start: datetime, now: datetime, rng: random.Random) -> Iterator[usage.EventCount]:
    for event_type, per_day in (("received", 400_000), ("published", 380_000)):
        quarters: dict[int, int] = {}
        for t, width, quarter in _slots(start, now):
            count = int(per_day * _rhythm(from_epoch_s(t)) * width / DAY * rng.uniform(0.9, 1.1))
            if width == MINUTE:
                yield usage.EventCount(event_type, MINUTE, t, count)
                quarters[quarter] = quarters.get(quarter, 0) + count
            else:
                yield usage.EventCount(event_type, QUARTER, t, count)
        for quarter, count in quarters.items():
            yield usage.EventCount(event_type, QUARTER, quarter, count)


def _meters(start: datetime, now: datetime, rng: random.Random) -> Iterator[usage.MeterIncrement]:
    per_day = {
        "data-export-events": 20_000,
        "experimentation-keys": 900,
        "experimentation-units": 1_500,
        "service-connections": 12,
    }
    for day in range(bucket_start(epoch_s(start), DAY), epoch_s(now), DAY):
        for meter, base in per_day.items():
            for project in PROJECTS:
                value = round(base / 3 * rng.uniform(0.7, 1.3))
                yield usage.MeterIncrement(meter, day, project, "production", value)


def _contexts(start: datetime, now: datetime, rng: random.Random) -> Iterator[usage.ContextSeen]:
    first, last = bucket_start(epoch_s(start), DAY), bucket_start(epoch_s(now), DAY)
    days = (last - first) // DAY + 1
    populations = (
        ("browser", "web", "client", CLIENT_SDKS[:1], 12_000, 0.3),
        ("mobile", "mobile", "client", CLIENT_SDKS[1:], 5_000, 0.1),
        ("backend", "payments", "server", SERVER_SDKS, 3_000, 0.0),
    )
    for category, project, sdk_type, sdks, size, anonymous_share in populations:
        for n in range(size):
            # The audience grows: later contexts join later, and habits differ a lot.
            joined = int(days * rng.random() ** 1.5)
            habit = rng.betavariate(1.2, 12)
            anonymous = rng.random() < anonymous_share
            kind = "user" if category != "backend" or rng.random() < 0.7 else "organization"
            digest = context_hash(kind, f"{category}-{n}")
            sdk = rng.choice(sdks)[0]
            env = "production" if rng.random() < 0.97 else "staging"
            for day_index in range(joined, days):
                if rng.random() < habit or day_index == joined:
                    yield usage.ContextSeen(
                        first + day_index * DAY,
                        digest,
                        kind,
                        anonymous,
                        project,
                        env,
                        sdk,
                        sdk_type,
                        category,
                    )


async def _write_chunks(
    db: Database,
    rows: Iterator[object],
    writer: Callable[..., object],
    step: str,
    progress: Progress,
) -> int:
    written, chunk = 0, []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= CHUNK:
            written += await _flush(db, writer, chunk)
            progress(step, len(chunk))
            chunk = []
    if chunk:
        written += await _flush(db, writer, chunk)
        progress(step, len(chunk))
    return written


async def _flush(db: Database, writer: Callable[..., object], chunk: list[object]) -> int:
    async with db.session() as session:
        await writer(session, rows=chunk)  # type: ignore[misc]
    return len(chunk)


async def seed(
    db: Database,
    *,
    now: datetime,
    days: int = 90,
    seed_value: int = 7,
    progress: Progress = lambda step, n: None,
) -> dict[str, int]:
    """Write ``days`` of demo history up to ``now``; return rows written per kind."""
    rng = random.Random(seed_value)
    now = now.replace(second=0, microsecond=0)
    start = (now - timedelta(days=days)).replace(minute=0)
    flags = _flags(rng)
    steps: list[tuple[str, Iterator[object], Callable[..., object]]] = [
        ("evaluations", _evaluations(flags, start, now, rng), usage.add_evaluation_counts),
        ("variations", _variations(flags, start, now), usage.note_variations),
        ("streams", _streams(start, now, rng), usage.observe_stream_peaks),
        ("events", _events(start, now, rng), usage.add_event_counts),
        ("meters", _meters(start, now, rng), usage.add_meter_increments),
        ("contexts", _contexts(start, now, rng), usage.note_contexts),
        ("statistics", statistics_rows(start, now), statistics.save_statistics),
    ]
    written = {
        step: await _write_chunks(db, rows, writer, step, progress) for step, rows, writer in steps
    }
    # Written in bulk, the sightings are linked in one pass: MAU is exact either way, but a
    # server started on fresh demo data would otherwise recount them all until its linker
    # caught up, batch by batch.
    progress("linking MAU", 0)
    await mau.link_everything(db)
    return written


async def is_empty(db: Database) -> bool:
    """Return whether the database holds no usage facts and no statistics yet."""
    async with db.session() as session:
        return await usage.is_empty(session)


def expected_rows(*, now: datetime, days: int = 90, seed_value: int = 7) -> int:
    """Return about how many rows ``seed`` writes (an upper bound for evaluations)."""
    now = now.replace(second=0, microsecond=0)
    start = (now - timedelta(days=days)).replace(minute=0)
    slots = list(_slots(start, now))
    quarters = len({quarter for _, width, quarter in slots if width == MINUTE})
    per_series = len(slots) + quarters
    flags = _flags(random.Random(seed_value))
    variations = sum(len(PROJECTS[f.project]) * len(f.values) for f in flags)
    sdks = len(SERVER_SDKS) + len(CLIENT_SDKS)
    # Contexts: each of ~20,000 contexts joins once and returns on ~1 day in 11.
    contexts = 20_000 * (1 + days // 22)
    return variations * per_series + variations + (sdks + 2) * per_series + days * 12 + contexts
