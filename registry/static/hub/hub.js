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

  // The header's type-ahead: /api/quicksearch as you type, a listbox the arrow keys walk
  // (the input keeps focus and points at the active option, as ARIA's combobox pattern says).
  const QUICK_GROUPS = [
    ["models", "Models", function (r) { return "/" + r.id; }, function (r) { return r.id; }],
    ["datasets", "Datasets", function (r) { return "/datasets/" + r.id; }, function (r) { return r.id; }],
    ["spaces", "Spaces", function (r) { return "/spaces/" + r.id; }, function (r) { return r.id; }],
    ["users", "Users", function (r) { return "/" + r.user; }, function (r) { return r.user; }],
    ["orgs", "Organizations", function (r) { return "/" + r.name; }, function (r) { return r.name; }],
  ];

  function quickSearch(form) {
    const input = form.querySelector("[role=combobox]");
    const list = document.getElementById(input.getAttribute("aria-controls"));
    let timer = null;
    let controller = null;
    let active = -1;

    function options() { return Array.from(list.querySelectorAll("[role=option]")); }
    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }
    function highlight(index) {
      const all = options();
      if (!all.length) return;
      active = (index + all.length) % all.length;
      all.forEach(function (option, i) { option.setAttribute("aria-selected", i === active ? "true" : "false"); });
      input.setAttribute("aria-activedescendant", all[active].id);
      all[active].scrollIntoView({ block: "nearest" });
    }
    function render(body) {
      list.replaceChildren();
      let count = 0;
      QUICK_GROUPS.forEach(function (group) {
        const rows = body[group[0]] || [];
        if (!rows.length) return;
        const heading = document.createElement("li");
        heading.className = "suggestion-group";
        heading.setAttribute("role", "presentation");
        heading.textContent = group[1];
        list.appendChild(heading);
        rows.forEach(function (row) {
          const option = document.createElement("li");
          option.setAttribute("role", "option");
          option.setAttribute("aria-selected", "false");
          option.id = "topsearch-option-" + count++;
          option.dataset.href = group[2](row);
          option.textContent = group[3](row);
          list.appendChild(option);
        });
      });
      if (!count) {
        const none = document.createElement("li");
        none.className = "suggestion-group";
        none.setAttribute("role", "presentation");
        none.textContent = "No matches: press Enter to search";
        list.appendChild(none);
      }
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      active = -1;
    }
    function refresh() {
      const q = input.value.trim();
      if (!q) { close(); return; }
      if (controller) controller.abort();
      controller = new AbortController();
      fetch(form.dataset.quicksearch + "?q=" + encodeURIComponent(q), { signal: controller.signal, credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (body) { if (body && input.value.trim() === q) render(body); })
        .catch(function (error) { if (error.name !== "AbortError") close(); });
    }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(refresh, 120);
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        if (list.hidden) return;
        event.preventDefault();
        highlight(active + (event.key === "ArrowDown" ? 1 : -1));
      } else if (event.key === "Enter" && active >= 0) {
        event.preventDefault();
        window.location.assign(options()[active].dataset.href);
      } else if (event.key === "Escape") {
        close();
      }
    });
    list.addEventListener("mousedown", function (event) {
      const option = event.target.closest("[role=option]");
      if (option) { event.preventDefault(); window.location.assign(option.dataset.href); }
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
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
    document.querySelectorAll("form[data-quicksearch]").forEach(quickSearch);
    // Code blocks scroll sideways on narrow screens: keyboard users need to reach them too.
    document.querySelectorAll(".markdown pre").forEach(function (pre) { pre.tabIndex = 0; });
    document.querySelectorAll("form[data-confirm-field]").forEach(typedConfirmation);
  });
})();
