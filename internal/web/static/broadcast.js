// charla broadcast form: a schedule's time zone starts as the browser's own.
(function () {
  "use strict";
  function defaultZone() {
    var zone;
    try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return; }
    if (!zone) return;
    document.querySelectorAll("input[data-default-zone]").forEach(function (el) {
      if (el.value === "") el.value = zone;
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", defaultZone);
  } else {
    defaultZone();
  }
})();
