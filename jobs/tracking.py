"""Website tracking jobs: the drain that turns accepted events into sessions,
and the follow-up that turns their conversions into customers."""

from __future__ import annotations

from app.tracking import conversions, drain


def drain_tracking() -> int:
    return drain.drain()


def process_conversions(batch: list[dict]) -> int:
    return conversions.process(batch)
