"""The slot engine: free times for a service, from working hours, breaks, days
off and existing holds. Pure functions over plain data, no database: the
services load the data once and ask here.

Times come in and go out as aware UTC datetimes; working hours are wall-clock
times in the business's zone, turned into real instants day by day (so DST
days are right), and an interval whose end is before its start runs past
midnight into the next day.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

Interval = tuple[datetime, datetime]


@dataclass(frozen=True)
class ResourcePlan:
    """What the engine needs to know about one resource."""

    id: int
    kind: str
    weekly_hours: dict  # {"mon": [["09:00", "18:00"]], ...}
    breaks: dict = field(default_factory=dict)
    days_off: frozenset[date] = frozenset()
    busy: tuple[Interval, ...] = ()  # sorted (start, blocked_until) holds


@dataclass(frozen=True)
class Slot:
    starts_at: datetime
    ends_at: datetime  # the appointment's end (the buffer comes after)
    resource_ids: tuple[int, ...]  # one per required kind, in the service's kind order


def _clock(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def _day_intervals(spec: dict, day: date, zone: ZoneInfo) -> list[Interval]:
    """The day's wall-clock intervals as UTC instants (an end before its start means the next day)."""
    found = []
    for start, end in spec.get(WEEKDAYS[day.weekday()], []) or []:
        begins = datetime.combine(day, _clock(start), tzinfo=zone)
        end_day = day if _clock(end) > _clock(start) else day + timedelta(days=1)
        ends = datetime.combine(end_day, _clock(end), tzinfo=zone)
        found.append((begins.astimezone(UTC), ends.astimezone(UTC)))
    return found


def _subtract(intervals: list[Interval], cuts: Iterable[Interval]) -> list[Interval]:
    result = intervals
    for cut_start, cut_end in cuts:
        next_round = []
        for start, end in result:
            if cut_end <= start or cut_start >= end:
                next_round.append((start, end))
                continue
            if start < cut_start:
                next_round.append((start, cut_start))
            if cut_end < end:
                next_round.append((cut_end, end))
        result = next_round
    return result


def open_intervals(resource: ResourcePlan, day: date, zone: ZoneInfo) -> list[Interval]:
    """When the resource works on `day` (intervals starting that day), breaks and holds removed."""
    if day in resource.days_off:
        return []
    hours = _day_intervals(resource.weekly_hours, day, zone)
    # Breaks of this day and of the previous day (one may run past midnight into this day's hours).
    cuts = _day_intervals(resource.breaks, day, zone) + _day_intervals(resource.breaks, day - timedelta(days=1), zone)
    return _subtract(hours, [*cuts, *resource.busy])


def _covers(intervals: Sequence[Interval], start: datetime, end: datetime) -> bool:
    return any(a <= start and end <= b for a, b in intervals)


def free_slots(
    *,
    kinds: Sequence[str],
    resources: Sequence[ResourcePlan],
    duration: timedelta,
    buffer: timedelta,
    days: Iterable[date],
    zone: ZoneInfo,
    step: timedelta = timedelta(minutes=30),
    not_before: datetime | None = None,
) -> list[Slot]:
    """Every start on the step grid where one resource of each kind is free for
    the duration plus the buffer. Among several free resources of a kind the
    first one (the resources' order) is offered."""
    if not kinds:
        return []
    needed = duration + buffer
    by_kind = {kind: [r for r in resources if r.kind == kind] for kind in kinds}
    if any(not group for group in by_kind.values()):
        return []
    slots: list[Slot] = []
    for day in days:
        open_by_resource = {r.id: open_intervals(r, day, zone) for r in resources}
        # Candidate starts: the step grid from local midnight, within someone's hours.
        midnight = datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC)
        earliest = min((a for ivs in open_by_resource.values() for a, _ in ivs), default=None)
        latest = max((b for ivs in open_by_resource.values() for _, b in ivs), default=None)
        if earliest is None:
            continue
        start = midnight + step * max(0, int((earliest - midnight) / step))
        # Past midnight too: a night shift's slots belong to the day the shift starts.
        while start + needed <= latest:
            if start >= earliest and (not_before is None or start >= not_before):
                chosen = []
                for kind in kinds:
                    match = next(
                        (r.id for r in by_kind[kind] if _covers(open_by_resource[r.id], start, start + needed)), None
                    )
                    if match is None:
                        break
                    chosen.append(match)
                else:
                    slots.append(Slot(start, start + duration, tuple(chosen)))
            start += step
    return slots


def is_free(resource: ResourcePlan, start: datetime, until: datetime, zone: ZoneInfo) -> bool:
    """Whether the resource works and is not held from `start` to `until`."""
    local_day = start.astimezone(zone).date()
    for day in (local_day - timedelta(days=1), local_day):
        if _covers(open_intervals(resource, day, zone), start, until):
            return True
    return False


def sorted_busy(holds: Iterable[Interval]) -> tuple[Interval, ...]:
    return tuple(sorted(holds))
