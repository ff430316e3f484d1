"""The ceiling for the tracking benchmark: a Flask app whose `POST /t/collect`
does nothing but push the raw body onto a Redis list and answer 202.

bench_tracking.py serves it with the same gunicorn settings as the real web
process (deploy/gunicorn_web.py: gthread, same workers and threads, same
post_fork GC tuning), so the difference between the two runs is what Kervan's
ingest path costs above one Redis round trip.

    gunicorn --config deploy/gunicorn_web.py tests.benchmarks.bare_ingest:app
"""

from __future__ import annotations

import os

import redis
from flask import Flask, Response, request

QUEUE_KEY = os.environ.get("BARE_QUEUE_KEY", "kervan-bench:bare:queue")
# The real endpoint answers about this much JSON.
REPLY = b'{"accepted": 0, "duplicates": 0}'

app = Flask(__name__)
client = redis.Redis.from_url(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))


@app.post("/t/collect")
def collect() -> Response:
    client.rpush(QUEUE_KEY, request.get_data(cache=False))
    return Response(REPLY, status=202, mimetype="application/json")


@app.get("/healthz")
def healthz() -> str:
    return "ok"
