import io

import pytest
from openpyxl import Workbook

from app.imports import readers
from app.imports.exports import Dialect, csv_lines, money, safe
from app.imports.fields import BadValue, guess_mapping, parse_money, parse_source, split_tags

TURKISH_CSV = "Ad Soyad;Telefon;Etiketler\nAyşe Yılmaz;0532 123 45 67;VIP, implant\nİsmail Şahin;0533 765 43 21;\n"


def _xlsx(rows: list[list]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _refusal(filename: str, content: bytes) -> str:
    with pytest.raises(readers.UnreadableFile) as caught:
        readers.read(filename, content)
    return str(caught.value)


# ---------- CSV ----------


def test_a_semicolon_file_from_turkish_excel_is_read():
    sheet = readers.read("musteriler.csv", TURKISH_CSV.encode())
    assert sheet.headers == ["Ad Soyad", "Telefon", "Etiketler"]
    assert [r.cells for r in sheet.rows] == [
        ("Ayşe Yılmaz", "0532 123 45 67", "VIP, implant"),
        ("İsmail Şahin", "0533 765 43 21", ""),
    ]
    assert [r.number for r in sheet.rows] == [2, 3]


def test_a_comma_file_with_quoted_commas_and_line_breaks_is_read():
    content = b'Name,Phone,Tags\n"Yilmaz, Ayse",05321234567,"vip; new"\n"Two\nLines",05337654321,\nLast,05551112233,x\n'
    sheet = readers.read("export.CSV", content)
    assert sheet.headers == ["Name", "Phone", "Tags"]
    assert sheet.rows[0].cells == ("Yilmaz, Ayse", "05321234567", "vip; new")
    assert sheet.rows[1].cells[0] == "Two\nLines"
    # A quoted line break stays in one spreadsheet row.
    assert [r.number for r in sheet.rows] == [2, 3, 4]


def test_a_tab_separated_file_is_read():
    sheet = readers.read("x.csv", b"Ad\tTelefon\nAyse\t05321234567\n")
    assert sheet.headers == ["Ad", "Telefon"] and sheet.rows[0].cells == ("Ayse", "05321234567")


def test_a_utf8_bom_is_dropped():
    sheet = readers.read("x.csv", "\ufeffAd;Telefon\nŞule;05321234567\n".encode())
    assert sheet.headers == ["Ad", "Telefon"] and sheet.rows[0].cells[0] == "Şule"


def test_windows_1254_from_older_turkish_excel_is_read():
    sheet = readers.read("x.csv", "Adı;Şehir\nIşıl Güneş;İzmir\n".encode("cp1254"))
    assert sheet.headers == ["Adı", "Şehir"]
    assert sheet.rows[0].cells == ("Işıl Güneş", "İzmir")


def test_utf16_unicode_text_from_excel_is_read():
    sheet = readers.read("x.csv", "Ad\tTelefon\nÇağla\t05321234567\n".encode("utf-16"))
    assert sheet.rows[0].cells == ("Çağla", "05321234567")


def test_empty_rows_are_skipped_and_short_rows_padded_but_numbers_keep_their_place():
    sheet = readers.read("x.csv", b"Ad;Telefon;E-posta\n\nAyse;0532\n;;\nBerk\n")
    assert [(r.number, r.cells) for r in sheet.rows] == [(3, ("Ayse", "0532", "")), (5, ("Berk", "", ""))]


def test_blank_and_repeated_headers_get_names_of_their_own():
    sheet = readers.read("x.csv", b"Telefon,,Telefon\n1,2,3\n")
    assert sheet.headers == ["Telefon", "(B)", "Telefon (2)"]


def test_our_formula_guard_comes_off_on_the_way_back():
    sheet = readers.read("x.csv", b"Ad\n'=Ayse\n'Bob\n")
    assert [r.cells[0] for r in sheet.rows] == ["=Ayse", "'Bob"]


# ---------- XLSX ----------


def test_the_first_sheet_of_an_xlsx_file_is_read_with_excel_numbers_as_text():
    content = _xlsx(
        [
            ["Ad Soyad", "Cep", "Tutar", None],
            ["Ayşe Yılmaz", 5321234567, 1250.5, None],
            [None, None, None, None],
            ["Berk Can", "0533 765 43 21", 800, None],
        ]
    )
    sheet = readers.read("Müşteriler.xlsx", content)
    assert sheet.headers == ["Ad Soyad", "Cep", "Tutar"]
    assert [(r.number, r.cells) for r in sheet.rows] == [
        (2, ("Ayşe Yılmaz", "5321234567", "1250.50")),
        (4, ("Berk Can", "0533 765 43 21", "800")),
    ]


def test_a_corrupt_xlsx_is_refused_clearly():
    assert "Excel workbook" in _refusal("x.xlsx", b"PK\x03\x04 not really a zip")


# ---------- Refusals and limits ----------


def test_unknown_extensions_are_refused():
    assert ".csv or .xlsx" in _refusal("old.xls", b"whatever")
    assert ".csv or .xlsx" in _refusal("notes.txt", b"Ad\nAyse")
    assert ".csv or .xlsx" in _refusal("noextension", b"Ad\nAyse")


def test_an_empty_file_is_refused():
    assert "empty" in _refusal("x.csv", b"")
    assert "empty" in _refusal("x.csv", b"\n\n ;; \n")
    assert "empty" in _refusal("x.xlsx", _xlsx([]))


def test_a_file_without_a_header_row_is_refused():
    assert "must name the columns" in _refusal("x.csv", b"05321234567;1250\n05337654321;800\n")


def test_a_header_without_rows_is_refused():
    assert "no customers" in _refusal("x.csv", b"Ad;Telefon\n")


def test_undecodable_text_is_refused():
    assert "could not be read as text" in _refusal("x.csv", b"Ad\n\x81\x8d\x8f\x90\n")
    assert "could not be read as text" in _refusal("x.csv", b"Ad\nA\x00B\n")


def test_too_many_rows_are_refused():
    content = b"Ad\n" + b"Ayse\n" * (readers.MAX_ROWS + 1)
    assert "more than 20,000 rows" in _refusal("x.csv", content)
    assert len(readers.read("x.csv", b"Ad\n" + b"Ayse\n" * readers.MAX_ROWS).rows) == readers.MAX_ROWS


def test_files_over_5_mb_are_refused():
    content = b"Ad\n" + b"x" * (readers.MAX_BYTES + 10)
    assert "larger than 5 MB" in _refusal("x.csv", content)


# ---------- Guessing the columns ----------


def test_turkish_headers_are_recognised():
    headers = ["Ad Soyad", "Cep", "E-posta", "Kaynak", "Kampanya Adı", "Etiket(ler)", "Tutar", "Aşama", "Sorumlu"]
    assert guess_mapping(headers) == {
        "name": "Ad Soyad",
        "phone": "Cep",
        "email": "E-posta",
        "source": "Kaynak",
        "campaign": "Kampanya Adı",
        "tags": "Etiket(ler)",
        "value": "Tutar",
        "stage": "Aşama",
        "assignee": "Sorumlu",
    }


def test_english_headers_and_variants_are_recognised():
    assert guess_mapping(["Name", "Phone", "Email", "Tags", "Value", "Stage", "Assignee"]) == {
        "name": "Name",
        "phone": "Phone",
        "email": "Email",
        "tags": "Tags",
        "value": "Value",
        "stage": "Stage",
        "assignee": "Assignee",
    }
    assert guess_mapping(["ADI", "GSM", "Değer", "Notlar"]) == {"name": "ADI", "phone": "GSM", "value": "Değer"}
    assert guess_mapping(["Müşteri Adı Soyadı", "Telefon (Cep)", "E-Posta Adresi"]) == {
        "name": "Müşteri Adı Soyadı",
        "phone": "Telefon (Cep)",
        "email": "E-Posta Adresi",
    }


def test_a_column_is_guessed_for_one_field_only():
    # "Kampanya Adı" contains "adı" but is the campaign; the real name column wins.
    assert guess_mapping(["Kampanya Adı", "Ad"]) == {"name": "Ad", "campaign": "Kampanya Adı"}
    assert guess_mapping(["Telefon", "Tel"]) == {"phone": "Telefon"}


# ---------- Cell values ----------


@pytest.mark.parametrize(
    ("text", "kurus"),
    [
        ("1.250,50", 125050),
        ("1250.50", 125050),
        ("1,250.50", 125050),
        ("1250,5", 125050),
        ("1250", 125000),
        ("1.250", 125000),
        ("1.250.000", 125000000),
        ("₺1.250,50", 125050),
        ("1250 TL", 125000),
        ("0,5", 50),
        ("", 0),
    ],
)
def test_amounts_become_kurus(text, kurus):
    assert parse_money(text) == kurus


@pytest.mark.parametrize("text", ["abc", "-50", "1,2,3", "1250.505", "12,345.67.8", "99999999999"])
def test_nonsense_amounts_are_refused(text):
    with pytest.raises(BadValue):
        parse_money(text)


def test_tags_split_on_commas_and_semicolons():
    assert split_tags("VIP, implant; kontrol ;;vip") == ["VIP", "implant", "kontrol"]
    assert split_tags("") == []


def test_sources_are_recognised_in_both_languages():
    assert parse_source("Google Ads") == "google_ads"
    assert parse_source("instagram") == "instagram"
    assert parse_source("Referans") == "referral"
    assert parse_source("Web formu") == "web_form"
    assert parse_source("Yandex") == "other"
    assert parse_source("") is None


# ---------- Writing CSV ----------


def test_csv_output_has_a_bom_and_guards_formulas():
    text = "".join(csv_lines([["Ad", "Tutar"], ["=HYPERLINK(1)", "-5"], ["+90532", "@x"]], Dialect(";", ",")))
    assert text.startswith("\ufeff")
    assert text.splitlines()[1:] == ["'=HYPERLINK(1);-5", "+90532;'@x"]
    assert safe("-Ayse") == "'-Ayse" and safe("+905321234567") == "+905321234567"


def test_money_is_written_in_the_readers_convention():
    assert money(125050, Dialect(";", ",")) == "1250,50"
    assert money(125050, Dialect(",", ".")) == "1250.50"
    assert money(0, Dialect(",", ".")) == "0.00"
