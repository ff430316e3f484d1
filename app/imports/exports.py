"""The customer list as a CSV file that Excel opens correctly, and the error
report of an import in the same shape."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from flask_babel import to_user_timezone
from sqlalchemy import func, select, tuple_

from app import events
from app.customers.filters import CustomerFilter
from app.extensions import db
from app.imports import readers
from app.models import Customer, PipelineStage, Tag, Tenant, User, customer_tags
from app.pipeline.services import live_customers

BATCH = 500
BOM = "\ufeff"
COLUMNS = (
    _l("Name"),
    _l("Phone"),
    _l("E-mail"),
    _l("Stage"),
    _l("Assignee"),
    _l("Source"),
    _l("Campaign"),
    _l("Tags"),
    _l("Value"),
    _l("Lead score"),
    _l("Created"),
)
_NUMBER = re.compile(r"[+-]?[\d.,]+")


@dataclass(frozen=True)
class Dialect:
    """Turkish Excel lists with ";" and writes decimals with ","; English Excel uses "," and "."."""

    delimiter: str
    decimal: str


def dialect_for(locale: str) -> Dialect:
    return Dialect(";", ",") if locale.startswith("tr") else Dialect(",", ".")


def safe(value: object) -> str:
    """A cell Excel will not run as a formula (CSV injection); plain numbers stay numbers."""
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def csv_lines(rows: Iterable[Iterable[object]], dialect: Dialect) -> Iterator[str]:
    """UTF-8 text with a BOM, so Excel shows Turkish letters; one chunk per row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=dialect.delimiter, lineterminator="\r\n")
    yield BOM
    for row in rows:
        writer.writerow([safe(v) for v in row])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


# ---------- Customer export ----------


def matching(tenant_id: int, filters: CustomerFilter):
    return filters.apply(live_customers(tenant_id))


def count(tenant_id: int, filters: CustomerFilter) -> int:
    return db.session.scalar(select(func.count()).select_from(matching(tenant_id, filters).subquery())) or 0


def record(tenant: Tenant, actor: User, filters: CustomerFilter, exported: int) -> None:
    """Exports are audited: who took how many customers, under which filters."""
    events.emit(
        tenant,
        events.CUSTOMERS_EXPORTED,
        actor=actor,
        data={"count": exported, "filters": filters.query_string()},
    )


def customer_rows(tenant_id: int, filters: CustomerFilter, dialect: Dialect) -> Iterator[list[object]]:
    """The header, then every matching customer by name, read in batches (keyset, not OFFSET)
    as plain rows, so a large export never holds every customer in memory."""
    from app.customers.views import SOURCE_LABELS

    yield [str(c) for c in COLUMNS]
    base = (
        matching(tenant_id, filters)
        .with_only_columns(
            Customer.id,
            Customer.name,
            Customer.phone,
            Customer.email,
            PipelineStage.name,
            User.name,
            Customer.source,
            Customer.campaign,
            Customer.value_minor,
            Customer.lead_score,
            Customer.created_at,
        )
        .select_from(Customer)
        .join(PipelineStage, PipelineStage.id == Customer.stage_id)
        .outerjoin(User, User.id == Customer.assignee_id)
        .order_by(Customer.name, Customer.id)
        .limit(BATCH)
    )
    after: tuple[str, int] | None = None
    while True:
        stmt = base if after is None else base.where(tuple_(Customer.name, Customer.id) > tuple_(*after))
        batch = db.session.execute(stmt).all()
        tags = _tags_of([row[0] for row in batch])
        for cid, name, phone, email, stage, assignee, source, campaign, value, score, created in batch:
            yield [
                name,
                phone,
                email,
                stage,
                assignee,
                str(SOURCE_LABELS.get(source, source or "")),
                campaign,
                ", ".join(tags.get(cid, [])),
                money(value, dialect),
                score,
                to_user_timezone(created).strftime("%Y-%m-%d %H:%M"),
            ]
        if len(batch) < BATCH:
            return
        after = (batch[-1][1], batch[-1][0])


def _tags_of(customer_ids: list[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    if customer_ids:
        rows = db.session.execute(
            select(customer_tags.c.customer_id, Tag.name)
            .join(Tag, Tag.id == customer_tags.c.tag_id)
            .where(customer_tags.c.customer_id.in_(customer_ids))
            .order_by(Tag.name)
        )
        for customer_id, tag in rows:
            found.setdefault(customer_id, []).append(tag)
    return found


def money(minor: int, dialect: Dialect) -> str:
    whole, cents = divmod(int(minor or 0), 100)
    return f"{whole}{dialect.decimal}{cents:02d}"


# ---------- Import error report ----------


def error_rows(sheet: readers.Sheet, errors: list[dict]) -> Iterator[list[object]]:
    """Each skipped row as it was in the file, with what to fix in front: fix and upload again."""
    by_number = {row.number: row for row in sheet.rows}
    yield [str(_l("Row")), str(_l("Problems")), *sheet.headers]
    for entry in errors:
        row = by_number.get(entry.get("row"))
        yield [entry.get("row") or "", " ".join(entry.get("errors", [])), *(row.cells if row else ())]
