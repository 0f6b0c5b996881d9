// charla: the new-template form. It adds a sample input for each {{n}} the
// body uses and draws a WhatsApp-like preview as the admin types. All text
// goes into the page through textContent, never as markup.
(function () {
  "use strict";

  // Written as the server reads variables: {{1}} … {{999}}, nothing else.
  var placeholder = /\{\{([^{}]*)\}\}/g, positional = /^[1-9][0-9]{0,2}$/;

  function highest(text) {
    var n = 0, m;
    placeholder.lastIndex = 0;
    while ((m = placeholder.exec(text)) !== null) {
      if (positional.test(m[1])) n = Math.max(n, Number(m[1]));
    }
    return n;
  }

  // fill replaces {{n}} with values[n-1], leaving those without a value as written.
  function fill(text, values) {
    return text.replace(placeholder, function (p, inner) {
      if (!positional.test(inner)) return p;
      var v = values[Number(inner) - 1];
      return v ? v : p;
    });
  }

  function field(form, name) {
    var el = form.elements.namedItem(name);
    return el && typeof el.value === "string" ? el.value : "";
  }

  function values(form, name) {
    return Array.prototype.map.call(form.querySelectorAll("[name=" + name + "]"), function (el) { return el.value.trim(); });
  }

  // One sample input per variable of the body, keeping what was typed. On
  // load (prune false) inputs beyond the body stay: the server may have put
  // an error beside one.
  function syncSamples(form, prune) {
    var box = form.querySelector("[data-samples]"), pattern = form.querySelector("template[data-sample-template]");
    if (!box || !pattern) return;
    var want = highest(field(form, "body_text"));
    var rows = box.querySelectorAll("[data-sample]");
    for (var i = rows.length; i < want; i++) {
      var row = pattern.content.firstElementChild.cloneNode(true);
      row.querySelector("[data-sample-label]").textContent = "Sample for {{" + (i + 1) + "}}";
      row.querySelector("input").setAttribute("data-testid", "template-sample-" + (i + 1));
      box.appendChild(row);
    }
    if (!prune) return;
    for (var j = rows.length - 1; j >= want; j--) rows[j].remove();
  }

  // WhatsApp's markdown: *bold* _italic_ ~strike~ ```monospace```.
  var marks = /```([^`]+)```|\*([^*\n]+)\*|_([^_\n]+)_|~([^~\n]+)~/g;
  var tags = [null, "code", "strong", "em", "s"];

  function formatted(parent, text) {
    var last = 0, m;
    marks.lastIndex = 0;
    while ((m = marks.exec(text)) !== null) {
      parent.appendChild(document.createTextNode(text.slice(last, m.index)));
      for (var g = 1; g < tags.length; g++) {
        if (m[g] !== undefined) {
          var el = document.createElement(tags[g]);
          el.textContent = m[g];
          parent.appendChild(el);
        }
      }
      last = marks.lastIndex;
    }
    parent.appendChild(document.createTextNode(text.slice(last)));
  }

  function div(cls, text) {
    var el = document.createElement("div");
    el.className = cls;
    if (text !== undefined) el.textContent = text;
    return el;
  }

  var badges = { IMAGE: "🖼 Image", VIDEO: "🎬 Video", DOCUMENT: "📄 Document", LOCATION: "📍 Location" };
  var objectURL = null;

  function render(form) {
    var out = document.querySelector("[data-template-preview]");
    if (!out) return;
    var bubble = document.createDocumentFragment(), buttons = [];
    if (field(form, "category") === "AUTHENTICATION") {
      var text = "123456 is your verification code.";
      if (form.elements.namedItem("auth_security").checked) text += " For your security, do not share this code.";
      bubble.appendChild(div("wa-body", text));
      var minutes = field(form, "auth_expiry");
      if (minutes) bubble.appendChild(div("wa-footer", "This code expires in " + minutes + " minutes."));
      buttons.push("⧉ " + (field(form, "auth_button").trim() || "Copy code"));
    } else {
      var format = field(form, "header_format");
      if (format === "TEXT") {
        var h = fill(field(form, "header_text"), [field(form, "header_sample").trim()]);
        if (h.trim()) bubble.appendChild(div("wa-header", h));
      } else if (format === "IMAGE" && objectURL) {
        var img = document.createElement("img");
        img.className = "wa-image";
        img.alt = "Header image sample";
        img.src = objectURL;
        bubble.appendChild(img);
      } else if (badges[format]) {
        bubble.appendChild(div("wa-media", badges[format]));
      }
      var body = div("wa-body");
      formatted(body, fill(field(form, "body_text"), values(form, "body_sample")));
      bubble.appendChild(body);
      var footer = field(form, "footer_text");
      if (footer.trim()) bubble.appendChild(div("wa-footer", footer));
      values(form, "quick_reply").forEach(function (q) { if (q) buttons.push("↩ " + q); });
      if (field(form, "url_text").trim()) buttons.push("🔗 " + field(form, "url_text").trim());
      if (field(form, "phone_text").trim()) buttons.push("📞 " + field(form, "phone_text").trim());
    }
    bubble.appendChild(div("wa-time", new Date().toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })));
    out.replaceChildren(bubble);
    var chat = out.parentNode;
    chat.querySelectorAll(".wa-button").forEach(function (b) { b.remove(); });
    buttons.forEach(function (b) { chat.appendChild(div("wa-button", b)); });
  }

  // A chosen image sample shows in the preview (blob: URLs are allowed).
  function pickFile(input) {
    if (objectURL) URL.revokeObjectURL(objectURL);
    objectURL = null;
    var f = input.files && input.files[0];
    if (f && /^image\/(jpeg|png)$/.test(f.type)) objectURL = URL.createObjectURL(f);
  }

  function update(e) {
    var form = e.target.closest && e.target.closest("form[data-template-form]");
    if (!form) return;
    if (e.target.name === "header_file") pickFile(e.target);
    syncSamples(form, true);
    render(form);
  }
  document.addEventListener("input", update);
  document.addEventListener("change", update);

  function start() {
    document.querySelectorAll("form[data-template-form]").forEach(function (form) {
      syncSamples(form, false);
      render(form);
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
