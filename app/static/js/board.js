/* The kanban board: drag and drop, the "Move to" menu, bulk moves and live updates.
   Every change from elsewhere replaces one card in place, so nobody's scroll
   position or open menu is disturbed. */
(function () {
  "use strict";

  var region = document.getElementById("board-region");
  if (!region) { return; }
  var csrf = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"];
  var pendingCards = {};

  function board() { return document.getElementById("board"); }
  function filters() { var b = board(); return b ? b.dataset.filters : ""; }
  function cardEl(id) { return document.getElementById("card-" + id); }
  function listFor(stageId) { return region.querySelector('ul.cards[data-stage-id="' + stageId + '"]'); }

  function post(url, data) {
    var body = new URLSearchParams();
    Object.keys(data).forEach(function (key) {
      [].concat(data[key]).forEach(function (value) {
        if (value !== null && value !== undefined) { body.append(key, value); }
      });
    });
    return fetch(url, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "X-CSRFToken": csrf, "HX-Request": "true" }
    });
  }

  function reloadBoard(message) {
    if (message && window.kervanToast) { window.kervanToast(message); }
    htmx.ajax("GET", window.location.pathname + window.location.search, { target: "#board-region" });
  }

  // ---------- placing cards ----------
  function before(a, b) {  // is card a above card b?
    var pa = parseFloat(a.dataset.position), pb = parseFloat(b.dataset.position);
    return pa < pb || (pa === pb && parseInt(a.dataset.id, 10) < parseInt(b.dataset.id, 10));
  }

  function menuOpen(card) {
    return card && card.querySelector('[data-move-toggle][aria-expanded="true"]');
  }

  function placeCard(html) {
    var holder = document.createElement("ul");
    holder.innerHTML = html.trim();
    var card = holder.querySelector("li.kcard");
    if (!card) { return; }
    var old = cardEl(card.dataset.id);
    // Answers can arrive out of order when two people move one card at once: never
    // let an older state of the card replace a newer one.
    if (old && parseFloat(old.dataset.version) > parseFloat(card.dataset.version)) { return; }
    if (menuOpen(old)) { pendingCards[card.dataset.id] = html; return; }
    var wasChecked = old && old.querySelector("input[name=ids]").checked;
    var list = listFor(card.dataset.stageId);
    if (old) { old.remove(); }
    if (!list) { return; }
    var next = null;
    list.querySelectorAll("li.kcard").forEach(function (other) {
      if (!next && before(card, other)) { next = other; }
    });
    if (!next && list.querySelector("li.more")) { updateSelection(); return; }  // arrives with the next page
    list.insertBefore(card, next || list.querySelector("li.more"));
    if (wasChecked) { card.querySelector("input[name=ids]").checked = true; }
    htmx.process(card);
    updateSelection();
  }

  function refreshCard(id) {
    fetch("/pipeline/cards/" + id + "?" + filters(), { credentials: "same-origin", headers: { "HX-Request": "true" } })
      .then(function (response) {
        if (response.status === 204) {
          var old = cardEl(id);
          if (old && !menuOpen(old)) { old.remove(); updateSelection(); }
          return null;
        }
        return response.ok ? response.text() : null;
      })
      .then(function (html) { if (html) { placeCard(html); } });
  }

  var summaryTimer = null;
  function refreshSummary() {
    clearTimeout(summaryTimer);
    summaryTimer = setTimeout(function () {
      fetch("/pipeline/summary?" + filters(), { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (counts) {
          region.querySelectorAll("section.column").forEach(function (column) {
            var entry = counts[column.dataset.stageId];
            if (!entry) { return; }
            column.querySelector("[data-count]").textContent = entry.count;
            column.querySelector("[data-total]").textContent = entry.total;
          });
        });
    }, 120);
  }

  // ---------- moving ----------
  function neighbours(card) {
    var above = card.previousElementSibling, below = card.nextElementSibling;
    while (above && !above.classList.contains("kcard")) { above = above.previousElementSibling; }
    while (below && !below.classList.contains("kcard")) { below = below.nextElementSibling; }
    return { above: above ? above.dataset.id : null, below: below ? below.dataset.id : null };
  }

  function sendMove(id, stageId, around) {
    return post("/pipeline/cards/" + id + "/move", {
      stage_id: stageId, above_id: around.above, below_id: around.below
    }).then(function (response) {
      if (!response.ok) { throw new Error("move refused"); }
      return response.text();
    }).then(function (html) {
      placeCard(html);
      refreshSummary();
    }).catch(function () { reloadBoard(board().dataset.errorText); });
  }

  function initSortable() {
    region.querySelectorAll("ul.cards").forEach(function (list) {
      if (list._sortable) { return; }
      list._sortable = Sortable.create(list, {
        group: "board",
        forceFallback: true,  // one drag engine for mouse, touch and pen
        draggable: "li.kcard",
        filter: ".move, input",
        preventOnFilter: false,
        delayOnTouchOnly: true,
        delay: 180,
        animation: 120,
        ghostClass: "kcard-ghost",
        onEnd: function (evt) {
          if (evt.from === evt.to && evt.oldIndex === evt.newIndex) { return; }
          var card = evt.item;
          card.dataset.stageId = evt.to.dataset.stageId;
          sendMove(card.dataset.id, evt.to.dataset.stageId, neighbours(card));
        }
      });
    });
  }

  // ---------- the "Move to" menu ----------
  function fillMenu(menu, currentStage) {
    menu.innerHTML = document.getElementById("move-menu-template").innerHTML;
    menu.querySelectorAll("[data-move-to]").forEach(function (item) {
      if (item.dataset.moveTo === currentStage) { item.setAttribute("aria-current", "true"); }
    });
  }

  function closeMenus(except) {
    region.querySelectorAll('[data-move-toggle][aria-expanded="true"]').forEach(function (toggle) {
      if (toggle === except) { return; }
      toggle.setAttribute("aria-expanded", "false");
      toggle.nextElementSibling.hidden = true;
      var id = toggle.closest("li.kcard").dataset.id;
      if (pendingCards[id]) { var html = pendingCards[id]; delete pendingCards[id]; placeCard(html); }
    });
  }

  region.addEventListener("click", function (event) {
    var toggle = event.target.closest("[data-move-toggle]");
    if (toggle) {
      var open = toggle.getAttribute("aria-expanded") === "true";
      closeMenus(toggle);
      if (!open) { fillMenu(toggle.nextElementSibling, toggle.closest("li.kcard").dataset.stageId); }
      toggle.setAttribute("aria-expanded", String(!open));
      toggle.nextElementSibling.hidden = open;
      if (!open) { var first = toggle.nextElementSibling.querySelector("[role=menuitem]"); if (first) { first.focus(); } }
      return;
    }
    var choice = event.target.closest("[data-move-to]");
    if (choice) {
      var card = choice.closest("li.kcard");
      closeMenus();
      sendMove(card.dataset.id, choice.dataset.moveTo, { above: null, below: null });
    }
  });
  document.addEventListener("click", function (event) {
    if (!event.target.closest(".move")) { closeMenus(); }
  });
  region.addEventListener("keydown", function (event) {
    var item = event.target.closest("[role=menuitem]");
    if (event.key === "Escape") {
      var toggle = event.target.closest(".move") && event.target.closest(".move").querySelector("[data-move-toggle]");
      closeMenus();
      if (toggle) { toggle.focus(); }
    } else if (item && (event.key === "ArrowDown" || event.key === "ArrowUp")) {
      event.preventDefault();
      var sibling = event.key === "ArrowDown" ? item.nextElementSibling : item.previousElementSibling;
      if (sibling) { sibling.focus(); }
    }
  });

  // ---------- bulk selection ----------
  var bar = document.getElementById("bulk-bar");
  function selectedIds() {
    return [].map.call(region.querySelectorAll("li.kcard input[name=ids]:checked"), function (box) { return box.value; });
  }
  function updateSelection() {
    if (!bar) { return; }
    var ids = selectedIds();
    bar.hidden = ids.length === 0;
    bar.querySelector("[data-selected-count]").textContent = ids.length;
  }
  var selectToggle = document.querySelector("[data-select-toggle]");
  if (selectToggle) {
    selectToggle.addEventListener("click", function () {
      var on = selectToggle.getAttribute("aria-pressed") !== "true";
      selectToggle.setAttribute("aria-pressed", String(on));
      document.body.classList.toggle("selecting", on);
      if (!on) { region.querySelectorAll("input[name=ids]").forEach(function (b) { b.checked = false; }); updateSelection(); }
    });
  }
  region.addEventListener("change", function (event) {
    if (event.target.matches("input[name=ids]")) { updateSelection(); }
  });
  if (bar) {
    bar.querySelector("[data-select-clear]").addEventListener("click", function () {
      region.querySelectorAll("input[name=ids]").forEach(function (b) { b.checked = false; });
      updateSelection();
    });
    bar.addEventListener("submit", function (event) {
      event.preventDefault();
      post("/pipeline/bulk-move", { ids: selectedIds(), stage_id: bar.elements.stage_id.value })
        .then(function (response) {
          if (!response.ok) { throw new Error("bulk move refused"); }
          region.querySelectorAll("input[name=ids]:checked").forEach(function (b) { b.checked = false; });
          updateSelection();
        })
        .catch(function () { reloadBoard(board().dataset.errorText); });
    });
  }

  // ---------- live updates ----------
  var CARD_EVENTS = ["card.moved", "customer.created", "customer.updated", "customer.assigned", "customer.deleted",
    "customer.merged", "reminder.created", "reminder.completed", "reminder.due"];
  document.addEventListener("kervan:live", function (event) {
    var detail = event.detail;
    if (CARD_EVENTS.indexOf(detail.type) < 0 || detail.subject_type !== "customers") { return; }
    refreshCard(detail.subject_id);
    if (detail.type === "customer.merged" && detail.data.merged_id) { refreshCard(detail.data.merged_id); }
    refreshSummary();
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    if (event.target === region || region.contains(event.target)) { initSortable(); updateSelection(); }
  });
  initSortable();
})();
