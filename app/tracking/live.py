"""Live-only notices about tracked websites, for open Settings → Tracking pages.

"Events arrived for this site" happens up to every couple of seconds per site,
so it is not a domain event: nothing goes into the event log. The notice rides
the tenant's live channel with id None, which the SSE stream forwards without
an `id:` line (app/realtime/services.live_only_message), so it never moves a
browser's Last-Event-ID nor the stream's replay cursor, and it carries no
summary, so no toast is shown. The page's script (app/static/js/tracking.js)
hears it through the SSE extension (`hx-trigger="sse:tracking.site_seen"`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from app.realtime import broker
from app.realtime.services import TRACKING_SITE_SEEN

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LiveNotice:
    """Shaped like events.Published (what the broker relays), but never logged: id is None."""

    tenant_id: int
    type: str
    subject_type: str | None = None
    subject_id: int | None = None
    data: dict[str, Any] = field(default_factory=dict)
    id: None = None
    actor_id: None = None
    actor_name: None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": None,
            "tenant_id": self.tenant_id,
            "type": self.type,
            "actor_id": None,
            "actor_name": None,
            "subject_type": self.subject_type,
            "subject_id": self.subject_id,
            "data": dict(self.data),
        }


def site_seen_notice(tenant_id: int, site_id: int, at: datetime) -> LiveNotice:
    if at.tzinfo is None:
        raise ValueError("give an aware datetime")
    at_iso = at.astimezone(UTC).isoformat(timespec="milliseconds")
    return LiveNotice(
        tenant_id=tenant_id,
        type=TRACKING_SITE_SEEN,
        subject_type="tracking_sites",
        subject_id=site_id,
        data={"site_id": site_id, "at": at_iso},
    )


def publish_site_seen(tenant_id: int, site_id: int, at: datetime) -> None:
    """Tell the tenant's open screens that `site_id` received events at `at` (aware).

    Callers throttle (the drain: at most every ~2 s per site). A dead live
    channel is logged, never raised: the events are already stored."""
    notice = site_seen_notice(tenant_id, site_id, at)
    try:
        broker.publish(notice)
    except Exception:
        log.exception("live notice failed for tracking site %s", site_id)
