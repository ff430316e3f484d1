"""Source/medium and the S1–S5 class of a session, as a table of cases."""

from __future__ import annotations

import pytest

from app.tracking.attribution import campaign_key, classify, origin
from app.tracking.scoring import WEIGHTS, Signals, score

LANDING = "https://klinik.example/"


@pytest.mark.parametrize(
    ("tags", "paid_before", "expected_class", "expected_origin"),
    [
        ({"gclid": "Cj0"}, False, "S1", ("google", "cpc")),
        ({"wbraid": "W1"}, False, "S1", ("google", "cpc")),
        ({"gbraid": "G1", "utm_source": "google", "utm_medium": "cpc"}, False, "S1", ("google", "cpc")),
        ({"gclid": "Cj0", "fbclid": "F"}, True, "S1", ("google", "cpc")),  # S1 wins over everything
        ({"utm_source": "google", "utm_medium": "cpc"}, False, "S2", ("google", "cpc")),
        ({"utm_source": "bing", "utm_medium": "ppc"}, False, "S2", ("bing", "ppc")),
        ({"utm_source": "yandex", "utm_medium": "paid_search"}, False, "S2", ("yandex", "paid_search")),
        ({"utm_source": "instagram", "utm_medium": "paid_social"}, False, "S4", ("instagram", "paid_social")),
        ({"utm_source": "facebook", "utm_medium": "cpc"}, False, "S4", ("facebook", "cpc")),
        ({"fbclid": "F1"}, False, "S4", ("facebook", "social")),
        ({"fbclid": "F1"}, True, "S3", ("facebook", "social")),  # ads-assisted outranks paid social
        ({"utm_source": "newsletter", "utm_medium": "email"}, True, "S3", ("newsletter", "email")),
        ({}, True, "S3", ("(direct)", "(none)")),
        ({}, False, "S5", ("(direct)", "(none)")),
        ({"referrer": "https://www.google.com.tr/"}, False, "S5", ("google", "organic")),
        ({"referrer": "https://yandex.com.tr/search?q=x"}, False, "S5", ("yandex", "organic")),
        ({"referrer": "https://l.instagram.com/"}, False, "S5", ("instagram", "social")),
        ({"referrer": "https://blog.example.org/post"}, False, "S5", ("blog.example.org", "referral")),
        ({"referrer": "https://klinik.example/other"}, False, "S5", ("(direct)", "(none)")),  # internal
        ({"utm_source": "Google", "utm_medium": "CPC", "utm_campaign": "Implant"}, False, "S2", ("google", "cpc")),
    ],
)
def test_classes_and_origins(tags, paid_before, expected_class, expected_origin):
    tags = {"landing": LANDING, **tags}
    found = origin(tags)
    assert (found.source, found.medium) == expected_origin
    assert classify(tags, found, paid_before) == expected_class


def test_campaign_comes_from_utm_campaign():
    assert origin({"utm_source": "google", "utm_medium": "cpc", "utm_campaign": " implant "}).campaign == "implant"


def test_a_new_campaign_landing_has_a_different_key_but_the_landing_page_does_not_matter():
    assert campaign_key({"gclid": "a", "landing": "/x"}) == campaign_key({"gclid": "a", "landing": "/y"})
    assert campaign_key({"gclid": "a"}) != campaign_key({"gclid": "b"})
    assert not any(campaign_key({"referrer": "https://google.com"}))


def signals(**overrides) -> Signals:
    base = dict(conversions=0, max_scroll=0, engaged_seconds=0, pageviews=1, visit_number=1, source="(direct)",
                attribution_class="S5")  # fmt: skip
    return Signals(**{**base, **overrides})


@pytest.mark.parametrize(
    ("overrides", "points", "codes"),
    [
        ({}, 0, set()),
        ({"conversions": 1}, 50, {"conversion"}),
        ({"max_scroll": 50}, 5, {"scroll_half"}),
        ({"max_scroll": 95}, 10, {"scroll_half", "scroll_full"}),
        ({"engaged_seconds": 45}, 5, {"engaged_30s"}),
        ({"engaged_seconds": 300}, 15, {"engaged_30s", "engaged_2m"}),
        ({"pageviews": 3}, 5, {"pages_3"}),
        ({"visit_number": 2}, 10, {"return_visit"}),
        ({"source": "google", "attribution_class": "S1"}, 15, {"google_referrer", "paid_click"}),
        ({"attribution_class": "S4", "source": "instagram"}, 10, {"paid_click"}),
        ({"attribution_class": "S3"}, 0, set()),
    ],
)
def test_lead_score_and_reasons(overrides, points, codes):
    total, reasons = score(signals(**overrides))
    assert total == points
    assert {r["code"] for r in reasons} == codes
    assert all(r["points"] == WEIGHTS[r["code"]] and r["label"] for r in reasons)


def test_the_score_is_capped_at_100():
    total, reasons = score(signals(conversions=2, max_scroll=100, engaged_seconds=600, pageviews=9, visit_number=4,
                                   source="google", attribution_class="S1"))  # fmt: skip
    assert total == 100
    assert sum(r["points"] for r in reasons) > 100
