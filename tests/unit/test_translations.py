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
    def empty(string):
        return not all(string) if isinstance(string, tuple) else not string

    missing = [m.id for m in _catalog() if m.id and empty(m.string)]
    fuzzy = [m.id for m in _catalog() if m.id and m.fuzzy]
    assert missing == [] and fuzzy == []


def test_placeholders_survive_translation():
    import re

    def names(text):
        return set(re.findall(r"%\(\w+\)s", text))

    for message in _catalog():
        if not message.id:
            continue
        # Plural messages carry (singular, plural) ids and one string per plural form.
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(names(s) == names(ids[-1]) for s in strings), message.id


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
        wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    have = {m.id if isinstance(m.id, str) else m.id[0] for m in _catalog() if m.id}
    assert sorted(wanted - have) == [], "run `make translations` and translate the new strings"
