// Unleash instances: the newest statistics of each as a card, any statistics field over
// time, fleet totals, and the collector's health with its last error.

import { h, fill, state as message } from "./dom.js";
import { query } from "./graphql.js";
import { chartCard } from "./chart.js";
import * as format from "./format.js";

const FIELDS = [
  "users", "serviceAccounts", "licensedUsers", "readOnlyUsers", "featureToggles", "archivedFeatureToggles",
  "projects", "environments", "segments", "strategies", "contextFields", "groups", "roles",
  "customRootRoles", "featureExports", "featureImports", "releaseTemplates", "releasePlans",
  "activeUsers.last7", "activeUsers.last30", "activeUsers.last60", "activeUsers.last90",
  "apiTokens.admin", "apiTokens.client", "apiTokens.frontend", "apiTokens.backend",
  "productionChanges.last30", "productionChanges.last60", "productionChanges.last90",
  "clientApps.7d", "clientApps.30d", "clientApps.allTime",
];
const CARD_FIELDS = [
  ["users", "Users"], ["featureToggles", "Flags"], ["projects", "Projects"], ["environments", "Environments"], ["segments", "Segments"], ["strategies", "Strategies"],
];
const TOTALS = CARD_FIELDS.map(([f]) => f).join(" ");

export const INSTANCES = `
query Instances {
  instances {
    instanceId documents firstTakenAt lastTakenAt
    latest { versionOSS versionEnterprise takenAt source ${TOTALS} activeUsers { last30 } }
    collector { name }
  }
  fleet: fleetStatistics { at instanceIds newestTakenAt oldestTakenAt totals { ${TOTALS} activeUsers { last30 } } }
  upstreams { name url configured lastAttemptAt lastSuccessAt lastError lastErrorAt consecutiveFailures }
}`;

// Apart, so that a field name the gateway does not know fails only its own chart.
export const FIELD = `
query StatisticsField($field: String!, $instanceId: String, $from: DateTime!, $to: DateTime!, $granularity: Granularity) {
  field: statisticsSeries(field: $field, instanceId: $instanceId, from: $from, to: $to, granularity: $granularity) {
    granularity from to series { labels { field instanceId } total times values amountTotal amounts }
  }
}`;

export function variables(context) {
  return {
    field: context.state.field,
    instanceId: context.state.instance || null,
    from: context.from.toISOString(),
    to: context.to.toISOString(),
    granularity: context.granularity,
  };
}

function numbers(doc) {
  return h(
    "dl",
    { class: "facts" },
    CARD_FIELDS.map(([f, label]) => [h("dt", {}, label), h("dd", { dataset: { field: f, value: doc[f] ?? "" } }, format.count(doc[f]))]),
    h("dt", {}, "Active users (30 days)"),
    h("dd", {}, format.count(doc.activeUsers && doc.activeUsers.last30)),
  );
}

function instanceCard(instance, context) {
  const latest = instance.latest || {};
  return h(
    "section",
    { class: "card", "aria-label": `Instance ${instance.instanceId}`, dataset: { instance: instance.instanceId } },
    h("h2", {}, instance.instanceId),
    h("p", { class: "note" }, `Unleash ${latest.versionOSS || latest.versionEnterprise || "version unknown"} · ${format.count(instance.documents)} documents · newest ${format.ago(instance.lastTakenAt, context.now.getTime())} from ${latest.source || "?"}`),
    numbers(latest),
  );
}

function health(upstreams, context) {
  if (!upstreams.length) return message("empty", "No collector upstreams are configured: statistics arrive only when pushed or imported.");
  return h(
    "table",
    { class: "health" },
    h("caption", {}, "Collector upstreams"),
    h("thead", {}, h("tr", {}, ["Upstream", "Last success", "Failures in a row", "Last error"].map((t) => h("th", { scope: "col" }, t)))),
    h(
      "tbody",
      {},
      upstreams.map((u) =>
        h(
          "tr",
          { class: u.consecutiveFailures ? "failing" : "ok", dataset: { upstream: u.name } },
          h("th", { scope: "row" }, u.name, h("br"), h("small", {}, u.url)),
          h("td", {}, format.time(u.lastSuccessAt, context.tz)),
          h("td", { class: "num" }, format.count(u.consecutiveFailures)),
          h("td", {}, u.lastError ? [h("span", { class: "error-text" }, u.lastError), " ", h("small", {}, format.time(u.lastErrorAt, context.tz))] : "none"),
        ),
      ),
    ),
  );
}

/** Render the instances view into ``main``. */
export default async function instances(main, context) {
  const s = context.state;
  main.append(h("h1", {}, "Instances"), message("loading", "Loading instance statistics…"));
  const fieldAnswer = query(FIELD, variables(context), context.signal);
  fieldAnswer.catch(() => {}); // shown in its own slot below
  const data = await query(INSTANCES, {}, context.signal);
  const field = h("input", { id: "field", list: "fields", value: s.field, spellcheck: "false" });
  const form = h(
    "form",
    { class: "filters", onsubmit: (e) => { e.preventDefault(); context.navigate({ field: field.value.trim() || "users" }); } },
    h("span", { class: "control" }, h("label", { for: "field" }, "Statistics field"), field, h("datalist", { id: "fields" }, FIELDS.map((f) => h("option", { value: f })))),
    h(
      "span",
      { class: "control" },
      h("label", { for: "instance" }, "Of"),
      h(
        "select",
        { id: "instance", value: s.instance, onchange: (e) => context.navigate({ instance: e.target.value }) },
        h("option", { value: "", selected: !s.instance }, "the fleet (total)"),
        data.instances.map((i) => h("option", { value: i.instanceId, selected: i.instanceId === s.instance }, i.instanceId)),
      ),
    ),
    h("button", { type: "submit" }, "Show"),
  );
  const slot = h("div", {}, message("loading", "Loading the statistics field…"));
  fill(
    main,
    h("h1", {}, "Instances"),
    data.instances.length
      ? h("div", { class: "grid" }, data.instances.map((i) => instanceCard(i, context)))
      : message("empty", "No instance statistics yet: Unleash instances push them to /api/admin/instance-admin/statistics, or configure a collector upstream."),
    fleetCard(data.fleet, context),
    form,
    slot,
    h("section", { class: "card", "aria-label": "Collector health" }, h("h2", {}, "Collector health"), health(data.upstreams, context)),
  );
  let series;
  try {
    series = (await fieldAnswer).field;
  } catch (error) {
    context.failed(error, slot);
    return;
  }
  const amounts = series.series.some((x) => x.values === null);
  const chart = chartCard({
    id: "statistics",
    title: `${s.field} of ${s.instance || "the fleet"}`,
    times: series.series.length ? series.series[0].times : [],
    series: series.series.map((x) => ({ label: x.labels.field || s.field, values: amounts ? x.amounts : x.values, total: amounts ? x.amountTotal : x.total })),
    amounts,
    kind: "line",
    tz: context.tz,
    granularity: series.granularity,
    granularityText: series.granularity.toLowerCase(),
    totalLabel: "Last value",
    empty: "No statistics in this range.",
  });
  fill(slot, chart);
}

function fleetCard(fleet, context) {
  return h(
    "section",
    { class: "card", "aria-label": "Fleet totals", dataset: { fleet: fleet.instanceIds.length } },
    h("h2", {}, `Fleet totals (${fleet.instanceIds.length} instances)`),
    h("p", { class: "note" }, fleet.newestTakenAt ? `Documents from ${format.time(fleet.oldestTakenAt, context.tz)} to ${format.time(fleet.newestTakenAt, context.tz)}.` : "No documents."),
    numbers(fleet.totals),
  );
}
