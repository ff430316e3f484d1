"""Website tracking jobs: the drain that turns accepted events into sessions."""

from __future__ import annotations

from app.tracking import drain


def drain_tracking() -> None:
    drain.drain()
