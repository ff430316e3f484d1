"""Live streams (/realtime/stream): gevent, so one worker holds thousands of idle
connections. Route only that path here (see README, "Production")."""

import os

bind = f"0.0.0.0:{os.environ.get('STREAM_PORT', '8001')}"
worker_class = "gevent"
workers = int(os.environ.get("STREAM_WORKERS", "1"))
worker_connections = int(os.environ.get("STREAM_CONNECTIONS", "2000"))
timeout = 60
graceful_timeout = 3
keepalive = 75
accesslog = None
