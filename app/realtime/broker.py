"""The tenant live channel.

Every process keeps one in-process hub of subscriber queues. Published events
reach the hub directly on the embedded default; with REDIS_URL they go through
Redis pub/sub, and one listener thread per process (not one connection per
open stream) relays them into the local hub, so any web instance can serve any
user.
"""

from __future__ import annotations

import contextlib
import json
import logging
import queue
import threading
import time
from collections import defaultdict

from flask import current_app

from app.lib.redis import client_for

log = logging.getLogger(__name__)

QUEUE_LIMIT = 1000


class Subscription:
    def __init__(self, hub: Hub, tenant_id: int) -> None:
        self.hub = hub
        self.tenant_id = tenant_id
        self.queue: queue.Queue[dict] = queue.Queue(maxsize=QUEUE_LIMIT)
        # Set when the stream must end: the client fell too far behind (it
        # reconnects and replays from the log) or the server is shutting down.
        self.ended = False

    def get(self, timeout: float) -> dict | None:
        try:
            return self.queue.get(timeout=timeout)
        except queue.Empty:
            return None

    def close(self) -> None:
        self.hub.unsubscribe(self)

    def __enter__(self) -> Subscription:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Hub:
    def __init__(self) -> None:
        self._subs: dict[int, set[Subscription]] = defaultdict(set)
        self._lock = threading.Lock()

    def subscribe(self, tenant_id: int) -> Subscription:
        sub = Subscription(self, tenant_id)
        with self._lock:
            self._subs[tenant_id].add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        with self._lock:
            subs = self._subs.get(sub.tenant_id)
            if subs is not None:
                subs.discard(sub)
                if not subs:
                    del self._subs[sub.tenant_id]

    def deliver(self, message: dict) -> None:
        with self._lock:
            targets = list(self._subs.get(message["tenant_id"], ()))
        for sub in targets:
            try:
                sub.queue.put_nowait(message)
            except queue.Full:
                sub.ended = True

    def end_all(self) -> None:
        """Ask every open stream of this process to finish (shutdown)."""
        with self._lock:
            targets = [sub for subs in self._subs.values() for sub in subs]
        for sub in targets:
            sub.ended = True
            with contextlib.suppress(queue.Full):
                sub.queue.put_nowait({"type": "__wake__"})

    def count(self, tenant_id: int | None = None) -> int:
        with self._lock:
            if tenant_id is not None:
                return len(self._subs.get(tenant_id, ()))
            return sum(len(s) for s in self._subs.values())


hub = Hub()


class RedisRelay:
    """One pattern subscription per process, feeding the local hub."""

    def __init__(self, url: str, prefix: str) -> None:
        self.url = url
        self.prefix = prefix
        self.ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="kervan-live-relay", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        backoff = 0.5
        while True:
            try:
                pubsub = client_for(self.url).pubsub(ignore_subscribe_messages=True)
                pubsub.psubscribe(f"{self.prefix}:*")
                self.ready.set()
                backoff = 0.5
                for raw in pubsub.listen():
                    if raw.get("type") != "pmessage":
                        continue
                    try:
                        hub.deliver(json.loads(raw["data"]))
                    except (ValueError, KeyError):
                        log.warning("dropped a malformed live message")
            except Exception:
                self.ready.clear()
                log.exception("live relay lost Redis; retrying in %.1fs", backoff)
                time.sleep(backoff)
                backoff = min(backoff * 2, 10)


_relays: dict[tuple[str, str], RedisRelay] = {}
_relay_lock = threading.Lock()


def _ensure_relay(url: str, prefix: str) -> RedisRelay:
    with _relay_lock:
        relay = _relays.get((url, prefix))
        if relay is None:
            relay = RedisRelay(url, prefix)
            _relays[(url, prefix)] = relay
        return relay


def subscribe(tenant_id: int) -> Subscription:
    """Open a subscription to a tenant's live events in this process."""
    url = current_app.config.get("REDIS_URL")
    if url:
        relay = _ensure_relay(url, current_app.config["LIVE_CHANNEL_PREFIX"])
        relay.ready.wait(timeout=5)
    return hub.subscribe(tenant_id)


def publish(published) -> None:
    message = published.as_dict()
    url = current_app.config.get("REDIS_URL")
    if url:
        channel = f"{current_app.config['LIVE_CHANNEL_PREFIX']}:{message['tenant_id']}"
        client_for(url).publish(channel, json.dumps(message))
    else:
        hub.deliver(message)
