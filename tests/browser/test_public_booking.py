"""A visitor books on the public page on a phone, then cancels through the manage link."""

from playwright.sync_api import expect

from tests.browser.conftest import screenshot


def _no_overflow(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0


def test_a_visitor_books_and_cancels_on_a_phone(make, new_page):
    team = make.team()
    page = new_page(390, 844)
    page.goto(f"/b/{team.tenant.slug}")
    expect(page.get_by_role("heading", name="Book an appointment")).to_be_visible()
    expect(page.get_by_text(team.tenant.name).first).to_be_visible()
    _no_overflow(page)
    screenshot(page, "public-booking-services-390")

    page.get_by_role("link", name="Muayene").click()
    expect(page.get_by_role("list", name="Days")).to_be_visible()
    page.locator("a.pb-day").first.click()
    expect(page.get_by_role("list", name="Free times")).to_be_visible()
    page.locator("a.pb-slot").first.click()
    expect(page.get_by_role("heading", name="Your details")).to_be_visible()
    assert "start=" in page.url  # htmx pushed each step into the address bar

    page.get_by_role("button", name="Book").click()  # empty: the form answers with its messages
    expect(page.get_by_text("Tell us your name.")).to_be_visible()
    page.get_by_label("Your name").fill("Zeynep Arslan")
    page.get_by_label("Phone").fill("0532 444 55 66")
    page.get_by_label(f"I agree that {team.tenant.name} processes my data").check()
    _no_overflow(page)
    screenshot(page, "public-booking-390")
    page.get_by_role("button", name="Book").click()

    expect(page.get_by_role("heading", name="Your appointment is booked")).to_be_visible()
    expect(page.get_by_text("Zeynep Arslan")).to_be_visible()
    page.get_by_role("link", name="Manage my appointment").click()
    expect(page.get_by_role("heading", name="Your appointment")).to_be_visible()
    expect(page.get_by_role("button", name="Confirm, I will come")).to_be_visible()
    _no_overflow(page)
    screenshot(page, "public-manage-390")

    page.get_by_text("Cancel the appointment").click()
    page.get_by_label("Reason (optional)").fill("Planım değişti")
    page.get_by_role("button", name="Cancel appointment").click()
    expect(page.get_by_text("Your appointment is cancelled.")).to_be_visible()
    expect(page.get_by_text("This appointment is cancelled.")).to_be_visible()
    expect(page.get_by_role("button", name="Cancel appointment")).to_have_count(0)
    screenshot(page, "public-manage-cancelled-390")
    assert page.errors == []


def test_a_visitor_reschedules_through_the_manage_link(make, new_page):
    team = make.team()
    page = new_page(390, 844)
    page.goto(f"/b/{team.tenant.slug}")
    page.get_by_role("link", name="Muayene").click()
    page.locator("a.pb-day").first.click()
    page.locator("a.pb-slot").first.click()
    page.get_by_label("Your name").fill("Kerem Taş")
    page.get_by_label("Phone").fill("0532 444 55 77")
    page.get_by_label(f"I agree that {team.tenant.name} processes my data").check()
    page.get_by_role("button", name="Book").click()
    first_time = page.locator(".pb-details dd").nth(2).inner_text()
    page.get_by_role("link", name="Manage my appointment").click()
    page.get_by_role("link", name="Reschedule").click()
    expect(page.get_by_role("heading", name="Choose a new time")).to_be_visible()
    page.locator("label.pb-slot").nth(1).click()
    _no_overflow(page)
    screenshot(page, "public-reschedule-390")
    page.get_by_role("button", name="Move my appointment").click()
    expect(page.get_by_text("Your appointment is moved.")).to_be_visible()
    assert page.locator(".pb-details dd").nth(2).inner_text() != first_time
    assert page.errors == []
