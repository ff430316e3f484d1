from pathlib import Path

from playwright.sync_api import expect

from app.extensions import db
from app.models import Customer
from tests.browser.conftest import screenshot, sign_in
from tests.factories import PASSWORD


def _queue(app, make, tenant) -> None:
    from app.tracking import offline

    customers = [
        make.customer(tenant, name="Ayşe Kara", value_minor=1_250_00, click_ids={"gclid": "Cj0KCQiA-browser-gclid"}),
        make.customer(tenant, name="Mehmet Yıldırım Uzunisimoğlu", value_minor=48_000_00, click_ids={"wbraid": "wb-1"}),
        make.customer(tenant, name="Elif Su", email="elif.su@gmail.com", value_minor=0, click_ids={}),
    ]
    with app.app_context():
        for customer in customers:
            offline.queue_conversion(db.session.get(Customer, customer.id))
        db.session.commit()


def test_the_owner_downloads_marks_and_creates_a_token_on_a_phone(app, make, new_page):
    team = make.team()
    _queue(app, make, team.tenant)
    page = new_page(360, 780)
    page.on("dialog", lambda dialog: dialog.accept())
    sign_in(page, team.owner.email, PASSWORD)
    page.goto("/conversions")
    expect(page.get_by_role("heading", name="Offline conversions", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Ayşe Kara")).to_be_visible()
    screenshot(page, "conversions-360")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    with page.expect_download() as info:
        page.get_by_role("button", name="Download CSV").click()
    download = info.value
    assert download.suggested_filename.startswith("kervan-conversions-")
    body = Path(download.path()).read_text(encoding="utf-8").splitlines()
    assert body[0] == "Parameters:TimeZone=Europe/Istanbul" and len(body) == 5
    assert any(line.startswith("Cj0KCQiA-browser-gclid,") for line in body)

    batches = page.get_by_role("list", name="Open batches")
    expect(batches).to_contain_text("3 conversions")
    expect(page.get_by_role("link", name="Reserved 3")).to_be_visible()
    screenshot(page, "conversions-batch-360")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    page.get_by_role("button", name="Mark exported").click()
    expect(page.get_by_text("3 conversions are marked as uploaded to Google Ads.")).to_be_visible()
    expect(page.get_by_role("link", name="Exported 3")).to_be_visible()
    expect(page.get_by_role("list", name="Open batches")).to_have_count(0)

    page.get_by_label("Token name").fill("Google Ads uploader")
    page.get_by_role("button", name="Create token").click()
    expect(page.get_by_text("Copy this token now: it is shown only once.")).to_be_visible()
    token = page.get_by_label("New API token").input_value()
    assert token.startswith("kvn_")
    expect(page.get_by_role("list", name="API tokens")).to_contain_text("Google Ads uploader")
    screenshot(page, "conversions-token-360")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    page.get_by_role("button", name="Revoke Google Ads uploader").click()
    expect(page.get_by_role("list", name="API tokens")).to_contain_text("Revoked")
    assert page.errors == []


def test_the_conversions_page_on_a_desktop(app, make, new_page):
    team = make.team()
    _queue(app, make, team.tenant)
    page = new_page(1280, 900)
    sign_in(page, team.manager.email, PASSWORD)
    page.goto("/conversions")
    expect(page.get_by_role("table")).to_contain_text("wbraid")
    expect(page.get_by_role("table")).to_contain_text("TRY48,000.00")
    expect(page.get_by_text("Only the owner can create API tokens.")).to_be_visible()
    screenshot(page, "conversions-1280")
    with page.expect_download():
        page.get_by_role("button", name="Download CSV").click()
    expect(page.get_by_role("list", name="Open batches")).to_contain_text("3 conversions")
    screenshot(page, "conversions-batch-1280")
    page.get_by_role("button", name="Release").click()
    expect(page.get_by_text("3 conversions are back in the queue.")).to_be_visible()
    page.get_by_role("link", name="Exported 0").click()
    expect(page.get_by_text("No conversion has been exported yet.")).to_be_visible()
    assert page.url.endswith("status=exported")
    assert page.errors == []
