import json
import re
import time

from playwright.sync_api import expect

from app.extensions import db
from app.models import TrackingSite
from app.models.base import utcnow
from app.tracking import live
from tests.browser.conftest import ARTIFACTS, screenshot, sign_in
from tests.factories import PASSWORD

URL = "/settings/tracking/"
LAST_EVENT = re.compile(r"Last event received \d+ seconds? ago")


def _site_card(page, name):
    return page.get_by_role("article", name=name)


def _open_live(page):
    expect(page.locator("#live-status")).to_have_attribute("data-state", "open")
    page.evaluate("window.__sameDocument = true")  # gone if anything reloads the page


def test_an_owner_adds_a_site_on_a_phone_and_sees_its_first_event_arrive(app, make, new_page, live_server, run_jobs):
    team = make.team()
    page = new_page(360, 800)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server)
    sign_in(page, team.owner.email, PASSWORD)
    page.goto(URL)
    expect(page.get_by_role("heading", name="Website tracking")).to_be_visible()
    expect(page.get_by_text("No websites yet. Add one to get its snippet.")).to_be_visible()

    page.get_by_label("Name").fill("Klinik Web")
    page.get_by_label("Domains").fill("nope")
    page.get_by_role("button", name="Add website").click()
    expect(page.get_by_text("“nope” is not a domain.")).to_be_visible()
    page.get_by_label("Domains").fill("https://www.klinik.example.test/\nklinik.example.test")
    page.get_by_role("button", name="Add website").click()

    card = _site_card(page, "Klinik Web")
    expect(card).to_be_visible()
    expect(page.get_by_text("Klinik Web added.")).to_be_visible()
    expect(card.get_by_role("list", name="Allowed domains of Klinik Web")).to_contain_text("www.klinik.example.test")
    expect(card.get_by_text("No events yet")).to_be_visible()

    card.get_by_role("button", name="Copy snippet").click()
    expect(card.get_by_role("button", name="Copied")).to_be_visible()
    copied = page.evaluate("navigator.clipboard.readText()")
    key = re.fullmatch(r'<script defer src="[^"]+/t\.js" data-site="([\w-]+)"></script>', copied).group(1)
    with app.app_context():
        assert db.session.scalar(db.select(TrackingSite.name).where(TrackingSite.site_key == key)) == "Klinik Web"
    screenshot(page, "tracking-settings-360")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    card.get_by_role("link", name="Reveal the webhook secret of Klinik Web").click()
    expect(card.get_by_role("button", name="Copy", exact=True)).to_be_visible()
    card.get_by_text("How to sign a call").click()
    expect(card.get_by_role("button", name="Copy example")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    card.screenshot(path=str(ARTIFACTS / "tracking-webhook-360.png"))
    card.get_by_role("link", name="Hide").click()
    expect(card.get_by_role("link", name="Reveal the webhook secret of Klinik Web")).to_be_visible()

    # The snippet's first event, from an allowed origin: the line changes without a reload.
    _open_live(page)
    now_ms = int(time.time() * 1000)
    body = {
        "site": key,
        "visitor": "v1234567890",
        "events": [{"id": "e1234567890", "type": "pageview", "ts": now_ms, "url": "http://www.klinik.example.test/"}],
    }
    answer = page.request.post(
        live_server + "/t/collect",
        data=json.dumps(body),
        headers={"Origin": "http://www.klinik.example.test", "Content-Type": "text/plain"},
    )
    assert answer.status == 202, answer.text()
    run_jobs()  # with RQ (PostgreSQL + Redis) the drain waits for a worker; eager mode already ran it
    expect(card.locator("[data-last-event]")).to_have_text(LAST_EVENT)
    assert page.evaluate("window.__sameDocument") is True
    screenshot(page, "tracking-settings-first-event-360")
    assert page.errors == []


def test_the_last_event_line_ticks_and_jumps_when_the_site_is_seen(app, make, new_page):
    team = make.team()
    site = make.site(team.tenant, name="Canlı Site", domains=["canli.example.test"])
    page = new_page(360, 800)
    sign_in(page, team.manager.email, PASSWORD)
    page.goto(URL)
    line = _site_card(page, "Canlı Site").locator("[data-last-event]")
    expect(line).to_have_text("No events yet")
    _open_live(page)

    with app.app_context():
        live.publish_site_seen(team.tenant.id, site.id, utcnow())
    expect(line).to_have_text(re.compile(r"Last event received [01] seconds? ago"))
    expect(line).to_have_attribute("data-state", "recent")
    # It keeps counting on its own, one second at a time.
    expect(line).to_have_text(re.compile(r"Last event received [2-9] seconds ago"), timeout=6000)
    assert page.evaluate("window.__sameDocument") is True
    assert page.errors == []


def test_the_tracking_page_on_a_desktop(app, make, new_page):
    team = make.team()
    site = make.site(team.tenant, name="Ana Site", domains=["ornek-klinik.example.test", "randevu.example.test"])
    make.site(team.tenant, name="Kampanya Sayfası", domains=["kampanya.example.test"], consent_mode=True)
    page = new_page(1280, 900)
    page.on("dialog", lambda dialog: dialog.accept())
    sign_in(page, team.owner.email, PASSWORD)
    page.goto(URL)
    expect(page.get_by_role("progressbar", name="Events this month")).to_be_visible()
    card = _site_card(page, "Ana Site")
    card.get_by_role("link", name="Reveal the webhook secret of Ana Site").click()
    expect(card.get_by_text(site.call_secret)).to_be_visible()
    card.get_by_role("button", name="Rotate the webhook secret of Ana Site").click()
    expect(card.get_by_text("New secret made.")).to_be_visible()
    with app.app_context():
        rotated = db.session.get(TrackingSite, site.id).call_secret
    assert rotated != site.call_secret
    expect(card.get_by_text(rotated)).to_be_visible()
    card.get_by_text("How to sign a call").click()
    expect(card.get_by_text("X-Kervan-Signature", exact=True)).to_be_visible()
    screenshot(page, "tracking-settings-1280")

    page.get_by_role("link", name="Edit Kampanya Sayfası").click()
    expect(page.get_by_label("Wait for cookie consent")).to_be_checked()
    screenshot(page, "tracking-site-edit-1280")
    assert page.errors == []
