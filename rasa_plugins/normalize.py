"""Spelling normalisation shared by the tokenizer; no Rasa import, so it is testable anywhere.

People type the same word many ways: with or without accents ("kreyòl", "kreyol"), Arabic with
or without hamza and tashkeel ("أريد", "اريد"), ة for ه, ى for ي, stretched letters ("holaaaa",
"مرحبااا"), Arabic-Indic digits. Folding these makes one feature of many spellings.
"""

from __future__ import annotations

import re
import unicodedata

_ARABIC = str.maketrans(
    {
        "ى": "ي",
        "ة": "ه",
        "ـ": None,
        "٠": "0",
        "١": "1",
        "٢": "2",
        "٣": "3",
        "٤": "4",
        "٥": "5",
        "٦": "6",
        "٧": "7",
        "٨": "8",
        "٩": "9",
    }
)
_REPEATS = re.compile(r"(\w)\1{2,}", re.UNICODE)


def fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.lower())
    base = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _REPEATS.sub(r"\1\1", unicodedata.normalize("NFC", base).translate(_ARABIC)) or word
