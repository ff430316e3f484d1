"""The board with 10,000 customers in one tenant, on PostgreSQL, served by gunicorn:
first render and card moves (200 requests each), then the move-to-screen delay
with 500 open live streams."""

from __future__ import annotations

import os
import random
import time
from datetime import timedelta

from tests import settings
from tests.benchmarks.bench_streams import OpenStreams
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

CUSTOMERS = int(os.environ.get("BENCH_CUSTOMERS", "10000"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "200"))
STREAMS = int(os.environ.get("BENCH_STREAMS", "500"))


def prepare(database_url: str) -> dict:
    """A tenant with CUSTOMERS cards spread over its stages (bulk-inserted: this is set-up, not the test)."""
    from flask_migrate import upgrade
    from sqlalchemy import insert

    from app import create_app
    from app.customers.filters import search_text_for
    from app.extensions import db
    from app.models import Customer, CustomerIdentity
    from app.models.base import utcnow
    from app.pipeline import services as pipeline
    from tests.factories import PASSWORD, Factory

    app = create_app({"DATABASE_URL": database_url, "REDIS_URL": REDIS_URL, "SECRET_KEY": "bench"})
    with app.app_context():
        upgrade()
    make = Factory(app)
    team = make.team()
    rng = random.Random(7)
    with app.app_context():
        stages = [s.id for s in pipeline.stages(team.tenant.id)]
        members = [team.owner.id, team.manager.id, team.agent.id]
        now = utcnow()
        rows, identities = [], []
        for n in range(CUSTOMERS):
            phone = f"+90532{n:07d}"
            name = f"Müşteri {n:05d}"
            rows.append(
                {
                    "tenant_id": team.tenant.id,
                    "name": name,
                    "phone": phone,
                    "search_text": search_text_for(name, None, [phone]),
                    "stage_id": stages[n % len(stages)],
                    "position": float(n),
                    "assignee_id": rng.choice(members),
                    "source": rng.choice(["google_ads", "meta", "instagram", "web_form"]),
                    "campaign": "Kampanya",
                    "utm": {},
                    "click_ids": {},
                    "lead_score": rng.randrange(100),
                    "score_reasons": [],
                    "value_minor": rng.randrange(1000, 500000),
                    "currency": "TRY",
                    "created_at": now,
                    "updated_at": now,
                    "consent_email": False,
                    "consent_sms": False,
                    "consent_whatsapp": False,
                    "consent_calls": False,
                    "unread_count": 0,
                    # Like a real board: many cards carry a follow-up, some overdue.
                    "next_follow_up_at": now + timedelta(hours=rng.uniform(-72, 168)) if rng.random() < 0.4 else None,
                }
            )
        db.session.execute(insert(Customer), rows)
        ids = db.session.scalars(db.select(Customer.id).where(Customer.tenant_id == team.tenant.id)).all()
        for customer_id, row in zip(sorted(ids), rows, strict=True):
            identities.append(
                {"tenant_id": team.tenant.id, "customer_id": customer_id, "kind": "phone", "value": row["phone"]}
            )
        db.session.execute(insert(CustomerIdentity), identities)
        db.session.commit()
        movable = sorted(ids)[:200]
    return {"email": team.agent.email, "password": PASSWORD, "stages": stages, "movable": movable}


def timed(fn, n):
    samples = []
    for i in range(n):
        started = time.perf_counter()
        fn(i)
        samples.append(time.perf_counter() - started)
    return samples


def main() -> None:
    print(f"\n== pipeline: {CUSTOMERS} customers in one tenant, PostgreSQL, gunicorn gthread ==")
    with settings.postgres_database("kervan_bench", DATABASE_SERVER) as database_url:
        info = prepare(database_url)
        env = app_env(database_url)
        with (
            gunicorn(env, "--config", "deploy/gunicorn_web.py") as web,
            gunicorn(env, "--config", "deploy/gunicorn_stream.py") as stream,
        ):
            session = sign_in(web, info["email"], info["password"])
            token = csrf_token(session, web, "/pipeline")
            headers = {"X-CSRFToken": token, "HX-Request": "true"}
            stages = info["stages"]

            def board(_):
                response = session.get(web + "/pipeline")
                assert response.status_code == 200 and response.text.count('<li class="kcard') >= 25

            def move(i):
                card = info["movable"][i % len(info["movable"])]
                response = session.post(
                    f"{web}/pipeline/cards/{card}/move",
                    data={"stage_id": stages[(i + 1) % len(stages)]},
                    headers=headers,
                )
                assert response.status_code == 200

            timed(board, 50)  # warm up: every worker, thread and pooled connection
            board_times = timed(board, REQUESTS)
            move_times = timed(move, REQUESTS)
            print(f"board first render       {fmt_ms(percentiles(board_times))}")
            print(f"card move                {fmt_ms(percentiles(move_times))}")

            cookie = "; ".join(f"{c.name}={c.value}" for c in session.cookies)
            streams = OpenStreams(stream, cookie, STREAMS)
            delivery, _durations, _open = streams.delivery(lambda n: move(n + REQUESTS), 40)
        print(f"move→event, {streams.connected} streams {fmt_ms(percentiles(delivery))}")
        print(f"deliveries               {len(delivery)}/{40 * streams.connected}")


if __name__ == "__main__":
    main()
