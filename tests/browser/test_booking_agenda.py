from datetime import timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from app.models.base import utcnow
from tests.browser.conftest import screenshot, sign_in
from tests.factories import PASSWORD


def next_monday():
    today = utcnow().astimezone(ZoneInfo("Europe/Istanbul")).date()
    return today + timedelta(days=(0 - today.weekday()) % 7 + 7)


def test_a_secretary_books_a_new_customer_on_a_phone(make, new_page):
    team = make.team()
    make.customer(team.tenant, name="Eski Hasta")
    day = next_monday()
    page = new_page(390, 844)
    sign_in(page, team.agent.email, PASSWORD)
    page.goto(f"/booking?day={day.isoformat()}")
    expect(page.get_by_role("heading", name="Dt. Ayşe Kaya")).to_be_visible()

    page.get_by_label("Free times for").select_option(label="İmplant Görüşmesi · 30 min")
    expect(page.get_by_role("heading", name="Free for İmplant Görüşmesi").first).to_be_visible()
    page.get_by_role("button", name="Book 10:00 with Dt. Ayşe Kaya").click()

    sheet = page.locator("#booking-panel")
    expect(sheet.get_by_role("heading", name="Book İmplant Görüşmesi")).to_be_visible()
    sheet.get_by_label("Name", exact=True).fill("Telefondan Yeni Hasta")
    sheet.get_by_label("Phone", exact=True).fill("0535 444 55 66")
    sheet.get_by_role("button", name="Book", exact=True).click()
    expect(sheet.get_by_role("heading", name="Booked")).to_be_visible()

    agenda = page.get_by_role("list", name="Appointments of Dt. Ayşe Kaya")
    expect(agenda).to_contain_text("Telefondan Yeni Hasta")
    expect(agenda).to_contain_text("10:00")
    sheet.get_by_role("button", name="Done").click()
    expect(page.get_by_role("button", name="Book 10:00 with Dt. Ayşe Kaya")).to_have_count(0)

    # Tap the appointment: the actions open; confirm it.
    agenda.get_by_role("button", name="Change the appointment of Telefondan Yeni Hasta at 10:00").click()
    sheet.get_by_role("button", name="Confirm").click()
    expect(sheet.get_by_text("Saved.")).to_be_visible()
    expect(agenda).to_contain_text("Confirmed")
    sheet.get_by_role("button", name="Close").click()

    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    wide = page.evaluate(
        "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > innerWidth + 1)"
        ".map(e => e.tagName + '.' + e.className + ' ' + (e.textContent || '').trim().slice(0, 40))"
    )
    assert overflow <= 0, wide
    screenshot(page, "booking-agenda-390")
    assert page.errors == []


def test_the_week_grid_on_a_desktop(make, new_page):
    team = make.team()
    customer = make.customer(team.tenant, name="Haftalık Hasta")
    day = next_monday()
    page = new_page(1280, 900)
    sign_in(page, team.owner.email, PASSWORD)
    page.goto(f"/booking?day={day.isoformat()}")
    page.get_by_role("button", name="Book 11:00 with Dt. Ayşe Kaya").click()
    expect(page.locator("#booking-panel").get_by_role("heading", name="Book Muayene")).to_be_visible()
    search = page.locator("#booking-panel").get_by_label("Find a customer (name or phone)")
    search.press_sequentially("Haftalık", delay=40)
    expect(page.get_by_role("radio", name=customer.name)).to_be_checked()
    page.locator("#booking-panel").get_by_role("button", name="Book", exact=True).click()
    expect(page.locator("#booking-panel").get_by_role("heading", name="Booked")).to_be_visible()
    page.locator("#booking-panel").get_by_role("button", name="Done").click()

    page.get_by_role("link", name="Week").click()
    grid = page.get_by_role("grid")
    expect(grid).to_contain_text("Haftalık Hasta")
    screenshot(page, "booking-week-1280")
    assert page.errors == []
