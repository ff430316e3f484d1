"""The Sources report's pure parts: the period from the URL, zone offsets, the chart."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from app.tracking import classes
from app.tracking.sources import Day, chart, nice_ceiling, offset_changes, period_from_args

ISTANBUL = ZoneInfo("Europe/Istanbul")
TODAY = date(2024, 3, 20)


def test_it_defaults_to_the_last_30_days_including_today():
    period = period_from_args({}, ISTANBUL, TODAY)
    assert (period.first, period.last, period.preset) == (date(2024, 2, 20), TODAY, 30)
    assert len(period.days) == 30
    assert period.url_args() == {"days": 30}


@pytest.mark.parametrize("days", [7, 30, 90])
def test_it_takes_a_preset(days):
    period = period_from_args({"days": str(days)}, ISTANBUL, TODAY)
    assert period.preset == days and len(period.days) == days and period.last == TODAY


@pytest.mark.parametrize("days", ["3", "abc", "-7", "365"])
def test_it_ignores_an_unknown_preset(days):
    assert period_from_args({"days": days}, ISTANBUL, TODAY).preset == 30


def test_a_custom_period_is_inclusive_and_kept_in_the_url():
    period = period_from_args({"from": "2024-03-01", "to": "2024-03-07"}, ISTANBUL, TODAY)
    assert (period.first, period.last, period.preset) == (date(2024, 3, 1), date(2024, 3, 7), None)
    assert period.url_args() == {"from": "2024-03-01", "to": "2024-03-07"}
    # Local midnights in Istanbul (UTC+3) are 21:00 UTC the evening before.
    assert period.start == datetime(2024, 2, 29, 21, 0, tzinfo=UTC)
    assert period.end == datetime(2024, 3, 7, 21, 0, tzinfo=UTC)


def test_a_backwards_or_half_custom_period_still_makes_sense():
    backwards = period_from_args({"from": "2024-03-07", "to": "2024-03-01"}, ISTANBUL, TODAY)
    assert (backwards.first, backwards.last) == (date(2024, 3, 1), date(2024, 3, 7))
    single = period_from_args({"from": "2024-03-05", "to": "nonsense"}, ISTANBUL, TODAY)
    assert (single.first, single.last) == (date(2024, 3, 5), date(2024, 3, 5))


def test_a_custom_period_longer_than_a_year_keeps_its_last_year():
    period = period_from_args({"from": "2020-01-01", "to": "2024-03-01"}, ISTANBUL, TODAY)
    assert period.last == date(2024, 3, 1) and len(period.days) == 366


def test_istanbul_has_one_offset_all_year():
    period = period_from_args({"from": "2024-01-01", "to": "2024-12-31"}, ISTANBUL, TODAY)
    assert offset_changes(ISTANBUL, period.start, period.end) == [(period.start, 180)]


def test_it_finds_the_instants_a_zone_changes_its_offset():
    berlin = ZoneInfo("Europe/Berlin")
    period = period_from_args({"from": "2024-03-01", "to": "2024-11-30"}, berlin, TODAY)
    assert offset_changes(berlin, period.start, period.end) == [
        (period.start, 60),
        (datetime(2024, 3, 31, 1, 0, tzinfo=UTC), 120),
        (datetime(2024, 10, 27, 1, 0, tzinfo=UTC), 60),
    ]


@pytest.mark.parametrize(("busiest", "top"), [(0, 4), (3, 4), (5, 6), (9, 10), (11, 20), (21, 40), (61, 80), (81, 100)])
def test_the_chart_top_is_a_round_even_number(busiest, top):
    assert nice_ceiling(busiest) == top


def test_the_chart_stacks_the_classes_of_a_day_from_the_bottom():
    days = [
        Day(date(2024, 3, 1), {"S1": 2, "S2": 0, "S3": 0, "S4": 0, "S5": 2}),
        Day(date(2024, 3, 2), dict.fromkeys(classes.CLASSES, 0)),
    ]
    drawn = chart(days)
    assert drawn.width == 20 and drawn.top == 4 and drawn.ticks == [4, 2]
    s1, s5 = drawn.bars
    assert (s1.cls, s1.y, s1.height) == ("S1", 50, 50)  # the bottom half
    assert (s5.cls, s5.y, s5.height) == ("S5", 0, 50)  # on top of it
    assert s1.x == s5.x == 1 and s1.width == 8


def test_every_class_has_a_label_and_a_description():
    assert [code for code, _ in classes.options()] == list(classes.CLASSES)
    for code in classes.CLASSES:
        assert classes.label(code) and classes.description(code)
    assert classes.label("S9") == "S9" and classes.description("S9") == ""
