// Numbers and times as people read them, in the time zone the dashboard shows.

const integer = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });
const compact = new Intl.NumberFormat(undefined, { notation: "compact", maximumFractionDigits: 1 });

export function count(n) {
  return n === null || n === undefined ? "–" : integer.format(n);
}

export function amount(n) {
  return n === null || n === undefined ? "–" : decimal.format(n);
}

export function short(n) {
  return n === null || n === undefined ? "–" : compact.format(n);
}

/** Return a date-time in zone ``tz`` at the precision of ``granularity``. */
export function time(value, tz, granularity = "MINUTELY") {
  if (!value) return "never";
  const date = value instanceof Date ? value : new Date(value);
  const options = { timeZone: tz, year: "numeric", month: "short", day: "numeric" };
  if (granularity !== "DAILY") Object.assign(options, { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  return new Intl.DateTimeFormat(undefined, options).format(date);
}

/** Return "3 hours ago"-style text for a past moment. */
export function ago(value, now = Date.now()) {
  if (!value) return "never";
  const seconds = Math.round((now - new Date(value).getTime()) / 1000);
  const units = [["day", 86400], ["hour", 3600], ["minute", 60], ["second", 1]];
  const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });
  for (const [unit, size] of units) {
    if (Math.abs(seconds) >= size || unit === "second") return rtf.format(-Math.round(seconds / size), unit);
  }
  return "";
}

/** Return the value of a variation as text (JSON values shown compactly). */
export function variationValue(value) {
  if (value === null || value === undefined) return "value unknown";
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** Return the offset (ms) of zone ``tz`` from UTC at instant ``ms``. */
export function zoneOffset(ms, tz) {
  const parts = {};
  const fmt = new Intl.DateTimeFormat("en-US", {
    timeZone: tz, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: "2-digit",
  });
  for (const p of fmt.formatToParts(new Date(ms))) parts[p.type] = Number(p.value);
  const asUtc = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
  return asUtc - Math.floor(ms / 1000) * 1000;
}

/** Return the instant (Date) of wall-clock ``local`` ("YYYY-MM-DDTHH:MM") in zone ``tz``. */
export function zonedInstant(local, tz) {
  const [d, t = "00:00"] = local.split("T");
  const [y, mo, da] = d.split("-").map(Number);
  const [hh, mi] = t.split(":").map(Number);
  const guess = Date.UTC(y, mo - 1, da, hh, mi);
  let ms = guess - zoneOffset(guess, tz);
  ms = guess - zoneOffset(ms, tz); // once more: the offset may differ across a DST change
  return new Date(ms);
}

/** Return wall-clock "YYYY-MM-DDTHH:MM" of instant ``date`` in zone ``tz``. */
export function zonedLocal(date, tz) {
  const shifted = new Date(date.getTime() + zoneOffset(date.getTime(), tz));
  return shifted.toISOString().slice(0, 16);
}

/** Return whether ``tz`` is an IANA zone this browser knows. */
export function validZone(tz) {
  try {
    new Intl.DateTimeFormat(undefined, { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
