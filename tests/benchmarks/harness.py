"""Shared pieces for benchmarks: a production-like deployment on this machine.

Benchmarks run against PostgreSQL and Redis (BENCH_DATABASE_URL / BENCH_REDIS_URL,
defaulting to the local services), in a database of their own that is dropped
afterwards, with real gunicorn processes serving the app.
"""

from __future__ import annotations

import os
import re
import socket
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
DATABASE_SERVER = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
SECRET = "bench-secret-key"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def pick(q: float) -> float:
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]

    return {
        "n": len(ordered),
        "p50": pick(0.50),
        "p95": pick(0.95),
        "p99": pick(0.99),
        "mean": statistics.fmean(ordered),
        "max": ordered[-1],
    }


def fmt_ms(stats: dict[str, float]) -> str:
    return (
        f"n={stats['n']:>6}  p50={stats['p50'] * 1000:7.1f} ms  p95={stats['p95'] * 1000:7.1f} ms  "
        f"p99={stats['p99'] * 1000:7.1f} ms  max={stats['max'] * 1000:7.1f} ms"
    )


def app_env(database_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        REDIS_URL=REDIS_URL,
        SECRET_KEY=SECRET,
        JOBS_QUEUE="kervan-bench",
        LIVE_CHANNEL_PREFIX="kervan-bench:live",
        RATELIMIT_ENABLED="false",
    )
    return env


@contextmanager
def gunicorn(env: dict[str, str], *args: str, app_uri: str = "wsgi:app", nice: int = 0):
    """A gunicorn serving `app_uri` on a free port; yields its base URL and master pid."""
    port = free_port()
    command = ["nice", "-n", str(nice)] if nice else []
    command += [
        sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
        "--access-logfile", "/dev/null", *args, app_uri,
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(base + "/healthz", timeout=1).ok:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError(f"gunicorn {app_uri} {args} did not start")
            time.sleep(0.2)
        yield Served(base, process.pid)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


class Served(str):
    """The base URL (a str, as callers use it) that also knows the gunicorn master's pid."""

    pid: int

    def __new__(cls, base: str, pid: int) -> Served:
        served = super().__new__(cls, base)
        served.pid = pid
        return served


def sign_in(base: str, email: str, password: str) -> requests.Session:
    session = requests.Session()
    page = session.get(base + "/auth/login").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = session.post(
        base + "/auth/login", data={"csrf_token": token, "email": email, "password": password}, allow_redirects=False
    )
    assert response.status_code == 302, response.status_code
    return session


def csrf_token(session: requests.Session, base: str, path: str) -> str:
    return re.search(r'"X-CSRFToken": "([^"]+)"', session.get(base + path).text).group(1)
