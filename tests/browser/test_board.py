import re

from playwright.sync_api import expect

from tests.browser.conftest import screenshot, sign_in
from tests.factories import PASSWORD


def _card(page, name):
    return page.get_by_role("listitem", name=re.compile("^" + re.escape(name)))


def _column(page, stage_name):
    return page.get_by_role("list", name=stage_name, exact=True)


def _drag(page, source, target):
    box = source.bounding_box()
    goal = target.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + 12)
    page.mouse.down()
    steps = 12
    for i in range(1, steps + 1):
        page.mouse.move(
            box["x"] + box["width"] / 2 + (goal["x"] + goal["width"] / 2 - box["x"] - box["width"] / 2) * i / steps,
            box["y"] + 12 + (goal["y"] + 30 - box["y"] - 12) * i / steps,
        )
        page.wait_for_timeout(30)
    page.mouse.up()


def test_a_card_dragged_to_another_column_stays_there(make, new_page):
    team = make.team()
    stages = make.stages(team.tenant)
    make.customer(team.tenant, name="Sürüklenen Kart")
    make.customer(team.tenant, name="Hedefteki Kart", stage_id=stages[2].id)
    page = new_page()
    sign_in(page, team.agent.email, PASSWORD)
    page.goto("/pipeline")
    expect(page.locator("#live-status")).to_have_attribute("data-state", "open")
    _drag(page, _card(page, "Sürüklenen Kart"), _column(page, stages[2].name))
    expect(_column(page, stages[2].name).get_by_role("listitem", name=re.compile("^Sürüklenen Kart"))).to_be_visible()
    page.wait_for_timeout(300)
    page.reload()
    expect(_column(page, stages[2].name).get_by_role("listitem", name=re.compile("^Sürüklenen Kart"))).to_be_visible()
    expect(_column(page, stages[0].name).get_by_role("listitem", name=re.compile("^Sürüklenen Kart"))).to_have_count(0)
    assert page.errors == []


def test_a_card_dragged_within_its_column_keeps_its_new_place(make, new_page):
    team = make.team()
    for name in ("Alt", "Orta", "Üst"):  # the column reads Üst, Orta, Alt
        make.customer(team.tenant, name=name)
    first = make.stages(team.tenant)[0]
    page = new_page()
    sign_in(page, team.agent.email, PASSWORD)
    page.goto("/pipeline")
    _drag(page, _card(page, "Alt"), _card(page, "Üst"))
    page.wait_for_timeout(500)
    page.reload()
    names = _column(page, first.name).locator("li.kcard .kcard-name").all_inner_texts()
    assert names.index("Alt") < names.index("Orta")


def test_the_move_to_menu_works_from_the_keyboard(make, new_page):
    team = make.team()
    stages = make.stages(team.tenant)
    make.customer(team.tenant, name="Klavye Kartı")
    page = new_page()
    sign_in(page, team.agent.email, PASSWORD)
    page.goto("/pipeline")
    button = _card(page, "Klavye Kartı").get_by_role("button", name="Move to")
    button.focus()
    page.keyboard.press("Enter")
    menu = _card(page, "Klavye Kartı").get_by_role("menu")
    expect(menu).to_be_visible()
    for _ in range(3):
        page.keyboard.press("ArrowDown")
    expect(menu.get_by_role("menuitem", name=stages[3].name)).to_be_focused()
    page.keyboard.press("Enter")
    expect(_column(page, stages[3].name).get_by_role("listitem", name=re.compile("^Klavye Kartı"))).to_be_visible()


def test_a_manager_moves_several_cards_at_once(make, new_page):
    team = make.team()
    stages = make.stages(team.tenant)
    for name in ("Toplu Bir", "Toplu İki", "Kalan Üç"):
        make.customer(team.tenant, name=name)
    page = new_page()
    sign_in(page, team.manager.email, PASSWORD)
    page.goto("/pipeline")
    expect(page.locator("#live-status")).to_have_attribute("data-state", "open")
    page.get_by_role("button", name="Select cards").click()
    page.get_by_label("Select Toplu Bir").check()
    page.get_by_label("Select Toplu İki").check()
    bar = page.get_by_role("form", name="Selected cards")
    expect(bar).to_contain_text("2 selected")
    bar.get_by_label("Move the selected cards to").select_option(label=stages[4].name)
    bar.get_by_role("button", name="Move selected").click()
    target = _column(page, stages[4].name)
    expect(target.get_by_role("listitem", name=re.compile("^Toplu Bir"))).to_be_visible()
    expect(target.get_by_role("listitem", name=re.compile("^Toplu İki"))).to_be_visible()
    expect(_column(page, stages[0].name).get_by_role("listitem", name=re.compile("^Kalan Üç"))).to_be_visible()


def test_an_agent_sees_no_bulk_selection(make, new_page):
    team = make.team()
    page = new_page()
    sign_in(page, team.agent.email, PASSWORD)
    page.goto("/pipeline")
    expect(page.get_by_role("button", name="Select cards")).to_have_count(0)


def test_a_move_in_one_browser_appears_in_the_other_without_losing_its_place(make, new_page):
    team = make.team()
    stages = make.stages(team.tenant)
    for n in range(30):
        make.customer(team.tenant, name=f"Dolgu {n:02d}", stage_id=stages[1].id)
    make.customer(team.tenant, name="Canlı Kart")
    mover = new_page()
    sign_in(mover, team.agent.email, PASSWORD)
    mover.goto("/pipeline")
    watcher = new_page(1280, 700)
    sign_in(watcher, team.manager.email, PASSWORD)
    watcher.goto("/pipeline")
    expect(watcher.locator("#live-status")).to_have_attribute("data-state", "open")
    column = watcher.locator(f'ul.cards[data-stage-id="{stages[1].id}"]')
    menu_card = watcher.locator("li.kcard").filter(has_text="Dolgu 12")
    menu_card.get_by_role("button", name="Move to").click()  # an open menu must survive the update
    scrolled = column.evaluate("el => el.scrollTop")
    assert scrolled > 0

    _card(mover, "Canlı Kart").get_by_role("button", name="Move to").click()
    _card(mover, "Canlı Kart").get_by_role("menuitem", name=stages[2].name).click()

    expect(_column(watcher, stages[2].name).get_by_role("listitem", name=re.compile("^Canlı Kart"))).to_be_visible()
    expect(watcher.locator(f'section.column[data-stage-id="{stages[2].id}"] [data-count]')).to_have_text("1")
    assert column.evaluate("el => el.scrollTop") == scrolled
    expect(menu_card.get_by_role("menu")).to_be_visible()
    screenshot(watcher, "board-live-1280")
