"""Pages and forms: threads, because requests are short and CPU-bound work must not block a loop."""

import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
worker_class = "gthread"
workers = int(os.environ.get("WEB_WORKERS", "2"))
threads = int(os.environ.get("WEB_THREADS", "8"))
timeout = 30
graceful_timeout = 5
accesslog = "-"


def post_fork(server, worker):
    """Fewer, later garbage collections: a board page allocates a lot of short-lived
    objects, and the default thresholds made every few requests pay for a full
    collection (p95 117 ms -> 73 ms in tests/benchmarks/bench_pipeline.py)."""
    import gc

    gc.freeze()  # what the app loaded at import time is never garbage
    gc.set_threshold(100_000, 50, 100)
