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

  // Fragments about one subject refresh themselves when it changes elsewhere:
  // <section data-live-subject="customers:42" hx-trigger="live-refresh" hx-get="...">.
  document.addEventListener("kervan:live", function (event) {
    var detail = event.detail;
    var keys = [detail.subject_type + ":" + detail.subject_id];
    if (detail.data && detail.data.merged_id) { keys.push(detail.subject_type + ":" + detail.data.merged_id); }
    keys.forEach(function (key) {
      document.querySelectorAll('[data-live-subject="' + key + '"]').forEach(refreshWhenIdle);
    });
  });

  // Never pull a fragment from under someone who is using one of its controls:
  // refresh once focus leaves it.
  function refreshWhenIdle(el) {
    var active = document.activeElement;
    if (active && active !== document.body && el.contains(active) && active.matches("input, select, textarea")) {
      if (!el.dataset.refreshPending) {
        el.dataset.refreshPending = "1";
        el.addEventListener("focusout", function later() {
          el.removeEventListener("focusout", later);
          delete el.dataset.refreshPending;
          setTimeout(function () { refreshWhenIdle(el); }, 0);
        });
      }
      return;
    }
    htmx.trigger(el, "live-refresh");
  }

  // Tabs: [data-tabs] with role=tab buttons controlling role=tabpanel panels.
  function selectTab(tab) {
    var list = tab.closest("[data-tabs]");
    list.querySelectorAll("[role=tab]").forEach(function (other) {
      var on = other === tab;
      other.setAttribute("aria-selected", String(on));
      other.tabIndex = on ? 0 : -1;
      document.getElementById(other.getAttribute("aria-controls")).hidden = !on;
    });
  }
  document.addEventListener("click", function (event) {
    var tab = event.target.closest("[data-tabs] [role=tab]");
    if (tab) { selectTab(tab); }
  });
  document.addEventListener("keydown", function (event) {
    var tab = event.target.closest("[data-tabs] [role=tab]");
    if (!tab || (event.key !== "ArrowRight" && event.key !== "ArrowLeft")) { return; }
    var sibling = event.key === "ArrowRight" ? tab.nextElementSibling : tab.previousElementSibling;
    if (sibling) { selectTab(sibling); sibling.focus(); }
  });

  // Bulk actions on lists: [data-bulk-form] with checkboxes named "ids".
  function syncBulk(form) {
    var actions = form.querySelector("[data-bulk-actions]");
    if (!actions) { return; }
    var count = form.querySelectorAll("input[name=ids]:checked").length;
    actions.hidden = count === 0;
    actions.querySelector("[data-selected-count]").textContent = count;
    var action = actions.querySelector("[data-bulk-action]").value;
    actions.querySelectorAll("[data-bulk-for]").forEach(function (input) {
      input.hidden = input.dataset.bulkFor !== action;
      input.disabled = input.hidden;
    });
  }
  document.addEventListener("change", function (event) {
    var form = event.target.closest("[data-bulk-form]");
    if (!form) { return; }
    if (event.target.matches("[data-select-all]")) {
      form.querySelectorAll("input[name=ids]").forEach(function (box) { box.checked = event.target.checked; });
    }
    syncBulk(form);
  });
  document.addEventListener("htmx:afterSettle", function () {
    document.querySelectorAll("[data-bulk-form]").forEach(syncBulk);
  });

  // Plain forms that need a second thought: <form data-confirm="Delete …?">.
  document.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-confirm]");
    if (form && !window.confirm(form.dataset.confirm)) { event.preventDefault(); }
  });

  // A refused or failed htmx request must never fail silently.
  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr.status;
    toast(status === 403 ? body.dataset.deniedText : body.dataset.errorText);
  });
  document.addEventListener("htmx:sendError", function () { toast(body.dataset.errorText); });

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
