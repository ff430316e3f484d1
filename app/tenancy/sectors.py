"""Sector blueprints: what a new tenant of each sector starts with.

Data only. Stage names are tenant data (the owner may rename them), so they
are written in the tenant's language when the tenant is created. Terminology
follows each user's interface language, so both languages live here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class StageSpec:
    key: str
    tr: str
    en: str
    kind: str = "open"  # open | won | lost
    color: str = "slate"


@dataclass(frozen=True)
class ResourceSpec:
    key: str
    name: str
    kind: str  # see app.models.booking.RESOURCE_KINDS
    hours: tuple[tuple[str, str], ...] = (("09:00", "18:00"),)
    saturday: tuple[tuple[str, str], ...] = (("10:00", "16:00"),)
    lunch: tuple[str, str] | None = ("12:30", "13:30")


@dataclass(frozen=True)
class ServiceSpec:
    tr: str
    en: str
    minutes: int
    buffer: int
    price_try: tuple[int, int]
    resources: tuple[str, ...]  # ResourceSpec keys


@dataclass(frozen=True)
class SectorBlueprint:
    key: str
    label: object  # lazy string
    stages: tuple[StageSpec, ...]
    # term key -> {locale: word}
    terms: dict[str, dict[str, str]] = field(default_factory=dict)
    resources: tuple[ResourceSpec, ...] = ()
    services: tuple[ServiceSpec, ...] = ()


_LOST = StageSpec("lost", "Kaybedildi", "Lost", "lost", "red")

_PEOPLE = {
    "customer": {"tr": "Müşteri", "en": "Customer"},
    "customers": {"tr": "Müşteriler", "en": "Customers"},
}

BLUEPRINTS: dict[str, SectorBlueprint] = {
    "dental": SectorBlueprint(
        "dental",
        _l("Dental clinic"),
        (
            StageSpec("new", "Yeni Lead", "New lead", color="blue"),
            StageSpec("talking", "Görüşülüyor", "In conversation", color="indigo"),
            StageSpec("appointment", "Randevu", "Appointment", color="violet"),
            StageSpec("deposit", "Kapora", "Deposit", color="amber"),
            StageSpec("treatment", "Tedavi/Satış", "Treatment/Sale", "won", "green"),
            StageSpec("follow_up", "Takip", "Follow-up", color="teal"),
            _LOST,
        ),
        {"customer": {"tr": "Hasta", "en": "Patient"}, "customers": {"tr": "Hastalar", "en": "Patients"}},
        resources=(
            ResourceSpec("dr1", "Dt. Ayşe Kaya", "doctor"),
            ResourceSpec("dr2", "Dt. Mehmet Arslan", "doctor", hours=(("10:00", "19:00"),), lunch=("13:00", "14:00")),
            ResourceSpec("room1", "Tedavi Odası 1", "room", hours=(("08:30", "19:30"),), lunch=None),
            ResourceSpec("room2", "Tedavi Odası 2", "room", hours=(("08:30", "19:30"),), lunch=None),
        ),
        services=(
            ServiceSpec("Muayene", "Check-up", 30, 0, (500, 750), ("dr1", "dr2", "room1", "room2")),
            ServiceSpec("Diş Taşı Temizliği", "Scaling", 45, 15, (1500, 2500), ("dr1", "dr2", "room1", "room2")),
            ServiceSpec("Dolgu", "Filling", 60, 15, (2000, 4000), ("dr1", "dr2", "room1", "room2")),
            ServiceSpec("İmplant Görüşmesi", "Implant consultation", 30, 0, (0, 0), ("dr1", "room1")),
            ServiceSpec("Diş Beyazlatma", "Whitening", 90, 15, (6000, 9000), ("dr2", "room2")),
        ),
    ),
    "aesthetic": SectorBlueprint(
        "aesthetic",
        _l("Aesthetic clinic"),
        (
            StageSpec("new", "Yeni Lead", "New lead", color="blue"),
            StageSpec("consult", "Ön Görüşme", "Consultation", color="indigo"),
            StageSpec("appointment", "Randevu", "Appointment", color="violet"),
            StageSpec("deposit", "Kapora", "Deposit", color="amber"),
            StageSpec("procedure", "İşlem/Satış", "Procedure/Sale", "won", "green"),
            StageSpec("follow_up", "Kontrol", "Check-up", color="teal"),
            _LOST,
        ),
        {"customer": {"tr": "Danışan", "en": "Client"}, "customers": {"tr": "Danışanlar", "en": "Clients"}},
    ),
    "beauty": SectorBlueprint(
        "beauty",
        _l("Beauty salon"),
        (
            StageSpec("new", "Yeni Talep", "New enquiry", color="blue"),
            StageSpec("talking", "İletişimde", "In touch", color="indigo"),
            StageSpec("appointment", "Randevu Alındı", "Booked", color="violet"),
            StageSpec("served", "Hizmet Verildi", "Served", "won", "green"),
            StageSpec("regular", "Düzenli Müşteri", "Regular", color="teal"),
            _LOST,
        ),
        {"customer": {"tr": "Danışan", "en": "Client"}, "customers": {"tr": "Danışanlar", "en": "Clients"}},
        resources=(
            ResourceSpec("st1", "Gizem (Kuaför)", "stylist"),
            ResourceSpec("st2", "Melike (Kuaför)", "stylist", hours=(("11:00", "20:00"),), lunch=("15:00", "15:30")),
            ResourceSpec("sp1", "Deniz (Cilt Uzmanı)", "specialist"),
            ResourceSpec("ch1", "Koltuk 1", "chair", hours=(("09:00", "20:00"),), lunch=None),
            ResourceSpec("ch2", "Koltuk 2", "chair", hours=(("09:00", "20:00"),), lunch=None),
            ResourceSpec("laser", "Lazer Cihazı", "device", hours=(("09:00", "20:00"),), lunch=None),
        ),
        services=(
            ServiceSpec("Saç Kesimi", "Haircut", 45, 15, (600, 1200), ("st1", "st2", "ch1", "ch2")),
            ServiceSpec("Fön", "Blow-dry", 30, 0, (400, 600), ("st1", "st2", "ch1", "ch2")),
            ServiceSpec("Manikür", "Manicure", 45, 0, (500, 700), ("sp1",)),
            ServiceSpec("Cilt Bakımı", "Facial", 60, 15, (1500, 2500), ("sp1",)),
            ServiceSpec("Lazer Epilasyon", "Laser hair removal", 30, 15, (1200, 3000), ("sp1", "laser")),
        ),
    ),
    "ecommerce": SectorBlueprint(
        "ecommerce",
        _l("E-commerce seller"),
        (
            StageSpec("new", "Yeni Lead", "New lead", color="blue"),
            StageSpec("interested", "İlgileniyor", "Interested", color="indigo"),
            StageSpec("cart", "Sepette", "In cart", color="amber"),
            StageSpec("ordered", "Sipariş Verdi", "Ordered", "won", "green"),
            StageSpec("repeat", "Tekrar Alım", "Repeat buyer", color="teal"),
            _LOST,
        ),
        _PEOPLE,
    ),
    "agency": SectorBlueprint(
        "agency",
        _l("Agency"),
        (
            StageSpec("new", "Yeni Lead", "New lead", color="blue"),
            StageSpec("meeting", "Toplantı", "Meeting", color="indigo"),
            StageSpec("proposal", "Teklif", "Proposal", color="amber"),
            StageSpec("won", "Anlaşma", "Signed", "won", "green"),
            StageSpec("retainer", "Aktif Müşteri", "Active client", color="teal"),
            _LOST,
        ),
        _PEOPLE,
    ),
    "generic": SectorBlueprint(
        "generic",
        _l("Other business"),
        (
            StageSpec("new", "Yeni Lead", "New lead", color="blue"),
            StageSpec("talking", "Görüşülüyor", "In conversation", color="indigo"),
            StageSpec("offer", "Teklif", "Offer", color="amber"),
            StageSpec("won", "Kazanıldı", "Won", "won", "green"),
            _LOST,
        ),
        _PEOPLE,
    ),
}


def blueprint(sector: str) -> SectorBlueprint:
    try:
        return BLUEPRINTS[sector]
    except KeyError as exc:
        raise ValueError(f"unknown sector {sector!r}") from exc


def term(sector: str, overrides: dict[str, str] | None, key: str, locale: str) -> str:
    if overrides and overrides.get(key):
        return overrides[key]
    words = blueprint(sector).terms.get(key) or _PEOPLE.get(key) or {}
    return words.get(locale) or words.get("en") or key
