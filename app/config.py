"""Every setting comes from the environment, read through strict helpers.

The embedded default (no variables set) runs on SQLite in the instance folder
with jobs and live updates in-process. Production sets DATABASE_URL, REDIS_URL
and SECRET_KEY.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class ConfigError(ValueError):
    pass


def env_bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigError(f"{name} must be a boolean (true/false), got {raw!r}")


def env_int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from exc


def env_str(env: Mapping[str, str], name: str, default: str = "") -> str:
    raw = env.get(name)
    return default if raw is None or raw.strip() == "" else raw.strip()


def database_uri(raw: str, instance_path: Path) -> str:
    """Accept the URL forms people paste and pin PostgreSQL to psycopg 3."""
    if not raw:
        return f"sqlite:///{instance_path / 'kervan.sqlite3'}"
    if raw.startswith("postgres://"):
        raw = "postgresql://" + raw[len("postgres://") :]
    if raw.startswith("postgresql://"):
        raw = "postgresql+psycopg://" + raw[len("postgresql://") :]
    if not (raw.startswith("postgresql+psycopg://") or raw.startswith("sqlite:")):
        raise ConfigError("DATABASE_URL must be a postgresql:// or sqlite:// URL")
    return raw


def secret_key(env: Mapping[str, str], instance_path: Path) -> str:
    """SECRET_KEY from the environment; on the embedded default, one generated
    once and kept in the instance folder so sessions survive restarts."""
    value = env_str(env, "SECRET_KEY")
    if value:
        return value
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    key_file.write_text(value)
    key_file.chmod(0o600)
    return value


def load(env: Mapping[str, str], instance_path: Path) -> dict:
    """Build the Flask config mapping from an environment mapping."""
    redis_url = env_str(env, "REDIS_URL")
    secure_cookies = env_bool(env, "SECURE_COOKIES", False)
    return {
        "SECRET_KEY": secret_key(env, instance_path),
        "SQLALCHEMY_DATABASE_URI": database_uri(env_str(env, "DATABASE_URL"), instance_path),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "REDIS_URL": redis_url,
        "JOBS_QUEUE": env_str(env, "JOBS_QUEUE", "kervan"),
        # "eager" runs jobs synchronously after commit (tests); "thread" runs them
        # on an in-process worker thread (embedded run); with REDIS_URL, RQ.
        "JOBS_MODE": env_str(env, "JOBS_MODE", "rq" if redis_url else "thread"),
        "LIVE_CHANNEL_PREFIX": env_str(env, "LIVE_CHANNEL_PREFIX", "kervan:live"),
        "SSE_HEARTBEAT_SECONDS": env_int(env, "SSE_HEARTBEAT_SECONDS", 15),
        "SSE_REPLAY_SECONDS": env_int(env, "SSE_REPLAY_SECONDS", 300),
        "SESSION_COOKIE_SECURE": secure_cookies,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": secure_cookies,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_DURATION": 60 * 60 * 24 * env_int(env, "REMEMBER_DAYS", 30),
        "PERMANENT_SESSION_LIFETIME": 60 * 60 * 12,
        "WTF_CSRF_TIME_LIMIT": None,
        "LOGIN_MAX_FAILURES": env_int(env, "LOGIN_MAX_FAILURES", 5),
        "LOGIN_LOCKOUT_MINUTES": env_int(env, "LOGIN_LOCKOUT_MINUTES", 15),
        "TRUSTED_PROXIES": env_int(env, "TRUSTED_PROXIES", 0),
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "RATELIMIT_ENABLED": env_bool(env, "RATELIMIT_ENABLED", True),
        # Sign-in attempts per client address (a throttle; the lockout is per account and address).
        "LOGIN_RATE_LIMIT": env_str(env, "LOGIN_RATE_LIMIT", "30/minute"),
        "BABEL_DEFAULT_LOCALE": "tr",
        "BABEL_DEFAULT_TIMEZONE": "UTC",
        "LANGUAGES": ("tr", "en"),
        "SMTP_HOST": env_str(env, "SMTP_HOST"),
        "SMTP_PORT": env_int(env, "SMTP_PORT", 587),
        "SMTP_USERNAME": env_str(env, "SMTP_USERNAME"),
        "SMTP_PASSWORD": env_str(env, "SMTP_PASSWORD"),
        "SMTP_STARTTLS": env_bool(env, "SMTP_STARTTLS", True),
        "MAIL_FROM": env_str(env, "MAIL_FROM", "Kervan <no-reply@kervan.local>"),
        "MAIL_OUTBOX_DIR": env_str(env, "MAIL_OUTBOX_DIR", str(instance_path / "outbox")),
        "PUBLIC_URL": env_str(env, "PUBLIC_URL", "http://127.0.0.1:5000"),
        "INVITATION_DAYS": env_int(env, "INVITATION_DAYS", 7),
        # Website tracking ingest: requests per window per site and per client IP.
        "TRACKING_SITE_RATE": env_int(env, "TRACKING_SITE_RATE", 20_000),
        "TRACKING_IP_RATE": env_int(env, "TRACKING_IP_RATE", 300),
        "TRACKING_RATE_WINDOW": env_int(env, "TRACKING_RATE_WINDOW", 60),
        "TRACKING_DEDUPE_TTL": env_int(env, "TRACKING_DEDUPE_TTL", 48 * 3600),
        "TRACKING_REDIS_PREFIX": env_str(env, "TRACKING_REDIS_PREFIX", "kervan:t"),
        "PASSWORD_RESET_MINUTES": env_int(env, "PASSWORD_RESET_MINUTES", 60),
    }


def from_environment(instance_path: Path) -> dict:
    return load(os.environ, instance_path)
