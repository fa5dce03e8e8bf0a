// Minihub: small progressive enhancements. Every page reads fine without this file.
"use strict";

(function () {
  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    // Hubs served over plain http have no async clipboard API: select and copy instead.
    const area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "visually-hidden";
    document.body.appendChild(area);
    area.select();
    const copied = document.execCommand("copy");
    area.remove();
    return copied ? Promise.resolve() : Promise.reject(new Error("copy failed"));
  }

  function flash(button, text) {
    const before = button.textContent;
    button.textContent = text;
    setTimeout(function () { button.textContent = before; }, 1500);
  }

  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-copy]");
    if (!button) return;
    copyText(button.dataset.copy).then(
      function () { flash(button, "Copied"); },
      function () { flash(button, "Press Ctrl+C"); }
    );
  });

  // Search as you type: re-fetch the listing with the form's values and swap the results.
  function liveSearch(form) {
    const selector = form.dataset.liveSearch;
    const target = document.querySelector(selector);
    let timer = null;
    let controller = null;
    function refresh() {
      const params = new URLSearchParams();
      new FormData(form).forEach(function (value, key) { if (value) params.append(key, value); });
      const url = form.action + (params.toString() ? "?" + params.toString() : "");
      if (controller) controller.abort();
      controller = new AbortController();
      fetch(url, { signal: controller.signal, credentials: "same-origin" })
        .then(function (response) { return response.text(); })
        .then(function (html) {
          const fresh = new DOMParser().parseFromString(html, "text/html").querySelector(selector);
          if (!fresh) return;
          target.innerHTML = fresh.innerHTML;
          history.replaceState(null, "", url);
        })
        .catch(function (error) { if (error.name !== "AbortError") throw error; });
    }
    form.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(refresh, 200);
    });
  }

  // Dangerous forms stay disabled until the confirmation text is typed exactly.
  function typedConfirmation(form) {
    const input = document.getElementById(form.dataset.confirmField);
    const button = form.querySelector("button[type=submit]");
    if (!input || !button) return;
    function sync() { button.disabled = input.value.trim() !== form.dataset.confirmValue; }
    input.addEventListener("input", sync);
    sync();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-live-search]").forEach(liveSearch);
    document.querySelectorAll("form[data-confirm-field]").forEach(typedConfirmation);
  });
})();
