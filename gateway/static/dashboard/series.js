// Shared pieces of the views: UsageSeries answers turned into chart specs, and the filter.

import * as format from "./format.js";

export const SERIES_FIELDS = "granularity from to series { labels { variation value project environment flag sdk sdkType version category source eventType } total times values }";

/** Return a UsageFilter for the chosen project and environment (null when neither is). */
export function scopeFilter(context) {
  const { project, env } = context.state;
  if (!project && !env) return null;
  return { projects: project ? [project] : null, environments: env ? [env] : null };
}

/** Return the variables every ranged query takes. */
export function rangeVariables(context) {
  return {
    from: context.from.toISOString(),
    to: context.to.toISOString(),
    granularity: context.granularity,
    tz: context.tz,
  };
}

export function describeLabels(labels) {
  if (labels.variation !== null && labels.variation !== undefined) {
    return `${labels.variation}: ${format.variationValue(labels.value)}`;
  }
  const parts = [labels.category, labels.sdkType, labels.sdk, labels.version, labels.source, labels.eventType, labels.flag]
    .filter((v) => v !== null && v !== undefined)
    .map((v) => (v === "" ? "(unnamed)" : String(v)));
  return parts.join(" ") || "all";
}

/** Return the chart spec of a UsageSeries answer (series labelled by ``label``). */
export function spec(answer, context, extra) {
  const times = answer.series.length ? answer.series[0].times : [];
  return {
    times,
    tz: context.tz,
    granularity: answer.granularity,
    granularityText: answer.granularity.toLowerCase(),
    from: answer.from,
    to: answer.to,
    series: answer.series.map((s) => ({ label: (extra.label || describeLabels)(s.labels), values: s.values, total: s.total })),
    ...extra,
  };
}

/** Return one series that sums every series of an answer bucket by bucket. */
export function summed(answer) {
  if (!answer.series.length) return [];
  return answer.series[0].times.map((_, i) => answer.series.reduce((sum, s) => sum + (s.values[i] ?? 0), 0));
}
