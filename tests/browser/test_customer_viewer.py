import re

from playwright.sync_api import expect

from tests.browser.conftest import screenshot, sign_in
from tests.factories import PASSWORD


def test_quick_actions_on_a_phone(make, new_page):
    team = make.team()
    stages = make.stages(team.tenant)
    customer = make.customer(team.tenant, team.owner, name="Telefondaki Hasta", source="instagram")
    page = new_page(360, 740)
    sign_in(page, team.agent.email, PASSWORD)
    page.goto(f"/customers/{customer.id}")
    expect(page.get_by_role("heading", name="Telefondaki Hasta")).to_be_visible()
    timeline = page.get_by_role("list", name="Timeline")

    page.get_by_role("textbox", name="Note", exact=True).fill("Fiyat teklifi istedi, cuma aranacak.")
    page.get_by_role("button", name="Add note").click()
    expect(timeline).to_contain_text("Fiyat teklifi istedi, cuma aranacak.")

    page.get_by_role("tab", name="Log a call").click()
    page.get_by_label("Outcome").select_option("call_back")
    page.get_by_role("button", name="Log the call").click()
    expect(timeline).to_contain_text("Asked to call back")
    profile = page.get_by_role("region", name="Profile")
    expect(profile).to_contain_text("Today")  # the call's "last contact" reached the profile
    # Let htmx finish swapping and wiring the refreshed fragments before using them.
    expect(page.locator(".htmx-request, .htmx-settling, .htmx-swapping")).to_have_count(0)

    profile.get_by_label("Stage").select_option(label=stages[2].name)
    expect(timeline).to_contain_text(f"moved Telefondaki Hasta to {stages[2].name}")

    expect(page.locator(".htmx-request, .htmx-settling, .htmx-swapping")).to_have_count(0)
    profile.get_by_label("Assignee").select_option(label=team.manager.name)
    expect(timeline).to_contain_text(f"assigned Telefondaki Hasta to {team.manager.name}")

    page.get_by_role("button", name="Edit profile").click()
    page.get_by_role("textbox", name="E-mail").fill("not-an-address")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("is not a valid e-mail address")).to_be_visible()
    page.get_by_role("textbox", name="E-mail").fill("hasta@ornek.com")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("link", name="hasta@ornek.com")).to_be_visible()

    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
    screenshot(page, "viewer-360")
    assert page.errors == []


def test_another_viewer_sees_the_note_live(make, new_page):
    team = make.team()
    customer = make.customer(team.tenant, name="Ortak Müşteri")
    writer = new_page()
    sign_in(writer, team.agent.email, PASSWORD)
    writer.goto(f"/customers/{customer.id}")
    reader = new_page()
    sign_in(reader, team.manager.email, PASSWORD)
    reader.goto(f"/customers/{customer.id}")
    expect(reader.locator("#live-status")).to_have_attribute("data-state", "open")
    writer.get_by_role("textbox", name="Note", exact=True).fill("Canlı not")
    writer.get_by_role("button", name="Add note").click()
    expect(reader.get_by_role("list", name="Timeline")).to_contain_text("Canlı not")


def test_creating_a_customer_finds_the_twin_first(make, new_page):
    team = make.team()
    make.customer(team.tenant, name="Zaten Kayıtlı", phone="+905357778899")
    page = new_page(390, 844)
    sign_in(page, team.agent.email, PASSWORD)
    page.goto("/pipeline")
    page.get_by_role("link", name=re.compile("New")).click()
    page.get_by_label("Name").fill("Aynı Kişi")
    page.get_by_label("Phone").fill("0535 777 88 99")
    expect(page.get_by_text("This is already Zaten Kayıtlı.")).to_be_visible()
    page.get_by_role("link", name="Open Zaten Kayıtlı").click()
    expect(page.get_by_role("heading", name="Zaten Kayıtlı")).to_be_visible()
