import re

from playwright.sync_api import expect

from tests.browser.conftest import screenshot, sign_in
from tests.factories import PASSWORD


def test_a_person_signs_in_switches_language_theme_and_business_and_signs_out(make, new_page):
    team = make.team()
    make.tenant(team.owner, "beauty", name="Bella Deneme Salonu")
    page = new_page()
    sign_in(page, team.owner.email, PASSWORD)
    expect(page.get_by_role("heading", name="Command center")).to_be_visible()
    expect(page.locator("#live-status")).to_have_attribute("data-state", "open")

    page.get_by_role("button", name="Türkçe").click()
    expect(page.get_by_role("heading", name="Komuta Merkezi")).to_be_visible()
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="Command center")).to_be_visible()

    page.get_by_role("button", name="Dark").click()
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")

    page.locator(".tenant-switch summary").click()
    page.get_by_role("menuitem", name=re.compile("Bella Deneme Salonu")).click()
    expect(page.locator(".tenant-card strong")).to_have_text("Bella Deneme Salonu")

    page.get_by_label(re.compile("Account menu")).click()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert page.errors == []


def test_a_wrong_password_is_explained_in_the_browser(make, new_page):
    team = make.team()
    page = new_page()
    page.goto("/auth/login")
    page.get_by_label("E-mail").fill(team.agent.email)
    page.get_by_label("Password").fill("definitely-wrong")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("E-mail or password is wrong.")).to_be_visible()


def test_the_shell_fits_a_360px_phone(make, new_page):
    team = make.team()
    page = new_page(360, 740)
    sign_in(page, team.owner.email, PASSWORD)
    for path in ("/command", "/settings/team", "/settings", "/settings/activity", "/pipeline"):
        page.goto(path)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px"
    page.goto("/command")
    # The navigation lives in a drawer on a phone.
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Team")).not_to_be_in_viewport()
    page.get_by_role("button", name="Menu").click()
    expect(nav.get_by_role("link", name="Team")).to_be_in_viewport()
    page.wait_for_timeout(300)  # let the drawer finish sliding in
    screenshot(page, "shell-360-drawer")
    nav.get_by_role("link", name="Team").click()
    expect(page.get_by_role("heading", name="Team")).to_be_visible()
    screenshot(page, "team-360")
