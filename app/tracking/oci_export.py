"""The export layer for offline conversions: one adapter per destination.

`Exporter` is the small interface; `GoogleAdsCsv` writes the Google Ads
"conversions from clicks" import file that a manager uploads by hand. An
uploader for Google's Data Manager API (where Google is moving offline
conversion import, and where hashed identifiers matter) is one more class with
the same `render` signature plus a transport; the queue does not change.

What Google documents for the file, and what this writes
---------------------------------------------------------
- A parameters line above the table, ``Parameters:TimeZone=<zone>``, where the
  zone is a Google Ads time zone ID (IANA names such as ``Europe/Istanbul``,
  https://developers.google.com/google-ads/api/data/codes-formats#timezone_ids)
  or a GMT offset written ``+``/``-`` and four digits (``+0300``). The zone may
  instead be given on each row in the "Conversion Time" column.
  Sources: https://support.google.com/google-ads/answer/7014069 (Import
  conversions from ad clicks, "Prepare your data for import"; only its opening
  was readable here), with the template's rows and columns as Adobe documents
  them for its Google Ads uploads: GitHub AdobeDocs/advertising.en,
  help/search-social-commerce/admin/conversion-metrics/upload-data-offline-conversions.md
- Column headers: "Google Click ID", "Conversion Name", "Conversion Time",
  "Conversion Value", "Conversion Currency"; and for enhanced conversions for
  leads "Email" and "Phone Number", each SHA-256 hashed, "each row must include
  either an Email value or a Phone Number value" when it has no click id.
- We write the tenant's zone ID on the parameters line *and* the offset on each
  row (``yyyy-MM-dd HH:mm:ss+0300``); the two always agree, DST included, so
  the file reads the same whichever one Google applies. The colon form
  (``+03:00``) is what the API takes, not the file: it is not used here.
- "GBRAID" and "WBRAID" columns: the Google Ads API accepts wbraid/gbraid in
  place of gclid and documents the rules (never both; never together with a
  gclid or user identifiers: VALUE_MUST_BE_UNSET),
  https://developers.google.com/google-ads/api/docs/conversions/upload-clicks .
  The column names follow the template Google Ads shows under Conversions >
  Uploads; I could not open that template here, so they are the one part not
  confirmed against a Google page. Exactly one id column is filled per row, and
  rows with a wbraid/gbraid leave Email and Phone Number empty.
- Conversion Value is a plain number with a dot ("1250.00"); currency is the
  ISO 4217 code. The file is UTF-8 without a BOM (a BOM would spoil the
  parameters line).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from app.tracking.offline import value_text

CSV_TIME_FORMAT = "%Y-%m-%d %H:%M:%S%z"  # 2025-03-01 14:30:00+0300


@dataclass(frozen=True)
class Conversion:
    """One conversion as every exporter sees it (no ORM objects past this point)."""

    id: int
    conversion_name: str
    click_id_kind: str | None
    click_id: str | None
    converted_at: datetime  # aware
    value_minor: int
    currency: str
    email_sha256: str | None
    phone_sha256: str | None

    @classmethod
    def of(cls, row) -> Conversion:
        return cls(
            id=row.id,
            conversion_name=row.conversion_name,
            click_id_kind=row.click_id_kind,
            click_id=row.click_id,
            converted_at=row.converted_at,
            value_minor=row.value_minor,
            currency=row.currency,
            email_sha256=row.email_sha256,
            phone_sha256=row.phone_sha256,
        )


class Exporter(Protocol):
    """Turns conversions into what one destination accepts."""

    media_type: str
    extension: str

    def render(self, conversions: Iterable[Conversion], zone: str) -> bytes: ...


class GoogleAdsCsv:
    """The Google Ads offline conversion import CSV ("conversions from clicks")."""

    media_type = "text/csv"
    extension = "csv"
    HEADER = (
        "Google Click ID",
        "GBRAID",
        "WBRAID",
        "Email",
        "Phone Number",
        "Conversion Name",
        "Conversion Time",
        "Conversion Value",
        "Conversion Currency",
    )
    ID_COLUMNS = ("gclid", "gbraid", "wbraid")

    def row(self, conversion: Conversion, zone: ZoneInfo) -> list[str]:
        kind = conversion.click_id_kind if conversion.click_id else None
        ids = [conversion.click_id if kind == column else "" for column in self.ID_COLUMNS]
        # Google refuses user identifiers beside a wbraid/gbraid; beside a gclid they help.
        with_user_data = kind in (None, "gclid")
        return [
            *ids,
            (conversion.email_sha256 or "") if with_user_data else "",
            (conversion.phone_sha256 or "") if with_user_data else "",
            conversion.conversion_name,
            conversion.converted_at.astimezone(zone).strftime(CSV_TIME_FORMAT),
            value_text(conversion.value_minor),
            conversion.currency,
        ]

    def render(self, conversions: Iterable[Conversion], zone: str) -> bytes:
        tz = ZoneInfo(zone)
        buffer = io.StringIO()
        buffer.write(f"Parameters:TimeZone={zone}\r\n")
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(self.HEADER)
        for conversion in conversions:
            writer.writerow(self.row(conversion, tz))
        return buffer.getvalue().encode("utf-8")


EXPORTERS: dict[str, Exporter] = {"google_ads_csv": GoogleAdsCsv()}
