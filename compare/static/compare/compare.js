// The compare page's one live part: asking for a tensor data diff without leaving the page,
// then showing its progress until the worker is done (the page then reloads with results).
(function () {
  const head = document.querySelector("[data-compare-api]");
  if (!head) return;
  const api = head.dataset.compareApi;

  function show(box, data) {
    const progress = box.querySelector("[data-progress]");
    const text = box.querySelector("[data-progress-text]");
    const state = box.querySelector("[data-state]");
    if (state) state.textContent = data.state;
    if (progress && data.totalBytes) {
      progress.max = data.totalBytes;
      progress.value = data.doneBytes;
    }
    if (text && data.totalBytes) {
      text.textContent = Math.floor((100 * data.doneBytes) / data.totalBytes) + "% compared";
    }
  }

  function running(box) {
    box.replaceChildren();
    const line = document.createElement("p");
    line.innerHTML = '<span class="state queued" data-state>queued</span> ' +
      '<progress max="1" value="0" data-progress></progress> ' +
      '<span class="muted" data-progress-text>waiting for a worker</span>';
    line.querySelector("progress").setAttribute("aria-label", "Progress of the data diff of " + box.dataset.path);
    box.append(line);
  }

  function poll() {
    fetch(api, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then((answer) => answer.json())
      .then((body) => {
        let pending = false;
        for (const file of body.files || []) {
          const box = document.querySelector('[data-path="' + CSS.escape(file.path) + '"][data-running]');
          if (!box || !file.data) continue;
          if (file.data.state === "succeeded" || file.data.state === "failed") {
            window.location.reload();
            return;
          }
          show(box, file.data);
          pending = true;
        }
        if (pending) setTimeout(poll, 500);
      });
  }

  for (const form of document.querySelectorAll("form[data-tensor-diff]")) {
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const box = form.closest("[data-path]");
      fetch(window.location.pathname, {
        method: "POST",
        body: new FormData(form),
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      })
        .then((answer) => answer.json())
        .then((data) => {
          if (data.state === "succeeded" || data.state === "failed") {
            window.location.reload();
            return;
          }
          running(box);
          box.setAttribute("data-running", "");
          show(box, data);
          poll();
        });
    });
  }
  if (document.querySelector("[data-running]")) poll();
})();
