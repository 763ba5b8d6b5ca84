// Starts GraphiQL against the endpoint that served the page (see gateway/graphiql.py).
//
// Authorization: every operation sends the headers of GraphiQL's "Headers" editor, e.g.
// {"Authorization": "TOKEN"}. Queries and mutations send them as HTTP headers; subscriptions
// (graphql-transport-ws) send them as the connection_init payload, since browsers cannot set
// headers on a websocket. Opening /graphql#token=TOKEN fills the editor with that token; the
// fragment never reaches the server, and it is removed from the address bar at once.
(function () {
  "use strict";
  var root = document.getElementById("graphiql");
  var endpoint = new URL(root.dataset.endpoint, window.location.href);
  var socket = new URL(endpoint.href);
  socket.protocol = endpoint.protocol === "https:" ? "wss:" : "ws:";

  var props = {
    fetcher: GraphiQL.createFetcher({
      url: endpoint.href,
      subscriptionUrl: socket.href,
      // Plain JSON responses; the gateway does not stream query results.
      enableIncrementalDelivery: false,
    }),
    defaultQuery:
      "# Usage Gateway GraphQL. Put your token in the Headers tab below:\n" +
      '#   {"Authorization": "TOKEN"}\n' +
      "# or open this page as /graphql#token=TOKEN. Press the run button; open the\n" +
      "# documentation explorer (top left) to browse every field.\n\n" +
      "{\n  viewer { name kind }\n  instances { instanceId lastTakenAt }\n" +
      "  mauSdks\n  mauByCategory {\n    granularity\n" +
      "    series { labels { category } total }\n  }\n}\n",
    showPersistHeadersSettings: true,
  };

  var fragment = new URLSearchParams(window.location.hash.slice(1));
  var token = fragment.get("token");
  if (token) {
    props.headers = JSON.stringify({ Authorization: token }, null, 2);
    props.defaultEditorToolsVisibility = "headers";
    window.history.replaceState(null, "", window.location.pathname + window.location.search);
  }

  ReactDOM.createRoot(root).render(React.createElement(GraphiQL, props));
})();
