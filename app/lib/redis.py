"""One shared Redis connection pool per URL per process."""

from __future__ import annotations

import threading

import redis
from flask import current_app

_clients: dict[str, redis.Redis] = {}
_lock = threading.Lock()


def client_for(url: str) -> redis.Redis:
    with _lock:
        found = _clients.get(url)
        if found is None:
            found = redis.Redis.from_url(url, health_check_interval=30)
            _clients[url] = found
        return found


def get_redis() -> redis.Redis | None:
    """The app's Redis client, or None on the embedded default."""
    url = current_app.config.get("REDIS_URL")
    return client_for(url) if url else None
