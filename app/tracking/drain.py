"""The drain: accepted batches → receipts, events, visitors, sessions, scores.

It runs as one job at a time (a lock), takes up to BATCH_ITEMS queued
batches per transaction and writes them in bulk: on PostgreSQL the receipts
insert is one `unnest` statement, visitors and sessions one upsert each and
the events one COPY into the month's partition. The receipts insert is the
idempotency authority: an event whose id is already there is dropped before
anything else happens, so a crash between commit and queue trim only causes
harmless re-reading.

Conversions (forms with contact details, tel:/WhatsApp clicks) are collected
and handed to one follow-up job per batch, so the drain itself never does
per-event CRM work."""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.dialects import sqlite

from app import jobqueue
from app.extensions import db
from app.lib.redis import client_for
from app.models import TrackingEvent, TrackingReceipt, TrackingSession, TrackingSite, TrackingVisitor
from app.tracking import attribution, scoring
from app.tracking.intake import get_intake, parse_element

log = logging.getLogger(__name__)

BATCH_ITEMS = 2000  # queued requests per transaction (1–20 events each)
SESSION_GAP = timedelta(minutes=30)
MAX_PAGES = 50
MAX_AGE = timedelta(days=7)  # older client timestamps are clamped (and a month partition must exist)
CONVERSION_CHUNK = 200
TIME_BUDGET = 20.0  # seconds per job run; a longer backlog continues in the next job


@dataclass
class Incoming:
    site_id: int
    tenant_id: int
    visitor: str
    received_at: datetime
    occurred_at: datetime
    attribution: dict
    event: dict
    campaign_key: tuple = ()  # of `attribution`, computed once per request


@dataclass
class VisitorState:
    visitor_id: str
    site_id: int
    tenant_id: int
    first_seen_at: datetime
    last_seen_at: datetime
    sessions_count: int = 0
    paid_before: bool = False
    session_id: uuid.UUID | None = None
    customer_id: int | None = None
    is_new: bool = False


@dataclass
class SessionState:
    id: uuid.UUID
    tenant_id: int
    site_id: int
    visitor_id: str
    started_at: datetime
    last_seen_at: datetime
    landing_url: str = ""
    referrer: str = ""
    source: str = "(direct)"
    medium: str = "(none)"
    campaign: str | None = None
    utm: dict = field(default_factory=dict)
    gclid: str | None = None
    wbraid: str | None = None
    gbraid: str | None = None
    fbclid: str | None = None
    attribution_class: str = "S5"
    pageviews: int = 0
    events_count: int = 0
    engaged_seconds: int = 0
    max_scroll: int = 0
    conversions: int = 0
    visit_number: int = 1
    contact_clicked_at: datetime | None = None
    pages: list = field(default_factory=list)
    lead_score: int = 0
    score_reasons: list = field(default_factory=list)
    customer_id: int | None = None
    campaign_key: tuple = ()

    def rescore(self) -> None:
        self.lead_score, self.score_reasons = scoring.score(
            scoring.Signals(
                conversions=self.conversions,
                max_scroll=self.max_scroll,
                engaged_seconds=self.engaged_seconds,
                pageviews=self.pageviews,
                visit_number=self.visit_number,
                source=self.source,
                attribution_class=self.attribution_class,
            )
        )


SESSION_COLUMNS = (
    "id", "tenant_id", "site_id", "visitor_id", "started_at", "last_seen_at", "landing_url", "referrer", "source",
    "medium", "campaign", "utm", "gclid", "wbraid", "gbraid", "fbclid", "attribution_class", "pageviews",
    "events_count", "engaged_seconds", "max_scroll", "conversions", "visit_number", "contact_clicked_at", "pages",
    "lead_score", "score_reasons", "customer_id",
)  # fmt: skip
# What a later batch may change on an existing session (never customer_id: the conversion job owns it).
SESSION_MUTABLE = (
    "started_at", "last_seen_at", "pageviews", "events_count", "engaged_seconds", "max_scroll", "conversions",
    "contact_clicked_at", "pages", "lead_score", "score_reasons",
)  # fmt: skip
VISITOR_COLUMNS = (
    "visitor_id", "site_id", "tenant_id", "first_seen_at", "last_seen_at", "sessions_count", "paid_before",
    "session_id", "customer_id",
)  # fmt: skip
EVENT_TYPES = (
    "int4", "text", "timestamptz", "int4", "uuid", "text", "text", "text", "text", "timestamptz", "timestamptz",
)  # fmt: skip
EVENT_COLUMNS = (
    "site_id", "event_id", "occurred_at", "tenant_id", "session_id", "visitor_id", "type", "url", "data",
    "received_at", "stored_at",
)  # fmt: skip


# --- parsing -----------------------------------------------------------------------


def parse(items: list[str]) -> list[Incoming]:
    """Queue elements → the new events they carry, with corrected times."""
    out: list[Incoming] = []
    for item in items:
        try:
            indices, site_id, tenant_id, received_ms, raw = parse_element(item)
            batch = json.loads(raw)
        except ValueError:
            log.error("tracking drain: unreadable queue element dropped: %.200r", item)
            continue
        received_at = datetime.fromtimestamp(received_ms / 1000, UTC)
        # The client's clock may be off: shift its times by the skew seen at sending.
        skew_ms = received_ms - batch["sent_at"] if isinstance(batch.get("sent_at"), int) else 0
        oldest = received_at - MAX_AGE
        events = batch["events"]
        tags = batch.get("attribution") or {}
        key = attribution.campaign_key(tags)
        for index in indices:
            if index >= len(events):
                continue
            event = events[index]
            occurred = datetime.fromtimestamp((event["ts"] + skew_ms) / 1000, UTC)
            occurred = min(max(occurred, oldest), received_at)
            out.append(Incoming(site_id, tenant_id, batch["visitor"], received_at, occurred, tags, event, key))
    return out


# --- the drain loop ------------------------------------------------------------------

_local_lock = threading.Lock()


@contextmanager
def _exclusive() -> Iterator[bool]:
    """One drain at a time across processes (Redis) or threads (embedded)."""
    url = current_app.config.get("REDIS_URL")
    if not url:
        got = _local_lock.acquire(blocking=False)
        try:
            yield got
        finally:
            if got:
                _local_lock.release()
        return
    client = client_for(url)
    key = f"{current_app.config['TRACKING_REDIS_PREFIX']}:drain-lock"
    token = uuid.uuid4().hex
    got = bool(client.set(key, token, nx=True, px=120_000))
    try:
        yield got
    finally:
        if got and client.get(key) in (token, token.encode()):
            client.delete(key)


def drain(budget: float = TIME_BUDGET, batch_items: int = BATCH_ITEMS) -> int:
    """Process what is queued; returns the number of events stored."""
    intake = get_intake()
    intake.woken()
    stored = 0
    started = time.monotonic()
    with _exclusive() as got:
        if not got:
            return 0  # another drain is running and will see these batches too
        while True:
            items = intake.peek(batch_items)
            if not items:
                break
            result = store(parse(items))
            stored += result.events
            intake.commit_and_ack(len(items))
            result.after_commit()
            if len(items) < batch_items:
                break
            if time.monotonic() - started > budget:
                from jobs.tracking import drain_tracking

                jobqueue.enqueue(drain_tracking)
                break
    return stored


# --- storing one batch ---------------------------------------------------------------


@dataclass
class Stored:
    events: int
    conversions: list[dict]
    sites_seen: dict[int, tuple[int, datetime]]  # site id -> (tenant id, last received)

    def after_commit(self) -> None:
        from jobs.tracking import process_conversions

        for start in range(0, len(self.conversions), CONVERSION_CHUNK):
            jobqueue.enqueue(
                process_conversions, self.conversions[start : start + CONVERSION_CHUNK], priority=jobqueue.LOW
            )
        _announce(self.sites_seen)

    def __post_init__(self) -> None:
        # Forms first: a click made just before the form then finds its new customer.
        self.conversions.sort(key=lambda conversion: conversion["kind"] != "form")


def store(incoming: list[Incoming]) -> Stored:
    if not incoming:
        return Stored(0, [], {})
    writer = _writer()
    fresh = writer.claim_receipts(incoming)
    incoming = [item for item in incoming if (item.site_id, item.event["id"]) in fresh]
    if not incoming:
        return Stored(0, [], {})
    incoming.sort(key=lambda item: item.occurred_at)
    visitors = writer.load_visitors({(item.site_id, item.visitor) for item in incoming})
    sessions = writer.load_sessions([v.session_id for v in visitors.values() if v.session_id])
    now = datetime.now(UTC)
    touched: dict[uuid.UUID, SessionState] = {}
    event_rows: list[tuple] = []
    conversions: list[dict] = []
    # Visitors who send a contact form in this batch: their clicks, before or after it, are theirs too.
    identified = {
        (item.site_id, item.visitor)
        for item in incoming
        if item.event["type"] == "form" and _contact_fields(item.event.get("data") or {})
    }
    sites_seen: dict[int, tuple[int, datetime]] = {}
    for item in incoming:
        key = (item.site_id, item.visitor)
        visitor = visitors.get(key)
        if visitor is None:
            visitor = VisitorState(item.visitor, item.site_id, item.tenant_id, item.occurred_at, item.occurred_at,
                                   is_new=True)  # fmt: skip
            visitors[key] = visitor
        session = sessions.get(visitor.session_id) if visitor.session_id else None
        if session is None or _starts_new_session(session, item):
            session = _open_session(visitor, item)
            sessions[session.id] = session
        _apply(session, item)
        touched[session.id] = session
        visitor.last_seen_at = max(visitor.last_seen_at, item.occurred_at)
        event_rows.append(
            (item.site_id, item.event["id"], item.occurred_at, item.tenant_id, session.id, item.visitor,
             item.event["type"], item.event.get("url", ""), _json_text(item.event.get("data")),
             item.received_at, now)
        )  # fmt: skip
        conversion = _conversion(item, session, known=visitor.customer_id is not None or key in identified)
        if conversion is not None:
            conversions.append(conversion)
        seen = sites_seen.get(item.site_id)
        if seen is None or seen[1] < item.received_at:
            sites_seen[item.site_id] = (item.tenant_id, item.received_at)
    for session in touched.values():
        session.rescore()
    writer.write_visitors(list(visitors.values()))
    writer.write_sessions(list(touched.values()))
    writer.write_events(event_rows)
    for site_id, (_, last) in sites_seen.items():
        db.session.execute(update(TrackingSite).where(TrackingSite.id == site_id).values(last_event_at=last))
    return Stored(len(event_rows), conversions, sites_seen)


def _json_text(data: dict | None) -> str:
    return json.dumps(data) if data else "{}"  # most events (page views) carry no data


def _starts_new_session(session: SessionState, item: Incoming) -> bool:
    if item.occurred_at - session.last_seen_at > SESSION_GAP:
        return True
    # A landing with other campaign tags mid-session is a new session (as in GA).
    return any(item.campaign_key) and item.campaign_key != session.campaign_key


def _open_session(visitor: VisitorState, item: Incoming) -> SessionState:
    tags = item.attribution
    origin = attribution.origin(tags)
    klass = attribution.classify(tags, origin, visitor.paid_before)
    visitor.sessions_count += 1
    session = SessionState(
        id=uuid.uuid4(),
        tenant_id=item.tenant_id,
        site_id=item.site_id,
        visitor_id=item.visitor,
        started_at=item.occurred_at,
        last_seen_at=item.occurred_at,
        landing_url=(tags.get("landing") or item.event.get("url") or "")[:2048],
        referrer=(tags.get("referrer") or "")[:2048],
        source=origin.source,
        medium=origin.medium,
        campaign=origin.campaign,
        utm={
            k: tags[k] for k in ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content") if tags.get(k)
        },
        gclid=tags.get("gclid"),
        wbraid=tags.get("wbraid"),
        gbraid=tags.get("gbraid"),
        fbclid=tags.get("fbclid"),
        attribution_class=klass,
        visit_number=visitor.sessions_count,
        customer_id=visitor.customer_id,
        campaign_key=item.campaign_key,
    )
    if attribution.is_paid(klass):
        visitor.paid_before = True
    visitor.session_id = session.id
    return session


def _path(url: str) -> str:
    try:
        parts = urlsplit(url)
    except ValueError:
        return url[:200]
    return (parts.path or "/")[:200]


def _apply(session: SessionState, item: Incoming) -> None:
    event, data = item.event, item.event.get("data") or {}
    session.events_count += 1
    session.started_at = min(session.started_at, item.occurred_at)
    session.last_seen_at = max(session.last_seen_at, item.occurred_at)
    kind = event["type"]
    if kind == "pageview":
        session.pageviews += 1
        if len(session.pages) < MAX_PAGES:
            session.pages = [*session.pages, _path(event.get("url", ""))]
    elif kind == "engagement":
        session.engaged_seconds += int(data.get("seconds") or 0)
        session.max_scroll = max(session.max_scroll, int(data.get("scroll") or 0))
    elif kind == "click":
        session.conversions += 1
        session.contact_clicked_at = max(filter(None, (session.contact_clicked_at, item.occurred_at)))
    elif kind == "form" and _contact_fields(data):
        session.conversions += 1


def _contact_fields(data: dict) -> dict:
    fields = data.get("fields") or {}
    return fields if data.get("tracked") and (fields.get("phone") or fields.get("email")) else {}


def _conversion(item: Incoming, session: SessionState, known: bool) -> dict | None:
    """What the follow-up job needs to turn a conversion into CRM work (no event re-reading).

    A tel:/WhatsApp click only matters to the CRM once the visitor is a known
    customer (or sent a form earlier in this batch); an anonymous click stays on
    its session, where a reported call finds it."""
    event, data = item.event, item.event.get("data") or {}
    if event["type"] == "form":
        fields = _contact_fields(data)
        if not fields:
            return None
        payload = {"kind": "form", "fields": fields, "form": data.get("form") or ""}
    elif event["type"] == "click" and known:
        payload = {"kind": data.get("kind") or "tel", "target": data.get("target") or ""}
    else:
        return None
    return {
        **payload,
        "tenant_id": item.tenant_id,
        "site_id": item.site_id,
        "visitor_id": item.visitor,
        "session_id": str(session.id),
        "event_id": event["id"],
        "occurred_at": item.occurred_at.isoformat(),
        "url": event.get("url", ""),
    }


ANNOUNCE_EVERY = 2.0  # seconds between "events arriving" hints per site
_announced: dict[int, float] = {}


def _announce(sites_seen: dict[int, tuple[int, datetime]]) -> None:
    """Tell open Tracking settings pages that a site is receiving events (throttled per site)."""
    from app.tracking import live

    now = time.monotonic()
    for site_id, (tenant_id, last) in sites_seen.items():
        if now - _announced.get(site_id, -ANNOUNCE_EVERY) < ANNOUNCE_EVERY:
            continue
        _announced[site_id] = now
        try:
            live.publish_site_seen(tenant_id, site_id, last)
        except Exception:  # a live hint must never fail a drain that has committed
            log.exception("tracking drain: live update failed")


# --- writers -------------------------------------------------------------------------


def _writer() -> _Writer:
    return _PostgresWriter() if db.engine.dialect.name == "postgresql" else _Writer()


class _Writer:
    """Portable bulk writes through SQLAlchemy Core (SQLite, the embedded run)."""

    chunk = 500

    def _chunks(self, rows: list) -> Iterator[list]:
        for start in range(0, len(rows), self.chunk):
            yield rows[start : start + self.chunk]

    def claim_receipts(self, incoming: list[Incoming]) -> set[tuple[int, str]]:
        rows = [
            {"site_id": i.site_id, "event_id": i.event["id"], "tenant_id": i.tenant_id, "received_at": i.received_at}
            for i in incoming
        ]
        stmt = sqlite.insert(TrackingReceipt).on_conflict_do_nothing()
        returned = db.session.execute(stmt.returning(TrackingReceipt.site_id, TrackingReceipt.event_id), rows)
        return {(row.site_id, row.event_id) for row in returned}

    def load_visitors(self, keys: set[tuple[int, str]]) -> dict[tuple[int, str], VisitorState]:
        found: dict[tuple[int, str], VisitorState] = {}
        ids = sorted({visitor for _, visitor in keys})
        for chunk in self._chunks(ids):
            for row in db.session.execute(
                select(TrackingVisitor).where(TrackingVisitor.visitor_id.in_(chunk))
            ).scalars():
                if (row.site_id, row.visitor_id) in keys:
                    found[(row.site_id, row.visitor_id)] = VisitorState(
                        **{name: getattr(row, name) for name in VISITOR_COLUMNS}
                    )
        return found

    def load_sessions(self, ids: list[uuid.UUID]) -> dict[uuid.UUID, SessionState]:
        found: dict[uuid.UUID, SessionState] = {}
        for chunk in self._chunks(ids):
            for row in db.session.execute(select(TrackingSession).where(TrackingSession.id.in_(chunk))).scalars():
                state = SessionState(**{name: getattr(row, name) for name in SESSION_COLUMNS})
                state.campaign_key = attribution.campaign_key({**state.utm, **_click_ids(state)})
                found[row.id] = state
        return found

    def write_visitors(self, visitors: list[VisitorState]) -> None:
        rows = [{name: getattr(v, name) for name in VISITOR_COLUMNS} for v in visitors]
        stmt = sqlite.insert(TrackingVisitor)
        stmt = stmt.on_conflict_do_update(
            index_elements=["visitor_id", "site_id"],
            set_={k: stmt.excluded[k] for k in ("last_seen_at", "sessions_count", "paid_before", "session_id")},
        )
        db.session.execute(stmt, rows)

    def write_sessions(self, sessions: list[SessionState]) -> None:
        rows = [{name: getattr(s, name) for name in SESSION_COLUMNS} for s in sessions]
        stmt = sqlite.insert(TrackingSession)
        stmt = stmt.on_conflict_do_update(index_elements=["id"], set_={k: stmt.excluded[k] for k in SESSION_MUTABLE})
        db.session.execute(stmt, rows)

    def write_events(self, rows: list[tuple]) -> None:
        table = TrackingEvent.__table__
        dicts = [dict(zip(EVENT_COLUMNS, row, strict=True)) for row in rows]
        for record in dicts:
            record["data"] = json.loads(record["data"])
        db.session.execute(table.insert(), dicts)


class _PostgresWriter(_Writer):
    """The same writes as single array statements and a COPY: this is where the drain rate comes from.
    Arrays go as binary parameters (%b): in text form psycopg escapes every element in Python."""

    _partitions: set[tuple[str, str]] = set()  # (database, partition) known to exist

    def _cursor(self):
        return db.session.connection().connection.dbapi_connection.cursor()

    def claim_receipts(self, incoming: list[Incoming]) -> set[tuple[int, str]]:
        with self._cursor() as cur:
            cur.execute(
                "INSERT INTO tracking_receipts (site_id, event_id, tenant_id, received_at) "
                "SELECT * FROM unnest(%b::int[], %b::text[], %b::int[], %b::timestamptz[]) "
                "ON CONFLICT DO NOTHING RETURNING site_id, event_id",
                (
                    [i.site_id for i in incoming],
                    [i.event["id"] for i in incoming],
                    [i.tenant_id for i in incoming],
                    [i.received_at for i in incoming],
                ),
            )
            return {(row[0], row[1]) for row in cur.fetchall()}

    def load_visitors(self, keys: set[tuple[int, str]]) -> dict[tuple[int, str], VisitorState]:
        with self._cursor() as cur:
            cur.execute(
                f"SELECT {', '.join(VISITOR_COLUMNS)} FROM tracking_visitors WHERE visitor_id = ANY(%b)",
                (sorted({visitor for _, visitor in keys}),),
            )
            found = {}
            for row in cur.fetchall():
                state = VisitorState(*row)
                if (state.site_id, state.visitor_id) in keys:
                    found[(state.site_id, state.visitor_id)] = state
            return found

    def load_sessions(self, ids: list[uuid.UUID]) -> dict[uuid.UUID, SessionState]:
        if not ids:
            return {}
        with self._cursor() as cur:
            cur.execute(f"SELECT {', '.join(SESSION_COLUMNS)} FROM tracking_sessions WHERE id = ANY(%b)", (ids,))
            found = {}
            for row in cur.fetchall():
                state = SessionState(*row)
                state.campaign_key = attribution.campaign_key({**state.utm, **_click_ids(state)})
                found[state.id] = state
            return found

    def write_visitors(self, visitors: list[VisitorState]) -> None:
        with self._cursor() as cur:
            cur.execute(
                "INSERT INTO tracking_visitors (visitor_id, site_id, tenant_id, first_seen_at, last_seen_at, "
                "sessions_count, paid_before, session_id, customer_id) "
                "SELECT * FROM unnest(%b::text[], %b::int[], %b::int[], %b::timestamptz[], %b::timestamptz[], "
                "%b::int[], %b::bool[], %b::uuid[], %b::int[]) "
                "ON CONFLICT (visitor_id, site_id) DO UPDATE SET last_seen_at = EXCLUDED.last_seen_at, "
                "sessions_count = EXCLUDED.sessions_count, paid_before = EXCLUDED.paid_before, "
                "session_id = EXCLUDED.session_id",
                [[getattr(v, name) for v in visitors] for name in VISITOR_COLUMNS],
            )

    def write_sessions(self, sessions: list[SessionState]) -> None:
        types = {
            "id": "uuid", "tenant_id": "int", "site_id": "int", "visitor_id": "text", "started_at": "timestamptz",
            "last_seen_at": "timestamptz", "landing_url": "text", "referrer": "text", "source": "text",
            "medium": "text", "campaign": "text", "utm": "json", "gclid": "text", "wbraid": "text", "gbraid": "text",
            "fbclid": "text", "attribution_class": "text", "pageviews": "int", "events_count": "int",
            "engaged_seconds": "int", "max_scroll": "int", "conversions": "int", "visit_number": "int",
            "contact_clicked_at": "timestamptz", "pages": "json", "lead_score": "int", "score_reasons": "json",
            "customer_id": "int",
        }  # fmt: skip
        arrays = []
        for name in SESSION_COLUMNS:
            values = [getattr(s, name) for s in sessions]
            if types[name] == "json":
                values = [json.dumps(v) for v in values]
            arrays.append(values)
        placeholders = ", ".join(f"%b::{'text' if types[n] == 'json' else types[n]}[]" for n in SESSION_COLUMNS)
        select_list = ", ".join(f"{n}::json" if types[n] == "json" else n for n in SESSION_COLUMNS)
        with self._cursor() as cur:
            cur.execute(
                f"INSERT INTO tracking_sessions ({', '.join(SESSION_COLUMNS)}) "
                f"SELECT {select_list} FROM unnest({placeholders}) AS u({', '.join(SESSION_COLUMNS)}) "
                f"ON CONFLICT (id) DO UPDATE SET " + ", ".join(f"{n} = EXCLUDED.{n}" for n in SESSION_MUTABLE),
                arrays,
            )

    def write_events(self, rows: list[tuple]) -> None:
        self._ensure_partitions({row[2] for row in rows})
        columns = ", ".join(EVENT_COLUMNS)
        with self._cursor() as cur, cur.copy(f"COPY tracking_events ({columns}) FROM STDIN (FORMAT BINARY)") as copy:
            # json's binary wire format is its text, so the serialised data goes as text.
            copy.set_types(EVENT_TYPES)
            for row in rows:
                copy.write_row(row)

    def _ensure_partitions(self, times: set[datetime]) -> None:
        months = {(t.year, t.month) for t in times}
        for year, month in sorted(months):
            name = f"tracking_events_{year}{month:02d}"
            known = (str(db.engine.url), name)
            if known in self._partitions:
                continue
            start = datetime(year, month, 1, tzinfo=UTC)
            end = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=UTC)
            with self._cursor() as cur:
                cur.execute("SELECT to_regclass(%s)", (name,))
                if cur.fetchone()[0] is None:
                    cur.execute("SAVEPOINT partition")
                    try:
                        cur.execute(
                            f"CREATE TABLE IF NOT EXISTS {name} PARTITION OF tracking_events "
                            f"FOR VALUES FROM ('{start.isoformat()}') TO ('{end.isoformat()}')"
                        )
                        cur.execute("RELEASE SAVEPOINT partition")
                    except Exception:
                        # Rows of that month already sit in the default partition: keep using it.
                        cur.execute("ROLLBACK TO SAVEPOINT partition")
                        log.warning("tracking drain: could not add partition %s; rows go to the default", name)
            self._partitions.add(known)


def _click_ids(state: SessionState) -> dict[str, Any]:
    return {k: v for k in ("gclid", "wbraid", "gbraid", "fbclid") if (v := getattr(state, k))}
