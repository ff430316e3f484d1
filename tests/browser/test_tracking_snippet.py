"""The tracking snippet on a customer's website: a page on another origin loads
/t.js from Kervan, and what the visitor does arrives at /t/collect and is stored."""

from __future__ import annotations

import itertools
import json
import socket
import threading
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models.tracking import TrackingEvent, TrackingSession

# The live server shares the test database; the `app` fixture is what migrates it.
pytestmark = pytest.mark.usefixtures("app")

LANDING_QUERY = "?gclid=TEST-GCLID-1&utm_source=google&utm_medium=cpc"
_paths = itertools.count(1)


def page_html(path: str, script: str, head: str = "") -> str:
    """A small clinic landing page: call and WhatsApp links, a tracked and an ordinary form."""
    return f"""<!doctype html><html lang="tr"><head><meta charset="utf-8"><title>Gülüş Diş Kliniği</title>
{head}{script}</head>
<body style="min-height: 3000px">
<h1>Gülüş Diş Kliniği</h1>
<a id="call" href="tel:+905321112233">0532 111 22 33</a>
<a id="wa" href="https://wa.me/905321112233?text=Merhaba"><span>WhatsApp</span></a>
<a id="anchor" href="#contact">İletişim</a>
<button id="next" onclick="history.pushState({{}}, '', '/app/second?step=2')">Sonraki</button>
<form id="appointment" data-kervan-form method="post" action="{path}/thanks">
  <label>Adınız <input name="ad_soyad" autocomplete="name"></label>
  <label>Telefon <input type="tel" name="telefon"></label>
  <label>E-posta <input type="email" name="eposta"></label>
  <label>Şifre <input type="password" name="sifre"></label>
  <label>Kart <input name="card_number" autocomplete="cc-number"></label>
  <button id="book">Randevu iste</button>
</form>
<form id="newsletter"><input type="email" name="email"><button id="subscribe">Abone ol</button></form>
<script>
  // The host's own code: call/WhatsApp links stay on the page, the newsletter posts by ajax.
  document.addEventListener("click", function (e) {{ if (e.target.closest("#call, #wa")) e.preventDefault(); }});
  document.getElementById("newsletter").addEventListener("submit", function (e) {{ e.preventDefault(); }});
</script>
</body></html>"""


class HostSite:
    """A customer's website on its own origin (another port), serving the pages a test writes."""

    def __init__(self) -> None:
        pages = self.pages = {}

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                html = pages.get(self.path.split("?")[0])
                self.send_response(200 if html else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                self.wfile.write((html or "not found").encode())

            def do_POST(self):  # a form post: read it and redirect, as real sites do
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self.send_response(303)
                self.send_header("Location", self.path)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.domain = f"127.0.0.1:{self.server.server_port}"
        self.origin = f"http://{self.domain}"

    def add(self, script: str, head: str = "") -> str:
        """Serve a page with this snippet tag (its form posts to a thank-you page); returns its URL."""
        path = f"/p{next(_paths)}"
        self.pages[path] = self.pages[path + "/thanks"] = page_html(path, script, head)
        return self.origin + path


class Relay:
    """A collect endpoint on a third origin that records every body and passes it on to
    Kervan's /t/collect. Beacons sent while a page unloads are invisible to Playwright
    (and to CDP), so this is how a test sees what left the page last."""

    def __init__(self, target: str) -> None:
        bodies = self.bodies = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                bodies.append(raw.decode())
                headers = {"Content-Type": "text/plain", "Origin": self.headers.get("Origin", "")}
                try:
                    with urllib.request.urlopen(urllib.request.Request(target, raw, headers), timeout=10) as reply:
                        status, body, reply_headers = reply.status, reply.read(), reply.headers
                except urllib.error.HTTPError as error:
                    status, body, reply_headers = error.code, error.read(), error.headers
                self.send_response(status)
                for name in ("Content-Type", "Access-Control-Allow-Origin"):
                    if reply_headers.get(name):
                        self.send_header(name, reply_headers[name])
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/collect"


@contextmanager
def serving(server):
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def host():
    site = HostSite()
    with serving(site.server):
        yield site


@pytest.fixture
def relay(live_server):
    relay = Relay(f"{live_server}/t/collect")
    with serving(relay.server):
        yield relay


def snippet_tag(src: str, key: str, **attrs: str) -> str:
    extra = "".join(f' data-{name}="{value}"' for name, value in attrs.items())
    return f'<script defer src="{src}/t.js" data-site="{key}"{extra}></script>'


def serve(host: HostSite, live_server: str, key: str, head: str = "", **attrs: str) -> str:
    """Put a page with the snippet on the host site; returns its URL as reached from an ad click."""
    return host.add(snippet_tag(live_server, key, **attrs), head) + LANDING_QUERY


def new_site(app, make, host: HostSite, consent_mode: bool = False) -> tuple[int, str]:
    from app.tracking.sites import create_site

    team = make.team()
    with app.app_context():
        site = create_site(team.tenant, name="Klinik", domains=[host.domain], consent_mode=consent_mode)
        db.session.commit()
        return site.id, site.site_key


class Collector:
    """The batches posted to the collect endpoint: seen by the page (fetch) or by a relay
    (everything, beacons included)."""

    def __init__(self, page, endpoint: str = "", relay: Relay | None = None) -> None:
        self.page = page
        self.raw: list[str] = relay.bodies if relay else []
        if not relay:
            page.on("request", lambda r: r.method == "POST" and r.url == endpoint and self.raw.append(r.post_data))

    @property
    def batches(self) -> list[dict]:
        return [json.loads(raw) for raw in list(self.raw)]

    @property
    def events(self) -> list[dict]:
        """Each event once, though retries may have posted it again."""
        unique = {event["id"]: event for batch in self.batches for event in batch["events"]}
        return list(unique.values())

    def of_type(self, kind: str) -> list[dict]:
        return [event for event in self.events if event["type"] == kind]

    def wait_for(self, condition, timeout: float = 8.0) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            assert time.monotonic() < deadline, f"timed out; events so far: {self.events}"
            self.page.wait_for_timeout(100)


def stored(app, site_id: int, at_least: int, timeout: float = 10.0) -> tuple[list[dict], list[dict]]:
    """Drain what the endpoint accepted until `at_least` events are stored; events and sessions as dicts."""
    from app.tracking.drain import drain

    deadline = time.monotonic() + timeout
    while True:
        with app.app_context():
            drain()
            events = [
                {"event_id": e.event_id, "type": e.type, "url": e.url, "data": e.data, "visitor_id": e.visitor_id}
                for e in db.session.scalars(select(TrackingEvent).where(TrackingEvent.site_id == site_id))
            ]
            sessions = [
                {"gclid": s.gclid, "attribution_class": s.attribution_class, "landing_url": s.landing_url}
                for s in db.session.scalars(select(TrackingSession).where(TrackingSession.site_id == site_id))
            ]
        if len(events) >= at_least or time.monotonic() > deadline:
            return events, sessions
        time.sleep(0.2)


def storage(page) -> dict:
    return page.evaluate(
        "() => Object.fromEntries(Object.keys(localStorage).filter(k => k.startsWith('kv_'))"
        ".map(k => [k, localStorage.getItem(k)]))"
    )


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fill_the_appointment_form(page) -> None:
    page.fill("input[name=ad_soyad]", "Zeynep Arslan")
    page.fill("input[name=telefon]", "0532 444 55 66")
    page.fill("input[name=eposta]", "zeynep@example.test")
    page.fill("input[name=sifre]", "gizli-parola-123")
    page.fill("input[name=card_number]", "4111111111111111")


def test_it_records_a_visit_with_a_call_click_and_a_form_from_an_ad(app, make, new_page, live_server, host, relay):
    site_id, key = new_site(app, make, host)
    stub = (
        "<script>window.kervan = window.kervan || function () {"
        " (window.kervan.q = window.kervan.q || []).push(arguments) };"
        " kervan('event', 'price_list_opened', {section: 'implant', position: 2, sticky: true});</script>"
    )
    url = serve(host, live_server, key, head=stub, endpoint=relay.url)
    page = new_page()
    sent = Collector(page, relay=relay)

    page.goto(url)
    sent.wait_for(lambda: sent.of_type("pageview") and sent.of_type("custom"))
    page.click("#call")
    page.click("#wa span")
    page.fill("#newsletter input", "bulten@example.test")
    page.click("#subscribe")
    fill_the_appointment_form(page)
    page.click("#book")  # posts and lands on the thank-you page: the last batch leaves as a beacon
    page.wait_for_url("**/thanks")
    sent.wait_for(lambda: len(sent.of_type("pageview")) == 2 and len(sent.of_type("form")) == 2)

    batch = sent.batches[0]
    assert batch["site"] == key and len(batch["visitor"]) >= 22 and batch["sent_at"] > 0
    assert batch["attribution"] == {
        "landing": url,
        "referrer": "",
        "gclid": "TEST-GCLID-1",
        "utm_source": "google",
        "utm_medium": "cpc",
    }
    assert {b["visitor"] for b in sent.batches} == {batch["visitor"]}
    assert {json.dumps(b["attribution"]) for b in sent.batches} == {json.dumps(batch["attribution"])}
    first, thanks = sent.of_type("pageview")
    assert first["url"] == url and first["title"] == "Gülüş Diş Kliniği"
    assert thanks["url"].endswith("/thanks")
    assert sent.of_type("custom")[0]["data"] == {
        "name": "price_list_opened",
        "props": {"section": "implant", "position": 2, "sticky": True},
    }
    clicks = {e["data"]["kind"]: e["data"]["target"] for e in sent.of_type("click")}
    assert clicks == {"tel": "tel:+905321112233", "whatsapp": "https://wa.me/905321112233?text=Merhaba"}
    forms = {e["data"]["form"]: e["data"] for e in sent.of_type("form")}
    assert forms["newsletter"] == {"form": "newsletter", "tracked": False}
    assert forms["appointment"] == {
        "form": "appointment",
        "tracked": True,
        "fields": {"name": "Zeynep Arslan", "phone": "0532 444 55 66", "email": "zeynep@example.test"},
    }
    assert not any(secret in raw for raw in sent.raw for secret in ("gizli-parola", "4111", "bulten@"))
    ids = [e["id"] for e in sent.events]
    assert all(len(i) >= 16 for i in ids)
    assert json.loads(storage(page)["kv_vid"]) == batch["visitor"]

    events, sessions = stored(app, site_id, len(ids))
    assert sorted(e["event_id"] for e in events) == sorted(ids)
    assert {e["visitor_id"] for e in events} == {batch["visitor"]}
    stored_form = next(e for e in events if e["type"] == "form" and e["data"]["tracked"])
    assert stored_form["data"]["fields"]["phone"] == "0532 444 55 66"
    assert not any("gizli-parola" in json.dumps(e["data"]) for e in events)
    assert [(s["gclid"], s["attribution_class"]) for s in sessions] == [("TEST-GCLID-1", "S1")]
    assert page.errors == []


def test_a_single_page_app_navigation_is_a_second_page_view(app, make, new_page, live_server, host):
    site_id, key = new_site(app, make, host)
    url = serve(host, live_server, key)
    page = new_page()
    sent = Collector(page, f"{live_server}/t/collect")
    page.goto(url)
    sent.wait_for(lambda: sent.of_type("pageview"))

    page.mouse.wheel(0, 1200)  # the visitor reads a little further down
    page.wait_for_function("scrollY > 1000")
    page.click("#anchor")  # an in-page anchor is not a new page
    page.evaluate("history.replaceState(history.state, '', location.href)")  # nor is the same URL
    page.click("#next")
    sent.wait_for(lambda: len(sent.of_type("pageview")) == 2)
    page.go_back()
    sent.wait_for(lambda: len(sent.of_type("pageview")) == 3)

    first, second, back = sent.of_type("pageview")
    assert first["url"] == url
    assert second["url"] == f"{host.origin}/app/second?step=2" and second["referrer"] == url
    assert back["url"] == f"{url}#contact" and back["referrer"] == second["url"]
    engagement = sent.of_type("engagement")[0]  # sent for the first page before the second began
    assert engagement["url"] == url and engagement["data"]["scroll"] > 50
    assert engagement["ts"] <= second["ts"]

    events, _ = stored(app, site_id, len(sent.events))
    assert sorted(e["url"] for e in events if e["type"] == "pageview") == sorted([url, second["url"], back["url"]])
    assert page.errors == []


def test_in_consent_mode_nothing_is_sent_or_stored_before_consent(app, make, new_page, live_server, host):
    site_id, key = new_site(app, make, host, consent_mode=True)
    url = serve(host, live_server, key, consent="required")
    page = new_page()
    sent = Collector(page, f"{live_server}/t/collect")
    page.goto(url)
    page.click("#call")
    page.wait_for_timeout(1500)  # longer than the idle flush: anything allowed would have gone by now
    assert sent.batches == []
    assert storage(page) == {}

    page.evaluate("kervan('consent', true)")
    sent.wait_for(lambda: sent.of_type("pageview") and sent.of_type("click"))
    saved = storage(page)
    assert saved["kv_consent"] == "1" and json.loads(saved["kv_vid"]) == sent.batches[0]["visitor"]
    assert sent.batches[0]["attribution"]["gclid"] == "TEST-GCLID-1"  # held events keep their attribution

    page.reload()  # consent is remembered on the next page
    sent.wait_for(lambda: len(sent.of_type("pageview")) == 2)
    assert {b["visitor"] for b in sent.batches} == {sent.batches[0]["visitor"]}

    page.evaluate("kervan('consent', false)")  # withdrawn: everything the snippet stored is gone
    assert storage(page) == {}
    count = len(sent.events)
    page.click("#call")
    page.wait_for_timeout(1500)
    assert len(sent.events) == count

    events, _ = stored(app, site_id, count)
    assert {e["id"] for e in sent.events} <= {e["event_id"] for e in events}
    assert sorted(e["type"] for e in events if e["type"] != "engagement") == ["click", "pageview", "pageview"]
    assert page.errors == []


@pytest.mark.parametrize("trouble", ["unreachable endpoint", "unknown site key"])
def test_the_host_page_never_sees_an_error(new_page, live_server, host, trouble):
    if trouble == "unreachable endpoint":
        attrs = {"endpoint": f"http://127.0.0.1:{closed_port()}/t/collect"}
        key, collect = "k" * 24, attrs["endpoint"]
    else:
        attrs, key, collect = {}, "no-such-site-key-000000", f"{live_server}/t/collect"
    before = "<script>window.globalsBefore = Object.keys(window);</script>"
    url = host.add(snippet_tag(live_server, key, **attrs), before)
    page = new_page()
    sent = Collector(page, collect)
    page.goto(url)
    sent.wait_for(lambda: sent.batches)

    page.click("#call")
    page.click("#next")
    page.evaluate(
        """() => {
        kervan(); kervan('event'); kervan('event', 'x', null); kervan('bogus', 1, 2);
        kervan('event', 'odd', {s: Symbol('s'), n: NaN, big: 10n, nested: {a: 1}, fine: 'ok'});
      }"""
    )
    sent.wait_for(lambda: any(e["data"]["name"] == "odd" for e in sent.of_type("custom")))
    odd = next(e for e in sent.of_type("custom") if e["data"]["name"] == "odd")
    assert odd["data"]["props"] == {"fine": "ok"}  # only what the collect schema accepts
    globals_added = page.evaluate("Object.keys(window).filter(k => !globalsBefore.includes(k) && k != 'globalsBefore')")
    assert globals_added == ["kervan"]

    page.fill("input[name=ad_soyad]", "Ali Veli")
    page.click("#book")
    page.wait_for_url("**/thanks")
    sent.wait_for(lambda: any(e["url"].endswith("/thanks") for e in sent.of_type("pageview")))
    page.goto("about:blank")
    assert page.errors == []


@pytest.mark.parametrize(
    "signal",
    [
        "Object.defineProperty(navigator, 'doNotTrack', {get: () => '1'})",
        "Object.defineProperty(navigator, 'globalPrivacyControl', {get: () => true})",
    ],
    ids=["do-not-track", "global-privacy-control"],
)
def test_a_do_not_track_browser_sends_and_stores_nothing(app, make, new_page, live_server, host, relay, signal):
    _, key = new_site(app, make, host)
    url = serve(host, live_server, key, endpoint=relay.url)
    page = new_page()
    page.context.add_init_script(signal)
    sent = Collector(page, relay=relay)
    page.goto(url)
    page.click("#call")
    page.evaluate("kervan('event', 'ignored', {a: 1}); kervan('consent', true)")
    fill_the_appointment_form(page)
    page.click("#book")
    page.wait_for_url("**/thanks")
    page.wait_for_timeout(1500)  # past the idle flush
    assert storage(page) == {}
    assert page.evaluate("typeof kervan") == "function"
    page.goto("about:blank")  # and past the page hide
    assert sent.raw == []
    assert page.errors == []


def _answer(route, status: int, body: dict) -> None:
    route.fulfill(
        status=status,
        body=json.dumps(body),
        headers={"Access-Control-Allow-Origin": "*", "Content-Type": "application/json"},
    )


def test_a_failed_batch_is_retried_with_backoff(new_page, live_server, host):
    answers = [(503, {"error": "busy"}), (429, {"error": "rate_limited", "retry_after": 1}), (202, {"accepted": 1})]
    url = serve(host, live_server, "r" * 24)
    page = new_page()
    sent = Collector(page, f"{live_server}/t/collect")
    times: list[float] = []

    def answer(route):
        times.append(time.monotonic())
        _answer(route, *answers[min(len(times), len(answers)) - 1])

    page.route(f"{live_server}/t/collect", answer)
    page.goto(url)
    sent.wait_for(lambda: len(times) == 3)
    assert "kv_q" not in storage(page)  # delivered: nothing left for the next page
    page.wait_for_timeout(1200)
    assert len(times) == 3  # and no more tries
    assert len({json.dumps(b["events"]) for b in sent.batches}) == 1  # the same events, same ids
    assert times[1] - times[0] >= 0.9 and times[2] - times[1] >= 0.9
    assert page.errors == []


def test_over_quota_events_wait_in_storage_for_the_next_page(new_page, live_server, host):
    url = serve(host, live_server, "q" * 24)
    page = new_page()
    sent = Collector(page, f"{live_server}/t/collect")
    over = [True]

    def answer(route):
        if over[0]:
            _answer(route, 429, {"error": "quota_exceeded"})
        else:
            _answer(route, 202, {"accepted": 1})

    page.route(f"{live_server}/t/collect", answer)
    page.goto(url)
    sent.wait_for(lambda: sent.batches)
    page.click("#call")
    page.wait_for_timeout(1500)
    assert len(sent.batches) == 1  # sending stopped for this page
    queued = json.loads(storage(page)["kv_q"])
    assert [e["type"] for b in queued for e in b["e"]] == ["pageview", "click"]

    over[0] = False
    page.reload()
    sent.wait_for(lambda: len(sent.of_type("click")) == 1 and len(sent.of_type("pageview")) == 2)
    sent.wait_for(lambda: "kv_q" not in storage(page))
    assert page.errors == []


def test_the_session_keeps_its_ad_click_until_a_new_one_or_30_idle_minutes(new_page, live_server, host):
    url = serve(host, live_server, "s" * 24)
    plain = url.split("?")[0]
    page = new_page()
    sent = Collector(page, f"{live_server}/t/collect")
    page.route(f"{live_server}/t/collect", lambda route: _answer(route, 202, {"accepted": 1}))

    def visit(address: str) -> dict:
        before = len(sent.raw)
        page.goto(address)
        sent.wait_for(lambda: len(sent.raw) > before)
        return sent.batches[-1]["attribution"]

    assert visit(url)["gclid"] == "TEST-GCLID-1"
    assert visit(plain) == visit(url)  # later pages of the session keep the landing and its click id
    newsletter = visit(plain + "?utm_source=newsletter&utm_medium=email")
    assert newsletter == {
        "landing": plain + "?utm_source=newsletter&utm_medium=email",
        "referrer": "",
        "utm_source": "newsletter",
        "utm_medium": "email",
    }
    # The last activity was long ago (set as the next page starts: leaving this one is activity too).
    page.context.add_init_script(
        "location.search == '?later' && localStorage.setItem('kv_s', JSON.stringify({a: {landing: 'x'}, t: 1}))"
    )
    assert visit(plain + "?later") == {"landing": plain + "?later", "referrer": ""}
    assert page.errors == []


def test_engaged_time_counts_while_the_visitor_is_there(new_page, live_server, host):
    url = serve(host, live_server, "e" * 24)
    page = new_page()
    sent = Collector(page, f"{live_server}/t/collect")
    page.route(f"{live_server}/t/collect", lambda route: _answer(route, 202, {"accepted": 1}))
    page.goto(url)
    sent.wait_for(lambda: sent.of_type("pageview"))
    for _ in range(3):
        page.mouse.move(100, 100)
        page.wait_for_timeout(1000)
        page.mouse.move(200, 200)
    page.click("#next")
    sent.wait_for(lambda: sent.of_type("engagement"))
    engagement = sent.of_type("engagement")[0]
    assert 2 <= engagement["data"]["seconds"] <= 6
    assert engagement["url"] == url
    assert page.errors == []
