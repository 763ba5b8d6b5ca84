// One flag: evaluations per variation (stacked areas or bars, variation values in the
// legend), the SDKs that evaluated it, and when it was first and last evaluated.

import { h, fill, state as message } from "./dom.js";
import { query, subscribe } from "./graphql.js";
import { chartCard, barList } from "./chart.js";
import * as format from "./format.js";
import { SERIES_FIELDS } from "./series.js";

export const FLAG = `
query Flag($project: String!, $environment: String!, $key: String!, $from: DateTime!, $to: DateTime!, $granularity: Granularity, $tz: String) {
  flag(project: $project, environment: $environment, key: $key) {
    key project environment firstEvaluated lastEvaluated
    variations { variation value firstSeen lastSeen }
    evaluationTotal(from: $from, to: $to)
    evaluations(from: $from, to: $to, granularity: $granularity, tz: $tz) { ${SERIES_FIELDS} }
    sdks(from: $from, to: $to) { sdk version evaluations }
  }
}`;

const PICK = `
query PickFlag($project: String, $environment: String) {
  flags(project: $project, environment: $environment, orderBy: KEY, first: 100) { totalCount edges { node { key project environment } } }
}`;

const LIVE = `
subscription FlagLive($project: String!, $environment: String!, $key: String!) {
  evaluationsLive(project: $project, environment: $environment, flag: $key, minutes: 120) { ${SERIES_FIELDS} }
}`;

export function variables(context) {
  return {
    project: context.state.project,
    environment: context.state.env,
    key: context.state.flag,
    from: context.from.toISOString(),
    to: context.to.toISOString(),
    granularity: context.granularity,
    tz: context.tz,
  };
}

function variationLabel(labels) {
  return `${labels.variation}: ${format.variationValue(labels.value)}`;
}

function chart(answer, context, live) {
  const kind = context.state.chart === "bars" ? "bars" : "area";
  const switcher = h(
    "span",
    { class: "control" },
    h("label", { for: "chart-kind" }, "Draw as"),
    h(
      "select",
      { id: "chart-kind", value: kind, onchange: (e) => context.navigate({ chart: e.target.value }, { replace: true }) },
      h("option", { value: "area", selected: kind === "area" }, "stacked areas"),
      h("option", { value: "bars", selected: kind === "bars" }, "stacked bars"),
    ),
  );
  const card = chartCard({
    id: "variations",
    title: live ? "Evaluations per variation (live)" : "Evaluations per variation",
    times: answer.series.length ? answer.series[0].times : [],
    series: answer.series.map((s) => ({ label: variationLabel(s.labels), values: s.values, total: s.total })),
    kind,
    stacked: true,
    tz: context.tz,
    granularity: answer.granularity,
    granularityText: answer.granularity.toLowerCase(),
    from: answer.from,
    to: answer.to,
    controls: switcher,
    empty: "This flag was not evaluated in this range: pick a longer one.",
  });
  if (live) card.dataset.live = "1";
  return card;
}

async function picker(main, context) {
  const data = await query(PICK, { project: context.state.project || null, environment: context.state.env || null }, context.signal);
  const items = data.flags.edges.map(({ node }) =>
    h("li", {}, h("a", { href: context.link({ view: "flag", project: node.project, env: node.environment, flag: node.key }) }, `${node.key}`), ` ${node.project} / ${node.environment}`),
  );
  fill(
    main,
    h("h1", {}, "Pick a flag"),
    items.length ? h("ul", { class: "pick" }, items) : message("empty", "No flags yet: flags appear once an SDK has evaluated them through this gateway."),
    data.flags.totalCount > items.length ? h("p", { class: "note" }, h("a", { href: context.link({ view: "flags" }) }, "Search all flags")) : null,
  );
}

/** Render one flag into ``main`` (or a list to pick one from). */
export default async function flag(main, context) {
  const s = context.state;
  if (!s.flag || !s.project || !s.env) return picker(main, context);
  main.append(h("h1", {}, s.flag), message("loading", "Loading the flag…"));
  const data = await query(FLAG, variables(context), context.signal);
  const f = data.flag;
  if (!f) {
    fill(main, h("h1", {}, s.flag), message("empty", `No evaluations of ${s.flag} in ${s.project} / ${s.env} were ever recorded. Check the project and environment, or see the flags table.`));
    return;
  }
  let card = chart(f.evaluations, context, false);
  const sdks = f.sdks.map((x) => ({ label: x.sdk ? `${x.sdk} ${x.version}`.trim() : "SDK not named", value: x.evaluations }));
  const facts = h(
    "dl",
    { class: "facts", dataset: { total: f.evaluationTotal } },
    h("dt", {}, "Project / environment"), h("dd", {}, `${f.project} / ${f.environment}`),
    h("dt", {}, "Evaluations in range"), h("dd", { dataset: { value: f.evaluationTotal } }, format.count(f.evaluationTotal)),
    h("dt", {}, "First evaluated"), h("dd", { dataset: { value: f.firstEvaluated || "" } }, format.time(f.firstEvaluated, context.tz)),
    h("dt", {}, "Last evaluated"), h("dd", { dataset: { value: f.lastEvaluated || "" } }, `${format.time(f.lastEvaluated, context.tz)} (${format.ago(f.lastEvaluated, context.now.getTime())})`),
  );
  const variations = h(
    "table",
    { class: "variations" },
    h("caption", {}, "Variations seen"),
    h("thead", {}, h("tr", {}, ["Variation", "Value", "First seen", "Last seen"].map((t) => h("th", { scope: "col" }, t)))),
    h("tbody", {}, f.variations.map((v) => h("tr", {}, h("th", { scope: "row" }, String(v.variation)), h("td", {}, h("code", {}, format.variationValue(v.value))), h("td", {}, format.time(v.firstSeen, context.tz)), h("td", {}, format.time(v.lastSeen, context.tz))))),
  );
  fill(
    main,
    h("h1", {}, f.key),
    h("div", { class: "grid" }, h("section", { class: "card", "aria-label": "About this flag" }, facts), h("section", { class: "card", "aria-label": "Variations" }, variations)),
    card,
    h("section", { class: "card", "aria-label": "SDKs that evaluated it" }, h("h2", {}, "SDKs that evaluated it"), sdks.length ? barList(sdks, { id: "flag-sdks" }) : message("empty", "No SDK evaluated it in this range.")),
  );
  if (s.live === "1" && s.range === "2h") {
    const status = h("div", { class: "note live", role: "status" }, "Live: connecting…");
    card.before(status);
    const stop = subscribe(LIVE, { project: s.project, environment: s.env, key: s.flag }, (live) => {
      const next = chart(live.evaluationsLive, context, true);
      if (card.destroy) card.destroy();
      card.replaceWith(next);
      card = next;
      status.textContent = `Live: updated ${format.time(new Date(), context.tz)}`;
    }, (error) => context.failed(error, status));
    context.onCleanup(stop);
  }
}
