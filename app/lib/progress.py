"""Progress of long background work (imports), readable by the page that polls it.

Kept out of the database on purpose: the work runs inside one long transaction,
and on SQLite a second writer would wait for it. With REDIS_URL the figures live
in a Redis hash that expires; on the embedded default (one process, jobs on a
thread) an in-process dict is enough.
"""

from __future__ import annotations

import threading
import time

from flask import current_app

from app.lib.redis import get_redis

TTL_SECONDS = 24 * 3600

_local: dict[str, dict[str, int | float]] = {}
_lock = threading.Lock()


def _redis_key(key: str) -> str:
    # The queue name is already unique per deployment (and per test run).
    return f"{current_app.config['JOBS_QUEUE']}:progress:{key}"


def set(key: str, done: int, total: int) -> None:  # shadows the builtin on purpose: progress.set(...)
    now = time.time()
    client = get_redis()
    if client is None:
        with _lock:
            _purge_expired(now)
            _local[key] = {"done": int(done), "total": int(total), "at": now}
        return
    name = _redis_key(key)
    pipe = client.pipeline()
    pipe.hset(name, mapping={"done": int(done), "total": int(total), "at": now})
    pipe.expire(name, TTL_SECONDS)
    pipe.execute()


def get(key: str) -> dict[str, int | float] | None:
    """{"done", "total", "at"} or None when nothing was reported (yet, or any more)."""
    client = get_redis()
    if client is None:
        with _lock:
            found = _local.get(key)
            return dict(found) if found is not None else None
    raw = client.hgetall(_redis_key(key))
    if not raw:
        return None
    values = {k.decode(): v.decode() for k, v in raw.items()}
    return {"done": int(values.get("done", 0)), "total": int(values.get("total", 0)), "at": float(values.get("at", 0))}


def _purge_expired(now: float) -> None:
    for stale in [k for k, v in _local.items() if now - v["at"] > TTL_SECONDS]:
        del _local[stale]
