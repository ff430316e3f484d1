"""Login, lockout and password reset rules. No Flask request objects in here."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from app import events
from app.auth.passwords import hash_password, verify
from app.extensions import db
from app.lib import tokens
from app.models import LoginAttempt, User
from app.models.base import utcnow

log = logging.getLogger("kervan.security")

RESET_PURPOSE = "password-reset"


def normalise_email(email: str) -> str:
    return email.strip().lower()


@dataclass(frozen=True)
class LoginResult:
    user: User | None
    locked_until: datetime | None = None

    @property
    def ok(self) -> bool:
        return self.user is not None


def _locked_until(column, value: str, now: datetime) -> datetime | None:
    """Locked when the last N attempts in the window all failed."""
    max_failures = current_app.config["LOGIN_MAX_FAILURES"]
    window = timedelta(minutes=current_app.config["LOGIN_LOCKOUT_MINUTES"])
    since = now - window
    last_success = db.session.scalar(
        select(func.max(LoginAttempt.created_at)).where(
            column == value, LoginAttempt.succeeded.is_(True), LoginAttempt.created_at >= since
        )
    )
    floor = max(since, last_success) if last_success else since
    failures = list(
        db.session.scalars(
            select(LoginAttempt.created_at)
            .where(column == value, LoginAttempt.succeeded.is_(False), LoginAttempt.created_at > floor)
            .order_by(LoginAttempt.created_at.desc())
            .limit(max_failures)
        )
    )
    if len(failures) < max_failures:
        return None
    return failures[0] + window


def lockout_for(email: str, ip: str, now: datetime | None = None) -> datetime | None:
    now = now or utcnow()
    times = [
        t
        for t in (
            _locked_until(LoginAttempt.email, normalise_email(email), now),
            _locked_until(LoginAttempt.ip, ip, now),
        )
        if t is not None
    ]
    return max(times) if times else None


def authenticate(email: str, password: str, ip: str, now: datetime | None = None) -> LoginResult:
    """Check a password login, recording the attempt; refuses while locked out."""
    email = normalise_email(email)
    now = now or utcnow()
    locked = lockout_for(email, ip, now)
    if locked:
        log.warning("login refused while locked out: email=%s ip=%s until=%s", email, ip, locked)
        return LoginResult(None, locked)

    user = db.session.scalar(select(User).where(User.email == email))
    ok = user is not None and user.is_active and verify(user.password_hash, password)
    db.session.add(LoginAttempt(email=email, ip=ip, succeeded=ok, created_at=now))
    if ok:
        for membership in user.memberships:
            if membership.active:
                events.emit(membership.tenant_id, events.AUTH_LOGIN, actor=user, data={"ip": ip})
        db.session.commit()
        return LoginResult(user)

    db.session.flush()
    locked = lockout_for(email, ip, now)
    if locked:
        log.warning("account/IP locked out: email=%s ip=%s until=%s", email, ip, locked)
        if user is not None:
            for membership in user.memberships:
                if membership.active:
                    events.emit(
                        membership.tenant_id,
                        events.AUTH_LOCKED_OUT,
                        subject=user,
                        data={"ip": ip, "until": locked.isoformat()},
                    )
    else:
        log.info("login failed: email=%s ip=%s", email, ip)
    db.session.commit()
    return LoginResult(None, locked)


def reset_token_for(user: User) -> str:
    # The hash fingerprint makes the link single-use: it dies once the password changes.
    return tokens.make(RESET_PURPOSE, {"u": user.id, "h": (user.password_hash or "")[-12:]})


def user_from_reset_token(token: str) -> User | None:
    payload = tokens.read(RESET_PURPOSE, token, current_app.config["PASSWORD_RESET_MINUTES"] * 60)
    if payload is None:
        return None
    user = db.session.get(User, payload.get("u"))
    if user is None or not user.is_active or (user.password_hash or "")[-12:] != payload.get("h"):
        return None
    return user


def set_password(user: User, password: str) -> None:
    """Set a new password and end every other session of the user."""
    user.password_hash = hash_password(password)
    user.rotate_session_token()
    for membership in user.memberships:
        if membership.active:
            events.emit(membership.tenant_id, events.AUTH_PASSWORD_RESET, actor=user, subject=user)


def find_active_user(email: str) -> User | None:
    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    return user if user is not None and user.is_active else None


def load_user(identifier: str) -> User | None:
    """Flask-Login loader: "<id>:<session token>"; a rotated token ends the session."""
    user_id, _, token = identifier.partition(":")
    if not user_id.isdigit() or not token:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.is_active or user.session_token != token:
        return None
    return user
