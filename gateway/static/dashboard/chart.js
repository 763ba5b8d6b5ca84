// Charts: uPlot time series with a totals legend and a table view of every number, and
// sparklines as plain SVG. Colours are Okabe and Ito's, which survive colour blindness.

import uPlot from "./uPlot.esm.js";
import { h, state } from "./dom.js";
import * as format from "./format.js";

export const PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#F0E442", "#999999"];
const HEIGHT = 260;
const DAY_STEPS = [1, 2, 7, 14, 28, 91, 182, 364].map((d) => d * 86400);

export function colour(index) {
  return PALETTE[index % PALETTE.length];
}

function themeColour(name) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || "#888";
}

/** Return ``hex`` mixed into the card colour: an opaque tint, so stacked fills do not blend. */
function tint(hex, share) {
  const card = themeColour("--card");
  const rgb = (c) => [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16));
  const [a, b] = [rgb(hex), /^#[0-9a-f]{6}$/i.test(card) ? rgb(card) : [255, 255, 255]];
  return `rgb(${a.map((v, i) => Math.round(v * share + b[i] * (1 - share))).join(",")})`;
}

function epochs(times) {
  return times.map((t) => Math.floor(new Date(t).getTime() / 1000));
}

/** Return each series' values summed onto the ones before it (for stacked drawing). */
function stack(series) {
  const sums = [];
  let running = null;
  for (const s of series) {
    running = s.values.map((v, i) => (v ?? 0) + (running ? running[i] : 0));
    sums.push(running);
  }
  return sums;
}

function plotOptions(spec, width) {
  const axis = themeColour("--muted");
  const grid = themeColour("--grid");
  const kind = spec.kind || "line";
  const stacked = spec.stacked && spec.series.length > 1;
  // A bar covers its bucket from the bucket's start (align 1), so the x scale runs one
  // bucket past the last start: the last bar is whole, not cut at the edge.
  const bars = kind === "bars" ? uPlot.paths.bars({ size: [0.8, 48], align: 1 }) : undefined;
  const x = epochs(spec.times);
  const step = x.length > 1 ? x[x.length - 1] - x[x.length - 2] : 3600;
  const xRange = kind === "bars" && x.length ? () => [x[0], x[x.length - 1] + step] : undefined;
  const ordered = stacked ? [...spec.series.keys()].reverse() : [...spec.series.keys()];
  const valueOf = (i) => (u, v, si, idx) => {
    if (idx === null || idx === undefined) return "–";
    const raw = spec.series[i].values[idx];
    return spec.amounts ? format.amount(raw) : format.count(raw);
  };
  return {
    width,
    height: HEIGHT,
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), spec.tz),
    scales: { x: { time: true, range: xRange }, y: { range: (u, lo, hi) => [0, hi > 0 ? hi * 1.05 : 1] } },
    axes: [
      // Daily buckets: ticks on whole days (uPlot would otherwise pick 8-hour steps).
      { stroke: axis, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid }, incrs: spec.granularity === "DAILY" ? DAY_STEPS : undefined },
      { stroke: axis, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid }, size: 60, values: (u, vals) => vals.map(format.short) },
    ],
    cursor: { drag: { x: false, y: false } },
    legend: { show: true, live: true },
    series: [
      { label: "Time", value: (u, ts) => (ts === null ? "–" : format.time(ts * 1000, spec.tz, spec.granularity)) },
      ...ordered.map((i) => ({
        label: spec.series[i].label,
        stroke: colour(i),
        width: 2,
        fill: kind === "area" || kind === "bars" ? tint(colour(i), kind === "bars" ? 0.85 : 0.55) : undefined,
        paths: bars,
        points: { show: false },
        value: valueOf(i),
      })),
    ],
  };
}

function plotData(spec) {
  const x = epochs(spec.times);
  const ordered = spec.stacked && spec.series.length > 1 ? stack(spec.series).reverse() : spec.series.map((s) => s.values);
  return [x, ...ordered];
}

function table(spec) {
  const total = (s) => (spec.amounts ? format.amount(s.total) : format.count(s.total));
  const cell = (v) => (spec.amounts ? format.amount(v) : format.count(v));
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { class: "numbers" },
      h("caption", {}, `${spec.title}: ${spec.granularityText || ""}, times in ${spec.tz}`),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Time"), spec.series.map((s) => h("th", { scope: "col" }, s.label)))),
      h(
        "tbody",
        {},
        spec.times.map((t, i) =>
          h("tr", {}, h("th", { scope: "row", dataset: { time: t } }, format.time(t, spec.tz, spec.granularity)), spec.series.map((s) => h("td", { dataset: { value: s.values[i] ?? "" } }, cell(s.values[i])))),
        ),
      ),
      h("tfoot", {}, h("tr", {}, h("th", { scope: "row" }, spec.totalLabel || "Total"), spec.series.map((s) => h("td", { dataset: { total: s.total ?? "" } }, total(s))))),
    ),
  );
}

/** Return the legend of totals: one entry per series, its colour, label and total. */
function totals(spec) {
  return h(
    "ul",
    { class: "totals" },
    spec.series.map((s, i) => {
      const swatch = h("span", { class: "swatch", "aria-hidden": "true" });
      swatch.style.background = colour(i);
      return h(
        "li",
        { dataset: { label: s.label, total: s.total ?? "" } },
        swatch,
        h("span", { class: "label" }, s.label),
        " ",
        h("strong", {}, spec.amounts ? format.amount(s.total) : format.count(s.total)),
      );
    }),
  );
}

/**
 * Return a card with a time-series chart of ``spec``:
 * {id, title, times, series: [{label, values, total}], kind, stacked, tz, granularity, empty}.
 */
export function chartCard(spec) {
  const plot = h("div", { class: "plot", role: "img", "aria-label": `${spec.title} (chart; the Table button shows its numbers)` });
  const numbers = h("div", { class: "numbers-view", hidden: true });
  const toggle = h("button", { type: "button", class: "small", "aria-pressed": "false", "aria-label": `Show ${spec.title} as a table` }, "Table");
  const card = h(
    "section",
    {
      class: "card chart",
      "aria-label": spec.title,
      dataset: {
        chart: spec.id,
        granularity: spec.granularity || "",
        from: spec.from || "",
        to: spec.to || "",
        totals: JSON.stringify(Object.fromEntries(spec.series.map((s) => [s.label, s.total]))),
      },
    },
    h("header", {}, h("h2", {}, spec.title), spec.controls || null, spec.series.length ? toggle : null),
    spec.note ? h("p", { class: "note" }, spec.note) : null,
  );
  if (!spec.series.length) {
    card.append(state("empty", spec.empty || "Nothing in this range."));
    return card;
  }
  card.append(plot, totals(spec), numbers);
  toggle.addEventListener("click", () => {
    const showing = toggle.getAttribute("aria-pressed") === "true";
    toggle.setAttribute("aria-pressed", String(!showing));
    toggle.textContent = showing ? "Table" : "Chart";
    if (!numbers.firstChild) numbers.append(table(spec));
    numbers.hidden = showing;
    plot.hidden = !showing;
  });
  let chart = null;
  const observer = new ResizeObserver(() => {
    const width = Math.floor(plot.clientWidth);
    if (width <= 0) return;
    if (chart === null) chart = new uPlot(plotOptions(spec, width), plotData(spec), plot);
    else if (Math.abs(chart.width - width) > 1) chart.setSize({ width, height: HEIGHT });
  });
  observer.observe(plot);
  card.destroy = () => {
    observer.disconnect();
    if (chart) chart.destroy();
  };
  return card;
}

/** Return a small SVG line of ``values`` (no axes), with its numbers in a title. */
export function sparkline(values, label) {
  const width = 120;
  const height = 28;
  const max = Math.max(1, ...values);
  const step = values.length > 1 ? width / (values.length - 1) : width;
  const points = values.map((v, i) => `${(i * step).toFixed(1)},${(height - 2 - ((v ?? 0) / max) * (height - 4)).toFixed(1)}`);
  return h(
    "svg:svg",
    { class: "sparkline", width, height, viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": label },
    h("svg:title", {}, label),
    h("svg:polyline", { points: points.join(" "), fill: "none", stroke: colour(0), "stroke-width": "1.5" }),
  );
}

/** Return horizontal bars for categories: [{label, value, href?}]. */
export function barList(items, { amounts = false, id = "" } = {}) {
  const max = Math.max(1, ...items.map((i) => i.value));
  return h(
    "ol",
    { class: "bars", dataset: { list: id } },
    items.map((item, i) => {
      const bar = h("span", { class: "bar", "aria-hidden": "true" });
      bar.style.width = `${((item.value / max) * 100).toFixed(1)}%`;
      bar.style.background = colour(item.colour ?? i);
      const name = item.href ? h("a", { href: item.href }, item.label) : item.label;
      return h(
        "li",
        { dataset: { label: item.label, value: item.value } },
        h("span", { class: "bar-label" }, name),
        h("span", { class: "bar-track" }, bar),
        h("span", { class: "bar-value" }, amounts ? format.amount(item.value) : format.count(item.value)),
      );
    }),
  );
}
