// charla agent UI: the little behaviour htmx doesn't express declaratively.
// The CSP forbids inline script and handlers, so everything here hangs off
// data- attributes and htmx events.
(function () {
  "use strict";

  // Enter sends, Shift+Enter breaks the line; IME composition is left alone.
  document.addEventListener("keydown", function (e) {
    var t = e.target;
    if (e.key !== "Enter" || e.shiftKey || e.isComposing || !t.matches("textarea[data-enter-send]")) return;
    e.preventDefault();
    if (t.form && (t.value.trim() !== "" || hasFiles(t.form))) t.form.requestSubmit();
  });

  function hasFiles(form) {
    var f = form.querySelector("input[type=file]");
    return !!(f && f.files && f.files.length);
  }

  // Files over the server's limit are refused before they are uploaded: a
  // browser still sending when the server answers 413 tends to report a reset
  // connection instead of the answer. The server checks again regardless.
  document.addEventListener("htmx:confirm", function (e) {
    var form = e.detail.elt;
    if (!form.matches || !form.matches("form[data-max-bytes]")) return;
    var max = Number(form.dataset.maxBytes), input = form.querySelector("input[type=file]");
    var files = input && input.files ? Array.prototype.slice.call(input.files) : [];
    if (files.some(function (f) { return f.size > max; })) {
      e.preventDefault();
      composerError(form, "File too large (max " + form.dataset.maxMb + " MB)");
    }
  });

  function composerError(form, msg) {
    var box = form.querySelector("#composer-error");
    if (box) box.textContent = msg;
  }

  // Show the names of the files chosen for the composer.
  document.addEventListener("change", function (e) {
    var t = e.target;
    if (!t.matches("#composer input[type=file]")) return;
    var out = t.form.querySelector("[data-file-names]");
    if (out) out.textContent = Array.prototype.map.call(t.files, function (f) { return f.name; }).join(", ");
  });

  // Plain (non-htmx) forms that destroy something ask first.
  document.addEventListener("submit", function (e) {
    var msg = e.target.dataset && e.target.dataset.confirm;
    if (msg && !window.confirm(msg)) e.preventDefault();
  }, true);

  document.addEventListener("click", function (e) {
    var b = e.target.closest && e.target.closest("[data-copy-target]");
    if (!b) return;
    var src = document.querySelector(b.dataset.copyTarget);
    if (!src || !navigator.clipboard) return;
    navigator.clipboard.writeText(src.textContent).then(function () {
      var label = b.textContent;
      b.textContent = "Copied";
      setTimeout(function () { b.textContent = label; }, 1500);
    });
  });

  // The list re-reads as many rows as it shows, so a refresh doesn't drop
  // pages loaded with "load more"; the thread says whether it is on screen,
  // so only a visible conversation counts as read.
  document.addEventListener("htmx:configRequest", function (e) {
    var elt = e.detail.elt;
    if (elt.id === "conv-list") {
      var n = elt.querySelectorAll("[data-testid=conv-row]").length;
      if (n > 25) e.detail.parameters.limit = Math.min(n, 100);
    } else if (elt.id === "tail") {
      e.detail.parameters.seen = document.visibilityState === "visible" ? "1" : "0";
    }
  });

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible" && document.getElementById("tail")) {
      htmx.trigger(document.body, "thread-refresh");
    }
  });

  // After the event stream drops and comes back, events may have been missed.
  var streamLost = false;
  document.addEventListener("htmx:sseError", function () { streamLost = true; });
  document.addEventListener("htmx:sseOpen", function () {
    if (streamLost) {
      streamLost = false;
      htmx.trigger(document.body, "refresh-panes");
    }
  });

  // Keep the thread pinned to the newest message unless the agent scrolled
  // up, and keep the view still when older messages are put above it. The
  // swap's target may be gone afterwards (outerHTML), so decide before.
  var pending = null, stick = false;
  function thread() { return document.getElementById("thread"); }
  function atBottom(t, slack) { return t.scrollHeight - t.scrollTop - t.clientHeight < (slack || 80); }
  function toBottom() { var t = thread(); if (t) t.scrollTop = t.scrollHeight; }

  document.addEventListener("htmx:beforeSwap", function (e) {
    var target = e.detail.target, t = thread();
    if (!t || !target || !t.contains(target)) return;
    pending = {
      older: !!target.closest("#older"),
      pinned: stick || atBottom(t),
      fromBottom: t.scrollHeight - t.scrollTop
    };
    stick = false;
  });

  document.addEventListener("htmx:afterSwap", function (e) {
    var target = e.detail.target, t = thread();
    if (target && target.id === "conv-pane") {
      toBottom();
    } else if (pending && t) {
      t.scrollTop = pending.older ? t.scrollHeight - pending.fromBottom : (pending.pinned ? t.scrollHeight : t.scrollTop);
    }
    pending = null;
  });

  // Images arrive after the swap and push the newest message down.
  document.addEventListener("load", function (e) {
    var t = thread();
    if (t && e.target.tagName === "IMG" && t.contains(e.target) && atBottom(t, 400)) toBottom();
  }, true);

  // After sending, the composer comes back empty and takes the focus, and the
  // thread shows the agent's own message even if they had scrolled up. A
  // composer replaced because the reply window changed doesn't grab focus.
  document.addEventListener("htmx:afterSwap", function (e) {
    var target = e.detail.target, cfg = e.detail.requestConfig;
    if (target && target.id === "composer-box" && cfg && cfg.elt && cfg.elt.id === "composer") {
      stick = true;
      focusComposer();
    }
    if (target && target.id === "composer-quote") focusComposer();
    if (target && target.id === "toast") showToast();
  });

  function focusComposer() {
    var form = document.getElementById("composer");
    if (!form) return;
    var input = form.classList.contains("composer-template") ?
      form.querySelector("select[name=template_id]") : form.querySelector("textarea");
    if (input) input.focus();
  }

  // "Reply" puts a quote above the composer; its × takes it away again.
  document.addEventListener("click", function (e) {
    var b = e.target.closest && e.target.closest("[data-dismiss-quote]");
    if (!b) return;
    var slot = document.getElementById("composer-quote");
    if (slot) slot.innerHTML = "";
  });

  // Fields with a limit count their characters as they are typed.
  document.addEventListener("input", function (e) {
    var t = e.target;
    if (!t.matches || !t.matches("[data-counter]")) return;
    var out = t.closest("label") && t.closest("label").querySelector("[data-count]");
    if (out) out.textContent = String(Array.from(t.value).length);
  });

  // The reaction picker closes once a reaction is sent.
  document.addEventListener("htmx:afterRequest", function (e) {
    var elt = e.detail.elt;
    if (!elt.matches || !elt.matches("form[data-close-details]")) return;
    var d = elt.closest("details");
    if (d) d.removeAttribute("open");
  });

  // The reply window counts down in the page; when it closes, the composer
  // asks the server again and turns into the template form.
  function timeLeft(ms) {
    if (ms <= 0) return "0 min";
    var h = Math.floor(ms / 3600000), m = Math.floor((ms % 3600000) / 60000);
    if (h > 0) return h + " h " + m + " min";
    return m > 0 ? m + " min" : "less than a minute";
  }
  function tickWindow() {
    document.querySelectorAll("[data-closes-at]").forEach(function (el) {
      var left = new Date(el.dataset.closesAt) - new Date();
      if (isNaN(left)) return;
      el.textContent = "Window closes in " + timeLeft(left);
      if (left <= 0 && !el.dataset.expired) {
        el.dataset.expired = "1";
        var box = el.closest("#composer-box");
        if (box) htmx.trigger(box, "window-closed");
      }
    });
  }
  setInterval(tickWindow, 30000);

  var toastTimer;
  function showToast() {
    var t = document.getElementById("toast");
    if (!t) return;
    t.classList.add("show");
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { t.classList.remove("show"); }, 6000);
  }

  function toast(msg) {
    var t = document.getElementById("toast");
    if (!t) return;
    t.textContent = msg;
    showToast();
  }

  // Errors htmx doesn't swap (5xx, network) still deserve a word.
  document.addEventListener("htmx:responseError", function (e) {
    var xhr = e.detail.xhr;
    if (xhr && xhr.status >= 500) toast("Something went wrong on our side. Please try again.");
  });
  document.addEventListener("htmx:sendError", function (e) {
    if (e.detail.elt && e.detail.elt.id === "composer") {
      composerError(e.detail.elt, "Could not send: the connection failed.");
    } else {
      toast("Connection problem. Please check your network and try again.");
    }
  });

  // Mark the open conversation in the list, which refreshes independently.
  function markActive() {
    var pane = document.getElementById("conv-pane");
    var id = pane && pane.dataset.conv;
    document.querySelectorAll("[data-testid=conv-row]").forEach(function (row) {
      row.classList.toggle("active", row.dataset.id === id);
    });
  }

  // Times are rendered in UTC on the server; show them in the agent's zone.
  function localTimes(root) {
    root.querySelectorAll("time[data-local]").forEach(function (el) {
      var d = new Date(el.getAttribute("datetime"));
      if (isNaN(d)) return;
      var sameDay = d.toDateString() === new Date().toDateString();
      el.textContent = sameDay
        ? d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })
        : d.toLocaleString([], { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
    });
  }

  htmx.onLoad(function (elt) {
    localTimes(elt);
    markActive();
    tickWindow();
  });

  document.addEventListener("DOMContentLoaded", toBottom);
})();
