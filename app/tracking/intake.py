"""Admission and the queue between the ingest endpoint and the drain.

Admitting a batch means: rate limits per site and per IP, de-duplication of
each event id, the tenant's monthly quota, and appending the new events to the
queue. With Redis all of that is one Lua script, one round trip, so the
endpoint costs about what a bare Redis push costs. Without Redis (the embedded
run) an in-process gate does the same and the queue is a database table.

The queue element is `"<new indices>|<site id>|<tenant id>|<received ms>|<raw body>"`:
the raw request body travels untouched and the drain takes only the events
whose indices were new."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import current_app
from sqlalchemy import delete, func, select

from app.extensions import db
from app.lib.redis import client_for
from app.models import TrackingBuffer, TrackingReceipt
from app.tracking.sites import SiteConfig

ADMITTED, SITE_LIMITED, IP_LIMITED, OVER_QUOTA = 0, 1, 2, 3


@dataclass(frozen=True)
class Verdict:
    code: int
    new: int = 0
    duplicates: int = 0
    retry_after: int = 0
    wake_drain: bool = False


@dataclass(frozen=True)
class Limits:
    site: int  # requests per window per site
    ip: int  # requests per window per client IP
    window: int  # seconds
    dedupe_ttl: int  # seconds an event id is remembered at the door (the receipts table is forever)

    @classmethod
    def from_config(cls) -> Limits:
        c = current_app.config
        return cls(
            site=c["TRACKING_SITE_RATE"],
            ip=c["TRACKING_IP_RATE"],
            window=c["TRACKING_RATE_WINDOW"],
            dedupe_ttl=c["TRACKING_DEDUPE_TTL"],
        )


def month_key(now: datetime) -> str:
    return now.strftime("%Y%m")


def month_start(now: datetime) -> datetime:
    return now.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def used_this_month(tenant_id: int, now: datetime) -> int:
    """Accepted events this month: the receipts ledger is the authority."""
    return db.session.scalar(
        select(func.count())
        .select_from(TrackingReceipt)
        .where(TrackingReceipt.tenant_id == tenant_id, TrackingReceipt.received_at >= month_start(now))
    )


def element(site: SiteConfig, received_ms: int, raw: str) -> str:
    return f"{site.id}|{site.tenant_id}|{received_ms}|{raw}"


def parse_element(item: str) -> tuple[list[int], int, int, int, str]:
    indices, site_id, tenant_id, received_ms, raw = item.split("|", 4)
    return [int(i) for i in indices.split(",")], int(site_id), int(tenant_id), int(received_ms), raw


# One round trip: rate limits, de-duplication, quota, enqueue, drain wake-up.
_ADMIT = """
local now_ms = tonumber(ARGV[7])
local window = tonumber(ARGV[3])
local slot = math.floor(now_ms / 1000 / window)
local retry = window - math.floor(now_ms / 1000) % window
local site_key = KEYS[1] .. slot
local n = redis.call('INCR', site_key)
if n == 1 then redis.call('EXPIRE', site_key, window + 1) end
if n > tonumber(ARGV[1]) then return {1, 0, retry, 0} end
local ip_key = KEYS[2] .. slot
n = redis.call('INCR', ip_key)
if n == 1 then redis.call('EXPIRE', ip_key, window + 1) end
if n > tonumber(ARGV[2]) then return {2, 0, retry, 0} end
local ttl = tonumber(ARGV[5])
local new = {}
for i = 9, #ARGV do
  if redis.call('SET', ARGV[8] .. ARGV[i], 1, 'NX', 'EX', ttl) then new[#new + 1] = i - 9 end
end
local dup = (#ARGV - 8) - #new
if #new == 0 then return {0, 0, dup, 0} end
local used = tonumber(redis.call('GET', KEYS[3]) or '0')
if used + #new > tonumber(ARGV[4]) then
  for _, i in ipairs(new) do redis.call('DEL', ARGV[8] .. ARGV[i + 9]) end
  return {3, 0, 0, 0}
end
redis.call('INCRBY', KEYS[3], #new)
redis.call('EXPIRE', KEYS[3], 3024000)
redis.call('RPUSH', KEYS[4], table.concat(new, ',') .. '|' .. ARGV[6])
redis.call('SET', KEYS[6], ARGV[7])
local wake = 0
if redis.call('SET', KEYS[5], 1, 'NX', 'EX', 30) then wake = 1 end
return {0, #new, dup, wake}
"""


class RedisIntake:
    def __init__(self, url: str, prefix: str) -> None:
        self.client = client_for(url)
        self.prefix = prefix
        self.queue_key = f"{prefix}:queue"
        self.wake_key = f"{prefix}:drain-wanted"
        self._admit = self.client.register_script(_ADMIT)
        self._seeded: dict[str, float] = {}

    def _quota_key(self, tenant_id: int, now: datetime) -> str:
        return f"{self.prefix}:quota:{tenant_id}:{month_key(now)}"

    def last_seen_key(self, site_id: int) -> str:
        return f"{self.prefix}:last:{site_id}"

    def _seed_quota(self, site: SiteConfig, now: datetime) -> str:
        # After a Redis restart the month's counter starts again from the ledger.
        key = self._quota_key(site.tenant_id, now)
        if time.monotonic() - self._seeded.get(key, -1e9) > 60:
            if not self.client.exists(key):
                self.client.set(key, used_this_month(site.tenant_id, now), nx=True, ex=3024000)
            self._seeded[key] = time.monotonic()
        return key

    def admit(self, site: SiteConfig, ip: str, event_ids: list[str], raw: str, limits: Limits) -> Verdict:
        now = datetime.now(UTC)
        now_ms = int(now.timestamp() * 1000)
        keys = [
            f"{self.prefix}:rl:s:{site.id}:",
            f"{self.prefix}:rl:ip:{ip}:",
            self._seed_quota(site, now),
            self.queue_key,
            self.wake_key,
            self.last_seen_key(site.id),
        ]
        args = [
            limits.site,
            limits.ip,
            limits.window,
            site.quota,
            limits.dedupe_ttl,
            element(site, now_ms, raw),
            now_ms,
        ]
        args += [f"{self.prefix}:seen:{site.id}:", *event_ids]
        code, new, third, wake = self._admit(keys=keys, args=args)
        if code in (SITE_LIMITED, IP_LIMITED):
            return Verdict(code, retry_after=int(third))
        return Verdict(code, new=int(new), duplicates=int(third), wake_drain=bool(wake))

    # --- the drain side ------------------------------------------------------

    def woken(self) -> None:
        """The drain started: the next admitted batch must wake it again."""
        self.client.delete(self.wake_key)

    def peek(self, limit: int) -> list[str]:
        return [
            item.decode() if isinstance(item, bytes) else item
            for item in self.client.lrange(self.queue_key, 0, limit - 1)
        ]

    def ack(self, count: int) -> None:
        self.client.ltrim(self.queue_key, count, -1)

    def commit_and_ack(self, count: int) -> None:
        # Commit first: a crash in between re-reads the batch, which the receipts then drop.
        db.session.commit()
        self.ack(count)

    def backlog(self) -> int:
        return int(self.client.llen(self.queue_key))

    def last_seen_ms(self, site_id: int) -> int | None:
        value = self.client.get(self.last_seen_key(site_id))
        return int(value) if value else None


class LocalIntake:
    """The embedded stand-in: counters in memory, the queue in a database table."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: dict[tuple[int, str], float] = {}
        self._windows: dict[str, int] = {}
        self._quota: dict[tuple[int, str], int] = {}
        self._wake = False
        self._last_seen: dict[int, int] = {}
        self._pruned = time.monotonic()

    def _prune(self, now: float) -> None:
        if now - self._pruned > 60:
            self._seen = {k: v for k, v in self._seen.items() if v > now}
            self._windows.clear()
            self._pruned = now

    def admit(self, site: SiteConfig, ip: str, event_ids: list[str], raw: str, limits: Limits) -> Verdict:
        now = datetime.now(UTC)
        now_ms = int(now.timestamp() * 1000)
        quota_key = (site.tenant_id, month_key(now))
        if quota_key not in self._quota:
            used = used_this_month(site.tenant_id, now)
            with self._lock:
                self._quota.setdefault(quota_key, used)
        with self._lock:
            mono = time.monotonic()
            self._prune(mono)
            slot = now_ms // 1000 // limits.window
            retry = limits.window - (now_ms // 1000) % limits.window
            for code, key, limit in (
                (SITE_LIMITED, f"s{site.id}:{slot}", limits.site),
                (IP_LIMITED, f"i{ip}:{slot}", limits.ip),
            ):
                self._windows[key] = self._windows.get(key, 0) + 1
                if self._windows[key] > limit:
                    return Verdict(code, retry_after=retry)
            new = []
            for i, event_id in enumerate(event_ids):
                key = (site.id, event_id)
                if self._seen.get(key, 0) <= mono:
                    self._seen[key] = mono + limits.dedupe_ttl
                    new.append(i)
            duplicates = len(event_ids) - len(new)
            if not new:
                return Verdict(ADMITTED, duplicates=duplicates)
            if self._quota[quota_key] + len(new) > site.quota:
                for i in new:
                    self._seen.pop((site.id, event_ids[i]), None)
                return Verdict(OVER_QUOTA)
            self._quota[quota_key] += len(new)
            self._last_seen[site.id] = now_ms
            wake, self._wake = not self._wake, True
        item = ",".join(map(str, new)) + "|" + element(site, now_ms, raw)
        db.session.add(TrackingBuffer(payload=item))
        db.session.commit()
        return Verdict(ADMITTED, new=len(new), duplicates=duplicates, wake_drain=wake)

    def woken(self) -> None:
        with self._lock:
            self._wake = False

    def peek(self, limit: int) -> list[str]:
        rows = db.session.execute(
            select(TrackingBuffer.id, TrackingBuffer.payload).order_by(TrackingBuffer.id).limit(limit)
        ).all()
        self._peeked = [row.id for row in rows]
        return [row.payload for row in rows]

    def ack(self, count: int) -> None:
        # Called inside the drain's transaction, so the batch and its removal commit together.
        ids = self._peeked[:count]
        if ids:
            db.session.execute(delete(TrackingBuffer).where(TrackingBuffer.id <= ids[-1]))

    def commit_and_ack(self, count: int) -> None:
        self.ack(count)  # the buffer rows leave in the same transaction that stores them
        db.session.commit()

    def backlog(self) -> int:
        return db.session.scalar(select(func.count()).select_from(TrackingBuffer))

    def last_seen_ms(self, site_id: int) -> int | None:
        return self._last_seen.get(site_id)

    def reset(self) -> None:
        with self._lock:
            self._seen.clear()
            self._windows.clear()
            self._quota.clear()
            self._last_seen.clear()
            self._wake = False


_intakes: dict[tuple[str | None, str], RedisIntake | LocalIntake] = {}


def get_intake() -> RedisIntake | LocalIntake:
    url = current_app.config.get("REDIS_URL")
    prefix = current_app.config["TRACKING_REDIS_PREFIX"]
    key = (url, prefix)
    intake = _intakes.get(key)
    if intake is None:
        intake = RedisIntake(url, prefix) if url else LocalIntake()
        _intakes[key] = intake
    return intake
