import re

from playwright.sync_api import expect

from tests.browser.conftest import screenshot, sign_in
from tests.factories import PASSWORD


def test_an_invitation_shows_up_live_in_another_browser(make, new_page):
    team = make.team()
    owner = new_page()
    sign_in(owner, team.owner.email, PASSWORD)
    owner.goto("/settings/team")

    manager = new_page(390, 844)
    sign_in(manager, team.manager.email, PASSWORD)
    expect(manager.locator("#live-status")).to_have_attribute("data-state", "open")
    manager_team = new_page()
    sign_in(manager_team, team.manager.email, PASSWORD)
    manager_team.goto("/settings/team")
    expect(manager_team.locator("#live-status")).to_have_attribute("data-state", "open")

    owner.get_by_label("E-mail").fill("canli.davet@example.test")
    owner.get_by_label("Role", exact=True).select_option("manager")
    owner.get_by_role("button", name="Send invitation").click()
    expect(owner.get_by_role("list", name="Pending invitations")).to_contain_text("canli.davet@example.test")

    # No reload in the other browsers: the feed, the toast and the member list update themselves.
    feed = manager.get_by_role("list", name="Live activity")
    expect(feed).to_contain_text("invited canli.davet@example.test as Manager")
    expect(manager.get_by_role("status").filter(has_text="canli.davet@example.test")).to_be_visible()
    expect(manager_team.get_by_role("list", name="Pending invitations")).to_contain_text("canli.davet@example.test")
    screenshot(manager, "live-toast-390")
    assert manager.errors == [] and owner.errors == []


def test_an_offboarded_person_is_sent_out_live(make, new_page):
    team = make.team()
    agent = new_page()
    sign_in(agent, team.agent.email, PASSWORD)
    expect(agent.locator("#live-status")).to_have_attribute("data-state", "open")

    owner = new_page()
    sign_in(owner, team.owner.email, PASSWORD)
    owner.goto("/settings/team")
    owner.get_by_role("link", name=f"Offboard {team.agent.name}").click()
    owner.get_by_role("button", name="Close access").click()
    expect(owner.get_by_text(f"{team.agent.name} no longer has access.")).to_be_visible()

    agent.wait_for_url(re.compile(r".*/auth/login.*"))
    expect(agent.get_by_role("heading", name="Sign in")).to_be_visible()


def test_a_dropped_stream_reconnects_and_replays_what_it_missed(app, make, new_page):
    from app import events
    from app.extensions import db
    from app.realtime import broker

    team = make.team()
    page = new_page()
    sign_in(page, team.manager.email, PASSWORD)
    expect(page.locator("#live-status")).to_have_attribute("data-state", "open")

    def emit(email):
        with app.app_context():
            events.emit(team.tenant.id, events.MEMBER_INVITED, data={"email": email, "role": "agent"})
            db.session.commit()

    emit("once@example.test")
    feed = page.get_by_role("list", name="Live activity")
    expect(feed).to_contain_text("once@example.test")

    broker.hub.end_all()  # what a server restart does to every open stream
    emit("while-away@example.test")  # nobody is listening right now
    expect(feed).to_contain_text("while-away@example.test", timeout=15_000)
    expect(page.get_by_role("status").filter(has_text="while-away@example.test")).to_be_visible()
