"""The slot engine on plain data: hours, breaks, buffers, several resources, days off, zones, midnight."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from app.booking.slots import ResourcePlan, free_slots, is_free, open_intervals

IST = ZoneInfo("Europe/Istanbul")
BERLIN = ZoneInfo("Europe/Berlin")
MONDAY = date(2027, 3, 1)
HOURS = {"mon": [["09:00", "12:00"]], "tue": [["09:00", "12:00"]]}


def local(day, hh, mm=0, zone=IST):
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=zone).astimezone(UTC)


def starts(slots, zone=IST):
    return [s.starts_at.astimezone(zone).strftime("%H:%M") for s in slots]


def slots_for(resources, kinds=("doctor",), minutes=30, buffer=0, days=(MONDAY,), zone=IST, step=30):
    return free_slots(
        kinds=list(kinds),
        resources=resources,
        duration=timedelta(minutes=minutes),
        buffer=timedelta(minutes=buffer),
        days=list(days),
        zone=zone,
        step=timedelta(minutes=step),
    )


def test_slots_fill_the_working_hours_on_the_step_grid():
    doctor = ResourcePlan(1, "doctor", HOURS)
    assert starts(slots_for([doctor])) == ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30"]


def test_a_break_is_cut_out():
    doctor = ResourcePlan(1, "doctor", HOURS, breaks={"mon": [["10:00", "10:45"]]})
    assert starts(slots_for([doctor])) == ["09:00", "09:30", "11:00", "11:30"]


def test_the_buffer_must_fit_before_the_next_hold_or_closing():
    held = (local(MONDAY, 11, 0), local(MONDAY, 11, 30))
    doctor = ResourcePlan(1, "doctor", HOURS, busy=(held,))
    assert starts(slots_for([doctor], minutes=30, buffer=15)) == ["09:00", "09:30", "10:00"]
    assert starts(slots_for([doctor], minutes=30, buffer=0)) == ["09:00", "09:30", "10:00", "10:30", "11:30"]


def test_a_service_needing_a_doctor_and_a_room_needs_both_free():
    doctor = ResourcePlan(1, "doctor", HOURS)
    room = ResourcePlan(2, "room", {"mon": [["10:00", "12:00"]]}, busy=((local(MONDAY, 11), local(MONDAY, 12)),))
    slots = slots_for([doctor, room], kinds=("doctor", "room"))
    assert starts(slots) == ["10:00", "10:30"]
    assert all(s.resource_ids == (1, 2) for s in slots)


def test_the_second_doctor_takes_over_when_the_first_is_busy():
    first = ResourcePlan(1, "doctor", HOURS, busy=((local(MONDAY, 9), local(MONDAY, 12)),))
    second = ResourcePlan(2, "doctor", {"mon": [["10:00", "11:00"]]})
    slots = slots_for([first, second])
    assert starts(slots) == ["10:00", "10:30"] and {s.resource_ids for s in slots} == {(2,)}


def test_a_day_off_or_holiday_has_no_slots():
    doctor = ResourcePlan(1, "doctor", HOURS, days_off=frozenset({MONDAY}))
    assert slots_for([doctor], days=(MONDAY, MONDAY + timedelta(days=1)))[0].starts_at.date() == MONDAY + timedelta(
        days=1
    )


def test_hours_past_midnight_belong_to_the_day_they_start():
    night = ResourcePlan(1, "doctor", {"mon": [["22:00", "01:00"]]})
    slots = slots_for([night], minutes=60, step=60)
    assert starts(slots) == ["22:00", "23:00", "00:00"]
    assert slots[-1].ends_at == local(MONDAY + timedelta(days=1), 1)
    assert is_free(night, local(MONDAY + timedelta(days=1), 0, 15), local(MONDAY + timedelta(days=1), 0, 45), IST)


def test_wall_clock_hours_stay_right_across_a_daylight_saving_change():
    # Berlin moves its clocks forward on 28 March 2027: 09:00 local is 07:00 UTC, the day before 08:00 UTC.
    sunday, saturday = date(2027, 3, 28), date(2027, 3, 27)
    plan = ResourcePlan(1, "doctor", {"sat": [["09:00", "10:00"]], "sun": [["09:00", "10:00"]]})
    assert slots_for([plan], days=(saturday,), zone=BERLIN)[0].starts_at.hour == 8
    assert slots_for([plan], days=(sunday,), zone=BERLIN)[0].starts_at.hour == 7


def test_the_engine_works_in_the_businesss_zone_not_utc():
    plan = ResourcePlan(1, "doctor", {"mon": [["09:00", "09:30"]]})
    [slot] = slots_for([plan])
    assert slot.starts_at == datetime(2027, 3, 1, 6, 0, tzinfo=UTC)  # Istanbul is UTC+3


def test_open_intervals_drop_breaks_and_holds():
    plan = ResourcePlan(
        1, "doctor", HOURS, breaks={"mon": [["10:00", "10:30"]]}, busy=((local(MONDAY, 11), local(MONDAY, 11, 30)),)
    )
    assert [
        (a.astimezone(IST).strftime("%H:%M"), b.astimezone(IST).strftime("%H:%M"))
        for a, b in open_intervals(plan, MONDAY, IST)
    ] == [("09:00", "10:00"), ("10:30", "11:00"), ("11:30", "12:00")]


def test_a_kind_nobody_offers_means_no_slots():
    assert slots_for([ResourcePlan(1, "doctor", HOURS)], kinds=("doctor", "device")) == []
