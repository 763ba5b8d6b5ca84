// The overview: this month's MAU, evaluations today vs the same weekday last week, the
// evaluations chart, top flags, SDK versions, stream connections, events and meters.

import { h, fill, state as message } from "./dom.js";
import { query, subscribe } from "./graphql.js";
import { chartCard, barList } from "./chart.js";
import * as format from "./format.js";
import { SERIES_FIELDS, rangeVariables, scopeFilter, spec, summed } from "./series.js";

const METERS = ["DATA_EXPORT_EVENTS", "EXPERIMENTATION_KEYS", "EXPERIMENTATION_UNITS", "SERVICE_CONNECTIONS"];

export const OVERVIEW = `
query Overview($from: DateTime!, $to: DateTime!, $granularity: Granularity, $tz: String,
  $filter: UsageFilter, $project: String, $environment: String,
  $monthStart: DateTime!, $now: DateTime!, $todayStart: DateTime!, $weekAgoStart: DateTime!, $weekAgo: DateTime!) {
  today: usage(measure: EVALUATIONS, from: $todayStart, to: $now, granularity: HOURLY, tz: $tz, filter: $filter) { series { total } }
  weekAgo: usage(measure: EVALUATIONS, from: $weekAgoStart, to: $weekAgo, granularity: HOURLY, tz: $tz, filter: $filter) { series { total } }
  evaluations: usage(measure: EVALUATIONS, from: $from, to: $to, granularity: $granularity, tz: $tz, filter: $filter) { ${SERIES_FIELDS} }
  flags(project: $project, environment: $environment, from: $from, to: $to, first: 10) {
    totalCount edges { node { key project environment evaluationTotal lastEvaluated } }
  }
  sdkStreams: usage(measure: STREAM_CONNECTIONS, from: $from, to: $to, groupBy: [SDK, SDK_VERSION], first: 10) { series { labels { sdk version } total } }
  streams: usage(measure: STREAM_CONNECTIONS, from: $from, to: $to, granularity: $granularity, tz: $tz, groupBy: [SOURCE]) { ${SERIES_FIELDS} }
  events: usage(measure: EVENTS, from: $from, to: $to, granularity: $granularity, tz: $tz, groupBy: [EVENT_TYPE]) { ${SERIES_FIELDS} }
  ${METERS.map((m) => `${m}: meter(name: ${m}, from: $monthStart, to: $now, project: $project, environment: $environment) { series { amountTotal } }`).join("\n  ")}
}`;

// MAU is the slow part (distinct contexts over a month): its own query, so the rest shows first.
// Month-to-date per UTC day: day N's value is the distinct contexts of days 1..N, so last
// month's series also gives "the same point of last month" without another query.
export const OVERVIEW_MAU = `
query OverviewMau($filter: UsageFilter, $monthStart: DateTime!, $now: DateTime!, $previousStart: DateTime!, $previousEnd: DateTime!) {
  mau: usage(measure: MAU, from: $monthStart, to: $now, filter: $filter, aggregation: MONTH_TO_DATE) { series { total times values } }
  mauPreviousMonth: usage(measure: MAU, from: $previousStart, to: $previousEnd, filter: $filter, aggregation: MONTH_TO_DATE) { series { total times values } }
}`;

// Evaluations per SDK scan every evaluation of the range: apart, so they do not hold up the rest.
export const OVERVIEW_SDKS = `
query OverviewSdks($from: DateTime!, $to: DateTime!, $project: String, $environment: String) {
  sdks: evaluationSdks(from: $from, to: $to, project: $project, environment: $environment) { sdk version evaluations }
}`;

const LIVE = `
subscription OverviewLive($project: String, $environment: String) {
  evaluationsLive(project: $project, environment: $environment, minutes: 120) { ${SERIES_FIELDS} }
}`;

/** Return the variables of the overview query for the dashboard's state. */
export function variables(context) {
  const now = context.now;
  const monthStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const previousStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
  const previousEnd = new Date(monthStart.getTime() - 1000);
  const today = format.zonedLocal(now, context.tz).slice(0, 10);
  const todayStart = format.zonedInstant(`${today}T00:00`, context.tz);
  const week = 7 * 86400e3;
  return {
    ...rangeVariables(context),
    filter: scopeFilter(context),
    project: context.state.project || null,
    environment: context.state.env || null,
    monthStart: monthStart.toISOString(),
    now: now.toISOString(),
    previousStart: previousStart.toISOString(),
    previousEnd: previousEnd.toISOString(),
    todayStart: todayStart.toISOString(),
    weekAgoStart: new Date(todayStart.getTime() - week).toISOString(),
    weekAgo: new Date(now.getTime() - week).toISOString(),
  };
}

function total(answer) {
  return answer.series.reduce((sum, s) => sum + (s.total ?? 0), 0);
}

function change(now, before) {
  if (!before) return now ? "none the time before" : "";
  const percent = ((now - before) / before) * 100;
  return `${percent >= 0 ? "+" : ""}${percent.toFixed(0)}%`;
}

function stat(id, title, value, ...detail) {
  return h("section", { class: "card stat", "aria-label": title, dataset: { stat: id, value } }, h("h2", {}, title), h("p", { class: "big" }, format.count(value)), h("p", { class: "note" }, ...detail));
}

function mauCard(data, context) {
  const month = data.mau.series[0] || { total: 0, times: [], values: [] };
  const last = data.mauPreviousMonth.series[0] || { total: 0, values: [] };
  const previousMonth = last.total;
  const day = Math.max(0, (month.values || []).length - 1);
  const previous = { total: last.values && last.values.length ? last.values[Math.min(day, last.values.length - 1)] ?? 0 : 0 };
  const monthName = new Intl.DateTimeFormat(undefined, { month: "long", timeZone: "UTC" });
  const card = stat(
    "mau",
    `MAU in ${monthName.format(context.now)} so far`,
    month.total,
    `${change(month.total, previous.total)} vs. the same day of ${monthName.format(new Date(Date.UTC(context.now.getUTCFullYear(), context.now.getUTCMonth() - 1, 1)))} (${format.count(previous.total)}); all of last month: ${format.count(previousMonth)}.`,
  );
  card.dataset.previous = previous.total;
  card.dataset.previousMonth = previousMonth;
  const thisMonth = month.values || [];
  const lastMonth = last.values || [];
  if (thisMonth.length || lastMonth.length) {
    // This month's month-to-date line over last month's, day by day: early in a month the
    // short line alone would look empty, beside last month's it shows the pace.
    const max = Math.max(1, ...lastMonth.map((v) => v ?? 0), ...thisMonth.map((v) => v ?? 0));
    const days = 31;
    const width = 300;
    const height = 56;
    const x = (i) => (i / (days - 1)) * width;
    const y = (v) => height - 3 - ((v ?? 0) / max) * (height - 6);
    const points = (values) => values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(" ");
    card.append(
      h(
        "svg:svg",
        { class: "mtd", viewBox: `0 0 ${width} ${height}`, preserveAspectRatio: "none", role: "img", "aria-label": `Month-to-date MAU per day, this month (solid) and last month (dashed)` },
        h("svg:polyline", { points: points(lastMonth), fill: "none", class: "reference" }),
        h("svg:polyline", { points: points(thisMonth), fill: "none", class: "line" }),
        thisMonth.length ? h("svg:circle", { cx: x(thisMonth.length - 1), cy: y(thisMonth[thisMonth.length - 1]), r: 3.5, class: "dot" }) : null,
      ),
      h("p", { class: "note legend" }, h("span", { class: "key this" }, "this month"), " ", h("span", { class: "key last" }, "last month")),
    );
  }
  return card;
}

function empty(context) {
  const origin = location.origin;
  return `No evaluations in this range yet. Point an SDK at this gateway (${origin}: LaunchDarkly SDKs through their events URI, Unleash SDKs at ${origin}/api/client), post records to ${origin}/api/gateway/ingest, or pick a longer range.`;
}

/** Render the overview into ``main``. */
export default async function overview(main, context) {
  main.append(h("h1", {}, "Overview"), message("loading", "Loading usage…"));
  const vars = variables(context);
  const bySdk = query(OVERVIEW_SDKS, { from: vars.from, to: vars.to, project: vars.project, environment: vars.environment }, context.signal);
  bySdk.catch(() => {});
  const slow = query(OVERVIEW_MAU, { filter: vars.filter, monthStart: vars.monthStart, now: vars.now, previousStart: vars.previousStart, previousEnd: vars.previousEnd }, context.signal);
  slow.catch(() => {}); // handled below, once the rest is shown
  const data = await query(OVERVIEW, vars, context.signal);
  const evaluationsSpec = spec(data.evaluations, context, { id: "evaluations", title: "Evaluations", kind: "area", empty: empty(context) });
  if (data.evaluations.series.length > 1) evaluationsSpec.series = [{ label: "Evaluations", values: summed(data.evaluations), total: total(data.evaluations) }];
  let evaluations = chartCard(evaluationsSpec);
  const sdkSlot = h("div", {}, message("loading", "Counting evaluations per SDK…"));
  const mauSlot = h("section", { class: "card stat", "aria-label": "MAU this month" }, h("h2", {}, "MAU this month"), message("loading", "Counting active contexts…"));
  const todayTotal = total(data.today);
  const weekAgoTotal = total(data.weekAgo);
  const weekday = new Intl.DateTimeFormat(undefined, { weekday: "long", timeZone: context.tz }).format(context.now);
  const topFlags = data.flags.edges.map(({ node }) => ({
    label: context.state.project && context.state.env ? node.key : `${node.key} (${node.project}/${node.environment})`,
    value: node.evaluationTotal,
    colour: 0,
    href: context.link({ view: "flag", project: node.project, env: node.environment, flag: node.key, live: "" }),
  }));
  // SDK versions by the evaluations they reported (when they named themselves) and by
  // their peak streaming connections: server-side SDKs often report evaluations unnamed.
  const sdkName = (sdk, version) => `${sdk || "(unnamed)"} ${version || ""}`.trim();
  const streaming = data.sdkStreams.series.map((s) => ({ label: sdkName(s.labels.sdk, s.labels.version), value: s.total, colour: 4 }));
  const meters = h(
    "section",
    { class: "card", "aria-label": "Meters this month" },
    h("h2", {}, "Meters this month"),
    h("dl", { class: "meters" }, METERS.map((m) => {
      const amount = (data[m].series[0] || { amountTotal: 0 }).amountTotal ?? 0;
      return [h("dt", {}, m.toLowerCase().replaceAll("_", " ")), h("dd", { dataset: { meter: m, value: amount } }, format.amount(amount))];
    })),
  );
  fill(
    main,
    h("h1", {}, "Overview"),
    h(
      "div",
      { class: "stats" },
      mauSlot,
      stat("today", "Evaluations today", todayTotal, `${change(todayTotal, weekAgoTotal)} vs. last ${weekday} at this time (${format.count(weekAgoTotal)})`),
      stat("flags", "Flags evaluated in range", data.flags.totalCount, h("a", { href: context.link({ view: "flags" }) }, "All flags")),
    ),
    evaluations,
    h(
      "div",
      { class: "grid" },
      h("section", { class: "card", "aria-label": "Top flags" }, h("h2", {}, "Top flags"), topFlags.length ? barList(topFlags, { id: "top-flags" }) : message("empty", "No flag was evaluated in this range.")),
      h(
        "section",
        { class: "card", "aria-label": "SDK versions in use" },
        h("h2", {}, "SDK versions in use"),
        sdkSlot,
        streaming.length ? [h("h3", {}, "By peak stream connections"), barList(streaming, { id: "sdk-streams" })] : null,
      ),
    ),
    h(
      "div",
      { class: "grid" },
      chartCard(spec(data.streams, context, { id: "streams", title: "Stream connections (peak)", kind: "line", totalLabel: "Peak", empty: "No streaming connections in this range." })),
      chartCard(spec(data.events, context, { id: "events", title: "Analytics events", kind: "bars", stacked: true, empty: "No analytics events in this range." })),
    ),
    meters,
  );
  context.shown();
  if (context.state.live === "1" && context.state.range === "2h") {
    const status = h("div", { class: "note live", role: "status" }, "Live: connecting…");
    evaluations.before(status);
    const stop = subscribe(LIVE, { project: context.state.project || null, environment: context.state.env || null }, (live) => {
      const answer = live.evaluationsLive;
      const next = spec(answer, context, { id: "evaluations", title: "Evaluations (live)", kind: "area", empty: empty(context) });
      if (answer.series.length > 1) next.series = [{ label: "Evaluations", values: summed(answer), total: total(answer) }];
      const card = chartCard(next);
      card.dataset.live = "1";
      if (evaluations.destroy) evaluations.destroy();
      evaluations.replaceWith(card);
      evaluations = card;
      status.textContent = `Live: updated ${format.time(new Date(), context.tz)}`;
    }, (error) => context.failed(error, status));
    context.onCleanup(stop);
  }
  await Promise.all([
    slow.then((data) => mauSlot.replaceWith(mauCard(data, context))).catch((error) => context.failed(error, mauSlot)),
    bySdk.then((data) => fill(sdkSlot, sdkList(data, streaming.length))).catch((error) => context.failed(error, sdkSlot)),
  ]);
}

function sdkList(data, streaming) {
  const sdks = data.sdks
    .filter((s) => s.sdk)
    .map((s) => ({ label: `${s.sdk} ${s.version}`.trim(), value: s.evaluations, colour: 2 }))
    .sort((a, b) => b.value - a.value)
    .slice(0, 10);
  if (sdks.length) return [h("h3", {}, "By evaluations"), barList(sdks, { id: "sdks" })];
  return streaming ? null : message("empty", "No SDK named itself in this range: SDKs name themselves in their events and stream connections.");
}
