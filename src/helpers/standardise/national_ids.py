"""National identifier standardisation for stage 02: canonical key, type, checksum.

`standardise_national_ids(national_id, country)` returns, next to the untouched raw value:

- `national_id_std`: the compact canonical form — upper case, every separator (space, dot,
  dash, slash) removed, a VAT prefix ("ES", "PT") dropped, and leading zeros that spreadsheets
  eat put back (a 7-digit DNI, a 9/10-digit CPF, an 8-digit SSN). Compact, not pretty, because
  its job is to be a *matching key*: "123.456.789-09" and "12345678909" must be equal;
  presentation formats belong in reports;
- `national_id_type`: 'ES_DNI', 'ES_NIE', 'ES_CIF', 'IT_CF', 'PT_NIF', 'BR_CPF', 'US_SSN',
  'GB_NINO' or None;
- `national_id_valid` (nullable boolean): True when the official check passes (DNI/NIE letter,
  CIF control, codice fiscale check character with omocodia, NIF mod 11, both CPF digits, SSN
  and NINO structural rules) and the value is not a well-known placeholder; False when a check
  fails, the value is missing, a placeholder, or no identifier anywhere (not letters and digits);
  null when it cannot be checked — a country whose identifiers have no rule here (an Australian
  TFN), or no country, and a shape none of the known identifiers has. An unknown is not a
  failure: a file of Australian numbers is not 100% invalid;
- `national_id_issue`: None or 'missing', 'bad format', 'bad checksum', 'placeholder',
  'unchecked' (valid is null).

How the type is chosen: the record's country says which identifiers to expect (ES → DNI, NIE,
CIF; IT → CF; …). A value in another country's shape is accepted as that foreign type only
when it also passes that type's check, because an Italian living in Spain may give a codice
fiscale, but a Spanish record with nine digits is more likely a mistyped DNI than a valid
Portuguese NIF (an SSN, which has no checksum, is only recognised abroad when written
ddd-dd-dddd). When the value fits nothing, the country's main type is reported with
'bad format'. A record of a country without rules here keeps a foreign type only when it passes
that type's check, else it is 'unchecked'. Without any country the shape decides; nine digits are an SSN when
written ddd-dd-dddd, else a NIF when the NIF check passes, else an SSN when the SSN rules pass.

All checks are numpy arithmetic on a (rows × 16) matrix of character codes of the distinct
values; there is no per-value Python.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..frames import bool_array as _bool
from ..frames import object_frame
from .distinct import as_arrow_text as _as_text
from .distinct import per_distinct, three_valued

COLUMNS = ["national_id_std", "national_id_valid", "national_id_type", "national_id_issue"]
WIDTH = 16

DNI_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"
CIF_LETTERS = "JABCDEFGHI"
# Codice fiscale: value of a character in an odd (1st, 3rd …) position; digits count as A–J.
CF_ODD = np.array(
    [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23], dtype=np.int64
)
CF_OMOCODE = "LMNPQRSTUV"  # replace digits 0-9 when two people would share a code
CF_DIGIT_POSITIONS = [6, 7, 9, 10, 12, 13, 14]

# Loose shapes: enough to say which identifier a value is meant to be.
SHAPES = {
    "ES_DNI": r"\d{8}[A-Z]",
    "ES_NIE": r"[XYZ]\d{7}[A-Z]",
    "ES_CIF": r"[ABCDEFGHJNPQRSUVW]\d{7}[0-9A-J]",
    "IT_CF": r"[A-Z]{6}[0-9A-Z]{2}[A-Z][0-9A-Z]{2}[A-Z][0-9A-Z]{3}[A-Z]",
    "PT_NIF": r"\d{9}",
    "BR_CPF": r"\d{11}",
    "US_SSN": r"\d{9}",
    "GB_NINO": r"[A-Z]{2}\d{6}[A-Z]?",
}
COUNTRY_TYPES = {
    "ES": ("ES_DNI", "ES_NIE", "ES_CIF"),
    "IT": ("IT_CF",),
    "PT": ("PT_NIF",),
    "BR": ("BR_CPF",),
    "US": ("US_SSN",),
    "GB": ("GB_NINO",),
}
COUNTRY_ALIASES = {"UK": "GB"}
# Shapes that identify one type on their own (nine digits do not: NIF or SSN).
UNAMBIGUOUS = ("ES_DNI", "ES_NIE", "ES_CIF", "IT_CF", "BR_CPF", "GB_NINO")

MISSING_TOKENS = frozenset(
    {
        "",
        "-",
        "--",
        ".",
        "0",
        "NA",
        "N/A",
        "NONE",
        "NULL",
        "NAN",
        "NIL",
        "X",
        "XX",
        "?",
        "SIN",
        "NO",
        "NOTIENE",
        "DESCONOCIDO",
        "UNKNOWN",
    }
)
# Every national identifier scheme is Latin letters and digits, with at least one digit, once
# separators are gone: a value of another shape is malformed whatever the country.
GENERIC_ID = r"[A-Z0-9]*[0-9][A-Z0-9]*"
# Specimens printed on sample cards, in manuals and on Wikipedia: valid, but nobody's.
KNOWN_SPECIMENS = frozenset(
    {"078051120", "219099999", "457555462", "RSSMRA80A01H501U", "RSSMRA85T10A562S", "QQ123456C", "AB123456C"}
)


def standardise_national_ids(national_id: pd.Series, country: pd.Series) -> pd.DataFrame:
    """Standardise raw national identifiers; one output row per input row, same index."""
    frame = pd.DataFrame({"national_id": national_id, "country": country}, index=national_id.index)
    return per_distinct(frame, _standardise_distinct)


# --------------------------------------------------------------------------- text helpers


def _clean(raw: pd.Series) -> pd.Series:
    """Upper case without separators; integers exported as floats lose their '.0'."""
    s = raw.str.strip().str.upper().str.replace(r"\.0$", "", regex=True)
    return s.str.replace(r"[\s.\-/_,:;'\"]+", "", regex=True)


def _canonical(s: pd.Series, country: pd.Series) -> pd.Series:
    """Drop VAT prefixes and restore leading zeros lost in spreadsheets."""
    vat_es = _bool(s.str.fullmatch(r"ES(?:\d{8}[A-Z]|[XYZ]\d{7}[A-Z]|[A-Z]\d{7}[0-9A-J])"))
    vat_pt = _bool(s.str.fullmatch(r"PT\d{9}"))
    s = s.where(~(vat_es | vat_pt), s.str.slice(2))
    short_dni = _bool(s.str.fullmatch(r"\d{5,7}[A-Z]"))
    s = s.where(~short_dni, s.str.pad(9, side="left", fillchar="0"))
    short_cpf = _bool(s.str.fullmatch(r"\d{9,10}")) & (country == "BR").to_numpy(dtype=bool)
    s = s.where(~short_cpf, s.str.pad(11, side="left", fillchar="0"))
    short_ssn = _bool(s.str.fullmatch(r"\d{8}")) & (country == "US").to_numpy(dtype=bool)
    return s.where(~short_ssn, s.str.pad(9, side="left", fillchar="0"))


def _codes(s: pd.Series) -> np.ndarray:
    """(rows × 16) int64 matrix of character codes, 0 past the end of a value."""
    arr = s.fillna("").str.slice(0, WIDTH).to_numpy(dtype=f"U{WIDTH}")
    return arr.view(np.uint32).reshape(len(arr), WIDTH).astype(np.int64)


def _digits(codes: np.ndarray, start: int, stop: int) -> np.ndarray:
    return codes[:, start:stop] - ord("0")


def _number(digits: np.ndarray) -> np.ndarray:
    return (digits * 10 ** np.arange(digits.shape[1] - 1, -1, -1)).sum(axis=1)


def _lookup(table: str, index: np.ndarray) -> np.ndarray:
    """Character codes of `table[index]`, vectorised."""
    codes = np.array([ord(c) for c in table], dtype=np.int64)
    return codes[np.clip(index, 0, len(table) - 1)]


# --------------------------------------------------------------------------- the checks


def _dni_ok(c: np.ndarray) -> np.ndarray:
    """Spanish DNI: the letter is TRWAGMYFPDXBNJZSQVHLCKE[number mod 23]."""
    return _lookup(DNI_LETTERS, _number(_digits(c, 0, 8)) % 23) == c[:, 8]


def _nie_ok(c: np.ndarray) -> np.ndarray:
    """Spanish NIE: X/Y/Z stand for 0/1/2 in front of the seven digits, then as a DNI."""
    lead = c[:, 0] - ord("X")
    number = lead * 10_000_000 + _number(_digits(c, 1, 8))
    return _lookup(DNI_LETTERS, number % 23) == c[:, 8]


def _cif_ok(c: np.ndarray) -> np.ndarray:
    """Spanish CIF: doubled odd digits and plain even digits give the control (digit or letter,
    depending on the kind of organisation)."""
    d = _digits(c, 1, 8)
    doubled = d[:, 0::2] * 2
    total = d[:, 1::2].sum(axis=1) + (doubled // 10 + doubled % 10).sum(axis=1)
    control = (10 - total % 10) % 10
    as_digit = c[:, 8] == control + ord("0")
    as_letter = c[:, 8] == _lookup(CIF_LETTERS, control)
    first = c[:, 0]
    letter_only = np.isin(first, [ord(x) for x in "PQRSNW"])
    digit_only = np.isin(first, [ord(x) for x in "ABEH"])
    return np.where(letter_only, as_letter, np.where(digit_only, as_digit, as_digit | as_letter))


def _cf_ok(c: np.ndarray) -> np.ndarray:
    """Codice fiscale: odd/even position tables, sum mod 26 is the check letter."""
    is_digit = (c >= ord("0")) & (c <= ord("9"))
    value = np.where(is_digit, c - ord("0"), c - ord("A"))
    odd = CF_ODD[np.clip(value[:, 0:15:2], 0, 25)].sum(axis=1)
    even = value[:, 1:15:2].sum(axis=1)
    return (odd + even) % 26 + ord("A") == c[:, 15]


def _nif_ok(c: np.ndarray) -> np.ndarray:
    """Portuguese NIF: weights 9..2, check = 11 - (sum mod 11), 0 when that is 10 or 11."""
    d = _digits(c, 0, 9)
    r = (d[:, :8] * np.arange(9, 1, -1)).sum(axis=1) % 11
    return np.where(r < 2, 0, 11 - r) == d[:, 8]


def _cpf_ok(c: np.ndarray) -> np.ndarray:
    """Brazilian CPF: two mod-11 check digits (weights 10..2, then 11..2)."""
    d = _digits(c, 0, 11)
    first = (d[:, :9] * np.arange(10, 1, -1)).sum(axis=1) * 10 % 11 % 10
    second = (d[:, :10] * np.arange(11, 1, -1)).sum(axis=1) * 10 % 11 % 10
    return (first == d[:, 9]) & (second == d[:, 10])


def _ssn_ok(c: np.ndarray) -> np.ndarray:
    """US SSN: area not 000, 666 or 9xx; group not 00; serial not 0000 (no checksum exists)."""
    d = _digits(c, 0, 9)
    area, group, serial = _number(d[:, :3]), _number(d[:, 3:5]), _number(d[:, 5:])
    return (area != 0) & (area != 666) & (area < 900) & (group != 0) & (serial != 0)


def _nino_ok(s: pd.Series) -> np.ndarray:
    """UK NINO: allowed prefix letters, six digits, suffix A–D (often left off; accepted)."""
    shape = _bool(s.str.fullmatch(r"[ABCEGHJ-PRSTW-Z][ABCEGHJ-NPRSTW-Z]\d{6}[A-D]?"))
    banned = _bool(s.str.slice(0, 2).isin(["BG", "GB", "KN", "NK", "NT", "TN", "ZZ"]))
    return shape & ~banned


def _cf_format_ok(s: pd.Series, codes: np.ndarray) -> np.ndarray:
    """Codice fiscale layout: month letter, digit-or-omocode positions, a day that exists."""
    digit = "[0-9LMNPQRSTUV]"
    layout = _bool(s.str.fullmatch(rf"[A-Z]{{6}}{digit}{{2}}[ABCDEHLMPRST]{digit}{{2}}[A-Z]{digit}{{3}}[A-Z]"))
    omocode = np.full(128, -1, dtype=np.int64)
    omocode[[ord(x) for x in "0123456789"]] = np.arange(10)
    omocode[[ord(x) for x in CF_OMOCODE]] = np.arange(10)
    c = np.clip(codes, 0, 127)
    day = omocode[c[:, 9]] * 10 + omocode[c[:, 10]]
    return layout & (((day >= 1) & (day <= 31)) | ((day >= 41) & (day <= 71)))


def _nif_format_ok(s: pd.Series, codes: np.ndarray) -> np.ndarray:
    """NIF first digit(s) say who holds it: 1-3 people, 45 non-residents, 5 companies, 6 the
    state, 70-79 (not 73/76) estates and others, 8 sole traders, 9 irregular/ad hoc."""
    d = _digits(codes, 0, 2)
    first, first2 = d[:, 0], d[:, 0] * 10 + d[:, 1]
    return np.isin(first, [1, 2, 3, 5, 6, 8, 9]) | np.isin(first2, [45, 70, 71, 72, 74, 75, 77, 78, 79])


def _format_ok(s: pd.Series, codes: np.ndarray, kind: str) -> np.ndarray:
    """Structural rules beyond the loose shape (SSN and NINO have nothing else)."""
    rules = {
        "IT_CF": _cf_format_ok,
        "PT_NIF": _nif_format_ok,
        "US_SSN": lambda s, c: _ssn_ok(c),
        "GB_NINO": lambda s, c: _nino_ok(s),
    }
    return rules[kind](s, codes) if kind in rules else np.ones(len(s), dtype=bool)


def _checksum_ok(codes: np.ndarray, kind: str) -> np.ndarray:
    """Does the check digit/letter agree? (True for identifiers that have none.)"""
    checks = {
        "ES_DNI": _dni_ok,
        "ES_NIE": _nie_ok,
        "ES_CIF": _cif_ok,
        "IT_CF": _cf_ok,
        "PT_NIF": _nif_ok,
        "BR_CPF": _cpf_ok,
    }
    return checks[kind](codes) if kind in checks else np.ones(len(codes), dtype=bool)


def _placeholder(s: pd.Series) -> np.ndarray:
    """All-same or counting digits (00000000T, 12345678Z, 111.111.111-11) and known specimens."""
    digits = s.str.replace(r"[^0-9]", "", regex=True)
    same = _bool(digits.str.fullmatch("|".join(f"{d}{{6,}}" for d in range(10))))
    counting = _bool(digits.isin(["1234567890"[:k] for k in range(6, 11)]))
    counting |= _bool(digits.str.startswith("123456789"))
    return same | counting | _bool(s.isin(KNOWN_SPECIMENS))


# --------------------------------------------------------------------------- type choice


def _choose_types(
    s: pd.Series,
    raw: pd.Series,
    country: pd.Series,
    codes: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(type, shape fits, format rules pass, checksum passes) per row (see module docstring)."""
    n = len(s)
    fits = {kind: _bool(s.str.fullmatch(pat)) for kind, pat in SHAPES.items()}
    formats = {kind: _format_ok(s, codes, kind) for kind in SHAPES}
    sums = {kind: _checksum_ok(codes, kind) for kind in SHAPES}
    passes = {kind: fits[kind] & formats[kind] & sums[kind] for kind in SHAPES}
    kind = np.full(n, None, dtype=object)
    # Any country, with rules here or not: a Finnish record's 11 digits are a Finnish number we
    # cannot check, not a Brazilian CPF that fails its check. Only without a country does the
    # shape alone decide.
    has_country = country.fillna("").ne("").to_numpy(dtype=bool)

    # 1. the country's own types, in their order
    for ctry, kinds in COUNTRY_TYPES.items():
        rows = (country == ctry).to_numpy(dtype=bool)
        for k in kinds:
            kind[rows & pd.isna(kind) & fits[k]] = k
    # 2. a foreign type that validates (a record with a country), or any fitting shape (no country)
    for k in UNAMBIGUOUS:
        take = pd.isna(kind) & fits[k] & (passes[k] | ~has_country)
        kind[take] = k
    nine = pd.isna(kind) & fits["PT_NIF"]
    ssn_written = _bool(raw.str.fullmatch(r"\s*\d{3}-\d{2}-\d{4}\s*"))
    kind[nine & ssn_written & (passes["US_SSN"] | ~has_country)] = "US_SSN"
    kind[pd.isna(kind) & nine & passes["PT_NIF"]] = "PT_NIF"
    # SSN rules are structural only (most nine-digit strings pass), so no foreign SSN unless
    # it was written as one.
    kind[pd.isna(kind) & nine & passes["US_SSN"] & ~has_country] = "US_SSN"
    # 3. nothing fits: the country's main identifier, malformed
    for ctry, kinds in COUNTRY_TYPES.items():
        kind[pd.isna(kind) & (country == ctry).to_numpy(dtype=bool)] = kinds[0]

    fit, form, ok = (np.zeros(n, dtype=bool) for _ in range(3))
    for k in SHAPES:
        rows = kind == k
        fit[rows], form[rows], ok[rows] = fits[k][rows], formats[k][rows], sums[k][rows]
    # Nine digits with no country that pass neither check: a known shape, but no type.
    ambiguous = pd.isna(kind) & nine
    fit[ambiguous], form[ambiguous] = True, True
    return kind, fit, form, ok


def _standardise_distinct(frame: pd.DataFrame) -> pd.DataFrame:
    """The whole standardisation for a frame of distinct (national_id, country) pairs."""
    raw = _as_text(frame["national_id"])
    country = _as_text(frame["country"]).str.strip().str.upper()
    country = country.replace(COUNTRY_ALIASES).fillna("")
    s = _clean(raw)
    missing = _bool(s.isna()) | _bool(s.isin(MISSING_TOKENS))
    s = _canonical(s, country)
    codes = _codes(s)
    kind, fit, form, ok = _choose_types(s, raw, country, codes)
    kind[missing] = None
    # No type: a country without rules here (or none), and a shape no known identifier has or
    # one several have with none of their checks passing (nine digits: NIF? SSN? a TFN?).
    # No rule applies, so it is not checked — unless it is no identifier anywhere.
    untyped = pd.isna(kind) & ~missing
    placeholder = _placeholder(s) & (fit | untyped)
    not_an_id = untyped & ~_bool(s.str.fullmatch(GENERIC_ID))
    unchecked = untyped & ~not_an_id & ~placeholder
    issue = np.select(
        [missing, not_an_id, untyped & placeholder, unchecked, ~(fit & form), ~ok, placeholder],
        ["missing", "bad format", "placeholder", "unchecked", "bad format", "bad checksum", "placeholder"],
        default="",
    ).astype(object)
    issue[issue == ""] = None
    return object_frame(
        {
            "national_id_std": s.where(~missing, None).to_numpy(dtype=object, na_value=None),
            "national_id_valid": three_valued(pd.isna(issue), unchecked),
            "national_id_type": kind,
            "national_id_issue": issue,
        }
    )
