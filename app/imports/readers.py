"""Uploaded customer files (CSV or XLSX) read into column headers and rows.

Everything a person might send from Excel, Google Sheets or another CRM:
comma, semicolon or tab separated; UTF-8 with or without BOM, UTF-16 ("Unicode
text"), or Windows-1254 from an older Turkish Excel. Anything else is refused
with a message the person can act on.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time

from flask_babel import lazy_gettext as _l

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
MAX_COLUMNS = 100
EXTENSIONS = (".csv", ".xlsx")
DELIMITERS = (",", ";", "\t")
SNIFF_ROWS = 50


class UnreadableFile(Exception):
    """The file cannot be imported; the message is shown to the person as is."""


@dataclass(frozen=True)
class Row:
    number: int  # as the spreadsheet shows it: the header is row 1
    cells: tuple[str, ...]


@dataclass(frozen=True)
class Sheet:
    headers: list[str]
    rows: list[Row]


def extension_of(filename: str) -> str:
    match = re.search(r"\.[A-Za-z0-9]+$", (filename or "").strip())
    return match.group(0).lower() if match else ""


def read(filename: str, content: bytes) -> Sheet:
    """Headers and non-empty rows of the file, or UnreadableFile."""
    extension = extension_of(filename)
    if extension not in EXTENSIONS:
        raise UnreadableFile(
            _l("Choose a .csv or .xlsx file. For an older .xls file, open it in Excel and save it as .xlsx first.")
        )
    if len(content) > MAX_BYTES:
        raise UnreadableFile(_l("The file is larger than 5 MB. Split it into smaller files."))
    if not content.strip():
        raise UnreadableFile(_l("The file is empty."))
    records = _xlsx_records(content) if extension == ".xlsx" else _csv_records(content)
    return _sheet(records)


# ---------- CSV ----------


def decode(content: bytes) -> str:
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return content.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise _undecodable() from exc
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            # Older Turkish Excel saves "CSV" in the Windows code page.
            text = content.decode("cp1254")
        except UnicodeDecodeError as exc:
            raise _undecodable() from exc
    if "\x00" in text:
        raise _undecodable()
    return text


def _undecodable() -> UnreadableFile:
    return UnreadableFile(
        _l('The file could not be read as text. Save it from Excel as "CSV UTF-8" or as .xlsx and try again.')
    )


def sniff_delimiter(text: str) -> str:
    """The separator that splits the first rows into the same, largest number of columns."""

    def score(delimiter: str) -> tuple[bool, float, int]:
        rows = [r for r in itertools.islice(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), SNIFF_ROWS)]
        rows = [r for r in rows if any(c.strip() for c in r)]
        if not rows:
            return (False, 0.0, 0)
        width = len(rows[0])
        steady = sum(1 for r in rows if len(r) == width) / len(rows)
        return (width > 1, steady, width)

    try:
        return max(DELIMITERS, key=score)
    except csv.Error:
        return ","


def _csv_records(content: bytes) -> Iterator[tuple[int, list]]:
    text = decode(content)
    delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        # A spreadsheet shows one row per record, even when a quoted cell holds line breaks.
        yield from enumerate(reader, start=1)
    except csv.Error as exc:
        raise UnreadableFile(_l("The file is not a valid CSV file: %(problem)s", problem=str(exc))) from exc


# ---------- XLSX ----------


def _xlsx_records(content: bytes) -> Iterator[tuple[int, list]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # a corrupt upload is the person's problem to fix, not a server error
        raise UnreadableFile(
            _l("The file could not be opened as an Excel workbook. Save it again as .xlsx and try again.")
        ) from exc
    try:
        if not workbook.worksheets:
            raise UnreadableFile(_l("The file is empty."))
        sheet = workbook.worksheets[0]
        # Bounded, so a file claiming a huge sheet dimension cannot make us read every column.
        width = min(sheet.max_column or MAX_COLUMNS + 1, MAX_COLUMNS + 1)
        rows = sheet.iter_rows(min_row=1, values_only=True, max_col=width)
        for number, values in enumerate(rows, start=1):
            yield number, list(values)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise UnreadableFile(
            _l("The file could not be opened as an Excel workbook. Save it again as .xlsx and try again.")
        ) from exc
    finally:
        workbook.close()


# ---------- Common ----------


def cell_text(value: object) -> str:
    """What a person sees in the cell, as text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        # Excel keeps phone numbers as floats (5.32e9); amounts keep two decimals.
        return str(int(value)) if value.is_integer() else f"{value:.2f}"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M") if value.time() != time(0) else value.date().isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    text = str(value).replace("\u00a0", " ").strip()
    # Our own export guards formula-looking cells with an apostrophe; take it off again.
    if len(text) > 1 and text[0] == "'" and text[1] in "=+-@":
        text = text[1:]
    return text


def _sheet(records: Iterable[tuple[int, list]]) -> Sheet:
    headers: list[str] | None = None
    rows: list[Row] = []
    for number, values in records:
        cells = [cell_text(v) for v in values]
        # A row of bare separators (";;;") is what an emptied spreadsheet row becomes.
        if not any(c.strip(";,\t ") for c in cells):
            continue
        if headers is None:
            headers = _headers(cells)
            continue
        if len(rows) >= MAX_ROWS:
            raise UnreadableFile(
                _l("The file has more than %(limit)s rows. Split it into smaller files.", limit=f"{MAX_ROWS:,}")
            )
        cells = (cells + [""] * len(headers))[: len(headers)]
        rows.append(Row(number, tuple(cells)))
    if headers is None:
        raise UnreadableFile(_l("The file is empty."))
    if not rows:
        raise UnreadableFile(_l("The file has column names but no customers below them."))
    return Sheet(headers, rows)


def _headers(cells: list[str]) -> list[str]:
    while cells and not cells[-1]:
        cells = cells[:-1]
    if len(cells) > MAX_COLUMNS:
        raise UnreadableFile(_l("The file has more than %(limit)s columns.", limit=MAX_COLUMNS))
    if not any(re.search(r"[^\W\d_]", c) for c in cells):
        raise UnreadableFile(
            _l("The first row must name the columns (for example Name, Phone, E-mail). Add a header row.")
        )
    headers: list[str] = []
    for index, cell in enumerate(cells):
        name = cell[:80] or f"({column_letter(index)})"
        base, n = name, 2
        while name in headers:
            name, n = f"{base} ({n})", n + 1
        headers.append(name)
    return headers


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA: how a spreadsheet names a column."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters
