// Chat widget for text-generation models with a chat template: a conversation kept in the
// page, sent to the hub's OpenAI-compatible /v1/chat/completions with `stream: true`, the
// answer drawn as its server-sent events arrive. Text is only ever set as textContent.
(function () {
  "use strict";

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function field(parent, label, control) {
    var wrap = el("label", "iw-field");
    wrap.appendChild(el("span", "iw-label", label));
    wrap.appendChild(control);
    parent.appendChild(wrap);
    return control;
  }

  function number(name, value, min, max, step) {
    var box = el("input", "iw-input");
    box.type = "number";
    box.name = name;
    box.value = value;
    box.min = min;
    box.max = max;
    box.step = step;
    return box;
  }

  function bubble(log, role, text) {
    var item = el("li", "iw-message iw-" + role);
    item.appendChild(el("span", "iw-role", role === "user" ? "You" : "Model"));
    var content = el("p", "iw-content", text);
    item.appendChild(content);
    log.appendChild(item);
    return content;
  }

  function showError(target, code, message) {
    var box = el("div", "iw-error");
    box.setAttribute("role", "alert");
    box.appendChild(el("strong", "iw-error-code", code));
    box.appendChild(el("span", null, " " + message));
    target.replaceChildren(box);
  }

  // Reads server-sent events off a fetch response; onData gets each `data:` payload.
  function readEvents(response, onData) {
    var reader = response.body.getReader();
    var decoder = new TextDecoder();
    var buffer = "";
    function pump() {
      return reader.read().then(function (step) {
        if (step.done) return;
        buffer += decoder.decode(step.value, { stream: true });
        var events = buffer.split("\n\n");
        buffer = events.pop();
        events.forEach(function (event) {
          event.split("\n").forEach(function (line) {
            if (line.indexOf("data:") === 0) onData(line.slice(5).trim());
          });
        });
        return pump();
      });
    }
    return pump();
  }

  function build(root) {
    var chat = root.querySelector(".iw-chat");
    if (!chat || root.getAttribute("data-ready")) return;
    root.setAttribute("data-ready", "1");
    var history = [];
    var log = el("ol", "iw-chat-log");
    log.setAttribute("aria-live", "polite");
    var form = el("form", "iw-form");
    var text = field(form, "Message", el("textarea", "iw-input"));
    text.name = "message";
    text.rows = 2;
    var settings = el("div", "iw-settings");
    var maxTokens = field(settings, "Max new tokens", number("max_tokens", 128, 1, 4096, 1));
    var temperature = field(settings, "Temperature (0: greedy)", number("temperature", 0.7, 0, 2, 0.1));
    form.appendChild(settings);
    var buttons = el("div", "iw-buttons");
    var send = el("button", "iw-compute", "Send");
    send.type = "submit";
    var clear = el("button", "iw-clear", "Clear");
    clear.type = "button";
    buttons.appendChild(send);
    buttons.appendChild(clear);
    form.appendChild(buttons);
    var status = el("div", "iw-result");
    chat.replaceChildren(log, form, status);

    clear.addEventListener("click", function () {
      history = [];
      log.replaceChildren();
      status.replaceChildren();
    });

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!text.value.trim()) return;
      history.push({ role: "user", content: text.value });
      bubble(log, "user", text.value);
      text.value = "";
      var answer = bubble(log, "assistant", "");
      answer.classList.add("iw-pending");
      status.replaceChildren();
      send.disabled = true;
      var body = {
        model: chat.getAttribute("data-model"),
        messages: history.slice(),
        stream: true,
        max_tokens: Number(maxTokens.value),
        temperature: Number(temperature.value),
      };
      fetch(chat.getAttribute("data-url"), {
        method: "POST",
        body: JSON.stringify(body),
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": root.getAttribute("data-csrf") },
      }).then(function (response) {
        if (!response.ok) {
          return response.json().catch(function () { return {}; }).then(function (data) {
            var error = data.error || {};
            throw { code: error.code || "Error " + response.status, message: error.message || "" };
          });
        }
        return readEvents(response, function (data) {
          if (data === "[DONE]") return;
          var chunk = JSON.parse(data);
          if (chunk.error) throw { code: chunk.error.code, message: chunk.error.message };
          var choice = chunk.choices && chunk.choices[0];
          if (choice && choice.delta && choice.delta.content) {
            answer.textContent += choice.delta.content;
          }
        });
      }).then(function () {
        history.push({ role: "assistant", content: answer.textContent });
      }).catch(function (error) {
        history.pop(); // the question was not answered: it may be asked again
        showError(status, error.code || "Error", error.message || String(error));
      }).finally(function () {
        answer.classList.remove("iw-pending");
        send.disabled = false;
      });
    });
  }

  function start() {
    document.querySelectorAll(".inference-widget").forEach(build);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
