// Monthly active users by category, SDK type or SDK, with the aggregation choice.
// MAU counts UTC days, so this view's times are UTC whatever the chosen zone.

import { h, fill, state as message } from "./dom.js";
import { query } from "./graphql.js";
import { chartCard } from "./chart.js";
import { SERIES_FIELDS, scopeFilter, spec } from "./series.js";

export const MAU = `
query Mau($from: DateTime!, $to: DateTime!, $filter: UsageFilter, $groupBy: [Dimension!], $aggregation: MauAggregation) {
  mau: usage(measure: MAU, from: $from, to: $to, filter: $filter, groupBy: $groupBy, aggregation: $aggregation) { ${SERIES_FIELDS} }
}`;

const GROUPS = [
  ["CATEGORY", "Category"],
  ["SDK_TYPE", "SDK type"],
  ["SDK", "SDK"],
  ["NONE", "Nothing (one total)"],
];
// The gateway's default is a rolling 30 days: the URL leaves it out.
const AGGREGATIONS = [
  ["", "Rolling 30 days"],
  ["MONTH_TO_DATE", "Month to date"],
  ["DAILY_INCREMENTAL", "New per day"],
];

export function variables(context) {
  const by = context.state.by;
  return {
    from: context.from.toISOString(),
    to: context.to.toISOString(),
    filter: scopeFilter(context),
    groupBy: by === "NONE" ? null : [by],
    aggregation: context.state.agg || null,
  };
}

function choice(id, label, options, value, onChange) {
  return h(
    "span",
    { class: "control" },
    h("label", { for: id }, label),
    h("select", { id, value, onchange: (e) => onChange(e.target.value) }, options.map(([v, t]) => h("option", { value: v, selected: v === value }, t))),
  );
}

/** Render the MAU view into ``main``. */
export default async function mau(main, context) {
  const s = context.state;
  const form = h(
    "form",
    { class: "filters", onsubmit: (e) => e.preventDefault() },
    choice("by", "Group by", GROUPS, s.by, (v) => context.navigate({ by: v })),
    choice("agg", "Aggregation", AGGREGATIONS, s.agg, (v) => context.navigate({ agg: v })),
  );
  main.append(h("h1", {}, "Monthly active users"), form, message("loading", "Loading MAU…"));
  const data = await query(MAU, variables(context), context.signal);
  const utc = { ...context, tz: "UTC" };
  fill(
    main,
    h("h1", {}, "Monthly active users"),
    form,
    h("p", { class: "note" }, "Each point is one UTC day's count of active contexts under the chosen aggregation; a series' total is the distinct contexts active on any day of the range."),
    chartCard(spec(data.mau, utc, { id: "mau", title: "MAU", kind: "line", totalLabel: "Distinct in range", empty: "No active contexts in this range: contexts are counted from SDK events and evaluations sent to this gateway." })),
  );
}
