"""Customer imports: upload, column mapping, a preview that says what will
happen to every row, and the run that makes it happen in one transaction.

The preview and the run share one planner, so what the preview promises is
what the run does (unless the customers change in between).
"""

from __future__ import annotations

import itertools
import logging
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select, update

from app import events
from app.customers import services as customers
from app.customers.services import Contact, CustomerError
from app.extensions import db
from app.imports import readers
from app.imports.fields import (
    FIELD_KEYS,
    BadValue,
    guess_mapping,
    header_key,
    parse_money,
    parse_source,
    split_tags,
)
from app.lib import progress
from app.lib.text import fold
from app.models import (
    Customer,
    CustomerIdentity,
    ImportJob,
    PipelineStage,
    Tag,
    Tenant,
    User,
    customer_tags,
)
from app.models.base import utcnow
from app.pipeline.services import stages
from app.team.services import active_users

log = logging.getLogger(__name__)

PREVIEW_ROWS = 20
PROGRESS_EVERY = 100
LOOKUP_CHUNK = 500


class ImportsError(Exception):
    """A rule was broken; the message is shown to the person as is."""


class MappingError(ImportsError):
    def __init__(self, field_key: str, message: object) -> None:
        super().__init__(message)
        self.field = field_key


class RowFailed(Exception):
    """The run stopped at a row; nothing of the import is kept."""

    def __init__(self, number: int, cause: Exception) -> None:
        super().__init__(f"row {number}: {cause!r}")
        self.number = number
        self.cause = cause


# ---------- Upload and mapping ----------


def upload(tenant: Tenant, actor: User, filename: str, content: bytes) -> ImportJob:
    """A readable file becomes an import waiting for its columns; readers.UnreadableFile otherwise."""
    sheet = readers.read(filename, content)
    job = ImportJob(
        tenant_id=tenant.id,
        created_by_id=actor.id,
        # Some browsers send the full client path; only the name means anything here.
        filename=(filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()[-200:],
        content=content,
        mapping={},
        status="uploaded",
        total_rows=len(sheet.rows),
        errors=[],
    )
    db.session.add(job)
    db.session.flush()
    return job


def recent(tenant: Tenant, limit: int = 10) -> list[ImportJob]:
    return list(
        db.session.scalars(
            select(ImportJob).where(ImportJob.tenant_id == tenant.id).order_by(ImportJob.id.desc()).limit(limit)
        )
    )


def sheet_of(job: ImportJob) -> readers.Sheet:
    return readers.read(job.filename, job.content)


def mapping_for(job: ImportJob, sheet: readers.Sheet) -> dict[str, str]:
    return dict(job.mapping) if job.mapping else guess_mapping(sheet.headers)


def samples(sheet: readers.Sheet) -> dict[str, str]:
    """header -> the first non-empty value below it, to help a person recognise the column."""
    found: dict[str, str] = {}
    for row in sheet.rows[:50]:
        for header, cell in zip(sheet.headers, row.cells, strict=True):
            if cell and header not in found:
                found[header] = cell
    return found


def save_mapping(job: ImportJob, sheet: readers.Sheet, chosen: dict[str, str | None]) -> None:
    _require_status(job, "uploaded")
    mapping = {key: header for key in FIELD_KEYS if (header := (chosen.get(key) or "").strip())}
    for key, header in mapping.items():
        if header not in sheet.headers:
            raise MappingError(key, _l("Choose one of the file's columns."))
    if "name" not in mapping:
        raise MappingError("name", _l("Choose the column that holds the names."))
    used: dict[str, str] = {}
    for key, header in mapping.items():
        if header in used:
            raise MappingError(key, _l('The column "%(column)s" is already used for another field.', column=header))
        used[header] = key
    job.mapping = mapping


def queue(job: ImportJob) -> None:
    """Ready to run: the caller commits, then enqueues jobs.imports.run_import."""
    if is_stalled(job):
        job.status = "failed"  # its worker died; the transaction rolled back, so it can run again
    _require_status(job, "uploaded", "failed")
    if not job.mapping:
        raise ImportsError(_l("Choose the columns first."))
    job.status = "queued"
    job.errors = []
    job.created_count = job.updated_count = job.error_count = 0
    job.finished_at = None


def _require_status(job: ImportJob, *allowed: str) -> None:
    if job.status not in allowed:
        raise ImportsError(_l("This import has already started."))


# ---------- Planning ----------


@dataclass(frozen=True)
class Match:
    """Who a row updates: an existing customer, or the customer an earlier row of the file creates."""

    customer_id: int | None
    row: int | None
    name: str = field(compare=False)


@dataclass
class RowPlan:
    number: int
    name: str = ""
    phone: str | None = None
    email: str | None = None
    source: str | None = None
    campaign: str | None = None
    tags: list[str] = field(default_factory=list)
    value_minor: int = 0
    stage: PipelineStage | None = None
    assignee: User | None = None
    errors: list = field(default_factory=list)  # lazy strings: rendered in the reader's language
    match: Match | None = None

    @property
    def outcome(self) -> str:
        if self.errors:
            return "error"
        return "new" if self.match is None else "update"

    def identities(self) -> list[tuple[str, str]]:
        return Contact(self.phone, self.email).identities()


_DELETED = Match(None, None, "")


class Planner:
    """Turns rows into RowPlans, remembering who earlier rows of the file were."""

    def __init__(self, tenant: Tenant, sheet: readers.Sheet, mapping: dict[str, str]) -> None:
        self.tenant = tenant
        self.columns = {key: sheet.headers.index(h) for key, h in mapping.items() if h in sheet.headers}
        ordered = stages(tenant.id)
        self.stage_names = ", ".join(s.name for s in ordered)
        self.stages = {fold(s.key): s for s in ordered}
        self.stages.update({fold(s.name): s for s in ordered})
        self.members_by_email, self.members_by_name = _members(tenant.id)
        self.source_labels = _source_labels()
        self.seen: dict[tuple[str, str], Match] = {}
        self.known: set[tuple[str, str]] = set()

    def plans(self, rows: Iterable[readers.Row]) -> Iterator[RowPlan]:
        rows = iter(rows)
        while chunk := list(itertools.islice(rows, LOOKUP_CHUNK)):
            parsed = [self.parse(row) for row in chunk]
            self._load_known(parsed)
            for plan in parsed:
                self.match(plan)
                yield plan

    def parse(self, row: readers.Row) -> RowPlan:
        def cell(key: str) -> str:
            index = self.columns.get(key)
            return row.cells[index].strip() if index is not None else ""

        plan = RowPlan(row.number, name=cell("name")[:120])
        if not plan.name:
            plan.errors.append(_l("The name is missing."))
        plan.phone = self._contact(plan, cell("phone"), None).phone
        plan.email = self._contact(plan, None, cell("email")).email
        plan.value_minor = self._value(plan, cell("value"))
        plan.stage = self._stage(plan, cell("stage"))
        plan.assignee = self._assignee(plan, cell("assignee"))
        plan.source = parse_source(cell("source"), self.source_labels)
        plan.campaign = cell("campaign")[:120] or None
        plan.tags = split_tags(cell("tags"))
        return plan

    def match(self, plan: RowPlan) -> None:
        if plan.errors:
            return
        targets: list[Match] = []
        for identity in plan.identities():
            found = self.seen.get(identity) or self._existing(identity)
            if found is _DELETED:
                plan.errors.append(_l("This phone or e-mail belongs to a deleted customer."))
                return
            if found is not None and found not in targets:
                targets.append(found)
        if len(targets) > 1:
            plan.errors.append(
                _l(
                    "The phone belongs to %(first)s and the e-mail to %(second)s: two different customers.",
                    first=targets[0].name,
                    second=targets[1].name,
                )
            )
            return
        plan.match = targets[0] if targets else None
        who = plan.match or Match(None, plan.number, plan.name)
        for identity in plan.identities():
            self.seen.setdefault(identity, who)

    def _contact(self, plan: RowPlan, phone: str | None, email: str | None) -> Contact:
        try:
            return Contact.parse(phone, email)
        except CustomerError as exc:
            plan.errors.append(exc.args[0])
            return Contact(None, None)

    def _value(self, plan: RowPlan, text: str) -> int:
        try:
            return parse_money(text)
        except BadValue:
            plan.errors.append(_l('"%(value)s" is not an amount in TRY.', value=text))
            return 0

    def _stage(self, plan: RowPlan, text: str) -> PipelineStage | None:
        if not text:
            return None
        stage = self.stages.get(fold(text))
        if stage is None:
            plan.errors.append(
                _l('There is no stage called "%(stage)s" (stages: %(names)s).', stage=text, names=self.stage_names)
            )
        return stage

    def _assignee(self, plan: RowPlan, text: str) -> User | None:
        if not text:
            return None
        user = self.members_by_email.get(text.lower())
        if user is None:
            # Our own export writes names; a name is fine when only one member has it.
            same_name = self.members_by_name.get(fold(text), [])
            user = same_name[0] if len(same_name) == 1 else None
        if user is None:
            plan.errors.append(_l('"%(who)s" is not an active member of this business.', who=text))
        return user

    def _load_known(self, plans: list[RowPlan]) -> None:
        """Which of these phones and e-mails exist at all: one query per chunk instead of two per row."""
        values = {value for plan in plans if not plan.errors for _kind, value in plan.identities()}
        values -= {value for _kind, value in self.seen}
        if not values:
            return
        rows = db.session.execute(
            select(CustomerIdentity.kind, CustomerIdentity.value).where(
                CustomerIdentity.tenant_id == self.tenant.id, CustomerIdentity.value.in_(values)
            )
        )
        self.known.update((kind, value) for kind, value in rows)

    def _existing(self, identity: tuple[str, str]) -> Match | None:
        if identity not in self.known:
            return None
        kind, value = identity
        customer = customers.find_existing(
            self.tenant.id, Contact(value if kind == "phone" else None, value if kind == "email" else None)
        )
        if customer is None:
            return None
        if not customer.is_live:
            return _DELETED
        return Match(customer.id, None, customer.name)


def _members(tenant_id: int) -> tuple[dict[str, User], dict[str, list[User]]]:
    by_email: dict[str, User] = {}
    by_name: dict[str, list[User]] = {}
    for user in active_users(tenant_id):
        by_email[user.email.lower()] = user
        by_name.setdefault(fold(user.name), []).append(user)
    return by_email, by_name


def _source_labels() -> dict[str, list[str]]:
    """The source names Kervan shows, in every language: what our own export wrote."""
    from app.customers.views import SOURCE_LABELS

    labels: dict[str, list[str]] = {}
    for locale in ("tr", "en"):
        with force_locale(locale):
            for key, label in SOURCE_LABELS.items():
                labels.setdefault(key, []).append(header_key(str(label)))
    return labels


# ---------- Preview ----------


@dataclass
class Preview:
    total: int = 0
    new: int = 0
    update: int = 0
    errors: int = 0
    rows: list[RowPlan] = field(default_factory=list)


def preview(tenant: Tenant, job: ImportJob, sheet: readers.Sheet) -> Preview:
    outcomes: Counter[str] = Counter()
    first: list[RowPlan] = []
    for plan in Planner(tenant, sheet, job.mapping).plans(sheet.rows):
        outcomes[plan.outcome] += 1
        if len(first) < PREVIEW_ROWS:
            first.append(plan)
    return Preview(len(sheet.rows), outcomes["new"], outcomes["update"], outcomes["error"], first)


def row_errors(tenant: Tenant, job: ImportJob, sheet: readers.Sheet) -> list[dict]:
    """[{"row": n, "errors": [...]}]: what a finished import recorded, or what a run would skip."""
    if job.status in ("done", "failed"):
        return list(job.errors or [])
    if not job.mapping:
        return []
    return [
        {"row": plan.number, "errors": [str(e) for e in plan.errors]}
        for plan in Planner(tenant, sheet, job.mapping).plans(sheet.rows)
        if plan.errors
    ]


# ---------- Run ----------


def progress_key(job: ImportJob | int) -> str:
    return f"import:{job if isinstance(job, int) else job.id}"


def claim(tenant_id: int, import_id: int) -> ImportJob | None:
    """Mark a queued import running, exactly once even if the job is delivered twice."""
    result = db.session.execute(
        update(ImportJob)
        .where(ImportJob.id == import_id, ImportJob.tenant_id == tenant_id, ImportJob.status == "queued")
        .values(status="running")
    )
    if result.rowcount != 1:
        return None
    return db.session.get(ImportJob, import_id)


def execute(job: ImportJob) -> None:
    """Import every valid row into the caller's transaction; RowFailed if one cannot be saved."""
    tenant = db.session.get(Tenant, job.tenant_id)
    actor = db.session.get(User, job.created_by_id) if job.created_by_id else None
    sheet = sheet_of(job)
    total = len(sheet.rows)
    created: dict[int, Customer] = {}
    errors: list[dict] = []
    updated = 0
    tags = TagCache(tenant.id)
    tops = TopPositions(tenant.id)
    first_stage = customers.first_stage(tenant.id)
    progress.set(progress_key(job), 0, total)
    # The planner already keeps every phone and e-mail on one customer, so nothing
    # depends on flushing before each query; flushing only when needed saves a third of the time.
    with db.session.no_autoflush:
        for done, plan in enumerate(Planner(tenant, sheet, job.mapping).plans(sheet.rows), start=1):
            try:
                if plan.errors:
                    errors.append({"row": plan.number, "errors": [str(e) for e in plan.errors]})
                elif plan.match is None:
                    created[plan.number] = _create(tenant, actor, plan, plan.stage or first_stage, tags, tops)
                else:
                    _fill(_target(plan.match, created), plan)
                    updated += 1
            except Exception as exc:
                raise RowFailed(plan.number, exc) from exc
            if done % PROGRESS_EVERY == 0:
                progress.set(progress_key(job), done, total)
    db.session.flush()
    _finish(job, tenant, actor, len(created), updated, errors)


class TagCache:
    """The tenant's tags by name, each created at most once during the import."""

    def __init__(self, tenant_id: int) -> None:
        self.tenant_id = tenant_id
        rows = db.session.execute(select(Tag.name, Tag.id).where(Tag.tenant_id == tenant_id))
        self.ids: dict[str, int] = {name: tag_id for name, tag_id in rows}

    def id_of(self, name: str) -> int:
        if name not in self.ids:
            # Updated customers get their tags through customers.set_tags, which may have made it.
            found = db.session.scalar(select(Tag.id).where(Tag.tenant_id == self.tenant_id, Tag.name == name))
            if found is None:
                tag = Tag(tenant_id=self.tenant_id, name=name)
                db.session.add(tag)
                db.session.flush()
                found = tag.id
            self.ids[name] = found
        return self.ids[name]


class TopPositions:
    """Each new card goes on top of its column: one query per stage, not one per row."""

    def __init__(self, tenant_id: int) -> None:
        self.tenant_id = tenant_id
        self.next: dict[int, float] = {}

    def take(self, stage_id: int) -> float:
        if stage_id not in self.next:
            self.next[stage_id] = customers.top_position(self.tenant_id, stage_id)
        position = self.next[stage_id]
        self.next[stage_id] = position - 1.0
        return position


def _create(
    tenant: Tenant, actor: User | None, plan: RowPlan, stage: PipelineStage, tags: TagCache, tops: TopPositions
) -> Customer:
    customer = customers.create(
        tenant,
        actor,
        name=plan.name,
        phone=plan.phone,
        email=plan.email,
        stage_id=stage.id,
        assignee_id=plan.assignee.id if plan.assignee else None,
        source=plan.source,
        campaign=plan.campaign,
        value_minor=plan.value_minor,
        emit=False,  # one CUSTOMERS_IMPORTED event speaks for the whole import
        position=tops.take(stage.id),
        known_new=True,  # the planner matched every row against existing customers already
    )
    if plan.tags:
        # What set_tags(actor=None) does for a new customer, without a look-up per tag and row.
        db.session.execute(
            insert(customer_tags), [{"customer_id": customer.id, "tag_id": tags.id_of(name)} for name in plan.tags]
        )
    return customer


def _target(match: Match, created: dict[int, Customer]) -> Customer:
    if match.row is not None:
        return created[match.row]
    return db.session.get(Customer, match.customer_id)


def _fill(customer: Customer, plan: RowPlan) -> None:
    """Complete what the customer lacks; never overwrite a name, phone or e-mail they have."""
    new_contact = Contact(
        plan.phone if plan.phone and not customer.phone else None,
        plan.email if plan.email and not customer.email else None,
    )
    if new_contact.identities():
        customers.complete_contact(customer, new_contact)  # no event per row: the import logs one for all
    for attr, value in (("source", plan.source), ("campaign", plan.campaign), ("value_minor", plan.value_minor)):
        if value and not getattr(customer, attr):
            setattr(customer, attr, value)
    if plan.assignee is not None and customer.assignee_id is None:
        customer.assignee_id = plan.assignee.id
    if plan.tags:
        customers.set_tags(customer, [t.name for t in customer.tags] + plan.tags, actor=None)


def _finish(job: ImportJob, tenant: Tenant, actor: User | None, created: int, updated: int, errors: list[dict]) -> None:
    job.status = "done"
    job.created_count, job.updated_count, job.error_count = created, updated, len(errors)
    job.errors = errors
    job.finished_at = utcnow()
    events.emit(
        tenant,
        events.CUSTOMERS_IMPORTED,
        actor=actor,
        subject=job,
        data={"created": created, "updated": updated, "errors": len(errors), "import_id": job.id},
    )
    progress.set(progress_key(job), job.total_rows, job.total_rows)


def fail(import_id: int, exc: Exception) -> None:
    """Record why the run stopped, after its transaction was rolled back."""
    job = db.session.get(ImportJob, import_id)
    if job is None:
        return
    job.status = "failed"
    job.created_count = job.updated_count = 0
    job.error_count = 0
    job.errors = [{"row": getattr(exc, "number", None), "errors": [failure_message(exc)], "fatal": True}]
    job.finished_at = utcnow()


def failure_message(exc: Exception) -> str:
    cause = exc.cause if isinstance(exc, RowFailed) else exc
    row = exc.number if isinstance(exc, RowFailed) else None
    if isinstance(cause, CustomerError | readers.UnreadableFile):
        if row is not None:
            return str(_l("Nothing was imported: row %(row)s could not be saved (%(detail)s).", row=row, detail=cause))
        return str(_l("Nothing was imported: %(detail)s", detail=cause))
    # Internal errors stay in the log; the person gets what they can act on.
    if row is not None:
        return str(
            _l(
                "Nothing was imported: row %(row)s could not be saved because of an unexpected error. "
                "Try again; if it happens again, contact support.",
                row=row,
            )
        )
    return str(
        _l("Nothing was imported because of an unexpected error. Try again; if it happens again, contact support.")
    )


STALL_SECONDS = 10 * 60


def is_stalled(job: ImportJob) -> bool:
    """Running, but no progress for ten minutes: the worker that had it is gone
    (its transaction rolled back with it, so nothing was imported)."""
    if job.status != "running":
        return False
    reported = progress.get(progress_key(job))
    return reported is None or time.time() - float(reported["at"]) > STALL_SECONDS


def state(job: ImportJob) -> dict:
    """What the progress page shows: rows done, the total, and whether it is over."""
    if is_stalled(job):
        return {
            "finished": True,
            "done": 0,
            "total": job.total_rows,
            "percent": 0,
            "failure": str(_l("The import stopped before it finished. Nothing was imported; start it again.")),
            "row_errors": [],
            "stalled": True,
        }
    finished = job.status in ("done", "failed")
    reported = progress.get(progress_key(job)) or {}
    total = job.total_rows or int(reported.get("total", 0))
    done = total if job.status == "done" else min(int(reported.get("done", 0)), total)
    fatal = next((e for e in job.errors or [] if e.get("fatal")), None)
    return {
        "finished": finished,
        "done": done,
        "total": total,
        "percent": int(done * 100 / total) if total else 0,
        "failure": fatal["errors"][0] if fatal else None,
        "row_errors": [e for e in job.errors or [] if not e.get("fatal")],
    }
