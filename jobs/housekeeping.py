"""Periodic clean-up that keeps hot tables small."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete

from app.extensions import db
from app.models import LoginAttempt
from app.models.base import utcnow

LOGIN_ATTEMPT_DAYS = 30


def purge_login_attempts() -> int:
    """Login attempts older than 30 days are only noise for the lockout window."""
    result = db.session.execute(
        delete(LoginAttempt).where(LoginAttempt.created_at < utcnow() - timedelta(days=LOGIN_ATTEMPT_DAYS))
    )
    db.session.commit()
    return result.rowcount or 0
