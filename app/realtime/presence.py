"""Who has a live stream open right now.

A stream marks its user online when it opens and at every keep-alive; the mark
expires after a few missed keep-alives, so a closed tab or a dead server needs
no clean-up. With REDIS_URL the marks are shared by every process (a job on a
worker asks about a stream on the stream server); without it they live in this
process, which is where the embedded run's streams and jobs both are.

A mark can name a tenant too: a person with several businesses only sees a
tenant's live events while that tenant's stream is open.
"""

from __future__ import annotations

import logging
import math
import threading
from time import monotonic

from flask import current_app

from app.lib.redis import get_redis

log = logging.getLogger(__name__)

# Missed keep-alives tolerated before a stream counts as gone.
TTL_HEARTBEATS = 2.5

_local: dict[str, float] = {}  # key -> monotonic expiry
_lock = threading.Lock()


def _ttl_seconds() -> int:
    return max(1, math.ceil(TTL_HEARTBEATS * current_app.config["SSE_HEARTBEAT_SECONDS"]))


def _key(user_id: int, tenant_id: int | None) -> str:
    base = f"{current_app.config['LIVE_CHANNEL_PREFIX']}:online:{user_id}"
    return base if tenant_id is None else f"{base}:{tenant_id}"


def _keys(user_id: int, tenant_id: int | None) -> list[str]:
    keys = [_key(user_id, None)]
    if tenant_id is not None:
        keys.append(_key(user_id, tenant_id))
    return keys


def mark_online(user_id: int, tenant_id: int | None = None) -> None:
    """The user has an open stream (of this tenant, when given) for the next few keep-alives."""
    ttl = _ttl_seconds()
    keys = _keys(user_id, tenant_id)
    client = get_redis()
    if client is None:
        expiry = monotonic() + ttl
        with _lock:
            for key in keys:
                _local[key] = expiry
        return
    try:
        pipe = client.pipeline(transaction=False)
        for key in keys:
            pipe.set(key, 1, ex=ttl)
        pipe.execute()
    except Exception:  # presence is advisory: a Redis blip must not end a live stream
        log.warning("could not mark user %s online", user_id, exc_info=True)


def is_online(user_id: int, tenant_id: int | None = None) -> bool:
    """Whether the user has an open stream (of this tenant, when given)."""
    key = _key(user_id, tenant_id)
    client = get_redis()
    if client is None:
        with _lock:
            expiry = _local.get(key)
            if expiry is not None and expiry <= monotonic():
                del _local[key]
                expiry = None
        return expiry is not None
    try:
        return bool(client.exists(key))
    except Exception:  # unknown counts as offline: an extra e-mail beats a missed reminder
        log.warning("could not read the presence of user %s", user_id, exc_info=True)
        return False
