"""Placeholder: being written."""

from app.tracking.ingest import Reply

TIMESTAMP_HEADER = "X-Kervan-Timestamp"
SIGNATURE_HEADER = "X-Kervan-Signature"


def receive(raw: bytes, *, timestamp: str | None, signature: str | None) -> Reply:
    return Reply(503, {"error": "not ready"})
