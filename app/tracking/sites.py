"""Tracked websites: who may post events for a site key, and from where."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from app import events
from app.extensions import db
from app.models import Tenant, TrackingSite, User
from app.models.tracking import new_secret

CACHE_SECONDS = 30.0


class SiteError(ValueError):
    pass


@dataclass(frozen=True)
class SiteConfig:
    """What the ingest path needs about a site, cached per process."""

    id: int
    tenant_id: int
    key: str
    domains: tuple[str, ...]
    consent_mode: bool
    quota: int
    active: bool

    def allows(self, origin: str | None) -> bool:
        return origin_allowed(self.domains, origin)


def normalize_domain(text: str) -> str:
    """'https://www.Example.com/x' -> 'www.example.com'; a port is kept ('localhost:8000')."""
    text = (text or "").strip().lower()
    if not text:
        raise SiteError(_l("Enter a domain."))
    if "://" not in text:
        text = "//" + text
    try:
        parts = urlsplit(text)
        host, port = parts.hostname, parts.port
    except ValueError as exc:
        raise SiteError(_l("“%(domain)s” is not a domain.", domain=text.lstrip("/"))) from exc
    if not host or " " in host or (("." not in host) and host != "localhost" and not port):
        raise SiteError(_l("“%(domain)s” is not a domain.", domain=text.lstrip("/")))
    return f"{host}:{port}" if port else host


def parse_domains(text: str) -> list[str]:
    """One domain per line or comma; duplicates dropped, order kept."""
    seen: list[str] = []
    for piece in text.replace(",", "\n").splitlines():
        if piece.strip():
            domain = normalize_domain(piece)
            if domain not in seen:
                seen.append(domain)
    if not seen:
        raise SiteError(_l("Enter at least one domain the snippet will run on."))
    return seen


def origin_allowed(domains: tuple[str, ...] | list[str], origin: str | None) -> bool:
    """The Origin's host[:port] equals an allowed domain or is a subdomain of one."""
    if not origin or origin == "null":
        return False
    try:
        parts = urlsplit(origin)
        host, port = (parts.hostname or ""), parts.port
    except ValueError:
        return False
    if parts.scheme not in ("http", "https") or not host:
        return False
    for domain in domains:
        want_host, _, want_port = domain.partition(":")
        if want_port and str(port or "") != want_port:
            continue
        if host == want_host or host.endswith("." + want_host):
            return True
    return False


def create_site(
    tenant: Tenant, *, name: str, domains: list[str], consent_mode: bool = False, actor: User | None = None
) -> TrackingSite:
    name = (name or "").strip()
    if not name:
        raise SiteError(_l("Give the website a name."))
    site = TrackingSite(
        tenant_id=tenant.id,
        name=name[:120],
        domains=[normalize_domain(d) for d in domains],
        consent_mode=consent_mode,
    )
    db.session.add(site)
    db.session.flush()
    events.emit(tenant, events.TRACKING_SITE_ADDED, actor=actor, data={"name": site.name, "domains": site.domains})
    return site


def update_site(
    site: TrackingSite, *, name: str, domains: list[str], consent_mode: bool, actor: User | None = None
) -> None:
    name = (name or "").strip()
    if not name:
        raise SiteError(_l("Give the website a name."))
    site.name = name[:120]
    site.domains = [normalize_domain(d) for d in domains]
    site.consent_mode = consent_mode
    events.emit(
        db.session.get(Tenant, site.tenant_id),
        events.TRACKING_SITE_CHANGED,
        actor=actor,
        data={"name": site.name, "domains": site.domains, "consent_mode": consent_mode},
    )
    invalidate(site.site_key)


def rotate_call_secret(site: TrackingSite) -> str:
    site.call_secret = new_secret()
    return site.call_secret


def snippet(site: TrackingSite, base_url: str) -> Markup:
    """The one line an owner pastes into their pages."""
    consent = ' data-consent="required"' if site.consent_mode else ""
    src = base_url.rstrip("/") + "/t.js"
    return Markup('<script defer src="{}" data-site="{}"{}></script>').format(
        escape(src), escape(site.site_key), Markup(consent)
    )


# --- the per-process cache the ingest path reads --------------------------------

_cache: dict[str, tuple[float, SiteConfig | None]] = {}
_cache_lock = threading.Lock()


def lookup(site_key: str) -> SiteConfig | None:
    """The site's config, at most CACHE_SECONDS old; None for an unknown key."""
    now = time.monotonic()
    hit = _cache.get(site_key)
    if hit is not None and now - hit[0] < CACHE_SECONDS:
        return hit[1]
    row = db.session.execute(
        db.select(TrackingSite, Tenant.event_quota)
        .join(Tenant, Tenant.id == TrackingSite.tenant_id)
        .where(TrackingSite.site_key == site_key)
    ).first()
    config = None
    if row is not None:
        site, quota = row
        config = SiteConfig(
            id=site.id,
            tenant_id=site.tenant_id,
            key=site.site_key,
            domains=tuple(site.domains or ()),
            consent_mode=site.consent_mode,
            quota=quota,
            active=site.active,
        )
    with _cache_lock:
        if len(_cache) > 10_000:  # unknown keys must not grow it without bound
            _cache.clear()
        _cache[site_key] = (now, config)
    return config


def invalidate(site_key: str | None = None) -> None:
    with _cache_lock:
        if site_key is None:
            _cache.clear()
        else:
            _cache.pop(site_key, None)
