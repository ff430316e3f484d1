"""The Kervan fields a file's columns can fill, how columns are guessed from
their headers, and how a cell becomes a field value."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l

from app.customers.filters import SOURCES
from app.lib.text import fold

# PostgreSQL INTEGER holds value_minor; a bigger amount is a typo, not a deal.
MAX_VALUE_MINOR = 2_147_483_647


@dataclass(frozen=True)
class Field:
    key: str
    label: object  # a lazy string
    headers: tuple[str, ...]  # folded header spellings that mean this field
    hint: object = ""


FIELDS: tuple[Field, ...] = (
    Field(
        "name",
        _l("Name"),
        (
            *("ad soyad", "adi soyadi", "ad soyadi", "adi", "ad", "isim", "isim soyisim", "ad ve soyad"),
            *("musteri", "musteri adi", "hasta", "hasta adi", "danisan", "danisan adi"),
            *("name", "full name", "customer", "customer name", "contact", "contact name"),
        ),
        _l("Required. Rows without a name are skipped."),
    ),
    Field(
        "phone",
        _l("Phone"),
        (
            *("telefon", "tel", "telefon no", "telefon numarasi", "tel no", "cep", "cep telefonu", "cep tel"),
            *("cep no", "gsm", "gsm no", "mobil", "whatsapp"),
            *("phone", "phone number", "mobile", "mobile phone", "cell", "telephone"),
        ),
        _l("Turkish numbers may be written as 0532…, +90 532… or 532…."),
    ),
    Field(
        "email",
        _l("E-mail"),
        ("e posta", "eposta", "e posta adresi", "mail", "email", "e mail", "email address", "e mail address"),
        _l("A row whose phone or e-mail is already known updates that customer."),
    ),
    Field(
        "source",
        _l("Source"),
        ("kaynak", "source", "lead source", "kanal", "channel"),
        _l("Such as Instagram or Google Ads; a source Kervan does not know counts as Other."),
    ),
    Field("campaign", _l("Campaign"), ("kampanya", "kampanya adi", "campaign", "campaign name", "utm campaign")),
    Field(
        "tags",
        _l("Tags"),
        ("etiket", "etiketler", "tag", "tags", "label", "labels"),
        _l("Separated by commas or semicolons; added to the tags a customer already has."),
    ),
    Field(
        "value",
        _l("Value (TRY)"),
        ("tutar", "deger", "value", "amount", "butce", "ucret", "fiyat", "price", "deal value", "tutar tl"),
        _l("An amount such as 1.250,50 or 1250.50."),
    ),
    Field(
        "stage",
        _l("Stage"),
        ("asama", "stage", "durum", "status", "pipeline stage", "satis asamasi"),
        _l("The name of one of your stages; new customers without one start in the first stage."),
    ),
    Field(
        "assignee",
        _l("Assignee"),
        ("sorumlu", "atanan", "temsilci", "satis temsilcisi", "assignee", "assigned to", "owner", "sorumlu e posta"),
        _l("The e-mail (or name) of an active team member."),
    ),
)
FIELD_KEYS: tuple[str, ...] = tuple(f.key for f in FIELDS)


def header_key(header: str) -> str:
    """'E-posta Adresi:' -> 'e posta adresi'; 'Etiket(ler)' -> 'etiketler'."""
    text = fold(header).replace("(", "").replace(")", "")
    return re.sub(r"\s+", " ", re.sub(r"[^a-z0-9]+", " ", text)).strip()


def guess_mapping(headers: list[str]) -> dict[str, str]:
    """field -> header for every field a header plainly names; each header used once."""
    keys = {h: header_key(h) for h in headers}
    mapping: dict[str, str] = {}
    # An exact spelling wins over a header that merely contains one ("Kampanya Adı" is no name).
    for field in FIELDS:
        for header in headers:
            if keys[header] in field.headers and header not in mapping.values():
                mapping[field.key] = header
                break
    candidates = []
    for field in FIELDS:
        if field.key in mapping:
            continue
        for header in headers:
            words = f" {keys[header]} "
            for spelling in field.headers:
                if f" {spelling} " in words:
                    candidates.append((len(spelling), field.key, header))
    for _length, key, header in sorted(candidates, reverse=True):
        if key not in mapping and header not in mapping.values():
            mapping[key] = header
    return {f.key: mapping[f.key] for f in FIELDS if f.key in mapping}


# ---------- Cell values ----------


class BadValue(ValueError):
    pass


def parse_money(text: str) -> int:
    """A TRY amount as a person types it, in kuruş: '1.250,50' and '1250.50' are both 125050.

    The last of '.' and ',' is the decimal separator when both appear; alone, a
    separator followed by exactly three digits groups thousands ('1.250' is 1250 TL).
    """
    cleaned = re.sub(r"\s", "", text or "").replace("₺", "")
    cleaned = re.sub(r"(?i)(tl|try)$", "", cleaned)
    if not cleaned:
        return 0
    if not re.fullmatch(r"\d[\d.,]*", cleaned):
        raise BadValue(text)
    if "." in cleaned and "," in cleaned:
        decimal = max(".,", key=cleaned.rfind)
        thousands = "," if decimal == "." else "."
        cleaned = cleaned.replace(thousands, "").replace(decimal, ".")
    else:
        separator = "." if "." in cleaned else "," if "," in cleaned else ""
        if separator:
            parts = cleaned.split(separator)
            if len(parts) > 2 or _groups_thousands(parts):
                if not _groups_thousands(parts):
                    raise BadValue(text)
                cleaned = "".join(parts)
            else:
                cleaned = ".".join(parts)
    try:
        amount = Decimal(cleaned)
    except InvalidOperation as exc:
        raise BadValue(text) from exc
    if amount != amount.quantize(Decimal("0.01")):  # fractions of a kuruş are a typo
        raise BadValue(text)
    minor = int(amount * 100)
    if minor > MAX_VALUE_MINOR:
        raise BadValue(text)
    return minor


def _groups_thousands(parts: list[str]) -> bool:
    """'1.250.000' groups thousands; '1250.500' and '0.500' do not."""
    head, *groups = parts
    return 1 <= len(head) <= 3 and not head.startswith("0") and all(len(g) == 3 for g in groups)


def split_tags(text: str) -> list[str]:
    """'VIP, implant; kontrol' -> ['VIP', 'implant', 'kontrol'], first spelling of a repeat kept."""
    found: dict[str, str] = {}
    for part in re.split(r"[,;]", text or ""):
        name = part.strip()[:40]
        if name and name.casefold() not in found:
            found[name.casefold()] = name
    return list(found.values())


# Spellings people use for each source, folded; the app's own labels are added at match time.
SOURCE_SPELLINGS: dict[str, tuple[str, ...]] = {
    "google_ads": ("google", "google ads", "adwords", "google reklam", "google reklamlari"),
    "meta": ("meta", "meta ads", "facebook", "fb", "facebook ads", "meta reklam", "meta reklamlari"),
    "instagram": ("instagram", "ig", "insta"),
    "whatsapp": ("whatsapp", "wa", "whatsapp business"),
    "web_form": ("web form", "web formu", "web", "website", "web sitesi", "form", "site"),
    "referral": ("referral", "referans", "tavsiye", "oneri", "arkadas tavsiyesi"),
    "walk_in": ("walk in", "walkin", "ayaktan", "kapidan", "magaza", "gelen musteri"),
    "other": ("other", "diger"),
}
assert set(SOURCE_SPELLINGS) == set(SOURCES)


def parse_source(text: str, labels: dict[str, list[str]] | None = None) -> str | None:
    """One of SOURCES; a source Kervan does not know is kept as "other" rather than lost with the row."""
    key = header_key(text)
    if not key:
        return None
    for source in SOURCES:
        spellings = {header_key(source), *SOURCE_SPELLINGS[source], *(labels or {}).get(source, [])}
        if key in spellings:
            return source
    return "other"
