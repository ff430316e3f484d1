"""The embeddable tracking snippet (app/static/tracking/t.js), minified once per process.

rjsmin only strips comments and whitespace, so what runs on customers' sites is
the readable source, byte for byte in meaning; the route that serves it
(GET /t.js) uses `script_bytes()` and `etag()`."""

from __future__ import annotations

import gzip
import hashlib
from functools import cache
from pathlib import Path

import rjsmin

SOURCE = Path(__file__).resolve().parents[1] / "static" / "tracking" / "t.js"


@cache
def script_bytes() -> bytes:
    """The minified snippet (read and minified on first use, then kept)."""
    return rjsmin.jsmin(SOURCE.read_text(encoding="utf-8")).encode("utf-8")


@cache
def etag() -> str:
    """The strong ETag value, unquoted (as `Response.set_etag` wants it); changes whenever the bytes do."""
    return hashlib.sha256(script_bytes()).hexdigest()[:20]


def gzipped_size() -> int:
    """Bytes on the wire when served gzip-compressed (level 9); the size budget's measure."""
    return len(gzip.compress(script_bytes(), compresslevel=9, mtime=0))
