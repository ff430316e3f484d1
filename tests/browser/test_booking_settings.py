from playwright.sync_api import expect

from tests.browser.conftest import screenshot, sign_in
from tests.factories import PASSWORD


def test_the_owner_adds_a_service_on_a_phone(make, new_page):
    team = make.team()
    page = new_page(390, 844)
    sign_in(page, team.owner.email, PASSWORD)
    page.goto("/settings/booking")
    expect(page.get_by_role("heading", name="Booking settings")).to_be_visible()
    screenshot(page, "booking-settings-390")

    page.get_by_role("link", name="Add service").click()
    page.get_by_label("Name").fill("Diş Beyazlatma")
    page.get_by_label("Duration (minutes)").fill("0")
    page.get_by_role("button", name="Save service").click()
    expect(page.get_by_text("The duration must be between 5 and 720 minutes.")).to_be_visible()
    expect(page.get_by_text("Choose at least one resource.")).to_be_visible()
    screenshot(page, "booking-service-errors-390")

    page.get_by_label("Duration (minutes)").fill("45")
    page.get_by_label("Buffer after (minutes)").fill("10")
    page.get_by_label("Price from (TRY)").fill("2000")
    page.get_by_label("Price up to (TRY)").fill("3500.50")
    page.get_by_label("Dt. Ayşe Kaya · Doctor").check()
    page.get_by_label("Tedavi Odası 1 · Room").check()
    page.get_by_label("Reminders before the appointment").fill("24h, 2h")
    page.get_by_role("button", name="Save service").click()

    services = page.get_by_role("list", name="Services")
    expect(services).to_contain_text("Diş Beyazlatma")
    expect(services).to_contain_text("45 min + 10 min buffer")
    expect(services).to_contain_text("Reminders: 24h, 2h")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.errors == []


def test_the_booking_settings_page_on_a_desktop(make, new_page):
    team = make.team()
    page = new_page(1280, 900)
    sign_in(page, team.owner.email, PASSWORD)
    page.goto("/settings/booking")
    expect(page.get_by_role("list", name="Resources")).to_contain_text("Doctor")
    screenshot(page, "booking-settings-1280")
    page.get_by_role("list", name="Resources").get_by_role("link").first.click()
    expect(page.get_by_text("runs past midnight")).to_be_visible()
    screenshot(page, "booking-resource-1280")
    page.goto("/settings/messages")
    expect(page.get_by_role("heading", name="Messages")).to_be_visible()
    assert page.errors == []
