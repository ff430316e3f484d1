/* The booking agenda: swipe between days, the slide-up panel, and live refreshes
   that never pull the agenda from under someone using one of its controls. */
(function () {
  "use strict";

  function region() { return document.querySelector("[data-booking-region]"); }
  function panel() { return document.getElementById("booking-panel"); }

  // Live refresh guard: htmx asks before every request; while a control inside the
  // region has focus, skip this refresh and do it once focus leaves the region.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var el = event.detail.elt;
    if (!el.matches || !el.matches("[data-booking-region]")) { return; }
    var active = document.activeElement;
    if (active && el.contains(active) && active.matches("input, select, textarea")) {
      event.preventDefault();
      if (!el.dataset.refreshPending) {
        el.dataset.refreshPending = "1";
        el.addEventListener("focusout", function later() {
          el.removeEventListener("focusout", later);
          delete el.dataset.refreshPending;
          setTimeout(function () { htmx.trigger(el, "booking-changed"); }, 0);
        });
      }
    }
  });

  // The panel: open when a fragment lands in it, close on its ✕/Done or Escape.
  function closePanel() {
    var el = panel();
    if (el && el.classList.contains("booking-panel")) { el.innerHTML = ""; }
  }
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-close-panel]")) { closePanel(); }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && panel() && panel().firstElementChild) { closePanel(); }
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    var el = panel();
    if (el && event.detail.target === el) {
      var heading = el.querySelector("h2");
      if (heading) { heading.tabIndex = -1; heading.focus({ preventScroll: true }); }
    }
  });

  // Swipe left/right on the agenda: next/previous day (or week).
  var start = null;
  document.addEventListener("touchstart", function (event) {
    var el = region();
    if (!el || !el.contains(event.target) || event.touches.length !== 1) { start = null; return; }
    if (event.target.closest(".week-scroll, input, select, textarea")) { start = null; return; }
    start = { x: event.touches[0].clientX, y: event.touches[0].clientY };
  }, { passive: true });
  document.addEventListener("touchend", function (event) {
    if (!start) { return; }
    var dx = event.changedTouches[0].clientX - start.x;
    var dy = event.changedTouches[0].clientY - start.y;
    start = null;
    if (Math.abs(dx) < 60 || Math.abs(dy) > Math.abs(dx) * 0.6) { return; }
    var link = region().querySelector(dx < 0 ? "[data-swipe-next]" : "[data-swipe-prev]");
    if (link) { link.click(); }
  }, { passive: true });
})();
