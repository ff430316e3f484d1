"""Customer imports run here, off the request: all rows in one transaction."""

from __future__ import annotations

import logging

from flask_babel import force_locale

from app.extensions import db
from app.imports import services as imports
from app.models import ImportJob, Tenant, User

log = logging.getLogger(__name__)


def run_import(tenant_id: int, import_id: int) -> str | None:
    """Import the file of a queued ImportJob; its status ends "done" or "failed"."""
    job = imports.claim(tenant_id, import_id)
    if job is None:
        db.session.rollback()
        return None
    db.session.commit()
    # Row messages are stored as text, in the language of the person who will read them.
    with force_locale(_reader_locale(job)):
        try:
            imports.execute(job)
            db.session.commit()
        except Exception as exc:
            db.session.rollback()
            log.exception("import %s failed", import_id)
            imports.fail(import_id, exc)
            db.session.commit()
    return db.session.get(ImportJob, import_id).status


def _reader_locale(job: ImportJob) -> str:
    user = db.session.get(User, job.created_by_id) if job.created_by_id else None
    tenant = db.session.get(Tenant, job.tenant_id)
    return (user.locale if user is not None else None) or tenant.locale or "tr"
