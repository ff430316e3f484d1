"""The kanban board: columns with counts and totals, card pages, moves.

Cards are ordered by (position, id) within a stage. A move places the card
between its new neighbours (the midpoint of their positions), so one row
changes; when two neighbours get too close, that column is renumbered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, func, select, tuple_
from sqlalchemy.orm import joinedload, selectinload

from app import events
from app.customers.filters import CustomerFilter
from app.customers.services import CustomerError
from app.extensions import db
from app.models import Customer, PipelineStage, Tenant, User

PAGE_SIZE = 25
MIN_GAP = 1e-6
SPACING = 1024.0


@dataclass
class Column:
    stage: PipelineStage
    count: int
    total_minor: int
    cards: list[Customer]
    has_more: bool


def live_customers(tenant_id: int):
    return select(Customer).where(
        Customer.tenant_id == tenant_id, Customer.deleted_at.is_(None), Customer.merged_into_id.is_(None)
    )


def is_on_board(tenant_id: int, customer_id: int, filters: CustomerFilter) -> bool:
    """Whether the card is live and matches the filters, so the board shows it."""
    stmt = filters.apply(live_customers(tenant_id)).with_only_columns(Customer.id).where(Customer.id == customer_id)
    return db.session.scalar(stmt) is not None


def stages(tenant_id: int) -> list[PipelineStage]:
    return list(
        db.session.scalars(
            select(PipelineStage).where(PipelineStage.tenant_id == tenant_id).order_by(PipelineStage.position)
        )
    )


def summary(tenant_id: int, filters: CustomerFilter) -> dict[int, tuple[int, int]]:
    """stage id -> (cards, total value in minor units), under the filters."""
    base = filters.apply(live_customers(tenant_id)).subquery()
    rows = db.session.execute(
        select(base.c.stage_id, func.count(), func.coalesce(func.sum(base.c.value_minor), 0)).group_by(base.c.stage_id)
    )
    return {stage_id: (count, total) for stage_id, count, total in rows}


def cards(
    tenant_id: int,
    stage_id: int,
    filters: CustomerFilter,
    *,
    after: tuple[float, int] | None = None,
    limit: int = PAGE_SIZE,
) -> tuple[list[Customer], bool]:
    """One page of a column, after the (position, id) cursor; and whether more follow."""
    stmt = (
        filters.apply(live_customers(tenant_id))
        .where(Customer.stage_id == stage_id)
        .options(joinedload(Customer.assignee), selectinload(Customer.tags))
        .order_by(Customer.position, Customer.id)
        .limit(limit + 1)
    )
    if after is not None:
        stmt = stmt.where(tuple_(Customer.position, Customer.id) > tuple_(*after))
    rows = list(db.session.scalars(stmt).unique())
    return rows[:limit], len(rows) > limit


def board(tenant: Tenant, filters: CustomerFilter) -> list[Column]:
    """Every column's first page in one query (a window per stage), plus the counts."""
    counts = summary(tenant.id, filters)
    ranked = (
        filters.apply(live_customers(tenant.id))
        .with_only_columns(
            Customer.id,
            func.row_number()
            .over(partition_by=Customer.stage_id, order_by=(Customer.position, Customer.id))
            .label("rank"),
        )
        .subquery()
    )
    rows = db.session.scalars(
        select(Customer)
        .join(ranked, ranked.c.id == Customer.id)
        .where(ranked.c.rank <= PAGE_SIZE + 1)
        .options(joinedload(Customer.assignee), selectinload(Customer.tags))
        .order_by(Customer.stage_id, Customer.position, Customer.id)
    ).unique()
    by_stage: dict[int, list[Customer]] = {}
    for customer in rows:
        by_stage.setdefault(customer.stage_id, []).append(customer)
    columns = []
    for stage in stages(tenant.id):
        count, total = counts.get(stage.id, (0, 0))
        page = by_stage.get(stage.id, [])
        columns.append(Column(stage, count, total, page[:PAGE_SIZE], len(page) > PAGE_SIZE))
    return columns


def _position_of(tenant_id: int, customer_id: int | None) -> tuple[float, int] | None:
    if not customer_id:
        return None
    row = db.session.execute(
        select(Customer.position, Customer.stage_id).where(
            Customer.id == customer_id, Customer.tenant_id == tenant_id, Customer.deleted_at.is_(None)
        )
    ).first()
    return (row[0], row[1]) if row else None


def top_position_for(tenant_id: int, stage_id: int) -> float:
    lowest = db.session.scalar(
        live_customers(tenant_id).with_only_columns(func.min(Customer.position)).where(Customer.stage_id == stage_id)
    )
    return 0.0 if lowest is None else lowest - SPACING


def _renumber(tenant_id: int, stage_id: int) -> None:
    ids = db.session.scalars(
        live_customers(tenant_id)
        .with_only_columns(Customer.id)
        .where(Customer.stage_id == stage_id)
        .order_by(Customer.position, Customer.id)
    )
    rows = [{"row_id": customer_id, "new_position": index * SPACING} for index, customer_id in enumerate(ids)]
    if rows:
        # One executemany, not a round trip per card.
        db.session.execute(
            Customer.__table__.update()
            .where(Customer.id == bindparam("row_id"))
            .values(position=bindparam("new_position")),
            rows,
        )


def _between(tenant_id: int, stage_id: int, above_id: int | None, below_id: int | None) -> float | None:
    above = _position_of(tenant_id, above_id)
    below = _position_of(tenant_id, below_id)
    above = above[0] if above and above[1] == stage_id else None
    below = below[0] if below and below[1] == stage_id else None
    if above is not None and below is not None:
        if below - above < MIN_GAP:
            return None
        return (above + below) / 2
    if above is not None:
        return above + SPACING
    if below is not None:
        return below - SPACING
    return top_position_for(tenant_id, stage_id)


def move(
    customer: Customer,
    actor: User | None,
    stage_id: int,
    *,
    above_id: int | None = None,
    below_id: int | None = None,
    occurred_at: datetime | None = None,
) -> Customer:
    """Put the card in `stage_id`, between the cards `above_id` and `below_id`
    (either may be None: top of the column when both are). `occurred_at` is for
    imported and demo history."""
    stage = db.session.get(PipelineStage, stage_id)
    if stage is None or stage.tenant_id != customer.tenant_id:
        raise CustomerError(_l("Choose one of your stages."))
    if not customer.is_live:
        raise CustomerError(_l("This customer no longer exists."))
    # Serialise concurrent moves of one card: the later mover waits, then wins.
    db.session.execute(select(Customer.id).where(Customer.id == customer.id).with_for_update())
    db.session.refresh(customer)
    from_stage = db.session.get(PipelineStage, customer.stage_id)
    ignore = {customer.id}
    above_id = above_id if above_id not in ignore else None
    below_id = below_id if below_id not in ignore else None
    position = _between(customer.tenant_id, stage.id, above_id, below_id)
    if position is None:
        _renumber(customer.tenant_id, stage.id)
        position = _between(customer.tenant_id, stage.id, above_id, below_id)
    customer.stage_id = stage.id
    customer.position = position
    db.session.flush()
    events.emit(
        customer.tenant_id,
        events.CARD_MOVED,
        actor=actor,
        subject=customer,
        data={
            "name": customer.name,
            "from_stage_id": from_stage.id,
            "from_stage": from_stage.name,
            "to_stage_id": stage.id,
            "to_stage": stage.name,
            "position": position,
            "stage_changed": from_stage.id != stage.id,
        },
        occurred_at=occurred_at,
    )
    return customer


def bulk_move(tenant: Tenant, actor: User, customer_ids: list[int], stage_id: int) -> int:
    """Move many cards to the top of a stage, keeping their relative order."""
    rows = list(
        db.session.scalars(
            live_customers(tenant.id).where(Customer.id.in_(customer_ids)).order_by(Customer.position, Customer.id)
        )
    )
    for customer in reversed(rows):
        move(customer, actor, stage_id)
    return len(rows)
