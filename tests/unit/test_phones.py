import pytest

from app.lib import phones


@pytest.mark.parametrize(
    "raw", ["0532 123 45 67", "532-123-4567", "+90 532 123 4567", "(0532) 1234567", "905321234567"]
)
def test_common_turkish_forms_are_one_number(raw):
    assert phones.normalise(raw) == "+905321234567"


@pytest.mark.parametrize("raw", ["", "123", "not a phone", "0532 123"])
def test_nonsense_is_refused(raw):
    with pytest.raises(phones.InvalidPhone):
        phones.normalise(raw)


def test_foreign_numbers_keep_their_country():
    assert phones.normalise("+49 30 1234567") == "+49301234567"


def test_display_is_readable():
    assert phones.display("+905321234567") == "+90 532 123 45 67"
