// Live progress: a job page polls its job's JSON; a leaderboard with evaluations under way
// polls the leaderboard's JSON. Both reload once the work they show has finished.
(function () {
  "use strict";
  var RUNNING = { queued: true, running: true };

  function poll(url, onData, pause) {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (answer) { return answer.ok ? answer.json() : null; })
      .then(function (data) { if (data && onData(data) !== false) { setTimeout(function () { poll(url, onData, pause); }, pause); } })
      .catch(function () { setTimeout(function () { poll(url, onData, pause); }, pause * 3); });
  }

  function showProgress(root, progress, state) {
    var bar = root.querySelector("progress");
    var text = root.querySelector("[data-progress-text]");
    var badge = root.querySelector("[data-state]");
    if (bar && progress.total) { bar.max = progress.total; bar.value = progress.done; }
    if (text) { text.textContent = progress.total ? progress.done + " of " + progress.total + " examples" : "waiting for a worker"; }
    if (badge) { badge.textContent = state; badge.className = "state " + state; }
  }

  var job = document.querySelector("[data-job-url]");
  if (job && RUNNING[job.getAttribute("data-job-state")]) {
    poll(job.getAttribute("data-job-url"), function (data) {
      showProgress(job, data.progress, data.state);
      if (!RUNNING[data.state]) { window.location.reload(); return false; }
    }, 700);
  }

  var board = document.querySelector("[data-board-url][data-pending]");
  if (board) {
    poll(board.getAttribute("data-board-url"), function (data) {
      var pending = data.rows.filter(function (row) { return row.pending; });
      pending.forEach(function (row) {
        var cell = board.querySelector('[data-pending-job="' + row.pending.id + '"]');
        if (cell) { showProgress(cell, row.pending, row.pending.state); }
      });
      if (pending.length === 0) { window.location.reload(); return false; }
    }, 1000);
  }
})();
