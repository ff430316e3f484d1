"""How the suite finds its services: SQLite and no Redis unless the
environment names PostgreSQL and Redis (as `.ci/run` does on its second pass)."""

from __future__ import annotations

import os
import uuid
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

RUN_ID = uuid.uuid4().hex[:8]
DATABASE_URL = os.environ.get("DATABASE_URL", "").strip()
REDIS_URL = os.environ.get("REDIS_URL", "").strip()
ON_POSTGRES = DATABASE_URL.startswith(("postgres://", "postgresql://", "postgresql+psycopg://"))


def _psycopg_url(url: str, dbname: str | None = None) -> str:
    for prefix in ("postgresql+psycopg://", "postgres://"):
        if url.startswith(prefix):
            url = "postgresql://" + url[len(prefix) :]
    if dbname is None:
        return url
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + dbname, parts.query, parts.fragment))


@contextmanager
def postgres_database(prefix: str = "kervan_test", server_url: str | None = None):
    """A fresh PostgreSQL database on the configured server, dropped afterwards."""
    import psycopg

    name = f"{prefix}_{RUN_ID}_{uuid.uuid4().hex[:6]}"
    admin_url = _psycopg_url(server_url or DATABASE_URL)
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _psycopg_url(server_url or DATABASE_URL, name)
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
