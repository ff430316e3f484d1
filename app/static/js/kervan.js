/* Kervan's small client: navigation drawer, live stream bookkeeping, toasts. */
(function () {
  "use strict";

  var body = document.body;
  var liveTypes = (body.dataset.liveTypes || "").split(",").filter(Boolean);
  var lastEventId = null;

  // The SSE extension opens a fresh EventSource after a hard failure (e.g. a
  // server restart answering 502), and a fresh EventSource forgets the last id.
  // Carry it in the URL so the server replays what was missed.
  if (window.htmx) {
    htmx.createEventSource = function (url) {
      var full = url;
      if (lastEventId) {
        full += (url.indexOf("?") < 0 ? "?" : "&") + "last_event_id=" + encodeURIComponent(lastEventId);
      }
      var source = new EventSource(full, { withCredentials: true });
      liveTypes.forEach(function (type) {
        source.addEventListener(type, function (event) {
          if (event.lastEventId) { lastEventId = event.lastEventId; }
          var detail = {};
          try { detail = JSON.parse(event.data); } catch (e) { return; }
          document.dispatchEvent(new CustomEvent("kervan:live", { detail: detail }));
          if (!detail.own && detail.summary && isForMe(detail)) { toast(detail.summary); }
        });
      });
      source.addEventListener("session.ended", function () {
        source.close();
        window.location.assign("/");
      });
      return source;
    };
  }

  // Events addressed to one person (a due reminder) toast only for them.
  function isForMe(detail) {
    var target = detail.data && detail.data.for_user_id;
    return !target || String(target) === body.dataset.userId;
  }

  function setLiveState(state) {
    var el = document.getElementById("live-status");
    if (el) {
      el.dataset.state = state;
      el.title = el.dataset["label" + state.charAt(0).toUpperCase() + state.slice(1)] || "";
      var text = el.querySelector("span");
      if (text) { text.textContent = el.title; }
    }
  }
  document.addEventListener("htmx:sseOpen", function () { setLiveState("open"); });
  document.addEventListener("htmx:sseError", function () { setLiveState("error"); });

  function toast(text) {
    var region = document.getElementById("toasts");
    if (!region) { return; }
    var item = document.createElement("div");
    item.className = "toast";
    item.setAttribute("role", "status");
    item.textContent = text;
    region.appendChild(item);
    setTimeout(function () { item.remove(); }, 6000);
  }
  window.kervanToast = toast;

  // Navigation drawer on small screens.
  document.addEventListener("click", function (event) {
    var toggle = event.target.closest("[data-nav-toggle]");
    if (toggle) {
      var open = body.hasAttribute("data-nav-open");
      body.toggleAttribute("data-nav-open", !open);
      toggle.setAttribute("aria-expanded", String(!open));
      return;
    }
    if (event.target.closest(".scrim")) {
      body.removeAttribute("data-nav-open");
    }
    // Close open <details> menus when clicking elsewhere.
    document.querySelectorAll("details[open][data-menu]").forEach(function (menu) {
      if (!menu.contains(event.target)) { menu.removeAttribute("open"); }
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      body.removeAttribute("data-nav-open");
      document.querySelectorAll("details[open][data-menu]").forEach(function (m) { m.removeAttribute("open"); });
    }
  });
})();
