"""Phone standardisation for stage 02: E.164, validity, type and the number's own country.

`standardise_phones(phone, country)` returns, next to the untouched raw value:

- `phone_std`: E.164 ("+34612345678") when the number can be read as a dialable number of a
  country (right length for its numbering plan), None otherwise. Numbers of the right length
  in ranges the metadata does not know keep their E.164 — they may be newly allocated and are
  still a good matching key — but get `phone_valid` False;
- `phone_valid` (nullable boolean): libphonenumber's `is_valid_number`, minus placeholders;
  null when it cannot be judged — a number in national format on a record without a (known)
  country ('no country'): whether '612345678' is valid depends on the country it is dialled in;
- `phone_type`: 'mobile', 'fixed_line', 'fixed_line_or_mobile', 'toll_free', 'premium_rate',
  'voip', 'other' (shared cost, personal, pager, UAN, voicemail) — only for valid numbers;
- `phone_country`: ISO alpha-2 region of the number itself (a +44 number on a Spanish record
  is GB);
- `phone_issue`: None or 'missing', 'too short', 'too long', 'invalid for country',
  'no country' (national format and no record country), 'not a number' (text libphonenumber
  cannot read), 'placeholder' (000000000, 123456789, 666 666 666 …).

Why not just call `phonenumbers.parse` per distinct value: phones are nearly unique per person,
so a million-person file has ~900k distinct numbers, and parse + validate + type costs ~40 µs
each — most of the stage's time budget. Instead this module re-implements libphonenumber's
parsing *algorithm* as column operations and takes every *rule* from libphonenumber's own
metadata at run time (`PhoneMetadata`: country code, international and national prefixes,
national-prefix transform rules, possible lengths, and the general / fixed-line / mobile /
toll-free / … national-number patterns). The patterns are applied with pyarrow-backed
`.str.fullmatch` (RE2) once per region group, so a metadata update in the `phonenumbers`
package changes our answers exactly as it changes theirs. Steps, mirroring `parse`:

1. text clean-up, shared by both paths: unicode spaces/dashes to ASCII, a trailing annotation
   such as "(casa)", "mobile" or "(home)" removed (libphonenumber would read its letters as a
   vanity number), and a leading "00" read as "+" where libphonenumber would not but the
   intent is clear: records without a country, the +1 zone (whose prefix is 011), and "00" +
   the record's own calling code where the prefix carries a carrier code (BR "0055 11 …");
2. the possible number: from the first digit or '+', trailing junk cut, an extension ("x123",
   "ext. 12", "#12") removed, every other character dropped;
3. country calling code: after '+', after the region's international prefix (00, 011 …; not
   when a 0 follows), or the record's own code when the digits start with it and are too long
   or invalid without stripping it; otherwise the number is national;
4. national prefix ("0" in GB/FR/DE, "1" in the +1 zone, BR's 0 + carrier code) stripped when
   the rest still has a possible length — which is also what drops the "(0)" of
   "+44 (0)7700 900123" while "+39 06 …" keeps its 0, because in Italy it is part of the number;
5. the region of the number (for calling codes shared by several regions: leading digits or
   the first region whose patterns match), its type from the patterns in libphonenumber's
   order, and the possible-length verdict.

Anything outside the simple shape (letters other than an extension, several '+', commas,
non-ASCII digits, unknown calling codes, non-geographic +800 numbers …) goes to
`phonenumbers.parse` itself, once per distinct value; in realistic data that is well under 1%.
A test checks the column path against `phonenumbers` on thousands of generated numbers.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import phonenumbers
import pyarrow as pa
import pyarrow.compute as pc
from phonenumbers import PhoneMetadata, PhoneNumberType, ValidationResult
from pyarrow.lib import ArrowException

from ..frames import object_frame
from .distinct import per_distinct, three_valued

COLUMNS = ["phone_std", "phone_valid", "phone_type", "phone_country", "phone_issue"]

MIN_NSN, MAX_NSN, MAX_INPUT = 2, 17, 250  # libphonenumber's limits
CC_TO_REGIONS: dict[int, tuple[str, ...]] = phonenumbers.COUNTRY_CODE_TO_REGION_CODE
NANP_REGIONS = frozenset(CC_TO_REGIONS[1])
KNOWN_CCS = np.array(sorted(CC_TO_REGIONS), dtype=np.int64)
# Calling codes of countries; +800, +808, +870 … (region "001") go to the fallback.
GEO_CCS = np.array([cc for cc, regs in CC_TO_REGIONS.items() if regs != ("001",)], dtype=np.int64)

TYPE_NAMES = {
    PhoneNumberType.MOBILE: "mobile",
    PhoneNumberType.FIXED_LINE: "fixed_line",
    PhoneNumberType.FIXED_LINE_OR_MOBILE: "fixed_line_or_mobile",
    PhoneNumberType.TOLL_FREE: "toll_free",
    PhoneNumberType.PREMIUM_RATE: "premium_rate",
    PhoneNumberType.VOIP: "voip",
    PhoneNumberType.SHARED_COST: "other",
    PhoneNumberType.PERSONAL_NUMBER: "other",
    PhoneNumberType.PAGER: "other",
    PhoneNumberType.UAN: "other",
    PhoneNumberType.VOICEMAIL: "other",
}
# libphonenumber's order of type checks before fixed line / mobile.
SPECIAL_TYPES = [
    ("premium_rate", PhoneNumberType.PREMIUM_RATE),
    ("toll_free", PhoneNumberType.TOLL_FREE),
    ("shared_cost", PhoneNumberType.SHARED_COST),
    ("voip", PhoneNumberType.VOIP),
    ("personal_number", PhoneNumberType.PERSONAL_NUMBER),
    ("pager", PhoneNumberType.PAGER),
    ("uan", PhoneNumberType.UAN),
    ("voicemail", PhoneNumberType.VOICEMAIL),
]
UNKNOWN = PhoneNumberType.UNKNOWN

# Annotations people type after a number; libphonenumber would turn their letters into digits.
ANNOTATION_RE = (
    r"(?i)[\s(\[/:,;-]*(?:casa|m[oó]vil|movil|m[oó]v|mobile|mob|cell|cel|celular|cellulare|"
    r"tel[eé]fono|telefone|telefono|tel|home|work|trabajo|oficina|office|ufficio|lavoro|fijo|"
    r"fixo|whats ?app|privado|private|personal|pers|priv|fax|solo|only|m|h|w)[\s.)\]:]*$"
)
# The ASCII alternatives of libphonenumber's extension pattern that need no comma or '#' run.
EXTENSION_RE = (
    r"(?i)(?:[ \t]*(?:e?xt(?:ensi)?n?|anexo)[:.]?[ \t-]*[0-9]{1,20}#?"
    r"|[ \t]*(?:[x#~]|int)[:.]?[ \t-]*[0-9]{1,9}#?)$"
)
SIMPLE_RE = r"\+?[0-9 ().\[\]/~-]*"
# What np.where makes of None (numpy-stubs reject None as a value argument).
_NONE = np.array(None, dtype=object)
# Digits (and the plus) of other scripts: libphonenumber reads them; the column path does not.
NON_ASCII_DIGITS = "[\u0660-\u0669\u06f0-\u06f9\u0966-\u096f\uff10-\uff19\uff0b]"


def standardise_phones(phone: pd.Series, country: pd.Series) -> pd.DataFrame:
    """Standardise raw phone text given each record's ISO country; same index as `phone`."""
    frame = pd.DataFrame({"phone": phone, "country": country}, index=phone.index)
    return per_distinct(frame, _standardise_distinct)


# --------------------------------------------------------------------------- metadata


@functools.cache
def _region_meta(region: str) -> PhoneMetadata | None:
    return PhoneMetadata.metadata_for_region(region, None) if region else None


@functools.cache
def _main_region(cc: int) -> str:
    return phonenumbers.region_code_for_country_code(cc)


@functools.cache
def _main_meta(cc: int) -> PhoneMetadata | None:
    """Metadata libphonenumber uses for a calling code (its main region)."""
    return PhoneMetadata.metadata_for_region_or_calling_code(cc, _main_region(cc))


def _possible_lengths(desc) -> tuple[int, ...]:
    return tuple(desc.possible_length) if desc is not None else ()


# --------------------------------------------------------------------------- pyarrow helpers
# Everything below works on pyarrow string arrays of the distinct values: RE2 regexes in C++,
# no Python per value. Booleans come back as numpy arrays for cheap masking.


def _np(mask) -> np.ndarray:
    """A pyarrow boolean result as a numpy bool array (null → False)."""
    return pc.fill_null(mask, False).to_numpy(zero_copy_only=False)


def _full(a: pa.Array, pattern: str | None) -> np.ndarray:
    """Whole-string regex match (libphonenumber's `_match_national_number`)."""
    if not pattern or len(a) == 0:
        return np.zeros(len(a), dtype=bool)
    return _np(pc.match_substring_regex(a, f"^(?:{pattern})$"))


def _starts(a: pa.Array, pattern: str) -> np.ndarray:
    """Regex match at the start (Python's `re.match`)."""
    return _np(pc.match_substring_regex(a, f"^(?:{pattern})"))


def _sub(a: pa.Array, pattern: str, repl: str = "", once: bool = False) -> pa.Array:
    return pc.replace_substring_regex(a, pattern=pattern, replacement=repl, max_replacements=1 if once else None)


def _len(a: pa.Array) -> np.ndarray:
    return pc.fill_null(pc.utf8_length(a), 0).to_numpy(zero_copy_only=False).astype(np.int64)


def _slice(a: pa.Array, start: int, stop: int | None = None) -> pa.Array:
    return pc.utf8_slice_codeunits(a, start, stop)


def _where(mask: np.ndarray, a: pa.Array, b: pa.Array) -> pa.Array:
    return pc.if_else(pa.array(mask, type=pa.bool_()), a, b)


def _take(a: pa.Array, idx: np.ndarray) -> pa.Array:
    return a.take(pa.array(idx, type=pa.int64()))


def _on(mask: np.ndarray, a: pa.Array, fn) -> np.ndarray:
    """Evaluate a boolean column function only on the rows of `mask` (False elsewhere)."""
    out = np.zeros(len(a), dtype=bool)
    if mask.any():
        out[mask] = fn(a.filter(pa.array(mask)))
    return out


def _scatter(n: int, pieces: list[tuple[np.ndarray, pa.Array]]) -> pa.Array:
    """Assemble a column of n rows from (positions, values) pieces that cover every row once."""
    idx = np.concatenate([p for p, _ in pieces]) if pieces else np.zeros(0, np.int64)
    values = (
        pa.concat_arrays([v.combine_chunks() if isinstance(v, pa.ChunkedArray) else v for _, v in pieces])
        if pieces
        else pa.array([], pa.string())
    )
    if len(idx) != n:
        raise ValueError(f"pieces cover {len(idx)} rows, expected {n}")
    order = np.empty(n, dtype=np.int64)
    order[idx] = np.arange(n)
    return _take(values, order)


# --------------------------------------------------------------------------- libphonenumber rules as columns


def _matches_desc(a: pa.Array, lengths: np.ndarray, desc) -> np.ndarray:
    """libphonenumber's `_is_number_matching_desc`: possible length first, then the pattern."""
    if desc is None or not desc.national_number_pattern:
        return np.zeros(len(a), dtype=bool)
    ok = np.isin(lengths, _possible_lengths(desc)) if desc.possible_length else np.ones(len(a), bool)
    return _on(ok, a, lambda sub: _full(sub, desc.national_number_pattern))


def _length_verdict(lengths: np.ndarray, meta: PhoneMetadata) -> np.ndarray:
    """libphonenumber's `_test_number_length` for an unknown type."""
    desc = meta.general_desc
    assert desc is not None, "libphonenumber's metadata has a general description for every region"
    possible = np.array(_possible_lengths(desc), dtype=np.int64)
    local = np.array(desc.possible_length_local_only or (), dtype=np.int64)
    lo, hi = possible[0], possible[-1]
    return np.select(
        [np.isin(lengths, local), lengths == lo, lo > lengths, hi < lengths, np.isin(lengths, possible[1:])],
        [
            ValidationResult.IS_POSSIBLE_LOCAL_ONLY,
            ValidationResult.IS_POSSIBLE,
            ValidationResult.TOO_SHORT,
            ValidationResult.TOO_LONG,
            ValidationResult.IS_POSSIBLE,
        ],
        default=ValidationResult.INVALID_LENGTH,
    )


def _number_type(a: pa.Array, meta: PhoneMetadata | None) -> np.ndarray:
    """libphonenumber's `_number_type_helper` (UNKNOWN means invalid), in its order of checks."""
    out = np.full(len(a), UNKNOWN, dtype=np.int64)
    if meta is None or len(a) == 0:
        return out
    lengths = _len(a)
    left = _matches_desc(a, lengths, meta.general_desc)

    def matching(rows: np.ndarray, desc) -> np.ndarray:
        return _on(rows, a, lambda sub: _matches_desc(sub, lengths[rows], desc))

    for attr, code in SPECIAL_TYPES:
        desc = getattr(meta, attr)
        if desc is None or not left.any():
            continue
        hit = matching(left, desc)
        out[hit] = code
        left &= ~hit
    fixed = matching(left, meta.fixed_line)
    if meta.same_mobile_and_fixed_line_pattern:
        out[fixed] = PhoneNumberType.FIXED_LINE_OR_MOBILE
        return out
    also_mobile = matching(fixed, meta.mobile)
    out[fixed] = np.where(also_mobile[fixed], PhoneNumberType.FIXED_LINE_OR_MOBILE, PhoneNumberType.FIXED_LINE)
    left &= ~fixed
    out[matching(left, meta.mobile)] = PhoneNumberType.MOBILE
    return out


def _named_groups(pattern: str) -> str:
    """Name the capturing groups of a pattern (pyarrow's extract_regex needs names)."""
    count = iter(range(1, 100))
    return re.sub(r"\((?!\?)", lambda _: f"(?P<g{next(count)}>", pattern)


def _strip_national_prefix(a: pa.Array, meta: PhoneMetadata) -> pa.Array:
    """libphonenumber's `_maybe_strip_national_prefix_carrier_code`.

    The prefix (with a carrier code in BR) is dropped unless the number matched the general
    pattern before and no longer does after. A transform rule (BR, AR …) applies when the
    prefix pattern's last group took part in the match.
    """
    prefix = meta.national_prefix_for_parsing
    if not prefix or len(a) == 0:
        return a
    anchored = f"^(?:{prefix})"
    starts = _np(pc.match_substring_regex(a, anchored)) & (_len(a) > 0)
    if not starts.any():
        return a
    plain = _sub(a, anchored, "", once=True)
    rule = meta.national_prefix_transform_rule
    if rule and re.compile(prefix).groups:
        groups = pc.extract_regex(a, _named_groups(anchored))
        last = pc.struct_field(groups, [groups.type.num_fields - 1])
        took_part = _len(last) > 0
        plain = _where(took_part, _sub(a, anchored, rule, once=True), plain)
    assert meta.general_desc is not None, "libphonenumber's metadata has a general description for every region"
    general = meta.general_desc.national_number_pattern
    keep = ~starts | (_full(a, general) & ~_full(plain, general))
    return _where(keep, a, plain)


# --------------------------------------------------------------------------- text → digits


@dataclass
class _Prepared:
    text: pa.Array  # cleaned text, also what the fallback parses
    digits: pa.Array  # digits of the possible number, extension removed
    plus: np.ndarray  # written with a leading '+'
    simple: np.ndarray  # the column path reads it exactly as libphonenumber would
    n_digits: np.ndarray


def _apply_on(a: pa.Array, mask: np.ndarray, fn) -> pa.Array:
    """`fn` on the rows of `mask` only, the other rows unchanged.

    Most phone values are plain digits and spaces: the expensive end-anchored patterns
    (annotations, extensions) only need to run on the few rows that contain a letter."""
    if not mask.any():
        return a
    return pc.replace_with_mask(a, pa.array(mask), fn(a.filter(pa.array(mask))))


def _keep_digits(a: pa.Array) -> pa.Array:
    """ASCII digits of each string (nulls become ""), straight on the Arrow buffers.

    A regex replace of [^0-9] makes one replacement per space or dash and is the slowest
    step of all; bytes of a multi-byte UTF-8 character are never 0x30–0x39, so a byte filter
    is exact."""
    a = pc.fill_null(a, "")
    a = a.combine_chunks() if isinstance(a, pa.ChunkedArray) else a
    a = a.cast(pa.string())
    _, offsets_buf, data_buf = a.buffers()
    offsets = np.frombuffer(offsets_buf, dtype=np.int32)[a.offset : a.offset + len(a) + 1]
    data = np.frombuffer(data_buf, dtype=np.uint8) if data_buf is not None else np.zeros(0, np.uint8)
    data = data[offsets[0] : offsets[-1]]
    keep = (data >= 0x30) & (data <= 0x39)
    kept_before = np.concatenate([np.zeros(1, np.int32), np.cumsum(keep, dtype=np.int32)])
    new_offsets = kept_before[offsets - offsets[0]]
    return pa.StringArray.from_buffers(len(a), pa.py_buffer(new_offsets.tobytes()), pa.py_buffer(data[keep].tobytes()))


def _double_zero_as_plus(t: pa.Array, rcode: np.ndarray, names: list[str]) -> pa.Array:
    """Read a leading "00" as "+" where libphonenumber would not but the intent is clear.

    Without a record country, or in the +1 zone (international prefix 011), no national number
    starts with 00, so "0044 …" can only be international. Where the international prefix
    carries a carrier code (BR: 00 + 2 digits) "0055 11 …" is the customer writing their own
    country code, not a call through carrier 55. Regions whose prefix is plain 00 need nothing.
    """
    candidates = _starts(t, r"[^0-9+]*00")
    for code, region in enumerate(names):
        meta = _region_meta(region)
        rows = candidates & (rcode == code)
        if region == "" or region in NANP_REGIONS:
            t = _apply_on(t, rows, lambda a: _sub(a, r"^([^0-9+]*)00", r"\1+", once=True))
        elif meta is not None and meta.international_prefix != "00":
            own = rf"^([^0-9+]*)00({meta.country_code})"
            t = _apply_on(t, rows, lambda a, own=own: _sub(a, own, r"\1+\2", once=True))
    return t


def _prepare(raw: pa.Array, rcode: np.ndarray, names: list[str]) -> _Prepared:
    """Steps 1–2 of the module docstring; each pattern only on the rows that can match it."""
    foreign = ~_np(pc.string_is_ascii(pc.fill_null(raw, "")))
    t = _apply_on(
        raw, foreign, lambda a: _sub(_sub(a, "[\u00a0\u00ad\u200b\u2060\u3000]", " "), "[\u2010-\u2015\u2212]", "-")
    )
    lettered = _np(pc.match_substring_regex(t, "[^0-9 ()+./-]"))
    t = _apply_on(t, lettered, lambda a: _sub(a, ANNOTATION_RE))
    t = _double_zero_as_plus(t, rcode, names)

    odd = foreign & _np(pc.match_substring_regex(t, NON_ASCII_DIGITS))
    body = _apply_on(t, ~_starts(t, "[+0-9]"), lambda a: _sub(a, r"^[^+0-9]*"))
    last = _slice(body, -1)
    body = _apply_on(body, _full(last, "[^#0-9A-Za-z]"), lambda a: _sub(a, r"(?:_|[^#0-9A-Za-z])+$"))
    core = _apply_on(body, lettered, lambda a: _sub(_sub(a, r"[\\/] *x.*$"), EXTENSION_RE))
    digits = _keep_digits(core)
    n_digits = _len(digits)
    had_ext = lettered & (_len(core) < _len(body))
    simple = (~lettered | _full(core, SIMPLE_RE)) & ~odd & (_len(raw) <= MAX_INPUT) & ~(had_ext & (n_digits < 3))
    plus = _np(pc.starts_with(core, "+"))
    return _Prepared(t, digits, plus, simple, n_digits)


# --------------------------------------------------------------------------- steps 3–4: calling code, NSN

FAIL_NAMES = np.array([None, "too short", "too long", "no country"], dtype=object)
OK, TOO_SHORT, TOO_LONG, NO_COUNTRY = 0, 1, 2, 3


@dataclass
class _Parsed:
    """Per-row parse results for the rows of one group."""

    cc: np.ndarray  # calling code (0 when none)
    nsn: pa.Array  # national significant number so far
    fail: np.ndarray  # FAIL code
    defer: np.ndarray  # leave to phonenumbers itself
    strip_cc: np.ndarray  # whose national-prefix rules apply: main region of this code, or 0 = record's


def _extract_cc(rest: pa.Array) -> tuple[np.ndarray, pa.Array]:
    """libphonenumber's `_extract_country_code`: the 1–3 leading digits that are a calling code."""
    length = _len(rest)
    cc = np.zeros(len(rest), dtype=np.int64)
    cut = np.zeros(len(rest), dtype=np.int64)
    lead_zero = _np(pc.starts_with(rest, "0"))
    for width in (1, 2, 3):
        long_enough = length >= width
        head = pc.if_else(pa.array(long_enough), _slice(rest, 0, width), "0")
        value = pc.cast(head, pa.int64()).to_numpy(zero_copy_only=False)
        hit = (cc == 0) & ~lead_zero & long_enough & np.isin(value, KNOWN_CCS)
        cc[hit], cut[hit] = value[hit], width
    nsn = rest
    for width in (1, 2, 3):
        nsn = _where(cut == width, _slice(rest, width), nsn)
    return cc, nsn


def _parse_region(d: pa.Array, plus: np.ndarray, region: str) -> _Parsed:
    """Step 3 for the rows of one record region."""
    n = len(d)
    meta = _region_meta(region)
    fail = np.zeros(n, dtype=np.int64)
    intl, rest = plus.copy(), d
    if meta is not None and meta.international_prefix:
        idd = f"^(?:{meta.international_prefix})"
        after = _sub(d, idd, "", once=True)
        via_idd = ~plus & _starts(d, meta.international_prefix) & ~_np(pc.starts_with(after, "0"))
        rest = _where(via_idd, after, d)
        intl |= via_idd

    # International: '+' or IDD, then a calling code of a country.
    code, national = _extract_cc(rest)
    fail[intl & (_len(rest) <= MIN_NSN)] = TOO_SHORT
    defer = intl & (fail == OK) & ~np.isin(code, GEO_CCS)
    cc = np.where(intl, code, 0)
    nsn = _where(intl, national, d)
    strip_cc = cc.copy()

    # National: the record's calling code, which may still lead the digits ("34612…").
    home = ~intl
    if meta is None:
        fail[home] = NO_COUNTRY
    elif home.any():
        own = str(meta.country_code)
        cc[home] = meta.country_code
        lead = home & _np(pc.starts_with(d, own))
        if lead.any():
            potential = _strip_national_prefix(_slice(d, len(own)), meta)
            assert meta.general_desc is not None, "libphonenumber's metadata has a general description for every region"
            general = meta.general_desc.national_number_pattern
            better = lead & (
                (~_full(d, general) & _full(potential, general))
                | (_length_verdict(_len(d), meta) == ValidationResult.TOO_LONG)
            )
            nsn = _where(better, potential, nsn)
            strip_cc[better] = meta.country_code
    return _Parsed(cc, nsn, fail, defer, strip_cc)


def _strip_group(nsn: pa.Array, meta: PhoneMetadata) -> pa.Array:
    """Step 4: drop the national prefix when what is left still has a possible length."""
    after = _strip_national_prefix(nsn, meta)
    verdict = _length_verdict(_len(after), meta)
    accept = ~np.isin(
        verdict, [ValidationResult.TOO_SHORT, ValidationResult.IS_POSSIBLE_LOCAL_ONLY, ValidationResult.INVALID_LENGTH]
    )
    return _where(accept, after, nsn)


def _parse_columns(digits: pa.Array, plus: np.ndarray, rcode: np.ndarray, names: list[str], rows: np.ndarray):
    """Steps 3–4 for `rows`; returns (cc, nsn, fail, defer) for all rows (others: empty)."""
    n = len(digits)
    cc = np.zeros(n, dtype=np.int64)
    fail = np.zeros(n, dtype=np.int64)
    defer = np.zeros(n, dtype=bool)
    strip_cc = np.zeros(n, dtype=np.int64)
    others = np.flatnonzero(~rows)
    pieces = [(others, pc.fill_null(pa.nulls(len(others), pa.string()), ""))]
    for code in np.unique(rcode[rows]):
        idx = np.flatnonzero(rows & (rcode == code))
        got = _parse_region(_take(digits, idx), plus[idx], names[code])
        cc[idx], fail[idx], defer[idx], strip_cc[idx] = got.cc, got.fail, got.defer, got.strip_cc
        pieces.append((idx, got.nsn))
    nsn = _scatter(n, pieces)

    ok = rows & ~defer & (fail == OK)
    length = _len(nsn)
    fail[ok & (length < MIN_NSN)] = TOO_SHORT
    ok &= length >= MIN_NSN
    # Whose prefix rules: the calling code's main region (key > 0) or the record's (key <= 0).
    key = np.where(strip_cc > 0, strip_cc, -rcode)
    pieces = [(np.flatnonzero(~ok), _take(nsn, np.flatnonzero(~ok)))]
    for k in np.unique(key[ok]):
        idx = np.flatnonzero(ok & (key == k))
        meta = _main_meta(int(k)) if k > 0 else _region_meta(names[-k])
        # Deferred rows (non-geographic codes) and national rows without a country (failed) are not ok.
        assert meta is not None, "ok rows have a geographic calling code or a known record country"
        pieces.append((idx, _strip_group(_take(nsn, idx), meta)))
    nsn = _scatter(n, pieces)
    fail[ok & (_len(nsn) > MAX_NSN)] = TOO_LONG
    return cc, nsn, fail, defer


# --------------------------------------------------------------------------- step 5: region, type, length


def _region_and_type(a: pa.Array, code: int) -> tuple[np.ndarray, np.ndarray]:
    """libphonenumber's `region_code_for_number` and `number_type` for numbers of one code."""
    candidates = CC_TO_REGIONS.get(code, ())
    region = np.full(len(a), None, dtype=object)
    kind = np.full(len(a), UNKNOWN, dtype=np.int64)
    if len(candidates) == 1:
        region[:] = candidates[0]
        return region, _number_type(a, _region_meta(candidates[0]))
    left = np.ones(len(a), dtype=bool)
    for cand in candidates:  # first region whose leading digits, else patterns, fit
        meta = _region_meta(cand)
        if meta is None or not left.any():
            continue
        typ = np.full(len(a), UNKNOWN, dtype=np.int64)
        if meta.leading_digits:
            hit = _on(left, a, lambda sub, m=meta: _starts(sub, m.leading_digits))
            if hit.any():
                typ[hit] = _number_type(a.filter(pa.array(hit)), meta)
        else:
            typ[left] = _number_type(a.filter(pa.array(left)), meta)
            hit = left & (typ != UNKNOWN)
        region[hit], kind[hit] = cand, typ[hit]
        left &= ~hit
    return region, kind


def _judge(cc: np.ndarray, nsn: pa.Array, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Step 5: (region of the number, type code, length verdict) for parsed rows."""
    n = len(cc)
    region = np.full(n, None, dtype=object)
    kind = np.full(n, UNKNOWN, dtype=np.int64)
    verdict = np.full(n, ValidationResult.INVALID_LENGTH, dtype=np.int64)
    for code in pd.unique(cc[rows]):
        idx = np.flatnonzero(rows & (cc == code))
        a = _take(nsn, idx)
        region[idx], kind[idx] = _region_and_type(a, int(code))
        meta = _main_meta(int(code))
        assert meta is not None, "judged rows have a geographic calling code (others are deferred)"
        verdict[idx] = _length_verdict(_len(a), meta)
    return region, kind, verdict


# --------------------------------------------------------------------------- the fallback


def _fallback_one(text: str, region: str) -> tuple[int, str, object, int, int, str | None]:
    """phonenumbers itself: (cc, nsn, number region, type code, length verdict, failure issue)."""
    try:
        num = phonenumbers.parse(text, region or None)
    except phonenumbers.NumberParseException as exc:
        issue = {
            phonenumbers.NumberParseException.TOO_SHORT_NSN: "too short",
            phonenumbers.NumberParseException.TOO_SHORT_AFTER_IDD: "too short",
            phonenumbers.NumberParseException.TOO_LONG: "too long",
            phonenumbers.NumberParseException.NOT_A_NUMBER: "not a number",
        }.get(exc.error_type, "no country" if not region else "invalid for country")
        return 0, "", None, UNKNOWN, ValidationResult.INVALID_LENGTH, issue
    nsn = phonenumbers.national_significant_number(num)
    reg = phonenumbers.region_code_for_number(num)
    typ = phonenumbers.number_type(num) if phonenumbers.is_valid_number(num) else UNKNOWN
    verdict = phonenumbers.is_possible_number_with_reason(num)
    assert num.country_code is not None, "phonenumbers.parse always sets the country code"
    return num.country_code, nsn, reg, typ, verdict, None


# --------------------------------------------------------------------------- assembly


@functools.cache
def _counting_runs() -> pa.Array:
    counting = "01234567890123456789"
    runs = {counting[i : i + k] for k in range(6, 16) for i in range(10)}
    return pa.array(sorted(runs | {r[::-1] for r in runs}))


def _placeholder(digits: pa.Array, nsn: pa.Array) -> np.ndarray:
    """000000000, 111 111 111, 123456789, 987654321, 600 000 000 and the like."""
    same = "|".join(f"{d}{{6,}}" for d in range(10))
    tail_same = "[0-9](?:" + "|".join(f"{d}{{7,}}" for d in range(10)) + ")"
    hit = np.zeros(len(digits), dtype=bool)
    for a in (digits, nsn):
        hit |= _full(a, same) | _full(a, tail_same) | _np(pc.is_in(a, value_set=_counting_runs()))
    return hit


def _region_codes(country: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Record countries as small integer codes into a list of region names ("" = none/unknown),
    normalised once per distinct country rather than once per row."""
    codes, uniq = pd.factorize(country.astype(object), use_na_sentinel=True)
    cleaned = [str(u).strip().upper() for u in uniq]
    names = [""] + [c if c in phonenumbers.SUPPORTED_REGIONS else "" for c in cleaned]
    return codes + 1, names


def _as_arrow(values: pd.Series) -> pa.Array:
    """Raw values as a pyarrow string array (numbers typed into the column become text)."""
    raw = values.astype(object)
    try:
        return pa.array(raw, type=pa.string(), from_pandas=True)
    except (TypeError, ValueError, ArrowException):
        return pa.array(raw.where(raw.isna(), raw.astype(str)), type=pa.string(), from_pandas=True)


def _standardise_distinct(frame: pd.DataFrame, force_fallback: bool = False) -> pd.DataFrame:
    """The whole standardisation for a frame of distinct (phone, country) pairs.

    `force_fallback` sends every row through `phonenumbers.parse` (the tests compare paths)."""
    raw = _as_arrow(frame["phone"])
    rcode, names = _region_codes(frame["country"])
    n = len(raw)
    prep = _prepare(raw, rcode, names)
    missing = _np(pc.is_null(raw)) | (prep.n_digits == 0)
    few = ~missing & (prep.n_digits < 3) & prep.simple  # libphonenumber never yields a number
    column_rows = prep.simple & ~missing & ~few & (not force_fallback)

    cc, nsn, fail, defer = _parse_columns(prep.digits, prep.plus, rcode, names, column_rows)
    fail[few] = TOO_SHORT
    judged = column_rows & (fail == OK) & ~defer
    num_region, kind, verdict = _judge(cc, nsn, judged)
    issue_fail = FAIL_NAMES[fail]

    slow = (~missing & ~few & ~column_rows) | defer
    idx = np.flatnonzero(slow)
    if len(idx):
        text = prep.text.to_numpy(zero_copy_only=False)
        results = [_fallback_one(text[i], names[rcode[i]]) for i in idx]
        f_cc, f_nsn, f_reg, f_kind, f_verdict, f_fail = (list(col) for col in zip(*results))
        cc[idx], num_region[idx], kind[idx], verdict[idx] = f_cc, f_reg, f_kind, f_verdict
        issue_fail[idx] = f_fail
        keep = np.flatnonzero(~slow)
        nsn = _scatter(n, [(keep, _take(nsn, keep)), (idx, pa.array(f_nsn, pa.string()))])
    parsed = (judged | slow) & pd.isna(issue_fail)

    placeholder = ~missing & _placeholder(prep.digits, nsn)
    valid = parsed & (kind != UNKNOWN) & ~placeholder
    has_std = parsed & (valid | (verdict == ValidationResult.IS_POSSIBLE)) & ~placeholder
    issue = np.select(
        [
            missing,
            placeholder,
            ~pd.isna(issue_fail),
            valid,
            np.isin(verdict, [ValidationResult.TOO_SHORT, ValidationResult.IS_POSSIBLE_LOCAL_ONLY]),
            verdict == ValidationResult.TOO_LONG,
        ],
        ["missing", "placeholder", "", "", "too short", "too long"],
        default="invalid for country",
    ).astype(object)
    failed = ~pd.isna(issue_fail) & ~missing & ~placeholder
    issue[failed] = issue_fail[failed]
    issue[issue == ""] = None
    # A national number without a country cannot be read, so it cannot be judged either.
    unknown = issue == "no country"

    e164 = pc.binary_join_element_wise("+", pc.cast(pa.array(cc), pa.string()), nsn, "")
    # E.164 numbers have at most 15 digits; a few plans (DE) let libphonenumber call longer
    # strings "possible", which are no dialable international number.
    over = has_std & (pc.utf8_length(e164).to_numpy(zero_copy_only=False) > 16)
    has_std &= ~over
    valid &= ~over
    issue[over & ~missing] = "too long"
    std = e164.to_numpy(zero_copy_only=False)
    std[~has_std] = None
    type_names = np.full(UNKNOWN + 1, None, dtype=object)
    for code, name in TYPE_NAMES.items():
        type_names[code] = name
    type_name = type_names[kind]
    type_name[~valid] = None
    return object_frame(
        {
            "phone_std": std,
            "phone_valid": three_valued(valid, unknown),
            "phone_type": type_name,
            "phone_country": np.where(has_std & (num_region != "001"), num_region, _NONE),
            "phone_issue": issue,
        }
    )
