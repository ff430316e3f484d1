"""Live streams in production shape: can one stream server hold 500 open streams,
how fast does an event reach all of them, and do pages stay fast meanwhile?

Pages run on gunicorn gthread (deploy/gunicorn_web.py settings), streams on a
gunicorn gevent worker (deploy/gunicorn_stream.py), PostgreSQL and Redis local.
"""

from __future__ import annotations

import asyncio
import multiprocessing as mp
import os
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

from tests import settings
from tests.benchmarks.harness import (
    DATABASE_SERVER,
    REDIS_URL,
    app_env,
    csrf_token,
    fmt_ms,
    gunicorn,
    percentiles,
    sign_in,
)

STREAMS = int(os.environ.get("BENCH_STREAMS", "500"))
EVENTS = int(os.environ.get("BENCH_EVENTS", "40"))
PAGE_REQUESTS = int(os.environ.get("BENCH_PAGE_REQUESTS", "200"))


def prepare(database_url: str) -> dict:
    from flask_migrate import upgrade

    from app import create_app
    from tests.factories import PASSWORD, Factory

    app = create_app({"DATABASE_URL": database_url, "REDIS_URL": REDIS_URL, "SECRET_KEY": "bench"})
    with app.app_context():
        upgrade()
    make = Factory(app)
    team = make.team()
    return {
        "owner": team.owner.email,
        "password": PASSWORD,
        "agent_membership": make.membership(team.tenant, team.agent).id,
    }


# ---------------------------------------------------------------- stream clients (child process)


async def _one_stream(host, port, cookie, arrivals, connected):
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(
        (
            f"GET /realtime/stream HTTP/1.1\r\nHost: {host}\r\nAccept: text/event-stream\r\nCookie: {cookie}\r\n\r\n"
        ).encode()
    )
    await writer.drain()
    while True:
        line = await reader.readline()
        if not line:
            return
        if line.startswith(b"retry:"):
            connected.append(1)
        elif line.startswith(b"id: "):
            arrivals.append((int(line[4:].strip()), time.time()))


async def _run_clients(url, cookie, count, pipe):
    parts = urlsplit(url)
    arrivals, connected = [], []
    tasks = []
    for start in range(0, count, 50):  # ramp up in batches, as real browsers trickle in
        for _ in range(min(50, count - start)):
            tasks.append(asyncio.create_task(_one_stream(parts.hostname, parts.port, cookie, arrivals, connected)))
        deadline = time.monotonic() + 20
        while len(connected) < min(start + 50, count) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
    pipe.send(("ready", len(connected)))
    while not pipe.poll():
        await asyncio.sleep(0.05)
    pipe.recv()
    pipe.send(("arrivals", arrivals, sum(1 for t in tasks if not t.done())))
    for task in tasks:
        task.cancel()


def _client_process(url, cookie, count, pipe):
    asyncio.run(_run_clients(url, cookie, count, pipe))


# ---------------------------------------------------------------- measurements


def page_latencies(session, base, n, workers=4):
    def one(_):
        started = time.perf_counter()
        response = session.get(base + "/command")
        assert response.status_code == 200
        return time.perf_counter() - started

    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(one, range(n)))


class OpenStreams:
    """`count` live streams held by a child process; measures when each action's event reaches them."""

    def __init__(self, stream_url: str, cookie: str, count: int) -> None:
        self.parent, child = mp.Pipe()
        self.process = mp.Process(target=_client_process, args=(stream_url, cookie, count, child), daemon=True)
        started = time.perf_counter()
        self.process.start()
        _, self.connected = self.parent.recv()
        self.ramp = time.perf_counter() - started

    def delivery(self, act, events: int, pause: float = 0.25) -> tuple[list[float], list[float], int]:
        """Run `act(n)` `events` times; (seconds from each action to each stream's copy of its event,
        each action's own duration, streams still open at the end)."""
        sent, durations = [], []
        for n in range(events):
            t0 = time.time()
            act(n)
            durations.append(time.time() - t0)
            sent.append(t0)
            time.sleep(pause)
        time.sleep(2)
        self.parent.send("stop")
        _, arrivals, still_open = self.parent.recv()
        self.process.join(timeout=10)
        by_event: dict[int, list[float]] = {}
        for event_id, at in arrivals:
            by_event.setdefault(event_id, []).append(at)
        event_ids = sorted(by_event)[-events:]
        delays = [at - t0 for event_id, t0 in zip(event_ids, sent, strict=False) for at in by_event[event_id]]
        return delays, durations, still_open


def main() -> None:
    print(f"\n== live streams: {STREAMS} open streams, {EVENTS} events, PostgreSQL + Redis ==")
    with settings.postgres_database("kervan_bench", DATABASE_SERVER) as database_url:
        info = prepare(database_url)
        env = app_env(database_url)
        with (
            gunicorn(env, "--config", "deploy/gunicorn_web.py") as web,
            gunicorn(env, "--config", "deploy/gunicorn_stream.py") as stream,
        ):
            session = sign_in(web, info["owner"], info["password"])
            cookie = "; ".join(f"{c.name}={c.value}" for c in session.cookies)
            token = csrf_token(session, web, "/settings/team")
            page_latencies(session, web, 20)  # warm up
            baseline = percentiles(page_latencies(session, web, PAGE_REQUESTS))
            streams = OpenStreams(stream, cookie, STREAMS)
            loaded = percentiles(page_latencies(session, web, PAGE_REQUESTS))

            def change_role(n: int) -> None:
                response = session.post(
                    f"{web}/settings/team/{info['agent_membership']}/role",
                    data={"role": ("manager", "agent")[n % 2]},
                    headers={"X-CSRFToken": token, "HX-Request": "true"},
                )
                assert response.status_code == 200

            delivery, post_times, still_open = streams.delivery(change_role, EVENTS)

        connected, expected = streams.connected, EVENTS * streams.connected
        print(f"streams connected        {connected}/{STREAMS} in {streams.ramp:.1f} s; still open: {still_open}")
        print(f"page GET /command, idle  {fmt_ms(baseline)}")
        print(f"page GET /command, {connected} streams open  {fmt_ms(loaded)}")
        print(f"role change POST (emits) {fmt_ms(percentiles(post_times))}")
        print(f"action→event at client  {fmt_ms(percentiles(delivery))}")
        print(f"deliveries               {len(delivery)}/{expected} ({len(delivery) / max(expected, 1):.1%})")


if __name__ == "__main__":
    main()
