"""The offline conversion queue: won customers waiting to be uploaded to Google Ads.

A conversion is an outbox row (one per tenant, customer and action: the unique
key makes queueing idempotent). It leaves the queue in one of two ways, and
never both:

- a manager downloads a CSV batch: the rows are leased to "csv:<batch>" for an
  hour, then marked exported (or released) by hand;
- an external uploader claims jobs through the API with a lease of its own and
  acknowledges them; a crashed uploader's lease runs out and the jobs return.

Every state change is a conditional UPDATE on the row's current status and
lease owner, so two claimers can never both hold a row and an exported row is
final: each conversion is exported at most once.

Identifiers are normalised and SHA-256 hashed the way Google's enhanced
conversions for leads require (https://developers.google.com/google-ads/api/docs/conversions/upload-identifiers
and the normalisation rules in https://developers.google.com/google-ads/api/docs/conversions/enhance-conversions):
trim, lower-case, no dots before @gmail.com / @googlemail.com, phones in E.164.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from app import events
from app.extensions import db
from app.lib import phones
from app.models import ApiToken, Customer, OfflineConversion, Tenant, User
from app.models.base import utcnow

DEFAULT_CONVERSION_NAME = "Kervan won deal"
CLICK_ID_PREFERENCE = ("gclid", "wbraid", "gbraid")
STATUSES = ("queued", "leased", "exported", "failed")
MAX_ATTEMPTS = 5
CSV_LEASE = timedelta(hours=1)
CSV_OWNER_PREFIX = "csv:"
CSV_MAX_ROWS = 10_000
GMAIL_DOMAINS = ("gmail.com", "googlemail.com")

TOKEN_PREFIX = "kvn_"
TOKEN_SCOPE = "offline_conversions"
# last_used_at is for people ("used 3 minutes ago"); don't write a row on every poll.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class QueueError(ValueError):
    pass


# ---------- Normalising and hashing identifiers ----------


def normalize_email(email: str | None) -> str | None:
    """' Ayse.Kara@GMail.com ' -> 'aysekara@gmail.com'; None when it is not an address."""
    text = (email or "").strip().lower()
    local, at, domain = text.rpartition("@")
    if not at or not local or not domain:
        return None
    if domain in GMAIL_DOMAINS:
        local = local.replace(".", "")
    return f"{local}@{domain}"


def normalize_phone(phone: str | None, region: str = phones.DEFAULT_REGION) -> str | None:
    """'0532 123 45 67' -> '+905321234567' (E.164 with the plus); None when it is not a number."""
    if not (phone or "").strip():
        return None
    try:
        return phones.normalise(phone, region)
    except phones.InvalidPhone:
        return None


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def hashed_email(email: str | None) -> str | None:
    normal = normalize_email(email)
    return sha256_hex(normal) if normal else None


def hashed_phone(phone: str | None) -> str | None:
    normal = normalize_phone(phone)
    return sha256_hex(normal) if normal else None


# ---------- Queueing ----------


def conversion_name_for(tenant: Tenant, action: str) -> str:
    """The Google Ads conversion action this Kervan action is uploaded as (one name per action)."""
    configured = (tenant.conversion_names or {}).get(action)
    if configured and str(configured).strip():
        return str(configured).strip()[:100]
    return DEFAULT_CONVERSION_NAME if action == "won" else f"Kervan {action.replace('_', ' ')}"


def set_conversion_name(tenant: Tenant, action: str, name: str, actor: User | None) -> int:
    """Name the Google Ads conversion action a Kervan action uploads as. Conversions still
    waiting in the queue take the new name; leased and exported ones keep theirs.
    Returns how many queued conversions were renamed."""
    name = " ".join((name or "").split())
    if not name:
        raise QueueError(_l("Enter the conversion action's name exactly as it is in Google Ads."))
    if len(name) > 100:
        raise QueueError(_l("Google Ads conversion action names are at most 100 characters."))
    tenant.conversion_names = {**(tenant.conversion_names or {}), action: name}
    renamed = db.session.execute(
        update(OfflineConversion)
        .where(
            OfflineConversion.tenant_id == tenant.id,
            OfflineConversion.action == action,
            OfflineConversion.status == "queued",
        )
        .values(conversion_name=name),
        execution_options={"synchronize_session": False},
    ).rowcount
    events.emit(tenant, events.TENANT_SETTINGS_CHANGED, actor=actor, data={"conversion_name": {action: name}})
    return renamed


def pick_click_id(click_ids: dict | None) -> tuple[str, str] | tuple[None, None]:
    """The click id Google should match on: gclid, else wbraid, else gbraid."""
    for kind in CLICK_ID_PREFERENCE:
        value = str((click_ids or {}).get(kind) or "").strip()
        if value:
            return kind, value[:200]
    return None, None


def queue_conversion(
    customer: Customer, action: str = "won", converted_at: datetime | None = None
) -> OfflineConversion | None:
    """Queue the customer's conversion for Google Ads, once per action.

    Returns the new row, or None when it was queued before (a re-win) or there
    is nothing Google could match it on (no click id and no e-mail or phone).
    Without a click id the hashed e-mail and phone still make it an enhanced
    conversion for leads."""
    tenant = db.session.get(Tenant, customer.tenant_id)
    existing = db.session.scalar(
        select(OfflineConversion.id).where(
            OfflineConversion.tenant_id == customer.tenant_id,
            OfflineConversion.customer_id == customer.id,
            OfflineConversion.action == action,
        )
    )
    if existing is not None:
        return None
    kind, click_id = pick_click_id(customer.click_ids)
    email_hash, phone_hash = hashed_email(customer.email), hashed_phone(customer.phone)
    if click_id is None and email_hash is None and phone_hash is None:
        return None
    row = OfflineConversion(
        tenant_id=customer.tenant_id,
        customer_id=customer.id,
        action=action,
        conversion_name=conversion_name_for(tenant, action),
        click_id_kind=kind,
        click_id=click_id,
        value_minor=customer.value_minor or 0,
        currency=(customer.currency or tenant.currency or "TRY").upper(),
        converted_at=converted_at or utcnow(),
        email_sha256=email_hash,
        phone_sha256=phone_hash,
        status="queued",
    )
    try:
        with db.session.begin_nested():  # a concurrent queueing of the same win loses quietly
            db.session.add(row)
    except IntegrityError:
        return None
    events.emit(
        customer.tenant_id,
        events.CONVERSION_QUEUED,
        subject=customer,
        data={"name": customer.name, "conversion_id": row.id, "action": action, "click_id_kind": kind},
    )
    return row


# ---------- Leases ----------


def _claimable(now: datetime):
    """Waiting rows: queued, or leased to someone whose lease has run out."""
    return or_(
        OfflineConversion.status == "queued",
        and_(OfflineConversion.status == "leased", OfflineConversion.lease_expires_at < now),
    )


def _locked(stmt):
    """Row locks where the database has them; other claimers skip what is taken."""
    if db.session.get_bind().dialect.name == "postgresql":
        return stmt.with_for_update(skip_locked=True)
    return stmt


def _lease(tenant_id: int, owner: str, limit: int, expires: datetime, now: datetime) -> list[OfflineConversion]:
    candidates = list(
        db.session.scalars(
            _locked(
                select(OfflineConversion.id)
                .where(OfflineConversion.tenant_id == tenant_id, _claimable(now))
                .order_by(OfflineConversion.id)
                .limit(limit)
            )
        )
    )
    if not candidates:
        return []
    # The conditional UPDATE is what makes a claim exclusive (SQLite has no row
    # locks): a row somebody else took in the meantime no longer matches.
    db.session.execute(
        update(OfflineConversion)
        .where(OfflineConversion.id.in_(candidates), _claimable(now))
        .values(status="leased", lease_owner=owner, lease_expires_at=expires),
        execution_options={"synchronize_session": False},
    )
    return list(
        db.session.scalars(
            select(OfflineConversion)
            .where(
                OfflineConversion.id.in_(candidates),
                OfflineConversion.status == "leased",
                OfflineConversion.lease_owner == owner,
                OfflineConversion.lease_expires_at == expires,
            )
            .options(joinedload(OfflineConversion.customer))
            .order_by(OfflineConversion.id)
            .execution_options(populate_existing=True)
        )
    )


def claim(
    tenant: Tenant, owner: str, limit: int = 100, lease_seconds: int = 300, now: datetime | None = None
) -> tuple[datetime, list[OfflineConversion]]:
    """Lease up to `limit` waiting conversions to `owner` for `lease_seconds`.

    Returns the lease's expiry and the rows. Rows whose lease runs out without
    an acknowledgement are claimable again."""
    if owner.startswith(CSV_OWNER_PREFIX):
        raise QueueError("owner names starting with 'csv:' are reserved for CSV downloads")
    now = now or utcnow()
    expires = (now + timedelta(seconds=lease_seconds)).replace(microsecond=0)
    return expires, _lease(tenant.id, owner, limit, expires, now)


@dataclass
class AckResult:
    acknowledged: int = 0
    exported: int = 0
    requeued: int = 0
    failed: int = 0
    ignored_ids: list[int] = field(default_factory=list)


def acknowledge(
    tenant: Tenant,
    ids: list[int],
    owner: str,
    outcome: str,
    error: str | None = None,
    now: datetime | None = None,
    actor: User | None = None,
) -> AckResult:
    """Settle jobs leased to `owner`: "uploaded" exports them for good; "failed"
    returns them to the queue (or fails them after MAX_ATTEMPTS attempts).

    Only the current lease owner may acknowledge. A lease that ran out still
    counts while nobody else has claimed the row: the upload probably happened,
    and accepting it is what keeps the conversion from being sent twice."""
    if outcome not in ("uploaded", "failed"):
        raise QueueError("outcome must be 'uploaded' or 'failed'")
    now = now or utcnow()
    wanted = sorted(set(ids))
    held = and_(
        OfflineConversion.tenant_id == tenant.id,
        OfflineConversion.id.in_(wanted),
        OfflineConversion.status == "leased",
        OfflineConversion.lease_owner == owner,
    )
    mine = list(db.session.scalars(_locked(select(OfflineConversion.id).where(held))))
    result = AckResult(ignored_ids=[i for i in wanted if i not in set(mine)])
    if not mine:
        return result
    scope = and_(held, OfflineConversion.id.in_(mine))
    if outcome == "uploaded":
        done = db.session.execute(
            update(OfflineConversion)
            .where(scope)
            .values(status="exported", exported_at=now, lease_expires_at=None, export_batch=f"api:{owner}"[:40]),
            execution_options={"synchronize_session": False},
        )
        result.acknowledged = result.exported = done.rowcount
        if done.rowcount:
            events.emit(tenant, events.CONVERSIONS_EXPORTED, actor=actor, data={"count": done.rowcount, "via": "api"})
    else:
        done = db.session.execute(
            update(OfflineConversion)
            .where(scope)
            .values(
                status=case((OfflineConversion.attempts + 1 >= MAX_ATTEMPTS, "failed"), else_="queued"),
                attempts=OfflineConversion.attempts + 1,
                last_error=(error or "").strip()[:1000] or None,
                lease_owner=None,
                lease_expires_at=None,
            ),
            execution_options={"synchronize_session": False},
        )
        result.acknowledged = done.rowcount
        result.failed = db.session.scalar(
            select(func.count()).where(OfflineConversion.id.in_(mine), OfflineConversion.status == "failed")
        )
        result.requeued = result.acknowledged - result.failed
    db.session.expire_all()
    return result


# ---------- CSV batches ----------


def csv_owner(batch_id: str) -> str:
    return f"{CSV_OWNER_PREFIX}{batch_id}"


def new_batch_id(now: datetime) -> str:
    return f"{now:%Y%m%d-%H%M}-{secrets.token_hex(3)}"


def reserve_for_csv(tenant: Tenant, actor: User | None, now: datetime | None = None) -> tuple[str, list]:
    """Lease every waiting conversion to a new CSV batch for an hour, so the API
    uploader cannot take them while the manager uploads the file."""
    now = now or utcnow()
    batch_id = new_batch_id(now)
    rows = _lease(tenant.id, csv_owner(batch_id), CSV_MAX_ROWS, (now + CSV_LEASE).replace(microsecond=0), now)
    return batch_id, rows


def batch_rows(tenant: Tenant, batch_id: str) -> list[OfflineConversion]:
    """The rows a CSV batch still holds (for downloading it again)."""
    return list(
        db.session.scalars(
            select(OfflineConversion)
            .where(
                OfflineConversion.tenant_id == tenant.id,
                OfflineConversion.status == "leased",
                OfflineConversion.lease_owner == csv_owner(batch_id),
            )
            .options(joinedload(OfflineConversion.customer))
            .order_by(OfflineConversion.id)
        )
    )


def mark_exported(tenant: Tenant, batch_id: str, actor: User | None, now: datetime | None = None) -> int:
    """The manager uploaded the batch's file: its rows are exported, for good."""
    now = now or utcnow()
    done = _settle_batch(tenant, batch_id, status="exported", exported_at=now, lease_expires_at=None,
                         export_batch=batch_id[:40])  # fmt: skip
    if done.rowcount:
        events.emit(tenant, events.CONVERSIONS_EXPORTED, actor=actor, data={"count": done.rowcount, "batch": batch_id})
    db.session.expire_all()
    return done.rowcount


def release(tenant: Tenant, batch_id: str) -> int:
    """The batch was not uploaded: its rows go back to the queue."""
    done = _settle_batch(tenant, batch_id, status="queued", lease_owner=None, lease_expires_at=None)
    db.session.expire_all()
    return done.rowcount


def _settle_batch(tenant: Tenant, batch_id: str, **values):
    """Update the rows a CSV batch still holds (its lease may have run out, but nobody took them)."""
    return db.session.execute(
        update(OfflineConversion)
        .where(
            OfflineConversion.tenant_id == tenant.id,
            OfflineConversion.status == "leased",
            OfflineConversion.lease_owner == csv_owner(batch_id),
        )
        .values(**values),
        execution_options={"synchronize_session": False},
    )


@dataclass(frozen=True)
class Batch:
    id: str
    count: int
    expires_at: datetime
    expired: bool


def open_batches(tenant: Tenant, now: datetime | None = None) -> list[Batch]:
    """CSV downloads not yet marked exported or released, newest first."""
    now = now or utcnow()
    rows = db.session.execute(
        select(OfflineConversion.lease_owner, func.count(), func.max(OfflineConversion.lease_expires_at))
        .where(
            OfflineConversion.tenant_id == tenant.id,
            OfflineConversion.status == "leased",
            OfflineConversion.lease_owner.like(f"{CSV_OWNER_PREFIX}%"),
        )
        .group_by(OfflineConversion.lease_owner)
        .order_by(func.max(OfflineConversion.lease_expires_at).desc())
    )
    batches = []
    for owner, count, expires_at in rows:
        if isinstance(expires_at, str):  # SQLite hands aggregates back untyped
            expires_at = datetime.fromisoformat(expires_at)
        if expires_at.tzinfo is None:
            expires_at = expires_at.replace(tzinfo=now.tzinfo)
        batches.append(Batch(owner[len(CSV_OWNER_PREFIX) :], count, expires_at, expires_at < now))
    return batches


# ---------- The manager's list ----------


def status_filter(status: str, now: datetime):
    """What each tab shows: a leased row whose lease ran out is waiting again."""
    if status == "queued":
        return _claimable(now)
    if status == "leased":
        return and_(OfflineConversion.status == "leased", OfflineConversion.lease_expires_at >= now)
    return OfflineConversion.status == status


def counts(tenant: Tenant, now: datetime | None = None) -> dict[str, int]:
    now = now or utcnow()
    mine = OfflineConversion.tenant_id == tenant.id
    found = dict(
        db.session.execute(
            select(OfflineConversion.status, func.count()).where(mine).group_by(OfflineConversion.status)
        ).all()
    )
    stale = db.session.scalar(
        select(func.count()).where(mine, OfflineConversion.status == "leased", OfflineConversion.lease_expires_at < now)
    )
    result = {status: found.get(status, 0) for status in STATUSES}
    result["leased"] -= stale
    result["queued"] += stale
    return result


def listing(tenant: Tenant, status: str, page: int, per_page: int, now: datetime | None = None):
    now = now or utcnow()
    return list(
        db.session.scalars(
            select(OfflineConversion)
            .where(OfflineConversion.tenant_id == tenant.id, status_filter(status, now))
            .options(joinedload(OfflineConversion.customer))
            .order_by(OfflineConversion.converted_at.desc(), OfflineConversion.id.desc())
            .offset((page - 1) * per_page)
            .limit(per_page)
        )
    )


def value_text(value_minor: int) -> str:
    """Minor units as a decimal string in major units: 125000 -> '1250.00'."""
    return str((Decimal(value_minor or 0) / 100).quantize(Decimal("0.01")))


# ---------- API tokens ----------


def token_hash(plaintext: str) -> str:
    return sha256_hex(plaintext)


def create_token(tenant: Tenant, actor: User | None, name: str) -> tuple[str, ApiToken]:
    """A new bearer token. Only its hash is stored: the plaintext is shown once."""
    name = (name or "").strip()
    if not name:
        raise QueueError("Give the token a name.")
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        tenant_id=tenant.id,
        name=name[:80],
        token_hash=token_hash(plaintext),
        prefix=plaintext[:12],
        scopes=[TOKEN_SCOPE],
        created_by_id=actor.id if actor is not None else None,
    )
    db.session.add(token)
    db.session.flush()
    events.emit(tenant, events.API_TOKEN_CREATED, actor=actor, data={"name": token.name, "prefix": token.prefix})
    return plaintext, token


def authenticate(bearer: str | None, now: datetime | None = None) -> ApiToken | None:
    """The live token for this bearer string, or None.

    Looking up the SHA-256 of the presented token (never comparing plaintexts)
    makes the check constant-time with respect to the secret."""
    bearer = (bearer or "").strip()
    if not bearer or len(bearer) > 200:
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash(bearer)))
    if token is None or token.revoked_at is not None:
        return None
    now = now or utcnow()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        token.last_used_at = now
    return token


def revoke_token(token: ApiToken, actor: User | None, now: datetime | None = None) -> bool:
    """Revoke at once (the next request with it is refused). False when it was already revoked."""
    if token.revoked_at is not None:
        return False
    token.revoked_at = now or utcnow()
    events.emit(token.tenant_id, events.API_TOKEN_REVOKED, actor=actor, data={"name": token.name})
    return True


def tokens(tenant: Tenant) -> list[ApiToken]:
    return list(
        db.session.scalars(
            select(ApiToken)
            .where(ApiToken.tenant_id == tenant.id)
            .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )
