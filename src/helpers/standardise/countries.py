"""Country standardiser: any spelling of a country → ISO 3166-1 alpha-2.

Also home of the small Arrow/RE2 text helpers the whole address family (countries, postcodes,
addresses) shares. They exist because pandas' object-dtype `.str` methods run Python's `re` once
per value, while the Arrow-backed string kernels run Google RE2 in C++ over a whole column, which
is 5-20x faster; Arrow is the engine behind pandas' `ArrowDtype` `.str` accessor, called directly
here because pandas refuses group references (``\\1``) in Arrow replacements.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from rapidfuzz import process
from rapidfuzz.distance import OSA

from helpers.frames import as_object
from helpers.standardise.distinct import per_distinct
from helpers.text import fold, read_data_csv

# Values people put in a field to say "I don't know"; they count as missing, not as garbage.
# "NA" is deliberately absent: it is Namibia's code (and pandas already reads a bare NA as null).
MISSING_TOKENS = frozenset(
    {
        "",
        "-",
        "--",
        "---",
        ".",
        "?",
        "??",
        "n/a",
        "n.a.",
        "#n/a",
        "none",
        "null",
        "nil",
        "nan",
        "unknown",
        "desconocido",
        "desconocida",
        "sconosciuto",
        "desconhecido",
        "inconnu",
        "x",
        "xx",
        "xxx",
        "0",
        "00",
        "000",
        "tbc",
        "tbd",
        "not known",
        "no consta",
        "sin datos",
    }
)
# A typo is accepted as a country name only when the name is this long and within one edit
# (two from 10 letters on), counting a swap of two neighbours as one edit (optimal string
# alignment), and when no other country is as close: "Portgual" is Portugal, "Untied Kingdom"
# is the UK, while "Iran"/"Iraq" are too short to guess and "Austrlia" (one edit from Austria
# and from Australia) stays unknown rather than being guessed.
FUZZY_MIN_LENGTH = 6
FUZZY_LONG = 10

# ---------------------------------------------------------------------------------------------
# Arrow/RE2 helpers (shared by postcodes.py and addresses.py)
# ---------------------------------------------------------------------------------------------


def as_arrow(values: pd.Series) -> pa.Array:
    """A column of raw text as an Arrow string array, nulls for missing/non-text values.

    Numbers are turned into text first (an Excel postcode arrives as 28013 or 28013.0), because
    the customer's value is what was typed, whatever type the reader guessed.
    """
    obj = values.astype(object)
    if pd.api.types.infer_dtype(obj, skipna=True) in ("string", "empty"):
        return pa.array(obj.to_numpy(), type=pa.string(), from_pandas=True)
    text = [v if isinstance(v, str) else (None if pd.isna(v) else _number_text(v)) for v in obj]
    return pa.array(text, type=pa.string())


def _number_text(value: object) -> str:
    """Text of a non-string cell: 28013.0 → "28013" (a float that is an integer lost nothing)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def squash(arr: pa.Array) -> pa.Array:
    """Trim and collapse any run of whitespace (incl. no-break and zero-width spaces) to one space."""
    # Only runs that need changing are matched: replacing every single space by itself is slow.
    odd = r"\t\n\r\f\v\x{00A0}\x{2000}-\x{200B}\x{202F}\x{3000}"
    arr = pc.replace_substring_regex(arr, rf"[\s{odd}]{{2,}}|[{odd}]", " ")
    return pc.utf8_trim_whitespace(arr)


def blank_to_null(arr: pa.Array) -> pa.Array:
    """Null out values that say nothing (empty, "-", "N/A", "unknown" …)."""
    # Lower-casing suffices (the tokens are ASCII) and is much cheaper than folding long lines.
    lowered = pc.utf8_trim(pc.utf8_lower(arr), characters=" \t")
    missing = pc.is_in(lowered, value_set=pa.array(sorted(MISSING_TOKENS), type=pa.string()))
    return pc.if_else(pc.fill_null(missing, False), pa.scalar(None, pa.string()), arr)


def to_objects(arr: pa.Array) -> np.ndarray:
    """An Arrow string array as a numpy object array with None for missing."""
    values = arr.to_numpy(zero_copy_only=False)
    if values.dtype != object:
        values = values.astype(object)
    if arr.null_count:
        values[pc.is_null(arr).to_numpy(zero_copy_only=False)] = None
    return values


# ---------------------------------------------------------------------------------------------
# Country lookup
# ---------------------------------------------------------------------------------------------


def country_key(arr: pa.Array) -> pa.Array:
    """The comparison form of a country spelling: folded, punctuation-free, no leading article.

    "U.S.A." and "usa" → "usa"; "Côte d'Ivoire" → "cote divoire"; "The Netherlands" →
    "netherlands"; "Trinidad & Tobago" → "trinidad and tobago". Dots and apostrophes vanish
    (so abbreviations close up); every other non-alphanumeric is a word break.
    """
    arr = fold(arr)
    arr = pc.replace_substring_regex(arr, r"[.'’`´]", "")
    arr = pc.replace_substring(arr, "&", " and ")
    arr = pc.replace_substring_regex(arr, r"[^a-z0-9\pL]+", " ")
    arr = pc.utf8_trim_whitespace(arr)
    arr = pc.replace_substring_regex(arr, r"^(the|la|le|el|il|o|a|die|los|les) ", "")
    # Numeric codes lose their leading zeros in spreadsheets: "36" is Australia's "036".
    arr = pc.replace_substring_regex(arr, r"^(\d)$", r"00\1")
    return pc.replace_substring_regex(arr, r"^(\d\d)$", r"0\1")


@lru_cache(maxsize=1)
def country_table() -> pd.DataFrame:
    """The 249 ISO 3166-1 countries: alpha2, alpha3, numeric, English name."""
    return read_data_csv("country_codes.csv")


@lru_cache(maxsize=1)
def _lookup() -> dict[str, str]:
    """Comparison key → alpha-2, from codes and every name/variant in the data files.

    Codes are added last so that a code always wins over a name that folds to the same text.
    """
    codes = country_table()
    names = read_data_csv("country_names.csv")
    spellings = pd.concat(
        [
            names[["alpha2", "name"]],
            codes[["alpha2", "name"]],
            codes.assign(name=codes["numeric"])[["alpha2", "name"]],
            codes.assign(name=codes["alpha3"])[["alpha2", "name"]],
            codes.assign(name=codes["alpha2"])[["alpha2", "name"]],
        ],
        ignore_index=True,
    )
    keys = country_key(pa.array(spellings["name"].tolist(), type=pa.string())).to_pylist()
    return dict(zip(keys, spellings["alpha2"]))


def _fuzzy_names() -> list[str]:
    """Name keys long enough to be typo-corrected (codes never are: 'ESX' is not Spain)."""
    return [k for k in _lookup() if len(k) >= FUZZY_MIN_LENGTH and not k.isdigit()]


def _fuzzy(keys: pd.Series) -> pd.Series:
    """Closest known country name for each unrecognised key, or None when nothing is close."""
    lookup, choices = _lookup(), _fuzzy_names()
    out = {}
    for key in keys.dropna().unique():
        if len(key) < FUZZY_MIN_LENGTH:
            continue
        limit = 2 if len(key) >= FUZZY_LONG else 1
        hits = process.extract(key, choices, scorer=OSA.distance, score_cutoff=limit, limit=10)
        if not hits:
            continue
        best = min(h[1] for h in hits)
        codes = {lookup[h[0]] for h in hits if h[1] == best}
        if len(codes) == 1:
            out[key] = codes.pop()
    return keys.map(out)


def _parts(keys: pd.Series) -> pd.Series:
    """Country from the pieces of a compound value: "Spain (ES)", "England, UK", "ES - Spain".

    Accepted only when every recognised piece agrees, so "Spain / Portugal" stays unknown.
    """
    lookup = _lookup()
    pieces = keys.str.split(r"\s*[(),/;|]\s*|\s+-\s+", regex=True).explode()
    piece_keys = country_key(pa.array(pieces.tolist(), type=pa.string())).to_pylist()
    codes = pd.Series(piece_keys, index=pieces.index, dtype=object).map(lookup)
    agree = codes.dropna().groupby(level=0).agg(lambda c: c.iloc[0] if c.nunique() == 1 else None)
    return agree.reindex(keys.index)


def _resolve(raw: pa.Array) -> pd.Series:
    """Alpha-2 for each raw spelling (None when unknown or missing)."""
    lookup = _lookup()
    keys = pd.Series(country_key(raw).to_pylist(), dtype=object)
    codes = keys.map(lookup).astype(object)  # object: the pieces and typo steps fill it in below
    todo = codes.isna() & keys.notna()
    if todo.any():
        # The raw text (not the key) keeps the brackets and commas the piece split needs.
        raw_text = pd.Series(pc.utf8_lower(raw).to_pylist(), dtype=object)[todo]
        codes[todo] = _parts(raw_text)
    todo = codes.isna() & keys.notna()
    if todo.any():
        codes[todo] = _fuzzy(keys[todo])
    return as_object(codes)


def _standardise_distinct(frame: pd.DataFrame) -> pd.DataFrame:
    """Country columns for distinct (country, default) pairs."""
    raw = blank_to_null(squash(as_arrow(frame["country"])))
    code = _resolve(raw)
    default = _resolve(blank_to_null(squash(as_arrow(frame["default"]))))
    missing = pd.Series(pc.is_null(raw).to_numpy(zero_copy_only=False))
    from_default = missing & default.notna()
    std = code.where(~missing, default)
    return pd.DataFrame(
        {
            "country_std": as_object(std),
            "country_valid": std.notna().astype(bool),
            "country_from_default": from_default.astype(bool),
        }
    )


def standardise_countries(country: pd.Series, default: pd.Series | str | None = None) -> pd.DataFrame:
    """ISO 3166-1 alpha-2 for free-text countries, with validity and default lineage.

    Columns (same index as `country`):
    - `country_std`: the alpha-2 code of the raw value when it is recognised (alpha-2/alpha-3/
      numeric code, a name in en/es/it/pt/fr/de or the country's own language, a common variant
      such as "UK", "U.S.A.", "England", "Canarias", a compound such as "Spain (ES)", or a close
      typo); else, only when the raw value is missing, the `default` (the source's country from
      the registry, one string or a per-row Series); else None. An unrecognised raw value is NOT
      replaced by the default: the customer said something, and guessing over it would hide it.
    - `country_valid`: True when `country_std` holds a country, recognised or defaulted; False for
      unrecognised values and for missing values without a default. `country_from_default` tells
      the two kinds of True apart, so a report can show how much of the column is assumed.
    - `country_from_default`: True when the value came from the default.
    """
    if isinstance(default, pd.Series):
        default_col = default.reindex(country.index)
    else:
        default_col = pd.Series(default, index=country.index, dtype=object)
    frame = pd.DataFrame({"country": country.astype(object), "default": default_col.astype(object)})
    return per_distinct(frame, _standardise_distinct)
