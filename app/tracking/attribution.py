"""Where a session came from: source / medium / campaign and its S1–S5 class.

The class hierarchy is the product's (OpsMantik's) order, checked top-down:
S1 Google click id (gclid, wbraid, gbraid) · S2 paid UTM · S3 ads-assisted
(an earlier session of the same visitor was S1/S2) · S4 paid social (fbclid
or a paid UTM from a social network) · S5 organic or direct."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

GOOGLE_CLICK_IDS = ("gclid", "wbraid", "gbraid")
PAID_MEDIUMS = frozenset(
    {"cpc", "ppc", "paid", "paidsearch", "paid_search", "paid-search", "sem", "cpm", "cpv", "display", "banner"}
)
SOCIAL_SOURCES = frozenset(
    {
        "facebook",
        "fb",
        "instagram",
        "ig",
        "meta",
        "tiktok",
        "twitter",
        "x",
        "linkedin",
        "snapchat",
        "pinterest",
        "youtube",
    }
)
SEARCH_ENGINES = {
    "google": "google",
    "bing": "bing",
    "yandex": "yandex",
    "duckduckgo": "duckduckgo",
    "yahoo": "yahoo",
    "ecosia": "ecosia",
    "baidu": "baidu",
}
SOCIAL_HOSTS = {
    "facebook.com": "facebook",
    "fb.com": "facebook",
    "instagram.com": "instagram",
    "t.co": "twitter",
    "twitter.com": "twitter",
    "x.com": "twitter",
    "linkedin.com": "linkedin",
    "tiktok.com": "tiktok",
    "youtube.com": "youtube",
    "pinterest.com": "pinterest",
}


@dataclass(frozen=True)
class Origin:
    source: str
    medium: str
    campaign: str | None


def host_of(url: str) -> str:
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return ""
    return host[4:] if host.startswith("www.") else host


def _is_paid_medium(medium: str) -> bool:
    return medium in PAID_MEDIUMS or "paid" in medium or medium.endswith("cpc")


def _is_social(source: str, medium: str) -> bool:
    return source in SOCIAL_SOURCES or "social" in medium


def origin(attribution: dict) -> Origin:
    """GA-style source / medium of a landing, from its tags, click ids or referrer."""
    utm_source = (attribution.get("utm_source") or "").strip().lower()
    utm_medium = (attribution.get("utm_medium") or "").strip().lower()
    campaign = (attribution.get("utm_campaign") or "").strip()[:120] or None
    if utm_source:
        return Origin(utm_source[:80], (utm_medium or "(not set)")[:40], campaign)
    if any(attribution.get(key) for key in GOOGLE_CLICK_IDS):
        return Origin("google", "cpc", campaign)
    if attribution.get("fbclid"):
        return Origin("facebook", "social", campaign)
    referrer_host = host_of(attribution.get("referrer") or "")
    if referrer_host and referrer_host != host_of(attribution.get("landing") or ""):
        for domain, name in SOCIAL_HOSTS.items():
            if referrer_host == domain or referrer_host.endswith("." + domain):
                return Origin(name, "social", campaign)
        labels = referrer_host.split(".")
        for label in labels[:-1]:
            if label in SEARCH_ENGINES:
                return Origin(SEARCH_ENGINES[label], "organic", campaign)
        return Origin(referrer_host[:80], "referral", campaign)
    return Origin("(direct)", "(none)", campaign)


def classify(attribution: dict, origin_: Origin, paid_before: bool) -> str:
    if any(attribution.get(key) for key in GOOGLE_CLICK_IDS):
        return "S1"
    paid = _is_paid_medium(origin_.medium) and bool(attribution.get("utm_source") or attribution.get("utm_medium"))
    social = _is_social(origin_.source, origin_.medium)
    if paid and not social:
        return "S2"
    if paid_before:
        return "S3"
    if attribution.get("fbclid") or (paid and social):
        return "S4"
    return "S5"


def is_paid(attribution_class: str) -> bool:
    """Sessions that make a visitor's later sessions ads-assisted."""
    return attribution_class in ("S1", "S2")


def campaign_key(attribution: dict) -> tuple:
    """What identifies a campaign landing: a new one mid-session starts a new session (as GA does)."""
    get = attribution.get
    return (get("gclid") or "", get("wbraid") or "", get("gbraid") or "", get("fbclid") or "",
            get("utm_source") or "", get("utm_medium") or "", get("utm_campaign") or "")  # fmt: skip
