"""Text folding for search: Turkish-aware, accent-insensitive, lower-case."""

from __future__ import annotations

import re
import unicodedata

# Turkish dotted/dotless i first (str.lower() turns "I" into "i" and "İ" into "i̇").
_TR = str.maketrans(
    {
        "İ": "i",
        "I": "i",
        "ı": "i",
        "Ş": "s",
        "ş": "s",
        "Ğ": "g",
        "ğ": "g",
        "Ü": "u",
        "ü": "u",
        "Ö": "o",
        "ö": "o",
        "Ç": "c",
        "ç": "c",
    }
)


def fold(text: str | None) -> str:
    """'IŞIK Çağrı' -> 'isik cagri': what people type matches what was stored."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text.translate(_TR))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"\s+", " ", stripped.lower()).strip()


def digits(text: str | None) -> str:
    return re.sub(r"\D", "", text or "")
