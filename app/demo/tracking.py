"""Demo website traffic: a month of visits to each demo business's own site.

Nothing here writes sessions by hand. The visits are made up the way the
snippet would send them (landing URL, referrer, click ids and UTMs, page
views, engagement, tel:/WhatsApp clicks, forms) and played through the
drain's bulk path a day at a time in time order, so sessions, S1–S5 classes,
lead scores and form leads come out exactly as in production. Some existing
demo customers who came from ads get the visits that brought them, linked to
them, so the CustomerViewer shows their history.

Idempotent: the site is created once, and traffic is generated only while the
site has no sessions."""

from __future__ import annotations

import random
import string
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from app import events
from app.demo.customers import FIRST, LAST, mobile_phone
from app.extensions import db
from app.lib.text import fold
from app.models import Customer, Event, Tenant, TrackingSession, TrackingSite
from app.tracking import conversions
from app.tracking.drain import Incoming, store
from app.tracking.sites import create_site

DAYS = 30
# The landing page `flask serve` runs beside Kervan (app/demo/landing_server.py).
LANDING_HOSTS = ("127.0.0.1:5001", "localhost:5001")
LINKED_CUSTOMERS = 25  # existing ad customers per business who get the visits that brought them
PAID_SOURCES = ("google_ads", "meta", "instagram")
RECEIVED_AFTER = timedelta(seconds=1)

# Visits per hour of the day in Istanbul: quiet nights, a late-morning peak and a bigger evening one.
HOURS = (2, 1, 1, 0, 0, 0, 1, 2, 4, 6, 8, 9, 9, 8, 7, 7, 7, 7, 8, 10, 11, 11, 8, 4)
# How a new visitor arrives, and how one who was here before comes back.
CHANNELS = (
    ("gclid", 25),  # Google Ads, auto-tagged
    ("ios", 4),  # Google Ads on iOS: wbraid / gbraid instead of a gclid
    ("search_utm", 9),  # paid search tagged by hand (google or yandex / cpc)
    ("social_paid", 14),  # Instagram / Facebook ads
    ("organic", 24),  # search results
    ("direct", 13),
    ("referral", 5),
    ("social", 6),  # a link in a bio or a shared post
)
RETURN_CHANNELS = (("direct", 50), ("organic", 30), ("gclid", 10), ("social_paid", 5), ("social", 5))
PAGES_PER_VISIT = ((1, 44), (2, 22), (3, 14), (4, 9), (5, 6), (6, 3), (8, 2))
SEARCH_REFERRERS = (
    ("https://www.google.com/", 80),
    ("https://www.google.com.tr/", 8),
    ("https://yandex.com.tr/", 8),
    ("https://www.bing.com/", 4),
)
EMAIL_DOMAINS = ("gmail.com", "gmail.com", "hotmail.com", "outlook.com", "yandex.com", "icloud.com")
_ID_CHARS = string.ascii_letters + string.digits + "-_"


@dataclass(frozen=True)
class Plan:
    """What a sector's website looks like and how busy it is."""

    domain: str
    pages: tuple[tuple[str, str, int], ...]  # path, title, how often it is browsed
    contact: str  # the page with the form
    form: str  # the form's id
    search: dict[str, str]  # paid search campaign -> its landing page
    social: dict[str, str]  # paid social campaign -> its landing page
    referrers: tuple[str, ...]
    daily: int  # new visitors on an ordinary weekday
    weekend: tuple[float, float]  # Saturday, Sunday, relative to a weekday
    custom: tuple[str, str, tuple[str, ...]]  # event name, property, values

    def title(self, path: str) -> str:
        return next((title for p, title, _w in self.pages if p == path), self.pages[0][1])


PLANS = {
    "dental": Plan(
        domain="gulusdis.example",
        pages=(
            ("/", "Gülüş Diş Kliniği | Kadıköy, İstanbul", 30),
            ("/implant", "İmplant Tedavisi | Gülüş Diş Kliniği", 14),
            ("/dis-beyazlatma", "Diş Beyazlatma | Gülüş Diş Kliniği", 10),
            ("/ortodonti", "Şeffaf Plak ve Ortodonti | Gülüş Diş Kliniği", 8),
            ("/fiyatlar", "Fiyatlar | Gülüş Diş Kliniği", 14),
            ("/iletisim", "İletişim ve Randevu | Gülüş Diş Kliniği", 10),
            ("/hekimlerimiz", "Hekimlerimiz | Gülüş Diş Kliniği", 5),
            ("/blog/implant-sonrasi-beslenme", "İmplant sonrası ne yenir? | Gülüş Blog", 5),
            ("/blog/dis-beyazlatma-zararli-mi", "Diş beyazlatma zararlı mı? | Gülüş Blog", 4),
        ),
        contact="/iletisim",
        form="randevu-formu",
        search={
            "implant-istanbul": "/implant",
            "dis-beyazlatma": "/dis-beyazlatma",
            "seffaf-plak": "/ortodonti",
            "marka-gulus": "/",
        },
        social={"beyazlatma-kampanya": "/dis-beyazlatma", "implant-taksit": "/implant", "gulus-tasarimi": "/"},
        referrers=("https://www.doktortakvimi.com/", "https://maps.app.goo.gl/", "https://www.hurriyet.com.tr/"),
        daily=42,
        weekend=(0.75, 0.55),
        custom=("fiyat_listesi", "bolum", ("implant", "beyazlatma", "ortodonti")),
    ),
    "beauty": Plan(
        domain="bellaguzellik.example",
        pages=(
            ("/", "Bella Güzellik Salonu | Şişli", 30),
            ("/sac-boyama", "Saç Boyama ve Ombre | Bella", 14),
            ("/lazer-epilasyon", "Lazer Epilasyon | Bella", 14),
            ("/cilt-bakimi", "Cilt Bakımı ve Hydrafacial | Bella", 10),
            ("/gelin-paketi", "Gelin Paketi | Bella", 6),
            ("/fiyatlar", "Fiyat Listesi | Bella", 14),
            ("/randevu", "Randevu | Bella Güzellik Salonu", 10),
            ("/galeri", "Galeri | Bella", 8),
        ),
        contact="/randevu",
        form="randevu",
        search={
            "sac-boyama": "/sac-boyama",
            "lazer-epilasyon-istanbul": "/lazer-epilasyon",
            "hydrafacial": "/cilt-bakimi",
        },
        social={"gelin-paketi-2027": "/gelin-paketi", "ombre-reels": "/sac-boyama", "arkadasini-getir": "/"},
        referrers=("https://www.armut.com/", "https://maps.app.goo.gl/", "https://www.sikayetvar.com/"),
        daily=34,
        weekend=(1.1, 0.7),
        custom=("hizmet_secildi", "hizmet", ("sac-boyama", "lazer", "cilt-bakimi", "manikur")),
    ),
    "ecommerce": Plan(
        domain="anadolucarsi.example",
        pages=(
            ("/", "Anadolu Çarşı | El yapımı, yerel, özenli", 26),
            ("/kategori/kilim-ve-hali", "Kilim ve Halı | Anadolu Çarşı", 12),
            ("/kategori/bakir-mutfak", "Bakır Mutfak | Anadolu Çarşı", 10),
            ("/urun/el-dokuma-usak-kilimi", "El Dokuma Uşak Kilimi | Anadolu Çarşı", 9),
            ("/urun/bakir-cezve-seti", "Bakır Cezve Seti | Anadolu Çarşı", 9),
            ("/urun/kutahya-cini-kase", "Kütahya Çini Kase | Anadolu Çarşı", 8),
            ("/kampanyalar", "Kampanyalar | Anadolu Çarşı", 8),
            ("/sepet", "Sepetim | Anadolu Çarşı", 8),
            ("/sss/kargo-ve-iade", "Kargo ve İade | Anadolu Çarşı", 4),
            ("/iletisim", "İletişim ve Toptan Sipariş | Anadolu Çarşı", 4),
        ),
        contact="/iletisim",
        form="toptan-teklif",
        search={
            "el-dokuma-kilim": "/kategori/kilim-ve-hali",
            "bakir-cezve": "/urun/bakir-cezve-seti",
            "kargo-bedava": "/kampanyalar",
        },
        social={
            "yeni-sezon-kislik": "/kampanyalar",
            "cini-koleksiyonu": "/urun/kutahya-cini-kase",
            "hediye-rehberi": "/",
        },
        referrers=("https://www.eksisozluk.com/", "https://www.hepsiburada.com/", "https://www.pinterest.com/"),
        daily=38,
        weekend=(1.05, 1.15),
        custom=("sepete_ekle", "urun", ("usak-kilimi", "bakir-cezve", "cini-kase")),
    ),
}


def site_name(tenant: Tenant) -> str:
    return f"{tenant.name} web sitesi"


def demo_site(tenant: Tenant) -> TrackingSite | None:
    return db.session.scalar(
        select(TrackingSite).where(TrackingSite.tenant_id == tenant.id, TrackingSite.name == site_name(tenant))
    )


def ensure_tracking(tenant: Tenant, now: datetime, rng: random.Random) -> int:
    """The tenant's demo site, and a month of traffic on it if it has none yet; returns the sessions added."""
    plan = PLANS.get(tenant.sector, PLANS["dental"])
    site = demo_site(tenant)
    if site is None:
        site = create_site(tenant, name=site_name(tenant), domains=[plan.domain, *LANDING_HOSTS])
        site.created_at = now - timedelta(days=DAYS + 1)
    if db.session.scalar(select(TrackingSession.id).where(TrackingSession.site_id == site.id).limit(1)) is not None:
        return 0
    traffic = _Traffic(tenant, site, plan, now, rng)
    visits = traffic.month()
    linked = traffic.ad_customers()
    visits.extend(v for visits_of in linked.values() for v in visits_of)
    held = _play(site, tenant, visits, {v.visitor for visits_of in linked.values() for v in visits_of})
    _link(site, linked, held)
    db.session.flush()
    return db.session.scalar(select(func.count()).where(TrackingSession.site_id == site.id)) or 0


# --- making the visits up ----------------------------------------------------------


@dataclass
class Visit:
    visitor: str
    start: datetime
    attribution: dict
    events: list[tuple[datetime, dict]] = field(default_factory=list)

    @property
    def end(self) -> datetime:
        return self.events[-1][0] if self.events else self.start


class _Traffic:
    def __init__(self, tenant: Tenant, site: TrackingSite, plan: Plan, now: datetime, rng: random.Random) -> None:
        self.tenant, self.site, self.plan, self.now, self.rng = tenant, site, plan, now, rng
        self.zone = ZoneInfo(tenant.timezone or "Europe/Istanbul")
        self.base = f"https://www.{plan.domain}"
        phone = tenant.phone or "+902164440101"
        self.contact_targets = {"tel": f"tel:{phone}", "whatsapp": f"https://wa.me/{phone.lstrip('+')}"}

    # -- the month

    def month(self) -> list[Visit]:
        """Every day's new visitors, and the returns some of them make 1–10 days later."""
        rng, plan = self.rng, self.plan
        today = self.now.astimezone(self.zone).date()
        visits: list[Visit] = []
        for n in range(DAYS):
            day = today - timedelta(days=DAYS - 1 - n)
            weekday = day.weekday()
            factor = plan.weekend[weekday - 5] if weekday >= 5 else (1.05 if weekday == 0 else 1.0)
            trend = 0.85 + 0.3 * n / DAYS  # the ads were scaled up during the month
            # New visitors; with those coming back, 40–120 people a day.
            count = max(36, min(100, round(plan.daily * factor * trend * rng.uniform(0.85, 1.15))))
            for _ in range(count):
                visitor = _token(rng, 28)
                visit = self.visit(visitor, self.moment(day), rng.choices(*_split(CHANNELS))[0])
                visits += self.keep(visit)
                # Some come back later on their own (or through another ad): S3 when the first was an ad.
                last, chance = visit, 0.22
                while rng.random() < chance:
                    later = (last.start + timedelta(days=rng.uniform(1, 10))).astimezone(self.zone).date()
                    # Hours apart at least, or a direct return would only extend the last session.
                    at = max(self.moment(later), last.end + timedelta(hours=3))
                    back = self.visit(visitor, at, rng.choices(*_split(RETURN_CHANNELS))[0], returning=True)
                    if not self.keep(back):
                        break
                    visits.append(back)
                    last, chance = back, 0.25
        return visits

    def keep(self, visit: Visit) -> list[Visit]:
        return [visit] if visit.end <= self.now else []

    def moment(self, day: date) -> datetime:
        hour = self.rng.choices(range(24), weights=HOURS)[0]
        local = datetime.combine(day, time(hour, self.rng.randrange(60), self.rng.randrange(60)), tzinfo=self.zone)
        return local.astimezone(UTC)

    # -- one visit

    def arrival(self, channel: str, campaign: str | None = None, click_id: str | None = None) -> dict:
        """The session's attribution as the snippet reads it from the landing URL and referrer."""
        rng, plan = self.rng, self.plan
        tags: dict[str, str] = {}
        referrer = ""
        if channel in ("gclid", "ios", "search_utm"):
            campaign = campaign or rng.choice(list(plan.search))
            path = plan.search[campaign]
            referrer = "https://www.google.com/"
            if channel == "gclid":
                tags["gclid"] = click_id or "Cj0KCQiA" + _token(rng, 60)
            elif channel == "ios":
                kind = rng.choice(("wbraid", "gbraid"))
                tags[kind] = ("CjkKCQiA" if kind == "wbraid" else "0AAAAA") + _token(rng, 48)
            if channel != "gclid" or rng.random() < 0.65:  # auto-tagged campaigns often carry no UTMs
                engine = "yandex" if channel == "search_utm" and rng.random() < 0.2 else "google"
                tags |= {"utm_source": engine, "utm_medium": "cpc", "utm_campaign": campaign}
                if engine == "yandex":
                    referrer = "https://yandex.com.tr/"
        elif channel == "social_paid":
            campaign = campaign or rng.choice(list(plan.social))
            path = plan.social[campaign]
            network = rng.choices(("instagram", "facebook"), weights=(7, 3))[0]
            referrer = "https://l.instagram.com/" if network == "instagram" else "https://m.facebook.com/"
            tags["fbclid"] = click_id or "IwAR" + _token(rng, 56)
            if network == "instagram" or rng.random() < 0.5:
                tags |= {"utm_source": network, "utm_medium": "paid_social", "utm_campaign": campaign}
        elif channel == "organic":
            path = self.page(blog_bias=True)
            referrer = rng.choices(*_split(SEARCH_REFERRERS))[0]
        elif channel == "referral":
            path = self.page()
            referrer = rng.choice(plan.referrers)
        elif channel == "social":
            path = "/"
            referrer = rng.choice(("https://www.instagram.com/", "https://l.facebook.com/"))
        else:
            path = "/" if rng.random() < 0.7 else self.page()
        query = urlencode(tags)
        landing = self.base + path + (f"?{query}" if query else "")
        return {"landing": landing, "referrer": referrer, **tags}

    def page(self, blog_bias: bool = False) -> str:
        pages = self.plan.pages
        weights = [w * (3 if blog_bias and p.startswith("/blog") else 1) for p, _t, w in pages]
        return self.rng.choices([p for p, _t, _w in pages], weights=weights)[0]

    def visit(
        self,
        visitor: str,
        start: datetime,
        channel: str,
        *,
        returning: bool = False,
        campaign: str | None = None,
        click_id: str | None = None,
        contact: str | None = None,
    ) -> Visit:
        """Page views with engagement, and maybe a custom event, a tel:/WhatsApp click or a form.

        `contact` forces the ending: "tel", "whatsapp", "form", or "" for none; None leaves it to chance."""
        rng, plan = self.rng, self.plan
        tags = self.arrival(channel, campaign, click_id)
        landing_path = "/" + tags["landing"].split("/", 3)[3].split("?")[0]
        pages = rng.choices(*_split(PAGES_PER_VISIT))[0] + (1 if returning else 0)
        paths = [landing_path]
        while len(paths) < pages:
            path = self.page()
            if path != paths[-1]:
                paths.append(path)
        form = contact == "form" or (contact is None and rng.random() < (0.05 if returning else 0.028))
        click = contact in ("tel", "whatsapp") or (contact is None and rng.random() < (0.06 if returning else 0.042))
        if form and paths[-1] != plan.contact:
            paths.append(plan.contact)
        visit = Visit(visitor, start, tags)
        at, previous = start, tags["referrer"]
        for i, path in enumerate(paths):
            url = tags["landing"] if i == 0 else self.base + path
            last = i == len(paths) - 1
            visit.events.append((at, self.event("pageview", at, url, title=plan.title(path), referrer=previous)))
            engaged = int(min(600, max(2, rng.lognormvariate(3.3 if len(paths) > 1 or last else 2.6, 0.9))))
            if (form or click) and last:
                engaged = max(engaged, rng.randint(40, 150))
            scroll = int(min(100, max(8, 15 + engaged * rng.uniform(0.3, 1.3) + rng.uniform(-10, 20))))
            stay = timedelta(seconds=engaged * rng.uniform(1.0, 1.5))
            if rng.random() < 0.05:
                name, prop, values = plan.custom
                when = at + stay / 2
                visit.events.append(
                    (when, self.event("custom", when, url, name=name, props={prop: rng.choice(values)}))
                )
            at += stay
            if last and click:
                kind = contact if contact in ("tel", "whatsapp") else rng.choice(("tel", "whatsapp"))
                when = at - timedelta(seconds=rng.randint(1, 10))
                visit.events.append(
                    (when, self.event("click", when, url, kind=kind, target=self.contact_targets[kind]))
                )
            if last and form:
                visit.events.append(
                    (at, self.event("form", at, url, form=plan.form, tracked=True, fields=self.person()))
                )
            visit.events.append((at, self.event("engagement", at, url, seconds=engaged, scroll=scroll)))
            at += timedelta(seconds=rng.uniform(0.5, 4))
            previous = url
        visit.events.sort(key=lambda item: item[0])
        return visit

    def event(self, type_: str, at: datetime, url: str, *, title: str = "", referrer: str = "", **data) -> dict:
        event = {"id": _token(self.rng, 21), "type": type_, "ts": int(at.timestamp() * 1000), "url": url}
        if type_ == "pageview":
            event |= {"title": title, "referrer": referrer}
        elif type_ == "custom":
            event["data"] = {"name": data["name"], "props": data["props"]}
        else:
            event["data"] = data
        return event

    def person(self) -> dict:
        """What someone types into the form: a Turkish name, a mobile number in any common form, maybe an e-mail."""
        rng = self.rng
        first, last = rng.choice(FIRST), rng.choice(LAST)
        fields = {"name": f"{first} {last}", "phone": _typed(mobile_phone(rng), rng)}
        if rng.random() < 0.45:
            local = fold(f"{first}.{last}").replace(" ", "")
            fields["email"] = f"{local}{rng.randrange(10, 99)}@{rng.choice(EMAIL_DOMAINS)}"
        return fields

    # -- existing customers who came from ads

    def ad_customers(self) -> dict[int, list[Visit]]:
        """Visits for demo customers of the last month who came from an ad: maybe an earlier look around,
        the ad click that ended in a call or a WhatsApp message, and maybe a return a few days later."""
        rng = self.rng
        since = self.now - timedelta(days=DAYS - 1)
        customers = db.session.scalars(
            select(Customer)
            .where(
                Customer.tenant_id == self.tenant.id,
                Customer.source.in_(PAID_SOURCES),
                Customer.created_at > since,
                Customer.created_at <= self.now,
                Customer.deleted_at.is_(None),
                Customer.merged_into_id.is_(None),
            )
            .order_by(Customer.created_at)
        ).all()
        planned: dict[int, list[Visit]] = {}
        for customer in rng.sample(customers, min(LINKED_CUSTOMERS, len(customers))):
            visitor = _token(rng, 28)
            google = customer.source == "google_ads"
            ad = self.visit(
                visitor,
                customer.created_at,
                "gclid" if google else "social_paid",
                campaign=_campaign_for(self.plan.search if google else self.plan.social, customer.campaign, rng),
                click_id=(customer.click_ids or {}).get("gclid") if google else None,
                contact=rng.choice(("tel", "whatsapp")),
            )
            # They called or wrote a few minutes before the customer was created.
            shift = ad.end - ad.start + timedelta(minutes=rng.uniform(2, 15))
            ad.start -= shift
            ad.events = [(at - shift, {**e, "ts": int((at - shift).timestamp() * 1000)}) for at, e in ad.events]
            visits = [ad]
            if rng.random() < 0.35:
                day = (ad.start - timedelta(days=rng.uniform(1, 6))).astimezone(self.zone).date()
                earlier = self.visit(visitor, self.moment(day), rng.choice(("organic", "direct", "social")), contact="")
                if earlier.start > since and earlier.end < ad.start - timedelta(hours=1):
                    visits.insert(0, earlier)
            if rng.random() < 0.5:
                day = (customer.created_at + timedelta(days=rng.uniform(1, 8))).astimezone(self.zone).date()
                later = self.visit(
                    visitor, self.moment(day), rng.choice(("direct", "organic")), returning=True, contact=""
                )
                if later.start > customer.created_at + timedelta(hours=1):
                    visits += self.keep(later)
            planned[customer.id] = visits
        return planned


# --- playing them through the drain --------------------------------------------------


def _play(site: TrackingSite, tenant: Tenant, visits: list[Visit], held_visitors: set[str]) -> list[dict]:
    """Store the visits a day at a time in time order and turn their conversions into CRM work; returns the
    conversions of `held_visitors`, which wait until those visitors are linked to their customers."""
    zone = ZoneInfo(tenant.timezone or "Europe/Istanbul")
    days: dict[date, list[Incoming]] = {}
    for visit in sorted(visits, key=lambda v: v.start):
        chunk = days.setdefault(visit.start.astimezone(zone).date(), [])
        for at, event in visit.events:
            # The snippet sends a second after the event (or at once for the tenth in a row).
            chunk.append(Incoming(site.id, tenant.id, visit.visitor, at + RECEIVED_AFTER, at, visit.attribution, event))
    held: list[dict] = []
    for day in sorted(days):
        stored = store(days[day])
        db.session.commit()  # a failed conversion rolls back: it must not take the day's events with it
        now_ready = [c for c in stored.conversions if c["visitor_id"] not in held_visitors]
        held += [c for c in stored.conversions if c["visitor_id"] in held_visitors]
        conversions.process(now_ready)
        db.session.commit()
    return held


def _link(site: TrackingSite, planned: dict[int, list[Visit]], held: list[dict]) -> None:
    """Each ad customer becomes the visitor of their visits; their contact click then shows on the timeline."""
    for customer_id, visits in planned.items():
        customer = db.session.get(Customer, customer_id)
        session = db.session.scalar(
            select(TrackingSession)
            .where(
                TrackingSession.site_id == site.id,
                TrackingSession.visitor_id == visits[0].visitor,
                TrackingSession.started_at <= customer.created_at,
            )
            .order_by(TrackingSession.started_at.desc())
            .limit(1)
        )
        if session is None:
            continue
        conversions.link(customer, session)
        customer.attribution_class = customer.attribution_class or session.attribution_class
    db.session.commit()
    conversions.process(held)


# --- small helpers --------------------------------------------------------------------


def _split(pairs):
    values, weights = zip(*pairs, strict=True)
    return values, weights


def _token(rng: random.Random, length: int) -> str:
    """A random id in the snippet's alphabet (event ids, visitor ids, click ids)."""
    return "".join(rng.choices(_ID_CHARS, k=length))


def _typed(e164: str, rng: random.Random) -> str:
    """'+905321234567' as people type it into a form."""
    n = e164[3:]
    return rng.choice(
        (
            f"0{n[:3]} {n[3:6]} {n[6:8]} {n[8:]}",
            f"+90 {n[:3]} {n[3:6]} {n[6:]}",
            f"0{n}",
            n,
            f"({n[:3]}) {n[3:6]} {n[6:8]} {n[8:]}",
        )
    )


def _campaign_for(campaigns: dict[str, str], name: str | None, rng: random.Random) -> str:
    """The UTM campaign behind a campaign as the CRM names it ('İmplant Kasım 2026' -> implant-istanbul)."""
    words = {word for word in fold(name or "").replace("-", " ").split() if len(word) > 3}
    matching = [slug for slug in campaigns if words & set(slug.split("-"))]
    return matching[0] if matching else rng.choice(list(campaigns))


def queue_won_conversions(tenant: Tenant) -> int:
    """Won demo customers wait in the offline conversion queue, as a won move would leave them.

    The seed's own card moves cannot do it: `flask seed-demo` exits before the
    background jobs subscribed to them would run."""
    from app.models import PipelineStage
    from app.tracking import offline

    won = list(
        db.session.scalars(
            select(Customer)
            .join(PipelineStage, PipelineStage.id == Customer.stage_id)
            .where(Customer.tenant_id == tenant.id, PipelineStage.kind == "won", Customer.merged_into_id.is_(None))
            .order_by(Customer.id)
        )
    )
    # When each card reached the won stage, as the demo history has it (one query for all).
    moved = dict(
        db.session.execute(
            select(Event.subject_id, func.max(Event.created_at))
            .where(
                Event.tenant_id == tenant.id,
                Event.type == events.CARD_MOVED,
                Event.subject_type == "customers",
                Event.subject_id.in_([c.id for c in won]),
            )
            .group_by(Event.subject_id)
        ).all()
    )
    queued = 0
    for customer in won:
        when = moved.get(customer.id)
        when = (when.replace(tzinfo=UTC) if when and when.tzinfo is None else when) or customer.updated_at
        queued += offline.queue_conversion(customer, "won", converted_at=when) is not None
    return queued
