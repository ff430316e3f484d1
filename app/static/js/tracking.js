/* Settings → Tracking: "last event received N seconds ago" that ticks every
   second and jumps when the live stream says a site just received events
   (tracking.site_seen, see app/tracking/live.py), and the copy buttons.
   The sentences come translated from the page ([data-tracking-clock] data-text-*). */
(function () {
  "use strict";

  var RECENT_SECONDS = 300;
  var UNITS = [["day", 86400], ["hour", 3600], ["minute", 60], ["second", 1]];
  var offset = 0; // the server's clock minus this browser's, so a wrong clock still counts right

  function root() { return document.querySelector("[data-tracking-clock]"); }

  function capital(word) { return word.charAt(0).toUpperCase() + word.slice(1); }

  function sentence(texts, seconds) {
    if (seconds === null) { return texts.textNone || ""; }
    for (var i = 0; i < UNITS.length; i++) {
      var unit = UNITS[i][0], size = UNITS[i][1];
      if (seconds >= size || size === 1) {
        var n = Math.floor(seconds / size);
        var template = texts["text" + capital(unit) + (n === 1 ? "One" : "Other")] || "";
        return template.replace("%(num)s", String(n));
      }
    }
    return "";
  }

  function render() {
    var container = root();
    if (!container) { return; }
    var now = Date.now() + offset;
    container.querySelectorAll("[data-last-event]").forEach(function (el) {
      var at = Date.parse(el.dataset.at || "");
      var seconds = isNaN(at) ? null : Math.max(0, Math.floor((now - at) / 1000));
      var text = sentence(container.dataset, seconds);
      var target = el.querySelector("[data-last-event-text]") || el;
      if (target.textContent !== text) { target.textContent = text; }
      el.dataset.state = seconds === null ? "none" : seconds < RECENT_SECONDS ? "recent" : "old";
    });
  }

  // A site received events: jump its line (never backwards) and pulse once.
  document.addEventListener("sse:tracking.site_seen", function (event) {
    var body;
    try { body = JSON.parse(event.detail.data); } catch (e) { return; }
    var data = (body && body.data) || {};
    var at = Date.parse(data.at || "");
    var siteId = parseInt(data.site_id, 10);
    if (isNaN(at) || isNaN(siteId)) { return; }
    document.querySelectorAll('[data-last-event][data-site-id="' + siteId + '"]').forEach(function (el) {
      var current = Date.parse(el.dataset.at || "");
      if (isNaN(current) || at >= current) { el.dataset.at = data.at; }
      el.classList.remove("tk-fresh");
      void el.offsetWidth; // restart the animation
      el.classList.add("tk-fresh");
    });
    render();
  });

  // Copy buttons: <button data-copy="#element" data-copied-text="…" data-copy-failed-text="…">.
  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) { return navigator.clipboard.writeText(text); }
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.style.position = "fixed";
      area.style.opacity = "0";
      document.body.appendChild(area);
      area.select();
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      area.remove();
      if (ok) { resolve(); } else { reject(new Error("copy refused")); }
    });
  }

  function selectContents(el) {
    var range = document.createRange();
    range.selectNodeContents(el);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  function say(button, text) {
    if (!button.dataset.label) { button.dataset.label = button.textContent; }
    button.textContent = text;
    clearTimeout(button._copyTimer);
    button._copyTimer = setTimeout(function () { button.textContent = button.dataset.label; }, 2000);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) { return; }
    var source = document.querySelector(button.dataset.copy);
    if (!source) { return; }
    copyText(source.textContent).then(
      function () { say(button, button.dataset.copiedText); },
      function () { selectContents(source); say(button, button.dataset.copyFailedText); }
    );
  });

  function start() {
    var container = root();
    if (!container) { return; }
    var server = Date.parse(container.dataset.now || "");
    if (!isNaN(server)) { offset = server - Date.now(); }
    render();
    setInterval(render, 1000);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
