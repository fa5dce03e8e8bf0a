// Hosted inference widget: builds the input for the model's task, shows the card's examples
// with their precomputed outputs, calls the Inference API and draws the results.
// Text from the card or the model is only ever set as textContent, never parsed as HTML.
(function () {
  "use strict";

  var TEXT_LABELS = {
    "fill-mask": "Text with a mask token",
    "text-generation": "Prompt",
    "summarization": "Text to summarize",
    "translation": "Text to translate",
    "feature-extraction": "Text to embed",
  };

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function field(form, label, control) {
    var wrap = el("label", "iw-field");
    wrap.appendChild(el("span", "iw-label", label));
    wrap.appendChild(control);
    form.appendChild(wrap);
    return control;
  }

  function textarea(name, rows) {
    var area = el("textarea", "iw-input");
    area.name = name;
    area.rows = rows;
    return area;
  }

  function input(name, type) {
    var box = el("input", "iw-input");
    box.name = name;
    box.type = type || "text";
    return box;
  }

  // -- inputs per task: build(form) returns {fill(example), request() -> Promise<body>} --

  function textInputs(form, widget) {
    var text = field(form, TEXT_LABELS[widget.task] || "Text", textarea("text", 3));
    var labels = null;
    var multi = null;
    if (widget.task === "zero-shot-classification") {
      labels = field(form, "Possible labels (comma-separated)", input("labels"));
      multi = field(form, "Several labels may be true", input("multi", "checkbox"));
      multi.className = "iw-check";
    }
    return {
      fill: function (example) {
        text.value = example.inputs || "";
        if (labels) {
          var given = example.parameters.candidate_labels || [];
          labels.value = Array.isArray(given) ? given.join(", ") : given;
          multi.checked = !!example.parameters.multi_label;
        }
      },
      request: function () {
        var body = { inputs: text.value, parameters: {} };
        if (labels) {
          body.parameters.candidate_labels = labels.value;
          body.parameters.multi_label = multi.checked;
        }
        return Promise.resolve(JSON.stringify(body));
      },
    };
  }

  function qaInputs(form) {
    var question = field(form, "Question", input("question"));
    var context = field(form, "Context", textarea("context", 4));
    return {
      fill: function (example) {
        question.value = example.inputs.question;
        context.value = example.inputs.context;
      },
      request: function () {
        var inputs = { question: question.value, context: context.value };
        return Promise.resolve(JSON.stringify({ inputs: inputs }));
      },
    };
  }

  function similarityInputs(form) {
    var source = field(form, "Source sentence", input("source"));
    var others = field(form, "Sentences to compare (one per line)", textarea("sentences", 4));
    return {
      fill: function (example) {
        source.value = example.inputs.source_sentence;
        others.value = example.inputs.sentences.join("\n");
      },
      request: function () {
        var sentences = others.value.split("\n").filter(function (line) {
          return line.trim() !== "";
        });
        var inputs = { source_sentence: source.value, sentences: sentences };
        return Promise.resolve(JSON.stringify({ inputs: inputs }));
      },
    };
  }

  function imageInputs(form) {
    var file = field(form, "Image", input("image", "file"));
    file.accept = "image/*";
    var preview = el("img", "iw-preview");
    preview.alt = "";
    preview.hidden = true;
    form.appendChild(preview);
    var exampleSrc = null;
    file.addEventListener("change", function () {
      exampleSrc = null;
      if (file.files.length) {
        preview.src = URL.createObjectURL(file.files[0]);
        preview.hidden = false;
      }
    });
    return {
      fill: function (example) {
        exampleSrc = example.src;
        file.value = "";
        preview.src = example.src;
        preview.hidden = false;
      },
      request: function () {
        if (file.files.length) return Promise.resolve(file.files[0]);
        if (!exampleSrc) return Promise.reject(new Error("Choose an image first."));
        return fetch(exampleSrc, { credentials: "same-origin" }).then(function (response) {
          return response.blob();
        });
      },
    };
  }

  var INPUTS = {
    "question-answering": qaInputs,
    "sentence-similarity": similarityInputs,
    "image-classification": imageInputs,
  };

  // -- outputs per task ------------------------------------------------------------------

  function bars(list, labelOf) {
    var box = el("ol", "iw-bars");
    list.forEach(function (item) {
      var row = el("li", "iw-bar");
      var percent = Math.max(0, Math.min(100, item.score * 100));
      var track = el("span", "iw-track");
      var fill = el("span", "iw-fill");
      fill.style.width = percent.toFixed(1) + "%"; // CSSOM, allowed under style-src 'self'
      track.appendChild(fill);
      row.appendChild(el("span", "iw-bar-label", labelOf(item)));
      row.appendChild(track);
      row.appendChild(el("span", "iw-score", item.score.toFixed(3)));
      box.appendChild(row);
    });
    return box;
  }

  function entities(text, found) {
    var box = el("p", "iw-entities");
    var at = 0;
    found.slice().sort(function (a, b) { return a.start - b.start; }).forEach(function (ent) {
      if (ent.start < at) return;
      box.appendChild(document.createTextNode(text.slice(at, ent.start)));
      var mark = el("mark", "iw-entity");
      mark.appendChild(document.createTextNode(text.slice(ent.start, ent.end)));
      mark.appendChild(el("span", "iw-entity-label", ent.entity_group || ent.entity));
      mark.title = "score " + ent.score.toFixed(3);
      box.appendChild(mark);
      at = ent.end;
    });
    box.appendChild(document.createTextNode(text.slice(at)));
    if (!found.length) box.appendChild(el("span", "iw-note", " (no entities found)"));
    return box;
  }

  function draw(task, output, example) {
    switch (task) {
      case "text-classification":
        return bars(output[0], function (item) { return item.label; });
      case "zero-shot-classification":
      case "image-classification":
        return bars(output, function (item) { return item.label; });
      case "fill-mask":
        return bars(output, function (item) { return item.token_str; });
      case "token-classification":
        return entities(example.inputs, output);
      case "question-answering":
        var answer = el("p", "iw-answer");
        answer.appendChild(el("strong", null, output.answer));
        answer.appendChild(el("span", "iw-score", " score " + output.score.toFixed(3)));
        return answer;
      case "sentence-similarity":
        return bars(output.map(function (score, index) {
          return { score: score, label: example.inputs.sentences[index] };
        }), function (item) { return item.label; });
      case "feature-extraction":
        var tokens = output[0];
        return el("p", "iw-generated", "Embeddings: " + tokens.length + " tokens × " +
          tokens[0].length + " values; first values " +
          tokens[0].slice(0, 4).map(function (v) { return v.toFixed(4); }).join(", ") + ", …");
      case "summarization":
        return el("p", "iw-generated", output[0].summary_text);
      case "translation":
        return el("p", "iw-generated", output[0].translation_text);
      case "text-generation":
        return el("p", "iw-generated", output[0].generated_text);
    }
    return el("pre", "iw-generated", JSON.stringify(output));
  }

  function showError(target, code, message) {
    target.replaceChildren();
    var box = el("div", "iw-error");
    box.setAttribute("role", "alert");
    box.appendChild(el("strong", "iw-error-code", code));
    box.appendChild(el("span", null, " " + message));
    target.appendChild(box);
  }

  // -- calling the API -------------------------------------------------------------------

  function post(widget, csrf, body, wait) {
    var headers = { "X-CSRFToken": csrf };
    if (typeof body === "string") headers["Content-Type"] = "application/json";
    if (wait) headers["X-Wait-For-Model"] = "true";
    return fetch(widget.api_url, {
      method: "POST", body: body, headers: headers, credentials: "same-origin",
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        return { status: response.status, code: response.headers.get("X-Error-Code"), data: data };
      });
    });
  }

  function compute(root, widget, inputs, target, button) {
    var example = inputs.current();
    button.disabled = true;
    target.replaceChildren(el("p", "iw-note", "Computing…"));
    var csrf = root.getAttribute("data-csrf");
    inputs.request().then(function (body) {
      return post(widget, csrf, body, false).then(function (answer) {
        if (answer.status === 503 && answer.code === "ModelLoading") {
          var seconds = Math.round(answer.data.estimated_time || 1);
          target.replaceChildren(el("p", "iw-note iw-loading",
            "Model is loading (about " + seconds + " s)…"));
          return post(widget, csrf, body, true);
        }
        return answer;
      });
    }).then(function (answer) {
      if (answer.status !== 200) {
        showError(target, answer.code || "Error " + answer.status, answer.data.error || "");
        return;
      }
      target.replaceChildren(draw(widget.task, answer.data, example));
    }).catch(function (error) {
      showError(target, "Error", error.message);
    }).finally(function () {
      button.disabled = false;
    });
  }

  function build(root) {
    var data = root.querySelector('script[type="application/json"]');
    var body = root.querySelector(".iw-body");
    if (!data || !body || root.getAttribute("data-ready")) return;
    root.setAttribute("data-ready", "1");
    var widget = JSON.parse(data.textContent);
    var form = el("form", "iw-form");
    var picker = null;
    if (widget.examples.length) {
      picker = field(form, "Examples", el("select", "iw-examples"));
      widget.examples.forEach(function (example, index) {
        var option = el("option", null, example.title);
        option.value = String(index);
        picker.appendChild(option);
      });
    }
    var inputs = (INPUTS[widget.task] || textInputs)(form, widget);
    var button = el("button", "iw-compute", "Compute");
    button.type = "submit";
    form.appendChild(button);
    var result = el("div", "iw-result");
    result.setAttribute("aria-live", "polite");
    body.replaceChildren(form, result);

    // What the drawing code needs to know about the current inputs (e.g. the text the
    // entities point into), whether they came from an example or were typed.
    inputs.current = function () {
      var text = form.querySelector('[name="text"]');
      var source = form.querySelector('[name="source"]');
      if (source) {
        var lines = form.querySelector('[name="sentences"]').value.split("\n");
        return { inputs: { sentences: lines.filter(function (l) { return l.trim() !== ""; }) } };
      }
      return { inputs: text ? text.value : null };
    };

    function choose(index) {
      var example = widget.examples[index];
      inputs.fill(example);
      result.replaceChildren();
      if (example.error) showError(result, example.error.code, example.error.message);
      else if (example.output !== undefined && example.output !== null) {
        result.replaceChildren(draw(widget.task, example.output, example));
      }
    }
    if (picker) {
      picker.addEventListener("change", function () { choose(Number(picker.value)); });
      choose(0);
    }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      compute(root, widget, inputs, result, button);
    });
  }

  function start() {
    document.querySelectorAll(".inference-widget").forEach(build);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
