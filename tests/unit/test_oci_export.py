"""The Google Ads offline conversion import file, byte for byte, and the
normalising and hashing of identifiers for enhanced conversions for leads."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.tracking import offline
from app.tracking.oci_export import EXPORTERS, Conversion, GoogleAdsCsv

AYSE = "ebbe1d7ab2f69c2bde56713ac9ea783e3e0bfb3c8c41503013a45e61505ede05"  # sha256("aysekara@gmail.com")
PHONE = "57c4176feab36c8b2d9536954c377aee3fa760184cbdb9c3a431fbc707817386"  # sha256("+905321234567")
ALI = "9d86ec2b59bb107bf110722c28601160b33aee06109ad44a5404231287b5fd29"  # sha256("ali@example.com")


def conversion(n: int, kind: str | None, click_id: str | None, **fields) -> Conversion:
    values = {
        "id": n,
        "conversion_name": "Kervan won deal",
        "click_id_kind": kind,
        "click_id": click_id,
        "converted_at": datetime(2025, 3, 1, 11, 30, tzinfo=UTC),
        "value_minor": 125_000,
        "currency": "TRY",
        "email_sha256": AYSE,
        "phone_sha256": PHONE,
    }
    values.update(fields)
    return Conversion(**values)


def test_the_file_is_the_google_ads_template_byte_for_byte():
    rows = [
        conversion(1, "gclid", "Cj0KCQiA-gclid"),
        conversion(2, "wbraid", "wb-123", value_minor=99_950, converted_at=datetime(2025, 3, 2, 21, 5, 9, tzinfo=UTC)),
        conversion(3, "gbraid", "gb-456", email_sha256=None, currency="EUR", value_minor=5),
        conversion(4, None, None, email_sha256=ALI, phone_sha256=None, conversion_name="Sale, clinic", value_minor=0),
    ]
    assert GoogleAdsCsv().render(rows, "Europe/Istanbul") == (
        b"Parameters:TimeZone=Europe/Istanbul\r\n"
        b"Google Click ID,GBRAID,WBRAID,Email,Phone Number,Conversion Name,Conversion Time,"
        b"Conversion Value,Conversion Currency\r\n"
        b"Cj0KCQiA-gclid,,," + AYSE.encode() + b"," + PHONE.encode() + b",Kervan won deal,"
        b"2025-03-01 14:30:00+0300,1250.00,TRY\r\n"
        # wbraid and gbraid rows carry no user identifiers: Google refuses them together.
        b",,wb-123,,,Kervan won deal,2025-03-03 00:05:09+0300,999.50,TRY\r\n"
        b",gb-456,,,,Kervan won deal,2025-03-01 14:30:00+0300,0.05,EUR\r\n"
        b",,," + ALI.encode() + b',,"Sale, clinic",2025-03-01 14:30:00+0300,0.00,TRY\r\n'
    )


def test_conversion_time_carries_the_zone_offset_of_that_day():
    exporter = GoogleAdsCsv()
    winter = exporter.render(
        [conversion(1, "gclid", "g", converted_at=datetime(2025, 1, 15, 9, 0, tzinfo=UTC))], "Europe/Berlin"
    )
    summer = exporter.render(
        [conversion(1, "gclid", "g", converted_at=datetime(2025, 7, 15, 9, 0, tzinfo=UTC))], "Europe/Berlin"
    )
    assert winter.startswith(b"Parameters:TimeZone=Europe/Berlin\r\n")
    assert b",2025-01-15 10:00:00+0100," in winter
    assert b",2025-07-15 11:00:00+0200," in summer
    west = exporter.render([conversion(1, "gclid", "g")], "America/New_York")
    assert b",2025-03-01 06:30:00-0500," in west


def test_an_empty_queue_is_just_the_parameters_and_header():
    assert GoogleAdsCsv().render([], "UTC").decode().splitlines() == [
        "Parameters:TimeZone=UTC",
        ",".join(GoogleAdsCsv.HEADER),
    ]


def test_the_google_ads_csv_is_one_registered_exporter():
    exporter = EXPORTERS["google_ads_csv"]
    assert isinstance(exporter, GoogleAdsCsv) and exporter.media_type == "text/csv"


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        (" Ayse.Kara@GMail.com ", "aysekara@gmail.com"),
        ("ayse.kara@googlemail.com", "aysekara@googlemail.com"),
        ("First.Last@Example.com", "first.last@example.com"),  # dots count everywhere else
        ("ali+crm@example.com", "ali+crm@example.com"),
        ("", None),
        (None, None),
        ("not-an-address", None),
        ("@example.com", None),
    ],
)
def test_emails_are_normalised_the_google_way(raw, normal):
    assert offline.normalize_email(raw) == normal


@pytest.mark.parametrize(
    "raw", ["0532 123 45 67", "+90 532 123 45 67", "5321234567", "(0532) 123-4567", "+905321234567"]
)
def test_turkish_phones_become_e164(raw):
    assert offline.normalize_phone(raw) == "+905321234567"


@pytest.mark.parametrize("raw", ["", None, "12", "not a phone"])
def test_what_is_not_a_phone_is_not_hashed(raw):
    assert offline.normalize_phone(raw) is None
    assert offline.hashed_phone(raw) is None


def test_hashes_are_lowercase_sha256_hex_of_the_normalised_value():
    assert offline.hashed_email(" Ayse.Kara@GMAIL.com") == AYSE
    assert offline.hashed_phone("0532 123 45 67") == PHONE
    assert offline.sha256_hex("ali@example.com") == ALI


def test_values_are_major_units_with_two_decimals():
    assert [offline.value_text(v) for v in (0, 5, 125_000, 99_950, -150)] == [
        "0.00",
        "0.05",
        "1250.00",
        "999.50",
        "-1.50",
    ]
