"""Command-line entry points: `flask --app wsgi <command>`."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup


def register_cli(app: Flask) -> None:
    @app.cli.command("seed-demo")
    def seed_demo() -> None:
        """Create the demo tenants, users and history (idempotent)."""
        from app.demo.seed import seed

        report = seed()
        for line in report:
            click.echo(line)

    @app.cli.command("serve")
    @click.option("--host", default="127.0.0.1", show_default=True)
    @click.option("--port", default=5000, show_default=True, type=int)
    @click.option("--landing-port", type=int, help="Port of the demo clinic's website [default: PORT+1; 0: off].")
    def serve(host: str, port: int, landing_port: int | None) -> None:
        """The embedded run: a threaded server with in-process jobs and scheduler."""
        from werkzeug.serving import run_simple

        from app import jobqueue
        from app.demo import landing_server

        if app.config["JOBS_MODE"] != "rq":
            jobqueue.start_embedded_scheduler(app)
        click.echo(f"Kervan on http://{host}:{port}  (jobs: {app.config['JOBS_MODE']})")
        if landing_port != 0 and (landing := landing_server.start(app, host, landing_port or port + 1, port)):
            click.echo(f"Demo clinic website (tracked by Kervan) on {landing_server.url(landing)}")
        run_simple(host, port, app, threaded=True, use_reloader=False, use_debugger=False)

    jobs_cli = AppGroup("jobs", help="Background job processes (production, with REDIS_URL).")

    @jobs_cli.command("worker")
    @click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
    def worker(burst: bool) -> None:
        """Run an RQ worker (with the delayed-job scheduler) on the app's queue."""
        from app import jobqueue

        _require_redis(app)
        jobqueue.run_worker(app, burst=burst)

    @jobs_cli.command("scheduler")
    def scheduler() -> None:
        """Run the periodic jobs of jobs/schedule.py. Run exactly one."""
        from app import jobqueue

        _require_redis(app)
        jobqueue.run_cron(app)

    app.cli.add_command(jobs_cli)


def _require_redis(app: Flask) -> None:
    if not app.config["REDIS_URL"]:
        raise click.ClickException("REDIS_URL is not set; the embedded run executes jobs in-process.")
