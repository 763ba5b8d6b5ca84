// The dashboard's state lives in the URL (path = view, query = parameters; never the token),
// so a link reproduces the view. Ranges and the granularity rule mirror the gateway's.

export const VIEWS = {
  overview: "Overview",
  flags: "Flags",
  flag: "Flag",
  mau: "MAU",
  instances: "Instances",
};
export const RANGES = {
  "2h": ["Last 2 hours", 2 * 3600],
  "48h": ["Last 48 hours", 48 * 3600],
  "7d": ["Last 7 days", 7 * 86400],
  "30d": ["Last 30 days", 30 * 86400],
  "90d": ["Last 90 days", 90 * 86400],
  custom: ["Custom", null],
};
export const GRANULARITIES = ["MINUTELY", "HOURLY", "DAILY"];
const MINUTELY_WITHIN_S = 2 * 3600;
const HOURLY_WITHIN_S = 2 * 86400;
export const RULE = "minutely for ranges starting within the last 2 hours, hourly within 2 days, else daily";

// Parameter names in the URL, with their defaults (absent when default).
const DEFAULTS = {
  project: "",
  env: "",
  flag: "",
  range: "7d",
  from: "",
  to: "",
  gran: "",
  tz: "",
  live: "",
  q: "",
  order: "EVALUATIONS_DESC",
  stale: "",
  by: "CATEGORY",
  agg: "",
  field: "users",
  instance: "",
  chart: "area",
};

export function browserZone() {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

/** Return the state the current URL describes. */
export function read(href = location.href) {
  const url = new URL(href);
  const path = url.pathname.replace(/^\/dashboard\/?/, "").replace(/^\//, "");
  const view = path.split("/")[0] || "overview";
  const state = { view: view in VIEWS ? view : "overview", unknownView: !(view in VIEWS) && view !== "" };
  for (const [key, fallback] of Object.entries(DEFAULTS)) state[key] = url.searchParams.get(key) ?? fallback;
  if (!(state.range in RANGES)) state.range = DEFAULTS.range;
  if (!GRANULARITIES.includes(state.gran)) state.gran = "";
  if (!state.tz) state.tz = browserZone();
  return state;
}

/** Return the URL of ``state`` (defaults left out). */
export function href(state) {
  const params = new URLSearchParams();
  for (const [key, fallback] of Object.entries(DEFAULTS)) {
    const value = state[key];
    if (value !== undefined && value !== null && String(value) !== fallback) params.set(key, value);
  }
  const path = state.view === "overview" ? "/" : `/dashboard/${state.view}`;
  const query = params.toString();
  return query ? `${path}?${query}` : path;
}

/** Return [from, to] (Dates) of the state's range at ``now``. */
export function range(state, now = new Date()) {
  if (state.range === "custom") {
    const from = state.from ? new Date(state.from) : new Date(now.getTime() - 7 * 86400e3);
    const to = state.to ? new Date(state.to) : now;
    return [from, to > now ? now : to];
  }
  return [new Date(now.getTime() - RANGES[state.range][1] * 1000), now];
}

/** Return the granularity the gateway's rule picks for a range starting at ``from``. */
export function autoGranularity(from, now = new Date()) {
  const age = (now.getTime() - from.getTime()) / 1000;
  if (age <= MINUTELY_WITHIN_S) return "MINUTELY";
  if (age <= HOURLY_WITHIN_S) return "HOURLY";
  return "DAILY";
}

/** Return the granularity to ask for: the chosen one, else the rule's. */
export function granularity(state, from, now = new Date()) {
  return state.gran || autoGranularity(from, now);
}
