"""Text every stage folds the same way, and the package's reference data files.

Accent folding decides which spellings are the same key: "José" and "Jose", "Straße" and
"Strasse", "Ærø" and "Aero". Written once, here, because six copies had drifted apart (one
dropped "ß" instead of spelling it "ss", so a street keyed differently in matching and in
cleaning). The scalar form serves per-distinct-value maps; the Arrow form serves whole columns.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from functools import cache
from importlib import resources

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

# Letters Unicode does not decompose into a base letter plus an accent.
SPECIAL_LETTERS = {"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i"}
_SPECIAL = str.maketrans(SPECIAL_LETTERS)
_SPECIAL_RE = "[" + "".join(SPECIAL_LETTERS) + "]"


def strip_accents(text: str) -> str:
    """'José Núñez' -> 'Jose Nunez' (case kept): the form ASCII-only systems store.

    NFKD also unfolds compatibility characters: "ﬁ" becomes "fi", the ordinals "º"/"ª" become
    "o"/"a"; callers that need º/ª must set them aside first.
    """
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text.translate(_SPECIAL).translate(_upper_special()))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@cache
def _upper_special() -> dict[int, str]:
    """The capital forms of the special letters ("Æ" -> "AE"); "ß" (capital "SS") and "ı"
    (capital "I") have none to map."""
    return str.maketrans(
        {k.upper(): v.upper() for k, v in SPECIAL_LETTERS.items() if len(k.upper()) == 1 and not k.upper().isascii()}
    )


def fold_text(text: str) -> str:
    """Lower-case and accent-free: 'Straße Ñoño' -> 'strasse nono'."""
    return strip_accents(text.lower())


def fold(arr: pa.Array) -> pa.Array:
    """`fold_text` of a whole Arrow string column (nulls stay null).

    Plain ASCII values (most keys) are only lower-cased; the rest are decomposed and stripped.
    """
    arr = pc.utf8_lower(arr)
    accented = pc.fill_null(pc.invert(pc.string_is_ascii(arr)), False)
    if not pc.any(accented).as_py():
        return arr
    part = pc.utf8_normalize(arr.filter(accented), "NFKD")
    part = pc.replace_substring_regex(part, r"\p{Mn}+", "")
    if pc.any(pc.match_substring_regex(part, _SPECIAL_RE)).as_py():
        for letter, plain in SPECIAL_LETTERS.items():
            part = pc.replace_substring(part, letter, plain)
    return pc.replace_with_mask(arr, accented, part)


def ascii_words(text: str) -> str:
    """`fold_text`, then every character outside a-z and 0-9 dropped: the form of identifiers
    made from free text (source names, header words)."""
    return fold_text(text).encode("ascii", "ignore").decode()


# -- reference data shipped in helpers/data ------------------------------------------------------


def data_text(name: str) -> str:
    """A package data file (src/helpers/data/NAME) as text."""
    return resources.files("helpers").joinpath("data", name).read_text(encoding="utf-8")


def read_data_lines(name: str) -> list[str]:
    """The lines of a package data file that say something: stripped, without blank lines and
    '#' notes."""
    return [ln.strip() for ln in data_text(name).splitlines() if ln.strip() and not ln.lstrip().startswith("#")]


def read_data_csv(name: str) -> pd.DataFrame:
    """A package data file as a DataFrame of strings ('' for empty cells); '#' lines are notes."""
    rows = list(csv.reader(io.StringIO("\n".join(read_data_lines(name)))))
    return pd.DataFrame(rows[1:], columns=rows[0]).fillna("")
