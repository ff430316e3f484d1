/* Kervan website tracking snippet.

   Install: <script defer src="https://HOST/t.js" data-site="SITE_KEY"></script>
   Optional: data-consent="required" (hold everything until kervan('consent', true)),
             data-endpoint="URL" (default: the origin this file came from + /t/collect).
   API:      kervan('event', name, props) and kervan('consent', true|false). Calls made
             before this file loads are queued by the usual stub and replayed here:
             window.kervan = window.kervan || function(){(window.kervan.q = window.kervan.q || []).push(arguments)}

   It runs on other people's websites, so: one global (window.kervan), never an
   exception into the host page (every entry point is guarded), no dependencies,
   plain ES2017 and no build step beyond comment/whitespace minification. rjsmin
   keeps identifiers as written, which is why local names are short. Served
   minified by app/tracking/snippet.py; tests/unit/test_snippet.py keeps it under
   3 KB gzipped. Lengths are cut to what the collect schema accepts
   (app/tracking/schemas.py): one over-long value would get the whole batch refused. */
(() => {
  "use strict";
  // Every callback the browser or the host page can call goes through this.
  const guard = (f) => function () {
    try {
      return f.apply(this, arguments);
    } catch (e) {}
  };
  guard(() => {
    const w = window, d = document, nav = navigator, now = Date.now, stub = w.kervan;
    if (stub && stub.kv) return; // the snippet is on the page twice: the first copy wins
    const noop = () => {};
    noop.kv = 1;
    w.kervan = noop; // from here on, host pages can always call kervan() safely

    // currentScript is set for classic (also deferred) scripts while they run.
    const me = d.currentScript || d.querySelector("script[data-site]");
    const attr = (n) => me.getAttribute("data-" + n);
    const site = attr("site");
    // Do-Not-Track / Global Privacy Control: send nothing, store nothing.
    if (!site || nav.doNotTrack == "1" || w.doNotTrack == "1" || nav.globalPrivacyControl === true) return;
    const endpoint = attr("endpoint") || new URL(me.src).origin + "/t/collect";
    const MIN30 = 18e5;
    const KEYS = ["gclid", "wbraid", "gbraid", "fbclid", "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"];
    const cut = (s, n) => String(s).slice(0, n || 2048);
    const here = () => cut(location.href);

    // Storage can throw (blocked cookies, private modes, full quota): treat it as absent.
    // Nothing is written until identifiers may be stored (consent given or not required).
    const load = (k) => {
      try { return JSON.parse(localStorage.getItem(k)); } catch (e) {}
    };
    const drop = (k) => {
      try { localStorage.removeItem(k); } catch (e) {}
    };
    const save = (k, v) => {
      try { allowed() && localStorage.setItem(k, JSON.stringify(v)); } catch (e) {}
    };
    // Consent mode: a consent given on an earlier page is remembered in kv_consent.
    let consent = attr("consent") != "required" || load("kv_consent") == 1, denied;
    const allowed = () => consent && !denied;

    // Random ids from crypto.getRandomValues: 7 base-36 characters per 32 bits.
    const rid = (n) => Array.from(crypto.getRandomValues(new Uint32Array(n)), (x) => x.toString(36).padStart(7, 0)).join("");
    let vid;
    const visitor = () => vid || (save("kv_vid", vid = load("kv_vid") || rid(4)), vid);

    // The session keeps its landing URL, landing referrer and click ids / UTMs until
    // 30 minutes pass without activity, or a landing URL brings different ones.
    const clicks = () => {
      const q = new URLSearchParams(location.search), found = {};
      KEYS.forEach((k) => q.get(k) && (found[k] = cut(q.get(k), 200)));
      return found;
    };
    const begin = (referrer) => {
      sess = { a: Object.assign({ landing: here(), referrer: cut(referrer) }, clicks()), t: now() };
    };
    let sess = load("kv_s"), found = clicks();
    if (!(sess && sess.a && now() - sess.t < MIN30) || KEYS.some((k) => found[k] && found[k] != sess.a[k])) begin(d.referrer);

    // --- queue and delivery -------------------------------------------------------
    let queue = [];   // events not yet handed to the network (held here until consent)
    let waiting = []; // undelivered batches {a: attribution, e: events}, mirrored in kv_q
    let timer, stopped; // stopped: the quota is used up; keep events for a later page

    const keep = () => {
      // At most 100 events are persisted; the oldest batches go first.
      while (waiting.reduce((n, b) => n + b.e.length, 0) > 100) waiting.shift();
      waiting.length ? save("kv_q", waiting) : drop("kv_q");
    };
    const body = (b) => JSON.stringify({ site, visitor: visitor(), sent_at: now(), attribution: b.a, events: b.e });
    const fail = (b, n, after) => {
      waiting.includes(b) || (waiting.push(b), keep());
      // Backoff 1 s, 2 s, 4 s, 8 s (five tries in all) unless the server said when.
      n < 4 && !stopped && setTimeout(guard(() => post(b, n + 1)), after * 1e3 || 1e3 << n);
    };
    // text/plain keeps this a CORS "simple request": no preflight round trip.
    const post = (b, n) => fetch(endpoint, {
      method: "POST", body: body(b), keepalive: true, credentials: "omit", headers: { "Content-Type": "text/plain" },
    }).then((r) => r.status == 429
      ? r.json().then((j) => j.error == "quota_exceeded" ? (stopped = 1, fail(b)) : fail(b, n, j.retry_after))
      : r.status > 499 ? fail(b, n) : waiting.includes(b) && (waiting.splice(waiting.indexOf(b), 1), keep())
      // 2xx is done, and any other 4xx would only be refused again.
    ).catch(() => fail(b, n));
    // Page going away: the browser delivers beacons after unload; else a keepalive fetch.
    const beam = (b) => nav.sendBeacon && nav.sendBeacon(endpoint, new Blob([body(b)], { type: "text/plain" })) || post(b, 4);
    const flush = (hiding) => {
      clearTimeout(timer);
      if (!allowed()) return;
      while (queue.length) {
        const b = { a: sess.a, e: queue.splice(0, 20) };
        stopped ? (waiting.push(b), keep()) : hiding ? beam(b) : post(b, 0);
      }
      hiding && !stopped && waiting.forEach(beam);
    };

    const track = (type, data, extra) => {
      if (denied) return;
      const ts = now();
      if (ts - sess.t > MIN30) begin(""); // idle too long: a new session, not from the referrer
      sess.t = ts;
      save("kv_s", sess);
      queue.push(Object.assign({ id: rid(3), type, ts, url: here() }, data && { data }, extra));
      clearTimeout(timer);
      queue.length < 10 ? timer = setTimeout(guard(flush), 1e3) : flush();
    };

    // --- page views, scroll depth and engaged time ----------------------------------
    let page, max, sent, engaged = 0, active = now();
    const depth = () => Math.min(100, Math.round(100 * (scrollY + innerHeight) / (d.documentElement.scrollHeight || 1)));
    const pageview = (referrer) => {
      page = here();
      max = sent = depth();
      engaged = 0;
      track("pageview", 0, { title: cut(d.title, 300), referrer: cut(referrer) });
    };
    // One engagement event per page hide or SPA navigation: engaged seconds since the
    // last one and the deepest scroll so far; nothing when neither has moved.
    const engage = () => {
      if (engaged || max > sent) {
        track("engagement", { seconds: Math.min(engaged, 86400), scroll: max }, { url: page });
        engaged = 0;
        sent = max;
      }
    };
    // A second counts when the page is visible, the window focused and the visitor
    // did something (scroll, key, pointer, focus) in the last 30 seconds.
    setInterval(guard(() => {
      d.visibilityState == "visible" && d.hasFocus() && now() - active < 3e4 && engaged++;
    }), 1e3);
    // Capture phase on window/document: sees everything, even if the page stops propagation.
    const on = (target, type, f) => target.addEventListener(type, guard(f), true);
    ["pointerdown", "pointermove", "keydown", "scroll", "touchstart", "focus"].forEach((t) => on(w, t, () => active = now()));
    on(w, "scroll", () => max = Math.max(max, depth()));

    const hide = () => {
      engage();
      flush(1);
    };
    on(w, "pagehide", hide);
    on(d, "visibilitychange", () => d.visibilityState == "hidden" && hide());
    on(w, "pageshow", (e) => e.persisted && pageview(d.referrer)); // back/forward cache

    // Single-page apps: a page view whenever the URL really changes. In-page anchors
    // (#contact) are not new pages; hash routes (#/path, #!path) are. The new page's
    // referrer is the page it came from.
    const route = (u) => u.replace(/#(?![!/]).*/, "");
    const changed = guard(() => route(here()) != route(page) && (engage(), pageview(page)));
    ["pushState", "replaceState"].forEach((m) => {
      const orig = history[m];
      history[m] = function () {
        const r = orig.apply(this, arguments); // the host's own errors stay the host's
        changed();
        return r;
      };
    });
    on(w, "popstate", changed);

    // --- calls, WhatsApp and forms -----------------------------------------------
    on(d, "click", (e) => {
      const a = e.target.closest("a[href]"), href = a ? a.getAttribute("href") : "";
      const kind = /^tel:/i.test(href) ? "tel" : /^whatsapp:|\/\/(wa\.me|(api|web)\.whatsapp\.com)\b/i.test(href) && "whatsapp";
      kind && track("click", { kind, target: cut(href, 300) });
    });

    // A field is judged by "type autocomplete name" together, "_" read as a word break
    // (first_name, cep_tel). Only plain text fields are classified, and only classified
    // ones are read: never passwords, nor anything card- or bank-like.
    const LIMIT = { name: 120, phone: 40, email: 254 };
    const field = (el) => {
      const s = (el.type + " " + el.getAttribute("autocomplete") + " " + (el.getAttribute("name") || el.id)).toLowerCase().replace(/_/g, " ");
      return /^(text|email|tel) /.test(s) && !/pass|şifre|card|kart|cv[vc]|iban|\bcc/.test(s) && (
        /mail|posta/.test(s) ? "email"
        : /\b(tel|gsm|cep)|phone|mobil/.test(s) ? "phone"
        : !/compan|firma|user/.test(s) && /\b((soy)?(adi?|isim)|adsoyad|(full|first|last|sur)?name)\b/.test(s) && "name");
    };
    on(d, "submit", (e) => {
      const f = e.target, tracked = f.hasAttribute("data-kervan-form");
      const data = { form: cut(f.getAttribute("id") || f.getAttribute("name") || "", 120), tracked };
      if (tracked) {
        const out = data.fields = {};
        for (const el of f.elements) {
          const k = field(el), v = k && el.value.trim();
          // Name parts (first + last, ad + soyad) are joined; phone and e-mail take the first.
          if (v) out[k] = cut(out[k] && k == "name" ? out[k] + " " + v : out[k] || v, LIMIT[k]);
        }
      }
      track("form", data);
    });

    // --- the public function -----------------------------------------------------
    const api = guard((cmd, a, b) => {
      if (cmd == "event" && a) {
        // Strings, booleans and finite numbers only; anything else becomes undefined,
        // which JSON leaves out.
        const props = {};
        Object.keys(Object(b)).slice(0, 20).forEach((k) => {
          const v = b[k];
          props[k] = typeof v == "string" ? cut(v, 300) : v === !!v || Number.isFinite(v) ? v : undefined;
        });
        track("custom", { name: cut(a, 64), props });
      }
      if (cmd == "consent") {
        if (a) {
          consent = 1;
          denied = 0;
          save("kv_consent", 1);
          visitor();
          save("kv_s", sess);
          keep();
          flush();
        } else {
          // Withdrawn: forget everything this snippet stored and stay silent on this page.
          denied = 1;
          queue = [];
          waiting = [];
          vid = 0;
          ["kv_vid", "kv_s", "kv_consent", "kv_q"].forEach(drop);
        }
      }
    });
    api.kv = 1;
    w.kervan = api;

    const start = () => {
      // Batches an earlier page could not deliver get another five tries (loaded before
      // the replayed calls, which may withdraw consent or save the retry queue).
      const old = allowed() && load("kv_q");
      if (Array.isArray(old)) waiting = old.filter((b) => b && Array.isArray(b.e));
      pageview(d.referrer);
      ((stub && stub.q) || []).forEach((args) => api.apply(0, args));
      waiting.forEach((b) => post(b, 0));
    };
    // A prerendered page (speculation rules) counts only once the visitor sees it.
    d.prerendering ? on(d, "prerenderingchange", start) : start();
  })();
})();
