// Streams a job's log from the API's server-sent events, and keeps its stage badge current.
// The server replays the whole log on each connection (EventSource reconnects after a quiet
// stream ends), so each connection starts the pane afresh; once the job has ended and its
// log is read, the stream ends and the page stops listening.
const pane = document.querySelector("pre.job-log[data-log-url]");
const badge = document.querySelector(".job-stage[data-status-url]");
const ended = (stage) => ["COMPLETED", "CANCELED", "ERROR", "DELETED"].includes(stage);

if (pane) {
  const source = new EventSource(pane.dataset.logUrl);
  source.addEventListener("open", () => { pane.textContent = ""; });
  source.addEventListener("message", (event) => {
    const stick = pane.scrollTop + pane.clientHeight >= pane.scrollHeight - 4;
    const text = JSON.parse(event.data).data;
    if (!text.startsWith("===== Job started")) pane.textContent += text + "\n";
    if (stick) pane.scrollTop = pane.scrollHeight;
  });
  source.addEventListener("error", () => {
    if (badge && ended(badge.dataset.stage)) source.close();
  });
}

async function refresh() {
  if (!badge || ended(badge.dataset.stage)) return;
  const answer = await fetch(badge.dataset.statusUrl, { credentials: "same-origin" });
  if (answer.ok) {
    const stage = (await answer.json()).status.stage;
    badge.dataset.stage = stage;
    badge.textContent = stage;
    if (ended(stage)) { window.location.reload(); return; }
  }
  setTimeout(refresh, 2000);
}
setTimeout(refresh, 2000);
