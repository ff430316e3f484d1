import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from app import jobqueue
from jobs import housekeeping
from tests import settings

_done = threading.Event()
_calls: list[tuple] = []


def note_call(*args):
    """A module-level job, so an RQ worker can import it."""
    _calls.append(args)
    _done.set()


def test_the_embedded_runner_runs_jobs_now_and_later(app):
    runner = jobqueue.EmbeddedRunner(app)
    runner.start()
    try:
        _calls.clear()
        _done.clear()
        runner.schedule(note_call, ("now",), None)
        assert _done.wait(3)
        _done.clear()
        runner.schedule(note_call, ("later",), datetime.now(UTC) + timedelta(milliseconds=300))
        assert not _done.wait(0.1)
        assert _done.wait(3)
        assert _calls == [("now",), ("later",)]
    finally:
        runner.stop()


def test_the_embedded_runner_repeats_periodic_jobs(app):
    runner = jobqueue.EmbeddedRunner(app)
    _calls.clear()
    runner.start([(note_call, 0.2)])
    try:
        deadline = time.monotonic() + 5
        while len(_calls) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(_calls) >= 3
    finally:
        runner.stop()
    settled = len(_calls)
    time.sleep(0.5)
    assert len(_calls) <= settled + 1  # stopped: no more runs


def test_scheduling_needs_an_aware_datetime(app):
    with app.app_context(), pytest.raises(ValueError):
        jobqueue.enqueue(note_call, at=datetime.now())


@pytest.mark.skipif(not settings.REDIS_URL, reason="needs REDIS_URL")
def test_rq_runs_enqueued_jobs_through_a_real_worker(app, run_jobs):
    _calls.clear()
    with app.app_context():
        jobqueue.enqueue(note_call, 41, 1)
    run_jobs()
    assert _calls == [(41, 1)]


def test_housekeeping_purges_old_login_attempts_only(app, make):
    from app.extensions import db
    from app.models import LoginAttempt
    from app.models.base import utcnow

    with app.app_context():
        old = LoginAttempt(
            email="old@example.test", ip="1.1.1.1", succeeded=False, created_at=utcnow() - timedelta(days=31)
        )
        fresh = LoginAttempt(email="fresh@example.test", ip="1.1.1.1", succeeded=False, created_at=utcnow())
        db.session.add_all([old, fresh])
        db.session.commit()
        old_id, fresh_id = old.id, fresh.id
        assert housekeeping.purge_login_attempts() >= 1
        assert db.session.get(LoginAttempt, old_id) is None
        assert db.session.get(LoginAttempt, fresh_id) is not None


def test_every_periodic_job_is_a_plain_importable_function():
    from jobs.schedule import PERIODIC

    for periodic in PERIODIC:
        assert periodic.func.__module__.startswith("jobs.") and periodic.interval >= 60
