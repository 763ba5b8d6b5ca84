// The dashboard: sign-in, the header with its controls, and the view the URL names.

import { h, fill, state as message } from "./dom.js";
import * as gql from "./graphql.js";
import * as st from "./state.js";
import { validZone, zonedInstant, zonedLocal } from "./format.js";
import overview from "./overview.js";
import flags from "./flags.js";
import flag from "./flag.js";
import mau from "./mau.js";
import instances from "./instances.js";

const VIEWS = { overview, flags, flag, mau, instances };
const root = document.getElementById("app");
let projects = null; // [{key, environments: [{key}]}], loaded once per sign-in
let viewer = null;
let current = null; // {controller, cleanups}

const START = `query Start { viewer { name kind } projects { key environments { key } } }`;

/** Go to the state ``patch`` changes (a new history entry unless ``replace``). */
export function navigate(patch, { replace = false } = {}) {
  const next = { ...st.read(), ...patch };
  const url = st.href(next);
  if (replace) history.replaceState(null, "", url);
  else history.pushState(null, "", url);
  render();
}

/** Return the URL of the current state changed by ``patch``. */
export function link(patch) {
  return st.href({ ...st.read(), ...patch });
}

function stopCurrent() {
  if (!current) return;
  current.controller.abort();
  for (const cleanup of current.cleanups) cleanup();
  current = null;
}

function signIn(problem) {
  stopCurrent();
  projects = null;
  viewer = null;
  const input = h("input", { id: "token", type: "password", name: "token", autocomplete: "off", required: true, "aria-describedby": "token-help" });
  const form = h(
    "form",
    { class: "card signin", "aria-labelledby": "signin-title" },
    h("h1", { id: "signin-title" }, "Usage Gateway"),
    problem ? message("error", problem) : null,
    h("label", { for: "token" }, "API token"),
    input,
    h("p", { id: "token-help", class: "note" }, "An admin or read token. It stays in this browser tab (sessionStorage) and is sent only to this gateway's /graphql."),
    h("button", { type: "submit" }, "Sign in"),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    gql.setToken(input.value.trim());
    render();
  });
  fill(root, h("main", { id: "main" }, form));
  input.focus();
}

function explain(error) {
  if (error.code === "forbidden") {
    return "This token may not read usage: ingest tokens can only send data. Sign in with a read or admin token.";
  }
  if (error.code === "unauthorized") {
    return "The gateway refused this token: it is wrong or was revoked. Sign in with a valid read or admin token.";
  }
  return error.message;
}

/** Show an error from a view: a refused token leads back to the sign-in form. */
export function failed(error, into) {
  if (error.name === "AbortError") return;
  if (error instanceof gql.GraphQLError && error.signIn) {
    gql.setToken(null);
    signIn(explain(error));
    return;
  }
  if (into) fill(into, message("error", `Could not load this: ${error.message}`));
}

function select(id, label, options, value, onChange) {
  return h(
    "span",
    { class: "control" },
    h("label", { for: id }, label),
    h(
      "select",
      { id, value, onchange: (e) => onChange(e.target.value) },
      options.map(([v, text]) => h("option", { value: v, selected: v === value }, text)),
    ),
  );
}

function controls(s, from, now) {
  const environments = s.project
    ? (projects.find((p) => p.key === s.project) || { environments: [] }).environments.map((e) => e.key)
    : [...new Set(projects.flatMap((p) => p.environments.map((e) => e.key)))].sort();
  const auto = st.autoGranularity(from, now);
  const parts = [
    select("project", "Project", [["", "All projects"], ...projects.map((p) => [p.key, p.key])], s.project, (v) => navigate({ project: v, env: "", flag: "" })),
    select("env", "Environment", [["", "All environments"], ...environments.map((e) => [e, e])], s.env, (v) => navigate({ env: v })),
    select("range", "Range", Object.entries(st.RANGES).map(([k, [text]]) => [k, text]), s.range, (v) => {
      if (v !== "custom") return navigate({ range: v, from: "", to: "", live: v === "2h" ? s.live : "" });
      const [f, t] = st.range(s);
      navigate({ range: v, from: f.toISOString(), to: t.toISOString(), live: "" });
    }),
  ];
  if (s.range === "custom") {
    const [f, t] = st.range(s);
    const edge = (id, label, date, key) =>
      h(
        "span",
        { class: "control" },
        h("label", { for: id }, label),
        h("input", {
          id,
          type: "datetime-local",
          value: zonedLocal(date, s.tz),
          onchange: (e) => e.target.value && navigate({ [key]: zonedInstant(e.target.value, s.tz).toISOString() }),
        }),
      );
    parts.push(edge("from", "From", f, "from"), edge("to", "To", t, "to"));
  }
  if (s.view !== "mau") parts.push(
    select(
      "gran",
      "Granularity",
      [["", `Auto (${auto.toLowerCase()})`], ...st.GRANULARITIES.map((g) => [g, g.toLowerCase()])],
      s.gran,
      (v) => navigate({ gran: v }),
    ),
  );
  const zones = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
  const zone = h("input", { id: "tz", list: "zones", value: s.tz, size: 18, spellcheck: "false", "aria-describedby": "tz-help" });
  zone.addEventListener("change", () => {
    const value = zone.value.trim() || st.browserZone();
    if (validZone(value)) {
      zone.setCustomValidity("");
      navigate({ tz: value });
    } else {
      zone.setCustomValidity("Not an IANA time zone (e.g. Europe/Berlin)");
      zone.reportValidity();
    }
  });
  parts.push(
    h(
      "span",
      { class: "control" },
      h("label", { for: "tz" }, "Time zone"),
      zone,
      h("datalist", { id: "zones" }, zones.map((z) => h("option", { value: z }))),
    ),
  );
  if (s.view === "overview" || s.view === "flag") {
    parts.push(
      h(
        "span",
        { class: "control" },
        h("input", {
          id: "live",
          type: "checkbox",
          checked: s.live === "1",
          disabled: s.range !== "2h",
          onchange: (e) => navigate({ live: e.target.checked ? "1" : "", range: "2h", from: "", to: "" }),
        }),
        h("label", { for: "live", title: "Live mode needs the last 2 hours as range" }, "Live"),
      ),
    );
  }
  return h(
    "form",
    { class: "controls", "aria-label": "Dashboard controls", onsubmit: (e) => e.preventDefault() },
    parts,
    s.view === "mau"
      ? h("p", { id: "tz-help", class: "note rule" }, "MAU is counted per UTC day, whatever the zone.")
      : h("p", { id: "tz-help", class: "note rule", dataset: { granularity: s.gran || auto } }, `Granularity ${s.gran ? "chosen" : "by the rule"}: ${(s.gran || auto).toLowerCase()} (rule: ${st.RULE}).`),
  );
}

function header(s) {
  const nav = h(
    "nav",
    { "aria-label": "Views" },
    h(
      "ul",
      {},
      Object.entries(st.VIEWS)
        .filter(([key]) => key !== "flag" || s.view === "flag")
        .map(([key, label]) => h("li", {}, h("a", { href: link({ view: key }), "aria-current": key === s.view ? "page" : null }, label))),
    ),
  );
  const out = h("button", { type: "button", class: "small", onclick: () => { gql.setToken(null); signIn(); } }, "Sign out");
  return h("header", { class: "top" }, h("a", { class: "brand", href: link({ view: "overview" }) }, "Usage Gateway"), nav, h("span", { class: "who" }, `${viewer.name} (${viewer.kind.toLowerCase()})`, " ", out));
}

// Re-rendering replaces the controls: put the keyboard focus back where it was (by id), or
// on the content after following a link, so keyboard users keep their place.
function refocus(id, fallback) {
  const target = (id && document.getElementById(id)) || fallback;
  if (target && document.activeElement !== target) target.focus({ preventScroll: true });
}

async function render() {
  const focused = document.activeElement && document.activeElement !== document.body ? document.activeElement : null;
  const focusedId = focused ? focused.id : "";
  const followedLink = focused && focused.tagName === "A";
  stopCurrent();
  gql.takeFragmentToken();
  if (!gql.token()) return signIn();
  const controller = new AbortController();
  const cleanups = [];
  current = { controller, cleanups };
  if (projects === null) {
    fill(root, message("loading", "Signing in…"));
    try {
      const data = await gql.query(START, {}, controller.signal);
      projects = data.projects;
      viewer = data.viewer;
    } catch (error) {
      if (error.name === "AbortError") return;
      if (error instanceof gql.GraphQLError && error.signIn) return failed(error);
      fill(root, message("error", `The gateway did not answer: ${error.message}`));
      return;
    }
    if (controller.signal.aborted) return;
  }
  const s = st.read();
  const now = new Date();
  const [from, to] = st.range(s, now);
  const main = h("main", { id: "main", tabindex: "-1" });
  fill(root, h("a", { class: "skip", href: "#main" }, "Skip to content"), header(s), controls(s, from, now), main);
  refocus(focusedId, followedLink ? main : null);
  document.title = `${st.VIEWS[s.view]} · Usage Gateway`;
  const context = {
    state: s,
    now,
    from,
    to,
    tz: s.tz,
    granularity: st.granularity(s, from, now),
    projects,
    signal: controller.signal,
    onCleanup: (f) => cleanups.push(f),
    // A view that fills in over several answers calls this once its main content is shown.
    shown: () =>
      requestAnimationFrame(() => {
        if (!root.dataset.shownAt) root.dataset.shownAt = String(Math.round(performance.now()));
      }),
    failed: (error, into) => failed(error, into),
    link,
    navigate,
  };
  if (s.unknownView) main.append(message("error", "No such view; here is the overview."));
  try {
    await VIEWS[s.view](main, context);
  } catch (error) {
    failed(error, main);
  }
  // How many views have finished rendering: lets a test (or a screenshot) wait for one.
  if (controller.signal.aborted) return;
  if (focusedId && document.activeElement === document.body) refocus(focusedId, null);
  root.dataset.rendered = String(Number(root.dataset.rendered || 0) + 1);
  // The next frame comes after charts are laid out and drawn: the benchmark's "first render".
  requestAnimationFrame(() => {
    if (!root.dataset.paintedAt) root.dataset.paintedAt = String(Math.round(performance.now()));
    if (!root.dataset.shownAt) root.dataset.shownAt = root.dataset.paintedAt;
  });
}

document.addEventListener("click", (event) => {
  const a = event.target.closest("a[href]");
  if (!a || a.getAttribute("href").startsWith("#") || a.target || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin || !(url.pathname === "/" || url.pathname.startsWith("/dashboard"))) return;
  event.preventDefault();
  history.pushState(null, "", url.pathname + url.search);
  render();
});
window.addEventListener("popstate", render);
window.addEventListener("hashchange", () => {
  if (location.hash.includes("token=")) render();
});
render();
