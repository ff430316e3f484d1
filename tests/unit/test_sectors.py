import pytest

from app.tenancy.sectors import BLUEPRINTS, blueprint, term


@pytest.mark.parametrize("sector", sorted(BLUEPRINTS))
def test_every_sector_has_a_sound_pipeline(sector):
    stages = blueprint(sector).stages
    keys = [s.key for s in stages]
    assert len(keys) == len(set(keys)) and keys[0] == "new"
    assert [s.kind for s in stages].count("won") >= 1 and stages[-1].kind == "lost"
    assert all(s.tr and s.en for s in stages)


def test_the_dental_clinic_gets_its_turkish_stages():
    names = [s.tr for s in blueprint("dental").stages]
    assert names[:6] == ["Yeni Lead", "Görüşülüyor", "Randevu", "Kapora", "Tedavi/Satış", "Takip"]


def test_terminology_follows_the_sector_the_language_and_overrides():
    assert term("dental", None, "customers", "tr") == "Hastalar"
    assert term("beauty", None, "customer", "en") == "Client"
    assert term("ecommerce", None, "customers", "tr") == "Müşteriler"
    assert term("dental", {"customers": "Danışanlar"}, "customers", "tr") == "Danışanlar"


def test_unknown_sectors_are_refused():
    with pytest.raises(ValueError):
        blueprint("spaceport")
