// Small DOM helpers: elements built in code (no innerHTML, so no markup from data).

const SVG = "http://www.w3.org/2000/svg";

/** Return a new element; attributes starting with "on" are listeners, "value" is set last. */
export function h(tag, attrs, ...children) {
  const el = tag.startsWith("svg:")
    ? document.createElementNS(SVG, tag.slice(4))
    : document.createElement(tag);
  let value;
  for (const [key, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2), v);
    else if (key === "value") value = v;
    else if (key === "checked" || key === "selected") el[key] = Boolean(v);
    else if (key === "dataset") Object.assign(el.dataset, v);
    else el.setAttribute(key === "className" ? "class" : key, v === true ? "" : String(v));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  if (value !== undefined) el.value = value;
  return el;
}

/** Replace the children of ``el`` with ``children``. */
export function fill(el, ...children) {
  el.replaceChildren();
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

/** A message standing in for content: loading, empty or error (role=alert for errors). */
export function state(kind, ...text) {
  return h("p", { class: `state state-${kind}`, role: kind === "error" ? "alert" : null }, ...text);
}
