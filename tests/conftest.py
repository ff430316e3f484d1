from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask_migrate import upgrade

from app import create_app, jobqueue
from app.realtime import broker
from tests import settings
from tests.factories import Factory, english_client


def _overrides(database_url: str, tmp: Path) -> dict:
    redis = settings.REDIS_URL
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis,
        "JOBS_MODE": "rq" if redis else "eager",
        "JOBS_QUEUE": f"kervan-test-{settings.RUN_ID}",
        "LIVE_CHANNEL_PREFIX": f"kervan-test-{settings.RUN_ID}:live",
        "RATELIMIT_STORAGE_URI": redis or "memory://",
        "RATELIMIT_KEY_PREFIX": f"kervan-test-{settings.RUN_ID}",
        "TRACKING_REDIS_PREFIX": f"kervan-test-{settings.RUN_ID}:t",
        "SSE_HEARTBEAT_SECONDS": 1,
        "MAIL_OUTBOX_DIR": str(tmp / "outbox"),
        "SMTP_HOST": "",
        "PUBLIC_URL": "http://kervan.test",
        "WTF_CSRF_ENABLED": False,
    }


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> Iterator[str]:
    if settings.ON_POSTGRES:
        with settings.postgres_database() as url:
            yield url
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'kervan-test.sqlite3'}"


@pytest.fixture(scope="session")
def app_overrides(database_url, tmp_path_factory) -> dict:
    return _overrides(database_url, tmp_path_factory.mktemp("app"))


@pytest.fixture(scope="session")
def app(app_overrides) -> Flask:
    application = create_app(app_overrides)
    with application.app_context():
        upgrade()  # the real Alembic migrations build the schema on both databases
    return application


@pytest.fixture
def client(app):
    return english_client(app)


@pytest.fixture
def make(app) -> Factory:
    return Factory(app)


@pytest.fixture
def outbox(app) -> Path:
    return Path(app.config["MAIL_OUTBOX_DIR"])


@pytest.fixture
def run_jobs(app):
    """Run whatever background jobs are waiting, the way production would."""

    def run() -> None:
        if app.config["JOBS_MODE"] == "rq":
            jobqueue.run_worker(app, burst=True, simple=True)
        else:
            jobqueue.embedded_runner(app).drain()

    return run


@pytest.fixture
def csrf_on(app):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        yield
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


@pytest.fixture
def config(app):
    """Temporarily change app settings inside one test."""
    saved = {}

    def set_(**values) -> None:
        for key, value in values.items():
            saved.setdefault(key, app.config.get(key))
            app.config[key] = value

    yield set_
    app.config.update(saved)


@pytest.fixture(scope="session")
def live_server(app_overrides) -> Iterator[str]:
    """The app served over real HTTP on 127.0.0.1 (browser tests), CSRF on."""
    from werkzeug.serving import make_server

    # Every browser test signs in from 127.0.0.1: the per-address login throttle (tested on its own in
    # tests/integration) would refuse the suite's sign-ins once it has more than 30 a minute.
    overrides = dict(app_overrides, WTF_CSRF_ENABLED=True, TESTING=False, LOGIN_RATE_LIMIT="1000/minute")
    server_app = create_app(overrides)
    server = make_server("127.0.0.1", 0, server_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        broker.hub.end_all()  # open streams finish before their database is dropped
        time.sleep(0.2)
