"""Every user-visible string has a Turkish translation, and the catalog is current."""

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "app" / "translations" / "tr" / "LC_MESSAGES" / "messages.po"


def _catalog():
    with PO.open("rb") as handle:
        return read_po(handle, locale="tr")


def test_every_turkish_message_is_translated():
    missing = [m.id for m in _catalog() if m.id and not m.string]
    fuzzy = [m.id for m in _catalog() if m.id and m.fuzzy]
    assert missing == [] and fuzzy == []


def test_placeholders_survive_translation():
    import re

    for message in _catalog():
        if message.id:
            assert set(re.findall(r"%\(\w+\)s", message.id)) == set(re.findall(r"%\(\w+\)s", message.string)), (
                message.id
            )


def test_the_catalog_covers_every_string_in_the_code(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as handle:
        wanted = {m.id for m in read_po(handle) if m.id}
    have = {m.id for m in _catalog() if m.id}
    assert sorted(wanted - have) == [], "run `make translations` and translate the new strings"
