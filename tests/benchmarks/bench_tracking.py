"""Website-tracking ingest in production shape: `POST /t/collect` on gunicorn
(deploy/gunicorn_web.py) with the drain running beside it on an RQ worker,
PostgreSQL and Redis local, load from wrk (tests/benchmarks/wrk_collect.lua).

1. The ceiling: tests/benchmarks/bare_ingest.py (one RPUSH per request) under the
   same gunicorn settings and the same wrk load.
2. The real endpoint for BENCH_TRACKING_SECONDS (60): requests/s, events/s,
   latency, 5xx; the drain's rate while live (RQ job run times); accept-to-stored
   lag; then, once the queue is empty, an exact count of what was stored against
   what wrk sent and Redis admitted.
3. Drain only: BENCH_DRAIN_EVENTS (200,000) events pushed straight onto the queue
   in the intake's element format, then `drain()` timed in-process
   (BENCH_PROFILE=1 adds a cProfile of the same).

Knobs for experiments: BENCH_RQ_WORKERS (1; 0 starts the worker only after the
load), BENCH_WEB_NICE (run both gunicorns at that nice level), WEB_WORKERS and
WEB_THREADS (read by deploy/gunicorn_web.py, so they apply to both endpoints).
CPU figures come from /proc: "other processes" is whatever else ran on the
machine meanwhile, which makes a run's figures worth less.
"""

from __future__ import annotations

import cProfile
import io
import json
import os
import pstats
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path

import psycopg

from tests import settings
from tests.benchmarks import harness
from tests.benchmarks.harness import DATABASE_SERVER, REDIS_URL, ROOT, app_env

SECONDS = int(os.environ.get("BENCH_TRACKING_SECONDS", "60"))
WARMUP = int(os.environ.get("BENCH_WARMUP_SECONDS", "3"))
WRK_THREADS = int(os.environ.get("BENCH_WRK_THREADS", "2"))
WRK_CONNECTIONS = int(os.environ.get("BENCH_WRK_CONNECTIONS", "64"))
RQ_WORKERS = int(os.environ.get("BENCH_RQ_WORKERS", "1"))  # the Procfile runs one `worker`
DRAIN_EVENTS = int(os.environ.get("BENCH_DRAIN_EVENTS", "200000"))
PROFILE = os.environ.get("BENCH_PROFILE", "") not in ("", "0")
WEB_NICE = int(os.environ.get("BENCH_WEB_NICE", "0"))  # >0: both gunicorns yield the CPU to the drain
WRK_SCRIPT = Path(__file__).with_name("wrk_collect.lua")
ORIGIN = "https://bench.example.test"
MAX_EVENTS_PER_REQUEST = 10

TARGET_RATIO, TARGET_P99_MS, TARGET_DRAIN, TARGET_LAG = 0.8, 50.0, 20_000, 5.0


# ---------------------------------------------------------------- set-up


def prepare(database_url: str, overrides: dict) -> dict:
    """A tenant with a high monthly quota and one tracked site on bench.example.test."""
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db
    from app.models import Tenant
    from app.tracking.sites import create_site
    from tests.factories import Factory

    app = create_app({"DATABASE_URL": database_url, "REDIS_URL": REDIS_URL, "SECRET_KEY": "bench", **overrides})
    with app.app_context():
        upgrade()
    tenant = Factory(app).tenant(name="Bench İzleme")
    with app.app_context():
        row = db.session.get(Tenant, tenant.id)
        row.event_quota = 100_000_000
        site = create_site(row, name="Bench site", domains=["bench.example.test"])
        db.session.commit()
        return {"site_key": site.site_key, "site_id": site.id, "tenant_id": row.id}


@contextmanager
def serve(env: dict[str, str], app_uri: str):
    """gunicorn with the web process's config (deploy/gunicorn_web.py) serving `app_uri`; yields
    (base URL, master pid)."""
    with harness.gunicorn(env, "--config", "deploy/gunicorn_web.py", app_uri=app_uri, nice=WEB_NICE) as served:
        yield str(served), served.pid


@contextmanager
def rq_workers(env: dict[str, str], count: int, log_path: Path):
    """`flask jobs worker` processes, as the Procfile's `worker` runs them; logs go to log_path."""
    log = log_path.open("w")
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "worker"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        for _ in range(count)
    ]
    try:
        yield [p.pid for p in processes]
    finally:
        for process in processes:
            process.terminate()  # RQ's warm shutdown: the current job finishes
        for process in processes:
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
        log.close()


# ---------------------------------------------------------------- CPU accounting from /proc


def _proc_table() -> dict[int, tuple[int, str, float]]:
    """pid -> (parent pid, command name, CPU seconds incl. reaped children)."""
    tick = os.sysconf("SC_CLK_TCK")
    table = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            raw = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        name = raw[raw.index("(") + 1 : raw.rindex(")")]
        fields = raw[raw.rindex(")") + 2 :].split()
        utime, stime, cutime, cstime = (int(x) for x in fields[11:15])
        table[int(entry)] = (int(fields[1]), name, (utime + stime + cutime + cstime) / tick)
    return table


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) of one process."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_by_group(groups: dict[str, list[int]]) -> dict[str, float]:
    """CPU seconds of each group of process trees, plus all of PostgreSQL and Redis."""
    table = _proc_table()
    children: dict[int, list[int]] = {}
    for pid, (ppid, _, _) in table.items():
        children.setdefault(ppid, []).append(pid)

    def tree(pid: int) -> float:
        if pid not in table:
            return 0.0
        return table[pid][2] + sum(tree(child) for child in children.get(pid, []))

    out = {name: sum(tree(pid) for pid in pids) for name, pids in groups.items()}
    # All of PostgreSQL, the postmaster's reaped backends included (so other databases' work too).
    out["postgres"] = sum(cpu for _, name, cpu in table.values() if name.startswith("postgres"))
    out["redis"] = sum(cpu for _, name, cpu in table.values() if name.startswith("redis"))
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    out["machine"] = (sum(fields[:8]) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")  # all but idle, iowait
    return out


def cpu_delta(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    return {name: after[name] - before.get(name, 0.0) for name in after}


# ---------------------------------------------------------------- wrk


def run_wrk(url: str, seconds: int, site_key: str, tag: str) -> dict:
    command = [
        "wrk", f"-t{WRK_THREADS}", f"-c{WRK_CONNECTIONS}", f"-d{seconds}s", "--timeout", "2s", "--latency",
        "-s", str(WRK_SCRIPT), url + "/t/collect", "--", site_key, tag, ORIGIN,
    ]  # fmt: skip
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = process.communicate()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)  # wrk is the only child reaped meanwhile
    if process.returncode != 0 or "WRKSTATS " not in out:
        raise RuntimeError(f"wrk failed ({process.returncode}): {err or out}")
    stats = json.loads(out.split("WRKSTATS ", 1)[1].splitlines()[0])
    totals = {key: sum(t[key] for t in stats["threads"]) for key in stats["threads"][0] if key != "id"}
    stats.update(totals=totals, command=" ".join(command), output=out.split("WRKSTATS ", 1)[0].rstrip(), tag=tag)
    seconds_run = stats["duration_us"] / 1e6
    stats["seconds"] = seconds_run
    stats["cpu"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    stats["rps"] = totals["responses"] / seconds_run
    stats["ok_rps"] = (totals["s202"] + totals["s200"]) / seconds_run
    stats["events_ps"] = totals["accepted"] / seconds_run
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    stats["non_2xx"] = int(non_2xx.group(1)) if non_2xx else 0
    return stats


def wrk_line(label: str, stats: dict) -> str:
    lat, t = stats["latency_us"], stats["totals"]
    errors = {k: v for k, v in stats["errors"].items() if v}
    return (
        f"{label:<18} {stats['rps']:8.0f} req/s  2xx {stats['ok_rps']:8.0f}/s  p50 {lat['p50'] / 1000:6.1f} ms  "
        f"p90 {lat['p90'] / 1000:6.1f} ms  p99 {lat['p99'] / 1000:6.1f} ms  max {lat['max'] / 1000:7.1f} ms  "
        f"responses {t['responses']}  4xx {t['s4xx']}  5xx {t['s5xx']}  socket errors {errors or 0}"
    )


# ---------------------------------------------------------------- Redis helpers


def redis_client():
    import redis

    return redis.Redis.from_url(REDIS_URL)


def scan_count(client, pattern: str) -> int:
    return sum(1 for _ in client.scan_iter(match=pattern, count=10_000))


def unlink_matching(client, pattern: str) -> int:
    removed, batch = 0, []
    for key in client.scan_iter(match=pattern, count=10_000):
        batch.append(key)
        if len(batch) >= 5_000:
            removed += client.unlink(*batch)
            batch = []
    if batch:
        removed += client.unlink(*batch)
    return removed


class Sampler(threading.Thread):
    """Samples the queue's backlog (Redis list length) every half second."""

    def __init__(self, client, key: str) -> None:
        super().__init__(daemon=True)
        self.client, self.key = client, key
        self.samples: list[tuple[float, int]] = []
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            self.samples.append((time.monotonic(), int(self.client.llen(self.key))))
            self.stop.wait(0.5)


class Trimmer(threading.Thread):
    """Keeps the bare endpoint's list from growing (it has no drain)."""

    def __init__(self, client, key: str) -> None:
        super().__init__(daemon=True)
        self.client, self.key = client, key
        self.stop = threading.Event()
        self.pushed = 0

    def run(self) -> None:
        while not self.stop.is_set():
            pipe = self.client.pipeline()
            pipe.llen(self.key)
            pipe.delete(self.key)
            self.pushed += pipe.execute()[0]
            self.stop.wait(0.5)


# ---------------------------------------------------------------- after the run: counts, lag, RQ


def wait_for_drain(client, prefix: str, expected: int, conn, timeout: float = 600) -> float:
    """Seconds until the queue is empty, no drain holds the lock and the receipts reach `expected`."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        idle = not client.llen(f"{prefix}:queue") and not client.exists(f"{prefix}:drain-lock")
        if idle and conn.execute("SELECT count(*) FROM tracking_receipts").fetchone()[0] >= expected:
            return time.monotonic() - started
        time.sleep(0.25)
    return float("nan")


def drain_job_stats(client, queue_name: str) -> dict:
    """Run times and results of the finished drain jobs (what the drain spent while live)."""
    from rq import Queue
    from rq.job import Job

    queue = Queue(queue_name, connection=client)
    ids = queue.finished_job_registry.get_job_ids()
    busy, stored, runs, conversions = 0.0, 0, 0, 0
    for job in Job.fetch_many(ids, connection=client):
        if job is None or not job.started_at or not job.ended_at:
            continue
        if job.func_name == "jobs.tracking.drain_tracking":
            runs += 1
            busy += (job.ended_at - job.started_at).total_seconds()
            stored += int(job.return_value() or 0)
        elif job.func_name == "jobs.tracking.process_conversions":
            conversions += 1
    return {
        "runs": runs,
        "busy": busy,
        "stored": stored,
        "conversion_jobs_done": conversions,
        "queued": queue.count,
        "failed": queue.failed_job_registry.count,
    }


EVENT_ID = r"^b([a-z]+)([0-9]+)-([0-9]{8})$"


def count_check(conn, site_id: int, runs: list[dict]) -> dict:
    """Every id stored once; stored == admitted; what wrk sent but never saw answered, explained."""
    one = lambda sql, *args: conn.execute(sql, args).fetchone()  # noqa: E731
    out = {
        "events": one("SELECT count(*) FROM tracking_events")[0],
        "receipts": one("SELECT count(*) FROM tracking_receipts")[0],
        "distinct": one("SELECT count(*) FROM (SELECT DISTINCT site_id, event_id FROM tracking_events) d")[0],
        "foreign": one("SELECT count(*) FROM tracking_events WHERE event_id !~ %s", EVENT_ID)[0],
        "without_receipt": one(
            "SELECT count(*) FROM tracking_events e WHERE NOT EXISTS (SELECT 1 FROM tracking_receipts r "
            "WHERE r.site_id = e.site_id AND r.event_id = e.event_id)"
        )[0],
    }
    stored = {
        (tag, int(thread)): top
        for tag, thread, top in conn.execute(
            "SELECT m[1], m[2], max(m[3]::int) FROM "
            "(SELECT regexp_match(event_id, %s) AS m FROM tracking_receipts) s GROUP BY 1, 2",
            (EVENT_ID,),
        )
    }
    out["beyond_sent"] = 0  # ids stored above the last counter that thread generated: never possible
    out["missing"] = 0  # generated ids never stored (only requests cut off by wrk's end may do that)
    out["gaps"] = []  # (run tag, thread, its last id, the missing ids) for the report
    for run in runs:
        for thread in run["threads"]:
            top = stored.get((run["tag"], thread["id"]), 0)
            out["beyond_sent"] += max(0, top - thread["max_counter"])
            missing = one(
                "SELECT coalesce(array_agg(n ORDER BY n), '{}') FROM generate_series(1, %s) n WHERE NOT EXISTS "
                "(SELECT 1 FROM tracking_receipts WHERE site_id = %s AND event_id = %s || lpad(n::text, 8, '0'))",
                thread["max_counter"],
                site_id,
                f"b{run['tag']}{thread['id']}-",
            )[0]
            out["missing"] += len(missing)
            if missing:
                out["gaps"].append((run["tag"], thread["id"], thread["max_counter"], missing))
    return out


def lag(conn, tag: str) -> dict:
    row = conn.execute(
        "SELECT percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY extract(epoch FROM stored_at - "
        "received_at)), max(extract(epoch FROM stored_at - received_at)), count(*), "
        "extract(epoch FROM max(stored_at) - min(stored_at)) FROM tracking_events WHERE event_id LIKE %s",
        (f"b{tag}%",),
    ).fetchone()
    (p50, p95, p99), worst, n, span = row
    return {"p50": p50, "p95": p95, "p99": p99, "max": worst, "n": n, "span": span}


# ---------------------------------------------------------------- drain only


def queue_elements(site: dict, events: int, tag: str, seed: int = 5) -> tuple[list[str], int]:
    """Queue elements as RedisIntake.admit leaves them ("<indices>|<site>|<tenant>|<ms>|<body>"), with the
    wrk script's mix: 1–10 events, a new visitor every ~5 requests, the same attribution kinds."""
    rng = random.Random(seed)
    attributions = [
        lambda n: {"landing": f"{ORIGIN}/?gclid=Cj0KCQ{n}", "gclid": f"Cj0KCQ{n}"},
        lambda n: {
            "landing": f"{ORIGIN}/kampanya",
            "utm_source": "google",
            "utm_medium": "cpc",
            "utm_campaign": f"bahar-{n % 7}",
        },
        lambda n: {"landing": f"{ORIGIN}/?fbclid=IwAR{n}", "fbclid": f"IwAR{n}"},
        lambda n: {"landing": f"{ORIGIN}/hizmetler", "referrer": "https://www.google.com/"},
        lambda n: {"landing": f"{ORIGIN}/"},
    ]
    weights = [0.25, 0.20, 0.10, 0.25, 0.20]
    visitors: list[tuple[str, dict]] = []
    counter = made = 0

    def visitor() -> tuple[str, dict]:
        n = len(visitors) + 1
        return f"{tag}v{n}-visitor", rng.choices(attributions, weights)[0](n)

    pool = [visitor() for _ in range(32)]
    visitors.extend(pool)
    out = []
    now_ms = int(time.time() * 1000)
    while made < events:
        slot = rng.randrange(len(pool))
        if rng.random() < 0.2:
            pool[slot] = visitor()
            visitors.append(pool[slot])
        visitor_id, tags = pool[slot]
        n = min(rng.randint(1, MAX_EVENTS_PER_REQUEST), events - made)
        batch = []
        for i in range(n):
            counter += 1
            ts = now_ms - (n - i) * 500
            event = {"id": f"b{tag}0-{counter:08d}", "ts": ts, "url": f"{ORIGIN}/sayfa/{rng.randint(1, 40)}"}
            r = rng.random()
            if r < 0.55:
                event.update(type="pageview", title="Sayfa")
            elif r < 0.88:
                event.update(type="engagement", data={"seconds": rng.randint(0, 120), "scroll": rng.randint(0, 100)})
            elif r < 0.94:
                event.update(type="custom", data={"name": "add_to_cart", "props": {"sku": "SKU1", "price": 199.9}})
            elif r < 0.97:
                event.update(type="click", data={"kind": "tel", "target": "tel:+902120000000"})
            elif rng.random() < 0.05:
                phone = f"+90532{rng.randint(1000000, 9999999)}"
                event.update(type="form", data={"form": "iletisim", "tracked": True, "fields": {"phone": phone}})
            else:
                event.update(type="form", data={"form": "bulten", "tracked": False})
            batch.append(event)
        made += n
        body = json.dumps(
            {"site": site["site_key"], "visitor": visitor_id, "sent_at": now_ms, "attribution": tags, "events": batch}
        )
        indices = ",".join(str(i) for i in range(n))
        out.append(f"{indices}|{site['site_id']}|{site['tenant_id']}|{now_ms}|{body}")
    return out, len(visitors)


def drain_only(site: dict, overrides: dict, database_url: str, events: int, tag: str, profile: bool) -> dict:
    from sqlalchemy import text

    from app import create_app
    from app.extensions import db
    from app.tracking import drain as drain_module

    app = create_app({"DATABASE_URL": database_url, "REDIS_URL": REDIS_URL, "SECRET_KEY": "bench", **overrides})
    client = redis_client()
    key = f"{overrides['TRACKING_REDIS_PREFIX']}:queue"
    elements, visitors = queue_elements(site, events, tag)
    for start in range(0, len(elements), 5_000):
        client.rpush(key, *elements[start : start + 5_000])
    with app.app_context():
        backend = db.session.execute(text("SELECT pg_backend_pid()")).scalar()
        db.session.commit()  # the connection goes back to the pool; the drain checks the same one out
        profiler = cProfile.Profile() if profile else None
        pg_before, started, cpu_before = process_cpu(backend), time.perf_counter(), time.process_time()
        if profiler:
            profiler.enable()
        stored = drain_module.drain(budget=3600)
        if profiler:
            profiler.disable()
        seconds, python_cpu = time.perf_counter() - started, time.process_time() - cpu_before
        pg_cpu = process_cpu(backend) - pg_before
        same_backend = db.session.execute(text("SELECT pg_backend_pid()")).scalar() == backend
        db.session.commit()
    report = None
    if profiler:
        text = io.StringIO()
        stats = pstats.Stats(profiler, stream=text)
        stats.sort_stats("cumulative").print_stats(40)
        stats.sort_stats("tottime").print_stats(25)
        report = text.getvalue()
    return {
        "requests": len(elements),
        "visitors": visitors,
        "stored": stored,
        "seconds": seconds,
        "rate": stored / seconds if seconds else 0.0,
        "left": client.llen(key),
        "python_cpu": python_cpu,
        "pg_cpu": pg_cpu if same_backend else float("nan"),
        "profile": report,
    }


# ---------------------------------------------------------------- main


def verdict(ok: bool) -> str:
    return "OK  " if ok else "MISS"


def main() -> None:
    if shutil.which("wrk") is None:
        print("\n== tracking ingest: skipped, wrk is not installed (scripts/bench-deps.sh installs it) ==")
        return
    run_id = settings.RUN_ID
    prefix = f"kervan-bench:t:{run_id}"
    queue_name = f"kervan-bench-tracking-{run_id}"
    bare_key = f"kervan-bench:bare:{run_id}"
    overrides = {
        "TRACKING_REDIS_PREFIX": prefix,
        "JOBS_QUEUE": queue_name,
        "LIVE_CHANNEL_PREFIX": f"kervan-bench:live:{run_id}",
        "JOBS_MODE": "rq",  # else an in-process app without REDIS_URL in the environment runs jobs on a thread
    }
    print(
        f"\n== tracking ingest: POST /t/collect, gunicorn gthread (deploy/gunicorn_web.py), wrk -t{WRK_THREADS} "
        f"-c{WRK_CONNECTIONS} {SECONDS}s, drain on {RQ_WORKERS or 'no'} RQ worker during the load, PostgreSQL + Redis "
        f"(WEB_WORKERS={os.environ.get('WEB_WORKERS', 2)}, WEB_THREADS={os.environ.get('WEB_THREADS', 8)}"
        f"{f', gunicorn at nice {WEB_NICE}' if WEB_NICE else ''}) =="
    )
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} ({os.cpu_count()} CPUs)")
    client = redis_client()
    logs = Path(tempfile.mkdtemp(prefix="kervan-bench-tracking-"))
    try:
        with settings.postgres_database("kervan_bench", DATABASE_SERVER) as database_url:
            site = prepare(database_url, overrides)
            env = app_env(database_url)
            env.update(
                {k: str(v) for k, v in overrides.items()},
                TRACKING_SITE_RATE=str(10**9),
                TRACKING_IP_RATE=str(10**9),
                TRACKING_RATE_WINDOW="60",
                BARE_QUEUE_KEY=bare_key,
            )
            results = run_live(env, site, client, prefix, queue_name, bare_key, database_url, logs)
            print_live(results)
            drain = drain_only(site, overrides, database_url, DRAIN_EVENTS, "d", profile=False)
            print_drain(drain, results)
            if PROFILE:
                profiled = drain_only(site, overrides, database_url, min(DRAIN_EVENTS, 100_000), "p", True)
                print(f"\n-- cProfile of drain() over {profiled['stored']} events ({profiled['rate']:,.0f} events/s "
                      "under the profiler) --")  # fmt: skip
                print(profiled["profile"])
            print_summary(results, drain)
    finally:
        removed = unlink_matching(client, f"{prefix}:*") + client.delete(bare_key)
        from rq import Queue

        from app.jobqueue import queue_names

        for name in queue_names(queue_name):
            Queue(name, connection=client).delete(delete_jobs=True)
            removed += unlink_matching(client, f"rq:*:{name}")  # its job registries
        print(f"(cleaned up {removed} Redis keys; worker log kept in {logs})")


def run_live(env, site, client, prefix, queue_name, bare_key, database_url, logs) -> dict:
    results: dict = {}
    # 1. The ceiling.
    with serve(env, "tests.benchmarks.bare_ingest:app") as (bare, bare_pid):
        trimmer = Trimmer(client, bare_key)
        trimmer.start()
        run_wrk(bare, WARMUP, site["site_key"], "x")
        before = cpu_by_group({"gunicorn": [bare_pid]})
        results["bare"] = run_wrk(bare, SECONDS, site["site_key"], "y")
        results["bare_cpu"] = cpu_delta(before, cpu_by_group({"gunicorn": [bare_pid]}))
        trimmer.stop.set()
        trimmer.join()
        results["bare_pushed"] = trimmer.pushed + int(client.llen(bare_key))

    # 2. The real endpoint with the drain beside it (BENCH_RQ_WORKERS=0: the worker starts after the load,
    # which separates what the web path costs from what the drain beside it takes away).
    with (
        serve(env, "wsgi:app") as (web, web_pid),
        ExitStack() as stack,
        psycopg.connect(database_url, autocommit=True) as conn,
    ):
        log = logs / "rq-worker.log"
        worker_pids = stack.enter_context(rq_workers(env, RQ_WORKERS, log)) if RQ_WORKERS else []
        warm = run_wrk(web, WARMUP, site["site_key"], "w")
        if RQ_WORKERS:
            wait_for_drain(client, prefix, quota_total(client, prefix, site["tenant_id"]), conn, timeout=120)
        sampler = Sampler(client, f"{prefix}:queue")
        sampler.start()
        groups = {"gunicorn": [web_pid], "rq": worker_pids}
        stored_before = conn.execute("SELECT count(*) FROM tracking_receipts").fetchone()[0]
        before = cpu_by_group(groups)
        started = time.monotonic()
        real = run_wrk(web, SECONDS, site["site_key"], "m")
        ended = time.monotonic()
        results["real_cpu"] = cpu_delta(before, cpu_by_group(groups))
        time.sleep(1)  # quiet period: requests wrk cut off are finished by the server
        backlog_at_end = int(client.llen(f"{prefix}:queue"))
        admitted = quota_total(client, prefix, site["tenant_id"])
        if not RQ_WORKERS:
            groups["rq"] = stack.enter_context(rq_workers(env, 1, log))
        catch_up = wait_for_drain(client, prefix, admitted, conn)
        results["drain_cpu"] = cpu_delta(before, cpu_by_group(groups))
        results["drained"] = conn.execute("SELECT count(*) FROM tracking_receipts").fetchone()[0] - stored_before
        sampler.stop.set()
        sampler.join()
        during = [n for at, n in sampler.samples if started <= at <= ended]
        results.update(
            warm=warm,
            real=real,
            backlog_max=max(during, default=0),
            backlog_at_end=backlog_at_end,
            catch_up=catch_up,
            admitted=admitted,
            seen_keys=scan_count(client, f"{prefix}:seen:*"),
            lag=lag(conn, "m"),
            jobs=drain_job_stats(client, queue_name),
            counts=count_check(conn, site["site_id"], [warm, real]),
            sessions=conn.execute("SELECT count(*) FROM tracking_sessions").fetchone()[0],
            conversions=dict(
                conn.execute(
                    "SELECT type, count(*) FROM tracking_events WHERE type = 'click' "
                    "OR (type = 'form' AND (data->>'tracked')::bool) GROUP BY 1"
                )
            ),
            visitors=conn.execute("SELECT count(*) FROM tracking_visitors").fetchone()[0],
            classes=dict(
                conn.execute("SELECT attribution_class, count(*) FROM tracking_sessions GROUP BY 1 ORDER BY 1")
            ),
            customers=conn.execute(
                "SELECT count(*) FROM customers WHERE tenant_id = %s", (site["tenant_id"],)
            ).fetchone()[0],
        )
    return results


def quota_total(client, prefix: str, tenant_id: int) -> int:
    return sum(int(client.get(key) or 0) for key in client.scan_iter(match=f"{prefix}:quota:{tenant_id}:*"))


def print_live(r: dict) -> None:
    bare, real, warm = r["bare"], r["real"], r["warm"]
    print(f"\nbare:  {bare['command']}")
    print(f"real:  {real['command']}")
    print(wrk_line("bare endpoint", bare))
    print(wrk_line("real endpoint", real))
    t = real["totals"]
    print(
        f"real endpoint      202 {t['s202']}  200 (all replays) {t['s200']}  accepted events {t['accepted']} "
        f"({real['events_ps']:,.0f} events/s)  duplicates answered {t['duplicates']}  "
        f"replay requests sent {t['replays']} ({t['replays'] / max(t['requests'], 1):.1%}, {t['replay_events']} events)"
    )
    print(f"bare list pushes   {r['bare_pushed']} (warm-up included; wrk saw {bare['totals']['responses']} in the run)")
    for label, run, cpu in (("bare", bare, r["bare_cpu"]), ("real", real, r["real_cpu"])):
        cpu = {**cpu, "wrk": run["cpu"]}
        machine = cpu.pop("machine")
        cpu["other processes"] = machine - sum(cpu.values())
        cpu["idle"] = (os.cpu_count() or 2) * run["seconds"] - machine
        shares = "  ".join(f"{name} {value / run['seconds']:.2f}" for name, value in cpu.items())
        per_request = 1000 * cpu["gunicorn"] / max(run["totals"]["responses"], 1)
        print(
            f"CPU, {label} run      cores busy: {shares}  (2.00 = the machine); gunicorn {per_request:.2f} ms "
            f"CPU per request, Redis {1e6 * cpu['redis'] / max(run['totals']['responses'], 1):.0f} µs"
        )
    if r["drained"]:
        per_event = {name: 1e6 * r["drain_cpu"][name] / r["drained"] for name in ("rq", "postgres")}
        print(
            f"                   run start → queue empty: {r['drained']} events stored; RQ worker (drain + conversion "
            f"jobs) {per_event['rq']:.0f} µs CPU per event, all of PostgreSQL {per_event['postgres']:.0f} µs per event"
        )
    j = r["jobs"]
    print(
        f"drain while live   {j['runs']} drain jobs, busy {j['busy']:.1f} s (run, catch-up), {j['stored']} events -> "
        f"{j['stored'] / j['busy'] if j['busy'] else 0:,.0f} events/s while running; "
        f"queue backlog max {r['backlog_max']} requests, {r['backlog_at_end']} at wrk's end, "
        f"empty {r['catch_up']:.1f} s after the quiet second"
    )
    print(
        f"                   conversions handed to jobs: {r['conversions'].get('click', 0)} tel clicks (nearly all "
        f"from anonymous visitors, which handle() drops), {r['conversions'].get('form', 0)} contact forms; "
        f"conversion jobs done {j['conversion_jobs_done']}, still queued {j['queued']}, "
        f"failed {j['failed']}; sessions {r['sessions']}, visitors {r['visitors']}, classes {r['classes']}, "
        f"customers created {r['customers']}"
    )
    lg = r["lag"]
    print(
        f"accept→stored lag  p50 {lg['p50']:.2f} s  p95 {lg['p95']:.2f} s  p99 {lg['p99']:.2f} s  max {lg['max']:.2f} s"
        f"  over {lg['n']} events (stored_at is taken before the batch's writes and commit)"
    )
    c, wt, rt = r["counts"], warm["totals"], real["totals"]
    client_accepted = wt["accepted"] + rt["accepted"]
    sent_unique = wt["unique_events"] + rt["unique_events"]
    in_flight = (wt["requests"] - wt["responses"]) + (rt["requests"] - rt["responses"])
    unanswered_events = (sent_unique + wt["replay_events"] + rt["replay_events"]) - (
        client_accepted + wt["duplicates"] + rt["duplicates"]
    )
    r["exact"] = exact = (
        c["events"] == c["receipts"] == c["distinct"] == r["admitted"] == r["seen_keys"]
        and c["foreign"] == 0
        and c["without_receipt"] == 0
        and c["beyond_sent"] == 0
        and c["missing"] == sent_unique - c["receipts"]
        and 0 <= c["receipts"] - client_accepted <= unanswered_events
        and c["missing"] <= unanswered_events
        and rt["s5xx"] + wt["s5xx"] + rt["s4xx"] + wt["s4xx"] == 0
    )
    r["unanswered"] = (in_flight, unanswered_events)
    print(
        f"exact count        events {c['events']} = receipts {c['receipts']} = distinct ids {c['distinct']} = "
        f"Redis-admitted {r['admitted']} = seen keys {r['seen_keys']}; events without a receipt "
        f"{c['without_receipt']}, ids wrk never sent {c['foreign'] + c['beyond_sent']}"
    )
    print(
        f"                   wrk (warm-up + run): {sent_unique} unique ids sent, {client_accepted} seen accepted in "
        f"202s; {in_flight} requests ({unanswered_events} events) were cut by wrk's end unanswered: "
        f"of their new ids the server stored {c['receipts'] - client_accepted} and never got {c['missing']} "
        f"-> {'EXACT' if exact else 'MISMATCH'}"
    )
    for tag, thread, last, missing in c["gaps"]:
        print(f"                   never stored, run {tag} thread {thread} (last id {last}): {compress(missing)}")


def compress(numbers: list[int]) -> str:
    """[5, 6, 7, 9] -> '5-7, 9'."""
    spans: list[list[int]] = []
    for n in numbers:
        if spans and n == spans[-1][1] + 1:
            spans[-1][1] = n
        else:
            spans.append([n, n])
    return ", ".join(f"{a}-{b}" if a != b else f"{a}" for a, b in spans)


def print_drain(d: dict, r: dict) -> None:
    busy = d["python_cpu"] + d["pg_cpu"]
    print(
        f"drain only         {d['stored']} events from {d['requests']} queued requests ({d['visitors']} visitors) "
        f"in {d['seconds']:.2f} s = {d['rate']:,.0f} events/s (sessions, attribution, scores, COPY; tables already "
        f"hold the live run's {r['counts']['events']} events); left in queue {d['left']}"
    )
    print(
        f"                   CPU: drain process {d['python_cpu']:.2f} s + its PostgreSQL backend {d['pg_cpu']:.2f} s "
        f"= {busy:.2f} s -> {d['stored'] / busy if busy else 0:,.0f} events/s if nothing else wanted the CPU"
    )


def print_summary(r: dict, d: dict) -> None:
    bare, real = r["bare"], r["real"]
    ratio = real["ok_rps"] / bare["ok_rps"] if bare["ok_rps"] else 0.0
    ms = {
        name: {q: v / 1000 for q, v in stats["latency_us"].items()} for name, stats in (("bare", bare), ("real", real))
    }
    live_rate = r["jobs"]["stored"] / r["jobs"]["busy"] if r["jobs"]["busy"] else 0.0
    t = real["totals"]
    rows = [
        ("bare endpoint req/s (2xx)", f"{bare['ok_rps']:,.0f}", "the ceiling", ""),
        ("bare p50 / p99", f"{ms['bare']['p50']:.1f} / {ms['bare']['p99']:.1f} ms", "", ""),
        ("real endpoint req/s (2xx)", f"{real['ok_rps']:,.0f}", "", ""),
        ("real events/s accepted", f"{real['events_ps']:,.0f}", "", ""),
        ("real p50 / p99", f"{ms['real']['p50']:.1f} / {ms['real']['p99']:.1f} ms", f"p99 ≤ {TARGET_P99_MS:.0f} ms",
         verdict(ms["real"]["p99"] <= TARGET_P99_MS)),
        ("real 5xx", f"{t['s5xx']}", "0", verdict(t["s5xx"] == 0)),
        ("ratio real / bare", f"{ratio:.2f}", f"≥ {TARGET_RATIO}", verdict(ratio >= TARGET_RATIO)),
        ("drain rate (drain only)", f"{d['rate']:,.0f} events/s", f"≥ {TARGET_DRAIN:,}",
         verdict(d["rate"] >= TARGET_DRAIN)),
        ("drain rate (live, job time)", f"{live_rate:,.0f} events/s", "", ""),
        ("lag p95 accept→stored", f"{r['lag']['p95']:.2f} s", f"≤ {TARGET_LAG:.0f} s",
         verdict(r["lag"]["p95"] <= TARGET_LAG)),
        ("exact count", "exact" if r["exact"] else "MISMATCH", "0 lost, 0 duplicated", verdict(r["exact"])),
    ]  # fmt: skip
    print("\n-- tracking summary --")
    for name, value, target, ok in rows:
        print(f"{name:<30} {value:>22}   {target:<22} {ok}")


if __name__ == "__main__":
    main()
