"""Demo customers: 150+ per business, spread over the stages and the last 90 days,
with sources, campaigns, tags, notes, calls and reminders (some overdue)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import func, select

from app.customers import services as customers
from app.extensions import db
from app.lib.text import fold
from app.models import Customer, Tenant, User
from app.pipeline import services as pipeline
from app.reminders import services as reminders
from app.team.services import active_users

FIRST = (
    "Ayşe",
    "Fatma",
    "Emine",
    "Hatice",
    "Zeynep",
    "Elif",
    "Merve",
    "Büşra",
    "Esra",
    "Selin",
    "Derya",
    "Gizem",
    "Ebru",
    "Sibel",
    "Tuğba",
    "Melike",
    "İrem",
    "Cansu",
    "Özlem",
    "Aslı",
    "Mehmet",
    "Mustafa",
    "Ahmet",
    "Ali",
    "Hüseyin",
    "Hasan",
    "İbrahim",
    "Murat",
    "Emre",
    "Burak",
    "Oğuz",
    "Serkan",
    "Onur",
    "Kerem",
    "Cem",
    "Barış",
    "Uğur",
    "Tolga",
    "Çağrı",
    "Volkan",
    "Şule",
    "Gökhan",
    "Ümit",
    "Işıl",
    "Nilay",
    "Deniz",
    "Can",
    "Eda",
)
LAST = (
    "Yılmaz",
    "Kaya",
    "Demir",
    "Şahin",
    "Çelik",
    "Yıldız",
    "Yıldırım",
    "Öztürk",
    "Aydın",
    "Özdemir",
    "Arslan",
    "Doğan",
    "Kılıç",
    "Aslan",
    "Çetin",
    "Kara",
    "Koç",
    "Kurt",
    "Özkan",
    "Şimşek",
    "Polat",
    "Korkmaz",
    "Erdoğan",
    "Aksoy",
    "Güneş",
    "Tekin",
    "Bulut",
    "Ünal",
    "Işık",
    "Güler",
    "Acar",
    "Kaplan",
    "Avcı",
    "Bozkurt",
    "Tuncer",
)

SECTOR = {
    "dental": {
        "campaigns": ("İmplant Kasım 2026", "Diş Beyazlatma - Google", "Ortodonti - Meta", "Check-up Kampanyası"),
        "tags": ("implant", "ortodonti", "beyazlatma", "vip", "sigortalı", "çocuk"),
        "value": (3_000, 60_000),
        "notes": (
            "İmplant fiyatı soruldu, röntgen sonrası teklif verilecek.",
            "Eşiyle birlikte gelmek istiyor.",
            "Sigorta kapsamını öğrenmek istedi.",
            "Hafta sonu randevu tercih ediyor.",
            "Önceki klinikten memnun kalmamış, güven vermek önemli.",
        ),
        "reminders": (
            "Teklifi WhatsApp'tan gönder",
            "Röntgen sonucu için ara",
            "Kapora hatırlat",
            "Kontrol randevusu ayarla",
        ),
    },
    "beauty": {
        "campaigns": ("Lazer Epilasyon Kış", "Cilt Bakımı - Instagram", "Gelin Paketi 2027", "Arkadaşını Getir"),
        "tags": ("lazer", "cilt", "manikür", "gelin", "vip", "paket"),
        "value": (500, 8_000),
        "notes": (
            "8 seanslık paket düşünüyor.",
            "Hassas cilt, önce test atışı istiyor.",
            "Düğün tarihi haziran, prova için erken randevu.",
            "Cumartesi öğleden sonraları uygun.",
        ),
        "reminders": ("Seans hatırlatması yap", "Paket fiyatını gönder", "Memnuniyet araması", "Test atışı için ara"),
    },
    "ecommerce": {
        "campaigns": ("Black Friday 2026", "Kargo Bedava", "Yeni Sezon Kışlık", "Sepet Hatırlatma"),
        "tags": ("toptan", "iade", "vip", "kurumsal", "ilk-sipariş"),
        "value": (200, 15_000),
        "notes": (
            "Toplu alım için fiyat istedi.",
            "Kargo süresini sordu.",
            "Beden değişimi talep etti.",
            "Kurumsal fatura istiyor.",
        ),
        "reminders": (
            "Sepetteki ürünler için hatırlat",
            "Toptan teklif gönder",
            "Kargo takibini paylaş",
            "Yorum rica et",
        ),
    },
}
SOURCES = (
    ("google_ads", 30),
    ("meta", 18),
    ("instagram", 16),
    ("whatsapp", 12),
    ("web_form", 10),
    ("referral", 8),
    ("walk_in", 6),
)
CALL_OUTCOMES = ("reached", "reached", "no_answer", "busy", "call_back")


def _weighted(rng: random.Random, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


MOBILE_PREFIXES = ("530", "532", "533", "535", "505", "506", "542", "544", "546", "552", "555")


def mobile_phone(rng: random.Random) -> str:
    """A valid-looking Turkish mobile number in E.164."""
    return f"+90{rng.choice(MOBILE_PREFIXES)}{rng.randrange(1000000, 9999999)}"


def seed_customers(tenant: Tenant, now: datetime, rng: random.Random, count: int = 160) -> int:
    if db.session.scalar(select(func.count()).where(Customer.tenant_id == tenant.id)):
        return 0
    plan = SECTOR.get(tenant.sector, SECTOR["ecommerce"])
    team = active_users(tenant.id)
    stages = pipeline.stages(tenant.id)
    # Most people sit in the early stages; a few are won or lost.
    stage_weights = [max(1, 10 - 2 * i) for i in range(len(stages) - 1)] + [2]
    # Plan everything first, then play it back in time order, so the log reads
    # like 90 days of real work (the timeline and the activity feed follow it).
    plan_steps: list[tuple[datetime, int, object]] = []
    used_phones: set[str] = set()
    for n in range(count):
        phone = mobile_phone(rng)
        while phone in used_phones:
            phone = mobile_phone(rng)
        used_phones.add(phone)
        person = _person(n, phone, plan, team, rng)
        when = now - timedelta(days=rng.uniform(0, 89), minutes=rng.randint(0, 600))
        holder: dict[str, Customer] = {}
        plan_steps.append((when, len(plan_steps), _creator(tenant, person, when, holder)))
        target = rng.choices(stages, weights=stage_weights)[0]
        if target.position > 0:
            at = when + (now - when) * rng.uniform(0.05, 0.5)
            plan_steps.append((at, len(plan_steps), _mover(holder, person["actor"], target, at)))
        plan_steps += [(at, len(plan_steps), step) for at, step in _history(holder, team, plan, when, now, rng)]
    for _at, _seq, step in sorted(plan_steps, key=lambda item: (item[0], item[1])):
        step()
    return count


def _person(n: int, phone: str, plan: dict, team: list[User], rng: random.Random) -> dict:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    source = _weighted(rng, SOURCES)
    ascii_name = fold(f"{first}.{last}").replace(" ", "")
    return {
        "actor": rng.choice(team),
        "name": f"{first} {last}",
        "phone": phone,
        "email": f"{ascii_name}{n}@ornek.com.tr" if rng.random() < 0.55 else None,
        "assignee_id": rng.choice(team).id if rng.random() < 0.85 else None,
        "source": source,
        "campaign": rng.choice(plan["campaigns"]) if source in ("google_ads", "meta", "instagram") else None,
        "value_minor": rng.randrange(*plan["value"], 50) * 100,
        "tags": rng.sample(plan["tags"], k=rng.choice((0, 1, 1, 2))),
        "utm": {"utm_source": "google", "utm_medium": "cpc"} if source == "google_ads" else {},
        "click_ids": {"gclid": f"Cj0KCQiA{rng.randrange(10**9):09d}"} if source == "google_ads" else {},
        "lead_score": rng.choice((0, 0, 15, 30, 45, 60, 75, 90)),
    }


def _creator(tenant: Tenant, person: dict, when: datetime, holder: dict):
    def create() -> None:
        fields = {k: v for k, v in person.items() if k not in ("actor", "lead_score")}
        customer = customers.create(tenant, person["actor"], created_at=when, **fields)
        customer.lead_score = person["lead_score"]
        holder["customer"] = customer

    return create


def _mover(holder: dict, actor: User, target, at: datetime):
    """A stage change some time after the customer arrived, logged at that time."""

    def move() -> None:
        pipeline.move(holder["customer"], actor, target.id, occurred_at=at)

    return move


def _history(holder: dict, team: list[User], plan: dict, since: datetime, now: datetime, rng: random.Random):
    """Notes, calls and maybe a reminder, as (time, step) pairs."""
    span = (now - since).total_seconds()
    steps = []
    for _ in range(rng.choice((0, 1, 1, 2))):
        at = since + timedelta(seconds=rng.uniform(0.2, 0.9) * span)
        steps.append((at, _noter(holder, rng.choice(team), rng.choice(plan["notes"]), at)))
    if rng.random() < 0.6:
        at = since + timedelta(seconds=rng.uniform(0.1, 0.95) * span)
        steps.append((at, _caller(holder, rng.choice(team), rng.choice(CALL_OUTCOMES), at)))
    if rng.random() < 0.45:
        # Due between three days ago (overdue) and a week ahead.
        due = now + timedelta(hours=rng.uniform(-72, 168))
        # Working hours in Istanbul (UTC+3).
        due = due.replace(hour=rng.randint(6, 15), minute=rng.choice((0, 15, 30, 45)), second=0, microsecond=0)
        at = min(now, since + timedelta(seconds=rng.uniform(0.5, 0.99) * span), due)
        at = max(at, since + timedelta(minutes=5))  # never before the customer existed
        due = max(due, at + timedelta(hours=1))
        steps.append((at, _reminder(holder, rng.choice(team), rng.choice(plan["reminders"]), due, at, now)))
    return steps


def _noter(holder: dict, actor: User, text: str, at: datetime):
    def note() -> None:
        customers.add_note(holder["customer"], actor, text, occurred_at=at)

    return note


def _caller(holder: dict, actor: User, outcome: str, at: datetime):
    def call() -> None:
        customers.log_call(holder["customer"], actor, outcome, occurred_at=at)

    return call


def _reminder(holder: dict, creator: User, title: str, due: datetime, at: datetime, now: datetime):
    def remind() -> None:
        customer = holder["customer"]
        reminder = reminders.create(customer, creator, title, due, customer.assignee_id, occurred_at=at)
        # Past ones were already announced: the due job must not fire dozens at once on first start.
        reminder.notified_at = due if due < now else None

    return remind
