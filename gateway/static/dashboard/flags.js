// The flags table: search, sort by evaluations or last evaluated, a sparkline per flag,
// and a "not evaluated for N days" filter; pages of 50 with a button for more.

import { h, fill, state as message } from "./dom.js";
import { query } from "./graphql.js";
import { sparkline } from "./chart.js";
import * as format from "./format.js";

const PAGE = 50;
const PAGE_ARGS = `project: $project, environment: $environment, search: $search, from: $from, to: $to,
        notEvaluatedSince: $notEvaluatedSince, orderBy: $orderBy, first: $first, after: $after`;
const PAGE_VARS = `$project: String, $environment: String, $search: String, $from: DateTime!, $to: DateTime!,
  $notEvaluatedSince: DateTime, $orderBy: FlagOrder!, $first: Int!, $after: String`;

export const FLAGS = `
query Flags(${PAGE_VARS}) {
  flags(${PAGE_ARGS}) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { key project environment lastEvaluated evaluationTotal } }
  }
}`;

// The same page's series, asked apart: they cost more than the rest, so rows show first and
// their sparklines fill in.
export const SPARKLINES = `
query FlagSparklines(${PAGE_VARS}, $granularity: Granularity, $tz: String) {
  flags(${PAGE_ARGS}) {
    edges { node { key project environment evaluations(granularity: $granularity, tz: $tz) { series { values } } } }
  }
}`;

const ORDERS = [
  ["EVALUATIONS_DESC", "Most evaluations"],
  ["LAST_EVALUATED_DESC", "Last evaluated"],
  ["KEY", "Key"],
];

/** Return the flags query's variables for the dashboard's state. */
export function variables(context, after = null) {
  const stale = Number(context.state.stale);
  return {
    project: context.state.project || null,
    environment: context.state.env || null,
    search: context.state.q || null,
    from: context.from.toISOString(),
    to: context.to.toISOString(),
    granularity: context.granularity,
    tz: context.tz,
    notEvaluatedSince: stale > 0 ? new Date(context.now.getTime() - stale * 86400e3).toISOString() : null,
    orderBy: context.state.order,
    first: PAGE,
    after,
  };
}

function rowKey(node) {
  return JSON.stringify([node.project, node.environment, node.key]);
}

function spark(node) {
  const series = node.evaluations.series;
  const sums = series.length ? series[0].values.map((_, i) => series.reduce((sum, s) => sum + (s.values[i] ?? 0), 0)) : [];
  return sums.length ? sparkline(sums, `${node.key}: ${sums.map(format.count).join(", ")}`) : "–";
}

function row(node, context) {
  const href = context.link({ view: "flag", project: node.project, env: node.environment, flag: node.key, live: "" });
  return h(
    "tr",
    { dataset: { flag: node.key, project: node.project, environment: node.environment, total: node.evaluationTotal } },
    h("th", { scope: "row" }, h("a", { href }, node.key)),
    h("td", {}, node.project),
    h("td", {}, node.environment),
    h("td", { class: "num" }, format.count(node.evaluationTotal)),
    h("td", { class: "spark", dataset: { key: rowKey(node) } }, h("span", { class: "note" }, "…")),
    h("td", { title: node.lastEvaluated ? format.time(node.lastEvaluated, context.tz) : "" }, format.ago(node.lastEvaluated, context.now.getTime())),
  );
}

/** Render the flags table into ``main``. */
export default async function flags(main, context) {
  const s = context.state;
  const search = h("input", { id: "search", type: "search", value: s.q, placeholder: "part of a key" });
  const stale = h("input", { id: "stale", type: "number", min: 0, max: 400, value: s.stale, size: 4 });
  const form = h(
    "form",
    { class: "filters", role: "search", onsubmit: (e) => { e.preventDefault(); context.navigate({ q: search.value.trim(), stale: stale.value && Number(stale.value) > 0 ? stale.value : "" }); } },
    h("span", { class: "control" }, h("label", { for: "search" }, "Search"), search),
    h(
      "span",
      { class: "control" },
      h("label", { for: "order" }, "Sort by"),
      h("select", { id: "order", value: s.order, onchange: (e) => context.navigate({ order: e.target.value }) }, ORDERS.map(([v, t]) => h("option", { value: v, selected: v === s.order }, t))),
    ),
    h("span", { class: "control" }, h("label", { for: "stale" }, "Not evaluated for (days)"), stale),
    h("button", { type: "submit" }, "Apply"),
  );
  const body = h("tbody");
  const status = h("div", {}, message("loading", "Loading flags…"));
  const more = h("button", { type: "button", hidden: true }, "Load more");
  const count = h("p", { class: "note", role: "status" });
  const tableEl = h(
    "table",
    { class: "flags" },
    h("caption", {}, "Flags, with evaluations in the range and a sparkline of them"),
    h("thead", {}, h("tr", {}, ["Flag", "Project", "Environment", "Evaluations", "Over the range", "Last evaluated"].map((t) => h("th", { scope: "col" }, t)))),
    body,
  );
  fill(main, h("h1", {}, "Flags"), form, count, status, h("div", { class: "table-wrap" }, tableEl), more);
  let after = null;
  let shown = 0;
  const load = async () => {
    more.disabled = true;
    const vars = variables(context, after);
    const { granularity, tz, ...pageVars } = vars;
    const sparks = query(SPARKLINES, vars, context.signal);
    sparks.catch(() => {});
    const data = await query(FLAGS, pageVars, context.signal);
    const page = data.flags;
    const cells = new Map();
    for (const edge of page.edges) {
      const tr = row(edge.node, context);
      cells.set(rowKey(edge.node), tr.querySelector("td.spark"));
      body.append(tr);
    }
    shown += page.edges.length;
    after = page.pageInfo.endCursor;
    more.hidden = !page.pageInfo.hasNextPage;
    more.disabled = false;
    tableEl.dataset.totalCount = page.totalCount;
    count.textContent = `${format.count(page.totalCount)} flags${s.stale ? `, not evaluated for ${s.stale} days` : ""}; showing ${shown}.`;
    fill(status, page.totalCount ? null : message("empty", s.q || s.stale ? "No flag matches these filters." : "No flags yet: flags appear here once an SDK has evaluated them through this gateway."));
    try {
      for (const edge of (await sparks).flags.edges) {
        const cell = cells.get(rowKey(edge.node));
        if (cell) fill(cell, spark(edge.node));
      }
    } catch (error) {
      if (error.name === "AbortError") return;
      for (const cell of cells.values()) fill(cell, "–");
      context.failed(error, status);
    }
  };
  more.addEventListener("click", () => load().catch((error) => context.failed(error, status)));
  await load();
}
