"""Background jobs: RQ on Redis in production, in-process when embedded.

Job functions live in the top-level `jobs/` package; they take plain ids, never
request objects, and push their own app context through `run_in_app`.

Modes (JOBS_MODE):
- "rq": RQ queue on REDIS_URL; `flask jobs worker` and `flask jobs scheduler` run them.
- "thread": an in-process worker thread with its own scheduler (the embedded run).
- "eager": run at once in the caller's thread (tests that need determinism).
"""

from __future__ import annotations

import heapq
import itertools
import logging
import queue
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from flask import Flask, current_app

from app.extensions import db

log = logging.getLogger(__name__)


LOW = "low"


def queue_names(base: str) -> list[str]:
    """The RQ queues a worker serves, most urgent first: bulk follow-up work waits
    behind everything else (the tracking drain must not queue behind the leads it made)."""
    return [base, f"{base}-{LOW}"]


def _rq_queue(priority: str | None = None):
    from rq import Queue

    from app.lib.redis import get_redis

    base = current_app.config["JOBS_QUEUE"]
    return Queue(f"{base}-{LOW}" if priority == LOW else base, connection=get_redis())


def enqueue(func: Callable[..., Any], *args: Any, at: datetime | None = None, priority: str | None = None) -> None:
    """Run `func(*args)` in the background, now or at `at` (an aware datetime);
    `priority=jobqueue.LOW` for bulk work that may wait for everything else."""
    if at is not None and at.tzinfo is None:
        raise ValueError("schedule with a timezone-aware datetime")
    mode = current_app.config["JOBS_MODE"]
    if mode == "rq":
        q = _rq_queue(priority)
        if at is None:
            q.enqueue(func, *args)
        else:
            q.enqueue_at(at, func, *args)
    elif mode == "eager":
        if at is None or at <= datetime.now(UTC):
            _run_eagerly(func, args)
        else:
            embedded_runner(current_app._get_current_object()).schedule(func, args, at)
    else:
        embedded_runner(current_app._get_current_object()).schedule(func, args, at)


def _run_eagerly(func: Callable[..., Any], args: tuple) -> None:
    # A fresh session, as a worker would have, so the caller's session is untouched.
    app = current_app._get_current_object()
    with app.app_context():
        func(*args)


class EmbeddedRunner:
    """A worker thread plus a timer heap: the embedded stand-in for RQ and its scheduler."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self._ready: queue.Queue[tuple[Callable[..., Any], tuple]] = queue.Queue()
        self._timers: list[tuple[float, int, Callable[..., Any], tuple]] = []
        self._periodic: list[tuple[Callable[..., Any], int]] = []
        self._seq = itertools.count()
        self._lock = threading.Condition()
        self._threads_started = False
        self._stopped = threading.Event()

    def start(self, periodic: list[tuple[Callable[..., Any], int]] | None = None) -> None:
        with self._lock:
            if self._threads_started:
                return
            self._threads_started = True
            now = time.time()
            for func, interval in periodic or []:
                self._periodic.append((func, interval))
                heapq.heappush(self._timers, (now + interval, next(self._seq), func, ("__every__", interval)))
        threading.Thread(target=self._work, name="kervan-jobs", daemon=True).start()
        threading.Thread(target=self._tick, name="kervan-scheduler", daemon=True).start()

    def schedule(self, func: Callable[..., Any], args: tuple, at: datetime | None) -> None:
        self.start()
        if at is None:
            self._ready.put((func, args))
            return
        with self._lock:
            heapq.heappush(self._timers, (at.timestamp(), next(self._seq), func, args))
            self._lock.notify()

    def stop(self) -> None:
        """Stop the timer and the worker (tests; the embedded server just exits)."""
        self._stopped.set()
        with self._lock:
            self._lock.notify_all()
        self._ready.put((None, ()))

    def _tick(self) -> None:
        while not self._stopped.is_set():
            with self._lock:
                while not self._timers and not self._stopped.is_set():
                    self._lock.wait(timeout=1.0)
                if self._stopped.is_set():
                    return
                due, _, func, args = self._timers[0]
                delay = due - time.time()
                if delay > 0:
                    self._lock.wait(timeout=min(delay, 1.0))
                    continue
                heapq.heappop(self._timers)
                if args and args[0] == "__every__":
                    interval = args[1]
                    heapq.heappush(self._timers, (due + interval, next(self._seq), func, args))
                    args = ()
            self._ready.put((func, args))

    def _work(self) -> None:
        while not self._stopped.is_set():
            func, args = self._ready.get()
            if func is None:
                self._ready.task_done()
                return
            try:
                with self.app.app_context():
                    func(*args)
            except Exception:
                log.exception("embedded job %s failed", getattr(func, "__name__", func))
            finally:
                self._ready.task_done()

    def drain(self, timeout: float = 10.0) -> None:
        """Wait until every ready job has run (tests, shutdown)."""
        deadline = time.time() + timeout
        while self._ready.unfinished_tasks and time.time() < deadline:
            time.sleep(0.01)


_runners: dict[int, EmbeddedRunner] = {}
_runners_lock = threading.Lock()


def embedded_runner(app: Flask) -> EmbeddedRunner:
    with _runners_lock:
        runner = _runners.get(id(app))
        if runner is None:
            runner = EmbeddedRunner(app)
            _runners[id(app)] = runner
        return runner


def start_embedded_scheduler(app: Flask) -> None:
    """Start the in-process periodic jobs (the `flask serve` embedded run)."""
    from jobs.schedule import PERIODIC

    embedded_runner(app).start([(p.func, p.interval) for p in PERIODIC])


def run_worker(app: Flask, *, burst: bool = False, simple: bool = False) -> bool:
    """Run an RQ worker whose jobs each get a fresh app context."""
    from rq import SimpleWorker, Worker

    from app.lib.redis import client_for

    base = SimpleWorker if simple else Worker

    class AppWorker(base):  # type: ignore[misc, valid-type]
        def perform_job(self, job, queue):
            with app.app_context():
                if not simple:
                    # A forked work horse must not reuse the parent's sockets.
                    db.engine.dispose(close=False)
                return super().perform_job(job, queue)

    from rq import Queue

    connection = client_for(app.config["REDIS_URL"])
    queues = [Queue(name, connection=connection) for name in queue_names(app.config["JOBS_QUEUE"])]
    worker = AppWorker(queues, connection=connection)
    return worker.work(burst=burst, with_scheduler=not simple)


def run_cron(app: Flask) -> None:
    """The one periodic-job process in production (RQ's CronScheduler)."""
    from rq.cron import CronScheduler

    from app.lib.redis import client_for
    from jobs.schedule import PERIODIC

    scheduler = CronScheduler(connection=client_for(app.config["REDIS_URL"]))
    for periodic in PERIODIC:
        scheduler.register(periodic.func, queue_name=app.config["JOBS_QUEUE"], interval=periodic.interval)
    scheduler.start()
