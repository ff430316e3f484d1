"""The Sources report: where visits, leads and conversions came from in a period.

Definitions (all over the tenant's website sessions that *started* in the period):

- **visitors**: distinct `visitor_id`s;
- **sessions**: the number of sessions;
- **leads**: distinct customers linked to one of those sessions (`customer_id`) who were themselves
  *created* in the period, i.e. new leads the visits brought, not known customers browsing again.
  A lead with sessions in two classes (or sources) counts in each row, so the rows of a table may add
  up to more than the total, which counts every lead once;
- **conversions**: the sum of `TrackingSession.conversions` (form submissions, tel: and WhatsApp clicks).

The period is a run of whole days in the tenant's time zone: a preset (the last 7, 30 or 90 days,
today included) or a custom from/to (inclusive). Its bounds become UTC instants, so every query is a
range on the (tenant_id, started_at) index, grouped in SQL. The chart's day of a session is computed in
SQL too: PostgreSQL converts with the zone's rules (`timezone(zone, started_at)`); SQLite has no zone
database, so it adds the zone's UTC offset, switching offset at the exact instants the zone changes it
inside the period (none for Europe/Istanbul, UTC+3 all year).

No Flask request in here: the routes parse the arguments and call `period_from_args` and `report`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, distinct, func, literal, select

from app.extensions import db
from app.models import Customer, TrackingSession
from app.tracking.classes import CLASSES

PRESETS = (7, 30, 90)
DEFAULT_DAYS = 30
MAX_DAYS = 366  # a custom range longer than a year is cut to its last year
TOP_SOURCES = 50
SORTS = ("sessions", "visitors", "leads", "conversions")


# ---------- the period ----------


@dataclass(frozen=True)
class Period:
    first: date  # inclusive, a day in the tenant's zone
    last: date  # inclusive
    zone: ZoneInfo
    preset: int | None = None  # 7, 30 or 90 when chosen from the presets

    @property
    def start(self) -> datetime:
        """The first day's local midnight, in UTC."""
        return _midnight(self.first, self.zone)

    @property
    def end(self) -> datetime:
        """The local midnight after the last day, in UTC (exclusive)."""
        return _midnight(self.last + timedelta(days=1), self.zone)

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]

    def url_args(self) -> dict[str, str | int]:
        """What keeps this period in a URL."""
        if self.preset:
            return {"days": self.preset}
        return {"from": self.first.isoformat(), "to": self.last.isoformat()}


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC)


def _day(raw: str | None) -> date | None:
    try:
        return date.fromisoformat((raw or "").strip())
    except ValueError:
        return None


def period_from_args(args: Mapping[str, str], zone: ZoneInfo, today: date) -> Period:
    """`?days=7|30|90` or `?from=YYYY-MM-DD&to=YYYY-MM-DD`; anything else is the last 30 days.

    A custom range given backwards is turned around; one side missing means a single day."""
    first, last = _day(args.get("from")), _day(args.get("to"))
    if first or last:
        first, last = first or last, last or first
        assert first is not None and last is not None
        if first > last:
            first, last = last, first
        first = max(first, last - timedelta(days=MAX_DAYS - 1))
        return Period(first, last, zone)
    try:
        days = int(args.get("days") or DEFAULT_DAYS)
    except ValueError:
        days = DEFAULT_DAYS
    days = days if days in PRESETS else DEFAULT_DAYS
    return Period(today - timedelta(days=days - 1), today, zone, preset=days)


# ---------- what the report holds ----------


@dataclass
class Counts:
    visitors: int = 0
    sessions: int = 0
    leads: int = 0
    conversions: int = 0

    @property
    def conversion_rate(self) -> float | None:
        """Conversions per session (a session can convert more than once)."""
        return self.conversions / self.sessions if self.sessions else None


@dataclass
class ClassRow(Counts):
    code: str = ""


@dataclass
class SourceRow(Counts):
    source: str = ""
    medium: str = ""
    campaign: str | None = None


@dataclass
class Day:
    day: date
    by_class: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.by_class.values())


@dataclass
class Report:
    period: Period
    totals: Counts
    by_class: list[ClassRow]
    by_source: list[SourceRow]
    source_combinations: int  # how many source/medium/campaign rows exist (by_source shows the top ones)
    daily: list[Day]
    sort: str = "sessions"


# ---------- the queries ----------


def _new_lead(period: Period):
    """The session's customer when that customer was created in the period, else NULL."""
    return case(
        (and_(Customer.created_at >= period.start, Customer.created_at < period.end), TrackingSession.customer_id),
        else_=None,
    )


def _measures(period: Period) -> list:
    return [
        func.count(distinct(TrackingSession.visitor_id)).label("visitors"),
        func.count(TrackingSession.id).label("sessions"),
        func.count(distinct(_new_lead(period))).label("leads"),
        func.coalesce(func.sum(TrackingSession.conversions), 0).label("conversions"),
    ]


def _in_period(tenant_id: int, period: Period, *columns):
    """SELECT `columns` over the tenant's sessions started in the period (the index range)."""
    return (
        select(*columns)
        .select_from(TrackingSession)
        .outerjoin(
            Customer,
            and_(Customer.id == TrackingSession.customer_id, Customer.tenant_id == TrackingSession.tenant_id),
        )
        .where(
            TrackingSession.tenant_id == tenant_id,
            TrackingSession.started_at >= period.start,
            TrackingSession.started_at < period.end,
        )
    )


def _counts(row, cls: type[Counts] = Counts, **extra) -> Counts:
    return cls(
        visitors=row.visitors or 0,
        sessions=row.sessions or 0,
        leads=row.leads or 0,
        conversions=int(row.conversions or 0),
        **extra,
    )


def totals(tenant_id: int, period: Period) -> Counts:
    row = db.session.execute(_in_period(tenant_id, period, *_measures(period))).one()
    return _counts(row)


def by_class(tenant_id: int, period: Period) -> list[ClassRow]:
    """One row per class, S1..S5, zeros included."""
    stmt = _in_period(tenant_id, period, TrackingSession.attribution_class, *_measures(period)).group_by(
        TrackingSession.attribution_class
    )
    found = {row.attribution_class: row for row in db.session.execute(stmt)}
    return [
        _counts(found[code], ClassRow, code=code) if code in found else ClassRow(code=code)  # type: ignore[misc]
        for code in CLASSES
    ]


def by_source(
    tenant_id: int, period: Period, sort: str = "sessions", limit: int = TOP_SOURCES
) -> tuple[list[SourceRow], int]:
    """The top `limit` source/medium/campaign rows by `sort` (descending), and how many rows there are."""
    sort = sort if sort in SORTS else "sessions"
    measures = _measures(period)
    keys = (TrackingSession.source, TrackingSession.medium, TrackingSession.campaign)
    grouped = _in_period(tenant_id, period, *keys, *measures).group_by(*keys)
    by_name = {m.name: m for m in measures}
    stmt = grouped.order_by(
        by_name[sort].desc(),
        by_name["sessions"].desc(),
        TrackingSession.source,
        TrackingSession.medium,
        TrackingSession.campaign.asc().nulls_first(),  # the same on both databases
    ).limit(limit)
    rows = [
        _counts(row, SourceRow, source=row.source, medium=row.medium, campaign=row.campaign)
        for row in db.session.execute(stmt)
    ]
    combinations = db.session.scalar(
        select(func.count()).select_from(_in_period(tenant_id, period, *keys).group_by(*keys).subquery())
    )
    return rows, combinations or 0  # type: ignore[return-value]


def offset_changes(zone: ZoneInfo, start: datetime, end: datetime) -> list[tuple[datetime, int]]:
    """The zone's UTC offset in minutes from `start`, and each instant in [start, end) where it changes:
    [(start, 180)] for Istanbul; two or three entries for a 90-day period across a DST change."""

    def minutes(moment: datetime) -> int:
        return int(moment.astimezone(zone).utcoffset().total_seconds() // 60)  # type: ignore[union-attr]

    changes = [(start, minutes(start))]
    step, here = timedelta(days=1), start
    while here < end:
        there = min(here + step, end)
        if minutes(there) != changes[-1][1]:
            low, high = here, there  # the change lies in (low, high]: narrow it to the second
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                if minutes(middle) == changes[-1][1]:
                    low = middle
                else:
                    high = middle
            changes.append((high.replace(microsecond=0), minutes(high)))
        here = there
    return changes


def _local_day(period: Period):
    """SQL for the session's day in the tenant's zone."""
    started = TrackingSession.started_at
    if db.session.get_bind().dialect.name == "postgresql":
        return func.date(func.timezone(period.zone.key, started))
    changes = offset_changes(period.zone, period.start, period.end)
    modifiers = [f"{offset:+d} minutes" for _, offset in changes]
    if len(changes) == 1:
        modifier = literal(modifiers[0])
    else:
        # Before the second change the first offset applies, and so on.
        modifier = case(
            *[(started < changes[n + 1][0], modifiers[n]) for n in range(len(changes) - 1)], else_=modifiers[-1]
        )
    return func.date(started, modifier)


def daily(tenant_id: int, period: Period) -> list[Day]:
    """Sessions per local day and class, every day of the period present."""
    inner = _in_period(
        tenant_id, period, _local_day(period).label("day"), TrackingSession.attribution_class.label("cls")
    ).subquery()
    stmt = select(inner.c.day, inner.c.cls, func.count()).group_by(inner.c.day, inner.c.cls)
    days = {day: Day(day, dict.fromkeys(CLASSES, 0)) for day in period.days}
    for raw_day, cls, count in db.session.execute(stmt):
        day = raw_day if isinstance(raw_day, date) else date.fromisoformat(str(raw_day))
        if day in days and cls in days[day].by_class:
            days[day].by_class[cls] = count
    return list(days.values())


def report(tenant_id: int, period: Period, sort: str = "sessions") -> Report:
    rows, combinations = by_source(tenant_id, period, sort)
    return Report(
        period=period,
        totals=totals(tenant_id, period),
        by_class=by_class(tenant_id, period),
        by_source=rows,
        source_combinations=combinations,
        daily=daily(tenant_id, period),
        sort=sort if sort in SORTS else "sessions",
    )


# ---------- the chart ----------


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    cls: str
    count: int
    day: date


@dataclass
class Chart:
    """A stacked bar per day, in a 0..width x 0..HEIGHT box (y grows downwards, as in SVG)."""

    width: int
    top: int  # the value at the top of the box: a round number at or above the busiest day
    bars: list[Bar]
    ticks: list[int]  # values of the horizontal guide lines, top first

    HEIGHT = 100

    def y_of(self, value: int) -> float:
        return self.HEIGHT - (value / self.top * self.HEIGHT if self.top else 0)


def nice_ceiling(value: int) -> int:
    """The smallest of 4, 6, 8, 10, 20, 40, 60, 80, 100, 200, ... at or above `value`: even, so the
    middle guide line is a whole number too."""
    value = max(value, 4)
    magnitude = 1
    while True:
        for step in (1, 2, 4, 6, 8):
            if step * magnitude >= value and step * magnitude % 2 == 0:
                return step * magnitude
        magnitude *= 10


def chart(days: list[Day], slot: int = 10, gap: float = 0.2) -> Chart:
    top = nice_ceiling(max((d.total for d in days), default=0))
    bars = []
    for n, day in enumerate(days):
        below = 0
        for cls in CLASSES:
            count = day.by_class.get(cls, 0)
            if not count:
                continue
            height = count / top * Chart.HEIGHT
            y = Chart.HEIGHT - below / top * Chart.HEIGHT - height
            bars.append(Bar(n * slot + slot * gap / 2, y, slot * (1 - gap), height, cls, count, day.day))
            below += count
    return Chart(width=len(days) * slot, top=top, bars=bars, ticks=[top, top // 2])
