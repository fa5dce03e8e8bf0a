// Streams each log of the Space's Logs page from the API's server-sent events. A stream
// ends after a quiet while and EventSource reconnects; the server resends the whole log,
// so each (re)connection starts the pane afresh.
for (const pane of document.querySelectorAll("pre.space-log[data-log-url]")) {
  const source = new EventSource(pane.dataset.logUrl);
  source.addEventListener("open", () => { pane.textContent = ""; });
  source.addEventListener("message", (event) => {
    const stick = pane.scrollTop + pane.clientHeight >= pane.scrollHeight - 4;
    pane.textContent += JSON.parse(event.data).data;
    if (stick) pane.scrollTop = pane.scrollHeight;
  });
}
