"""The dental demo business's own website, served beside the embedded run.

`flask serve` starts it on the next port (127.0.0.1:5001 by default): another
origin than Kervan, as a real customer's site would be, so the snippet's
cross-origin posting is exercised for real. The page is static; only the
Kervan address and the demo site's key are filled in, per request, so it works
whether the demo data was loaded before or after the server started.

Standard library only: a ThreadingHTTPServer in a daemon thread."""

from __future__ import annotations

import html
import logging
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask
from sqlalchemy import select

from app.extensions import db
from app.models import Tenant, TrackingSite
from app.tracking.sites import origin_allowed, update_site

log = logging.getLogger(__name__)

LANDING = Path(__file__).resolve().parent / "landing"
DEMO_TENANT = "gulus-dis"  # app/demo/seed.py
LOCAL_HOSTS = ("127.0.0.1", "localhost")
_HOST = re.compile(r"^[A-Za-z0-9.-]{1,253}$")

FAVICON = (
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="9" '
    b'fill="#0f766e"/><path d="M10.2 8.5c2.3-1 3.9.3 5.8.3s3.5-1.3 5.8-.3c2.4 1 2.6 4.3 1.7 7.2-.8 2.5-1.2 '
    b"4.6-1.6 6.9-.3 1.6-2.3 1.7-2.7.2l-1-3.7c-.4-1.4-2.1-1.4-2.5 0l-1 3.7c-.4 1.5-2.4 1.4-2.7-.2-.4-2.3-.8-4.4"
    b'-1.6-6.9-.9-2.9-.7-6.2 1.8-7.2z" fill="#fff"/></svg>'
)

NO_DEMO = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Kervan demo landing page</title></head>
<body style="font:16px/1.5 system-ui,sans-serif;max-width:40em;margin:3em auto;padding:0 1em;color:#0f2a2e">
<h1>No demo data yet</h1>
<p>This is where the demo dental clinic's website runs, with the Kervan tracking snippet on it. Its site does not
exist in this database yet: load the demo data with <code>make run</code> (or
<code>.venv/bin/flask --app wsgi seed-demo</code>), then reload this page.</p>
<p lang="tr">Demo verisi henüz yüklenmemiş: <code>make run</code> veya
<code>.venv/bin/flask --app wsgi seed-demo</code> çalıştırıp sayfayı yenileyin.</p>
<p><a href="{KERVAN_URL}/">Kervan</a></p>
</body></html>
"""


def render(site_key: str | None, kervan_url: str) -> bytes:
    """The landing page with the snippet pointing at Kervan, or the explanation when there is no demo site."""
    page = (LANDING / "index.html").read_text(encoding="utf-8") if site_key else NO_DEMO
    page = page.replace("{KERVAN_URL}", html.escape(kervan_url.rstrip("/")))
    return page.replace("{SITE_KEY}", html.escape(site_key or "")).encode("utf-8")


def demo_site_key(app: Flask, host: str, port: int) -> str | None:
    """The dental demo site's key; the origin the page was opened on is allowed to post to it."""
    from app.demo.tracking import demo_site

    with app.app_context():
        tenant = db.session.scalar(select(Tenant).where(Tenant.slug == DEMO_TENANT))
        site = demo_site(tenant) if tenant is not None else None
        if site is None:
            return None
        _allow_origin(site, host, port)
        return site.site_key


def _allow_origin(site: TrackingSite, host: str, port: int) -> None:
    """The seed allows 127.0.0.1:5001 and localhost:5001; `flask serve --port 5055` puts the page on 5056."""
    if host not in LOCAL_HOSTS or origin_allowed(site.domains or [], f"http://{host}:{port}"):
        return
    domains = list(site.domains or [])
    domains += [f"{name}:{port}" for name in LOCAL_HOSTS if f"{name}:{port}" not in domains]
    update_site(site, name=site.name, domains=domains, consent_mode=site.consent_mode)
    db.session.commit()
    log.info("demo landing page: %s may now post to the demo site", ", ".join(domains[-2:]))


def _request_host(header: str | None, fallback_port: int) -> tuple[str, int]:
    """Host and port the browser used (Kervan is reached on the same host name); only plain names pass."""
    try:
        parts = urlsplit(f"//{header or ''}")
        host, port = parts.hostname or "", parts.port or fallback_port
    except ValueError:
        return "127.0.0.1", fallback_port
    return (host, port) if _HOST.match(host) else ("127.0.0.1", fallback_port)


def _handler(app: Flask, kervan_port: int) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "KervanDemoLanding/1"

        def do_GET(self) -> None:
            self._serve(send_body=True)

        def do_HEAD(self) -> None:
            self._serve(send_body=False)

        def _serve(self, send_body: bool) -> None:
            path = urlsplit(self.path).path
            if path == "/landing.css":
                body, kind = (LANDING / "landing.css").read_bytes(), "text/css; charset=utf-8"
            elif path in ("/favicon.svg", "/favicon.ico"):
                body, kind = FAVICON, "image/svg+xml"
            elif "." in path.rsplit("/", 1)[-1]:
                self.send_error(404)
                return
            else:
                # Every other path is one of the page's sections (it switches them with pushState).
                host, port = _request_host(self.headers.get("Host"), self.server.server_address[1])
                try:
                    key = demo_site_key(app, host, port)
                except Exception:  # a missing table (no migrations yet) is explained like missing data
                    log.exception("demo landing page: could not read the demo site")
                    key = None
                body, kind = render(key, f"http://{host}:{kervan_port}"), "text/html; charset=utf-8"
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            if send_body:
                self.wfile.write(body)

        def log_message(self, format: str, *args) -> None:
            pass  # the console belongs to Kervan's own request log

    return Handler


def start(app: Flask, host: str, port: int, kervan_port: int) -> ThreadingHTTPServer | None:
    """Serve the landing page in a daemon thread; None when the port is taken."""
    try:
        server = ThreadingHTTPServer((host, port), _handler(app, kervan_port))
    except OSError as exc:
        log.warning("demo landing page not started on %s:%s: %s", host, port, exc)
        return None
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="demo-landing", daemon=True).start()
    return server


def url(server: ThreadingHTTPServer) -> str:
    host, port = server.server_address[:2]
    return f"http://{'127.0.0.1' if host in ('0.0.0.0', '::', '') else host}:{port}/"
