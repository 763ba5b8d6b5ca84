// The dashboard's only data source: /graphql, by fetch for queries and by the
// graphql-transport-ws websocket for the live view. The token lives in sessionStorage.

const KEY = "usage-gateway.token";
const ENDPOINT = "/graphql";

export class GraphQLError extends Error {
  constructor(message, code) {
    super(message);
    this.code = code;
  }
  /** Whether signing in again (with another token) is the way out. */
  get signIn() {
    return this.code === "unauthorized" || this.code === "forbidden";
  }
}

export function token() {
  return sessionStorage.getItem(KEY);
}

export function setToken(secret) {
  if (secret) sessionStorage.setItem(KEY, secret);
  else sessionStorage.removeItem(KEY);
}

/** Take a token given as #token=... (as GraphiQL accepts it) and drop it from the address bar. */
export function takeFragmentToken() {
  const fragment = new URLSearchParams(location.hash.slice(1));
  const secret = fragment.get("token");
  if (secret) {
    setToken(secret);
    history.replaceState(history.state, "", location.pathname + location.search);
  }
}

/** Run a query; return its data or throw a GraphQLError naming the problem. */
export async function query(text, variables = {}, signal = undefined) {
  let response;
  try {
    response = await fetch(ENDPOINT, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        Authorization: token() || "",
      },
      body: JSON.stringify({ query: text, variables }),
      signal,
    });
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new GraphQLError("The gateway does not answer: is it running?", "network");
  }
  let body;
  try {
    body = await response.json();
  } catch {
    throw new GraphQLError(`The gateway answered ${response.status} without a GraphQL body.`, "http");
  }
  const first = body.errors && body.errors[0];
  if (first) {
    const code = (first.extensions && first.extensions.code) || (response.status === 401 ? "unauthorized" : "error");
    throw new GraphQLError(first.message || body.message || "The query failed.", code);
  }
  if (!response.ok || !body.data) {
    const code = response.status === 401 ? "unauthorized" : body.code || "http";
    throw new GraphQLError(body.message || `The gateway answered ${response.status}.`, code);
  }
  return body.data;
}

const RETRY_MAX_S = 30;

/**
 * Subscribe over graphql-transport-ws; ``onData`` gets each result, ``onError`` each problem.
 * A dropped connection (gateway restarting, network) is opened again after 1, 2, 4… up to
 * 30 s; a refused token or a refused operation is final. Returns a stop function.
 */
export function subscribe(text, variables, onData, onError) {
  const url = new URL(ENDPOINT, location.href);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  let socket = null;
  let stopped = false;
  let failures = 0;
  let timer = null;

  const connect = () => {
    socket = new WebSocket(url, "graphql-transport-ws");
    let final = false;
    socket.addEventListener("open", () => {
      socket.send(JSON.stringify({ type: "connection_init", payload: { Authorization: token() || "" } }));
    });
    socket.addEventListener("message", (event) => {
      const message = JSON.parse(event.data);
      if (message.type === "connection_ack") {
        socket.send(JSON.stringify({ id: "live", type: "subscribe", payload: { query: text, variables } }));
      } else if (message.type === "ping") {
        socket.send(JSON.stringify({ type: "pong" }));
      } else if (message.type === "next") {
        failures = 0;
        const errors = message.payload.errors;
        if (errors && errors.length) {
          final = true;
          onError(new GraphQLError(errors[0].message, (errors[0].extensions || {}).code || "error"));
        } else {
          onData(message.payload.data);
        }
      } else if (message.type === "error") {
        final = true;
        const first = message.payload[0] || {};
        onError(new GraphQLError(first.message || "The subscription was refused.", (first.extensions || {}).code || "error"));
      }
    });
    socket.addEventListener("close", (event) => {
      if (stopped || final) return;
      if (event.code === 4403 || event.code === 4401) {
        onError(new GraphQLError("The token was refused for the live view.", "unauthorized"));
        return;
      }
      const wait = Math.min(RETRY_MAX_S, 2 ** failures);
      failures += 1;
      onError(new GraphQLError(`The live connection closed (${event.code}); trying again in ${wait} s.`, "network"));
      timer = setTimeout(connect, wait * 1000);
    });
  };
  connect();
  return () => {
    stopped = true;
    clearTimeout(timer);
    if (socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify({ id: "live", type: "complete" }));
      socket.close(1000);
    } else if (socket.readyState === WebSocket.CONNECTING) {
      socket.addEventListener("open", () => socket.close(1000));
    }
  };
}
