"""Email standardisation for stage 02: clean, correct the domain, judge, flag and key.

`standardise_emails` keeps the raw address untouched and returns, next to it:

- `email_std`: trimmed, lower-cased, junk removed (surrounding <>, quotes, "mailto:", a display
  name, trailing dots/commas, spaces inside), with a mistyped big-provider domain corrected;
- `email_valid`: True when the address is syntactically usable *and* not a placeholder. The
  syntax is a practical subset of RFC 5321/5322 (dot-atom local part, LDH domain labels, a
  real-looking TLD); quoted local parts and IP-literal domains are refused on purpose because
  no marketing system sends to them. Internationalised addresses (non-ASCII local part or IDN
  domain) are judged by email-validator, offline;
- `email_issue`: None or 'missing', 'no @', 'bad local part', 'bad domain', 'placeholder';
- `email_domain`, `email_corrected`, `email_correction` ("gmial.com → gmail.com");
- `email_role` (info@, ventas@ …), `email_disposable` (mailinator.com …);
- `email_key`: the matching key, only for valid addresses (a placeholder shared by a thousand
  customers must never link them): +tags dropped, and for Gmail dots dropped and
  googlemail.com folded into gmail.com, because Gmail delivers all those spellings to one box.

Curated lists live in `helpers/data/email_*` so that analysts can review and extend them
without touching code.

Speed: every distinct raw value is handled once (`per_distinct`); cleaning and syntax checks are
pyarrow-backed `.str` regex passes over the distinct values; domain correction works on the
distinct *domains* (a few thousand, not a million); email-validator (~70 µs a call) only sees
the rare non-ASCII addresses.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from email_validator import EmailNotValidError, validate_email
from rapidfuzz import process
from rapidfuzz.distance import OSA

from helpers.frames import bool_array as _bool
from helpers.frames import object_frame
from helpers.text import read_data_lines

from .distinct import TEXT, per_distinct
from .distinct import as_arrow_text as _as_text

COLUMNS = [
    "email_std",
    "email_valid",
    "email_issue",
    "email_domain",
    "email_corrected",
    "email_correction",
    "email_role",
    "email_disposable",
    "email_key",
]

# Dot-atom local part (RFC 5322 atext, lower case after cleaning) and LDH domain labels.
_ATEXT = r"[a-z0-9!#$%&'*+/=?^_`{|}~-]"
LOCAL_RE = rf"{_ATEXT}+(?:\.{_ATEXT}+)*"
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
DOMAIN_RE = rf"(?:{_LABEL}\.)+(?:[a-z]{{2,63}}|xn--[a-z0-9-]{{1,59}})"

# Values that mean "the customer gave no email", typed into the email field.
MISSING_TOKENS = frozenset(
    {
        "-",
        "--",
        ".",
        "0",
        "n/a",
        "na",
        "n.a.",
        "none",
        "null",
        "nil",
        "no",
        "nan",
        "x",
        "xx",
        "?",
        "no tiene",
        "notiene",
        "sin email",
        "sin correo",
        "no email",
        "noemail",
        "nessuna",
        "nessuno",
        "non ha",
        "não tem",
        "nao tem",
        "sem email",
        "nenhum",
        "unknown",
        "desconocido",
    }
)

# TLD slips that are never real TLDs, whatever the provider.
TLD_TYPOS_RE = r"\.(?:con|cmo|comm|coom|cpm|xom|vom|ocm|cim|cok|c0m|comn|coim)(\.[a-z]{2})?$"
# Providers that only exist under .com, so "<provider>.co" is certainly a typo.
COM_ONLY = ("gmail", "googlemail", "icloud", "aol", "msn", "ymail", "protonmail", "hotmail")
GMAIL_DOMAINS = ("gmail.com", "googlemail.com")
FUZZY_LONG = 9  # domains at least this long may be 2 edits from their provider, others 1


def standardise_emails(email: pd.Series) -> pd.DataFrame:
    """Standardise raw email text; one output row per input row, same index, raw untouched."""
    return per_distinct(email.rename("email"), _standardise_distinct)


# --------------------------------------------------------------------------- curated lists


def _data_lines(name: str) -> list[str]:
    """Non-comment, non-blank lines of a package data file (lower-cased)."""
    return [ln.lower() for ln in read_data_lines(name)]


@functools.cache
def domain_typos() -> dict[str, str]:
    """The curated typo → correct domain table."""
    rows = [ln.split(",") for ln in _data_lines("email_domain_typos.csv")[1:]]
    return {typo.strip(): right.strip() for typo, right in rows}


@functools.cache
def major_domains() -> tuple[str, ...]:
    """Big providers: the only targets of a fuzzy correction."""
    return tuple(_data_lines("email_major_domains.txt"))


@functools.cache
def known_domains() -> frozenset[str]:
    """Every domain we know to exist as written (disposable ones too): never corrected."""
    return (
        frozenset(_data_lines("email_known_domains.txt"))
        | frozenset(major_domains())
        | frozenset(domain_typos().values())
        | disposable_domains()
    )


@functools.cache
def role_locals() -> frozenset[str]:
    return frozenset(_data_lines("email_role_locals.txt"))


@functools.cache
def disposable_domains() -> frozenset[str]:
    return frozenset(_data_lines("email_disposable_domains.txt"))


@functools.cache
def placeholders() -> tuple[frozenset[str], frozenset[str]]:
    """(placeholder local parts, placeholder domains)."""
    lines = _data_lines("email_placeholders.txt")
    locals_ = frozenset(ln.split(":", 1)[1] for ln in lines if ln.startswith("local:"))
    domains = frozenset(ln.split(":", 1)[1] for ln in lines if ln.startswith("domain:"))
    return locals_, domains


# --------------------------------------------------------------------------- the pipeline


def _arrow(s: pd.Series) -> pa.Array:
    """The Arrow array behind a string Series (one chunk)."""
    arr = pa.array(s.array)
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr


def _series(arr: pa.Array) -> pd.Series:
    """A positional string[pyarrow] Series over an Arrow array."""
    return pd.Series(pd.arrays.ArrowStringArray(arr.cast(pa.large_string())))


def _sub(s: pd.Series, pattern: str, repl: str) -> pd.Series:
    """Regex replace in RE2, also with \\1 back-references (pandas sends those to `re`)."""
    out = pc.replace_substring_regex(_arrow(s), pattern=pattern, replacement=repl)
    return _series(out).set_axis(s.index)


def _put(s: pd.Series, mask: np.ndarray, values: pd.Series) -> pd.Series:
    """`s` with the rows of `mask` replaced by `values` (Arrow, no per-row Python)."""
    if not mask.any():
        return s
    out = pc.replace_with_mask(
        _arrow(s).cast(pa.large_string()), pa.array(mask), _arrow(values).cast(pa.large_string())
    )
    return _series(out).set_axis(s.index)


def _clean(s: pd.Series) -> pd.Series:
    """Remove the junk people and exports wrap around an address; never touches its letters."""
    s = s.str.replace("[\u200b\u200c\u200d\u2060\ufeff]", "", regex=True).str.strip()
    # "Name <addr>" and "<addr>": keep what is between the brackets.
    s = _sub(s, r"^.*<([^<>]*@[^<>]*)>.*$", r"\1")
    s = s.str.replace(r"^\s*mailto:", "", regex=True)
    # Two addresses in one field: keep the first.
    s = _sub(s, r"^[\s;,]*([^\s;,]*@[^\s;,]*)[\s;,]+.*@.*$", r"\1")
    s = s.str.replace(r"^[\s<>\"'(\[{:;,.]+", "", regex=True)
    s = s.str.replace(r"[\s<>\"')\]}.,;:]+$", "", regex=True)
    s = s.str.replace(r"\s+", "", regex=True)
    s = s.str.replace(r"@{2,}", "@", regex=True)
    # Keyboard slips inside the domain: a comma for a dot, doubled dots.
    local = s.str.replace(r"@[^@]*$", "", regex=True)
    domain = s.str.replace(r"^.*@", "", regex=True).str.replace(",", ".", regex=False)
    domain = domain.str.replace(r"\.{2,}", ".", regex=True).str.replace(r"^\.+|\.+$", "", regex=True)
    has_at = _bool(s.str.contains("@", regex=False))
    return s.where(~has_at, local + "@" + domain)


def _fuzzy_targets(domains: np.ndarray) -> np.ndarray:
    """For each unknown domain, the big provider it is unambiguously a typo of, else None.

    Unambiguous: exactly one known domain at the smallest edit distance (OSA, so "gmial" is one
    edit), that domain is a big provider, and the distance is 1 (2 for long domains). A domain
    nearer a real small provider (gmx.com, me.com …) is left alone.
    """
    out = np.full(len(domains), None, dtype=object)
    if len(domains) == 0:
        return out
    choices = np.array(sorted(known_domains()), dtype=object)
    dist = process.cdist(list(domains), list(choices), scorer=OSA.distance, score_cutoff=3, dtype=np.int32, workers=-1)
    best = dist.min(axis=1)
    nearest = dist.argmin(axis=1)
    ties = (dist == best[:, None]).sum(axis=1)
    lengths = np.fromiter((len(d) for d in domains), dtype=np.int64, count=len(domains))
    limit = np.where(lengths >= FUZZY_LONG, 2, 1)
    major = np.isin(choices[nearest], np.array(major_domains(), dtype=object))
    ok = (best >= 1) & (best <= limit) & (ties == 1) & major
    out[ok] = choices[nearest[ok]]
    return out


def correct_domains(domains: pd.Series) -> pd.Series:
    """Corrected spelling of each (distinct) domain: curated table, TLD slips, then a fuzzy
    match to a big provider when unambiguous. Real domains are never changed."""
    u = domains.astype(object).reset_index(drop=True)
    typos = domain_typos()
    fixed = u.map(typos).fillna(u).astype(TEXT)
    fixed = _sub(fixed, TLD_TYPOS_RE, r".com\1")
    fixed = _sub(fixed, rf"^({'|'.join(COM_ONLY)})\.co$", r"\1.com")
    fixed = fixed.astype(object)
    fixed = fixed.map(typos).fillna(fixed)
    known = known_domains()
    unknown = (~fixed.isin(known) & fixed.astype(TEXT).str.fullmatch(r"[a-z0-9.-]+\.[a-z]{1,4}")).fillna(False)
    unknown = unknown.to_numpy(dtype=bool)
    fuzzy = _fuzzy_targets(fixed[unknown].to_numpy(dtype=object))
    fixed[unknown] = np.where(pd.isna(fuzzy), fixed[unknown].to_numpy(dtype=object), fuzzy)
    return fixed.where(~u.isin(known), u).set_axis(domains.index)


def _valid_idn(address: str) -> bool:
    try:
        validate_email(address, check_deliverability=False)
        return True
    except EmailNotValidError:
        return False


def _np(mask) -> np.ndarray:
    """A pyarrow boolean result as a numpy bool array (null → False)."""
    return pc.fill_null(mask, False).to_numpy(zero_copy_only=False)


def _length(arr: pa.Array) -> np.ndarray:
    return pc.fill_null(pc.utf8_length(arr), 0).to_numpy(zero_copy_only=False)


def _objects(arr: pa.Array) -> np.ndarray:
    """Arrow strings as a numpy object array with None for null (the output contract)."""
    return arr.to_numpy(zero_copy_only=False)


def _domain_table(domains: pa.Array) -> dict[str, np.ndarray | pa.Array]:
    """Everything decided by the domain alone, once per distinct domain."""
    u = pd.Series(domains.to_numpy(zero_copy_only=False), dtype=object)
    fixed_s = correct_domains(u)
    fixed = pa.array(fixed_s.to_numpy(dtype=object), pa.string())
    ok = _np(pc.match_substring_regex(fixed, f"^(?:{DOMAIN_RE})$")) & (_length(fixed) <= 253)
    idn = ~_np(pc.string_is_ascii(fixed))
    if idn.any():  # internationalised domains: email-validator, offline, once per domain
        ok[idn] = [_valid_idn("x@" + d) for d in fixed_s[idn]]
    _, p_domains = placeholders()
    return {
        "domain": fixed,
        "corrected": (fixed_s != u).to_numpy(dtype=bool),
        "ok": ok,
        "label": pc.list_element(pc.split_pattern(fixed, ".", max_splits=1), 0),
        "placeholder": fixed_s.isin(p_domains).to_numpy(dtype=bool),
        "disposable": _is_disposable(fixed),
        "gmail": fixed_s.isin(GMAIL_DOMAINS).to_numpy(dtype=bool),
    }


def _base_local(local: pa.Array) -> pa.Array:
    """Local part without a +tag (kept whole when it would become empty)."""
    base = pc.list_element(pc.split_pattern(local, "+", max_splits=1), 0)
    return pc.if_else(pc.equal(pc.utf8_length(base), 0), local, base)


def _is_placeholder(local: pa.Array, label: pa.Array, domain_placeholder: np.ndarray) -> np.ndarray:
    """noemail@, none@none.com, test@test.com, a@a.com, xxxx@ …: syntactically fine, not real."""
    p_locals, _ = placeholders()
    same = _np(pc.and_(pc.equal(local, label), pc.less_equal(pc.utf8_length(local), 4)))
    repeated = _np(pc.match_substring_regex(local, r"^(?:a{3,}|x{3,}|z{3,}|0{3,}|1{3,}|9{3,})$"))
    return _np(pc.is_in(local, value_set=pa.array(sorted(p_locals)))) | domain_placeholder | same | repeated


def _is_role(base: pa.Array) -> np.ndarray:
    """info@, ventas@, info.madrid@, sales-team@, soporte2@ …"""
    roles = pa.array(sorted(role_locals()))
    first = pc.list_element(pc.split_pattern_regex(base, "[._-]", max_splits=1), 0)
    first = pc.utf8_rtrim(first, characters="0123456789")
    prefixed = _np(pc.is_in(first, value_set=roles)) & (_length(first) >= 4)
    return _np(pc.is_in(base, value_set=roles)) | prefixed


def _is_disposable(domain: pa.Array) -> np.ndarray:
    """The domain or one of its parents is a throw-away mailbox service."""
    throwaway = pa.array(sorted(disposable_domains()))
    hit = _np(pc.is_in(domain, value_set=throwaway))
    parent = domain
    for _ in range(2):
        parent = pc.replace_substring_regex(parent, r"^[^.]*\.", "", max_replacements=1)
        hit |= _np(pc.is_in(parent, value_set=throwaway))
    return hit


def _split(arr: pa.Array, has_at: np.ndarray) -> tuple[pa.Array, pa.Array]:
    """(local part, domain) at the last '@'; null where there is no '@'."""
    local = domain = pa.nulls(len(arr), arr.type)
    if has_at.any():
        mask = pa.array(has_at)
        parts = pc.split_pattern(arr.filter(mask), "@", max_splits=1, reverse=True)
        local = pc.replace_with_mask(local, mask, pc.list_element(parts, 0))
        domain = pc.replace_with_mask(domain, mask, pc.list_element(parts, 1))
    return local, domain


def _per_row(values: np.ndarray, codes: np.ndarray, default) -> np.ndarray:
    """Per-domain values spread to rows; rows without a domain (code -1) get `default`."""
    return np.append(values, default)[codes]


def _standardise_distinct(frame: pd.DataFrame) -> pd.DataFrame:
    """The whole standardisation for a frame of distinct raw values (first column).

    Most addresses arrive clean; only those that fail the strict pattern as they are go
    through the junk-removal passes. Domain-level work happens once per distinct domain."""
    s = _as_text(frame.iloc[:, 0]).reset_index(drop=True).str.lower()
    tidy = _bool(s.str.fullmatch(f"{LOCAL_RE}@{DOMAIN_RE}"))
    s = _put(s, ~tidy, _clean(s[~tidy]))
    missing = _bool(s.isna() | (s == "") | s.isin(MISSING_TOKENS))
    has_at = _bool(s.str.contains("@", regex=False)) & ~missing
    text = _arrow(s).cast(pa.string())
    local, domain_raw = _split(text, has_at)

    encoded = (
        pc.dictionary_encode(domain_raw).combine_chunks()
        if isinstance(domain_raw, pa.ChunkedArray)
        else pc.dictionary_encode(domain_raw)
    )
    codes = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False).astype(np.int64)
    per_domain = _domain_table(encoded.dictionary)
    domain = pc.take(per_domain["domain"], encoded.indices)
    label = pc.take(per_domain["label"], encoded.indices)

    address = pc.binary_join_element_wise(local, domain, "@")
    std = pc.if_else(pa.array(has_at), address, pc.if_else(pa.array(missing), pa.scalar(None, pa.string()), text))
    local_ok = tidy | _np(pc.match_substring_regex(local, f"^(?:{LOCAL_RE})$"))
    local_ok &= _np(pc.less_equal(pc.utf8_length(local), 64))
    odd_local = has_at & ~tidy & ~_np(pc.string_is_ascii(pc.fill_null(local, "")))
    if odd_local.any():  # internationalised local parts: email-validator, offline
        local_ok[odd_local] = [_valid_idn(x + "@gmail.com") for x in _objects(local.filter(pa.array(odd_local)))]
    domain_ok = _per_row(per_domain["ok"], codes, False) & _np(pc.less_equal(pc.utf8_length(std), 254))

    base = _base_local(local)
    placeholder = has_at & _is_placeholder(base, label, _per_row(per_domain["placeholder"], codes, False))
    issue = np.select(
        [missing, ~has_at, ~local_ok, ~domain_ok, placeholder],
        ["missing", "no @", "bad local part", "bad domain", "placeholder"],
        default="",
    ).astype(object)
    issue[issue == ""] = None
    valid = pd.isna(issue)

    corrected = _per_row(per_domain["corrected"], codes, False)
    correction = pc.if_else(
        pa.array(corrected), pc.binary_join_element_wise(domain_raw, domain, " → "), pa.scalar(None, pa.string())
    )
    gmail = pa.array(_per_row(per_domain["gmail"], codes, False))
    key_local = pc.if_else(gmail, pc.replace_substring(base, ".", ""), base)
    key_domain = pc.if_else(gmail, pa.scalar("gmail.com"), domain)
    key = pc.if_else(
        pa.array(valid), pc.binary_join_element_wise(key_local, key_domain, "@"), pa.scalar(None, pa.string())
    )
    return object_frame(
        {
            "email_std": _objects(std),
            "email_valid": valid,
            "email_issue": issue,
            "email_domain": _objects(domain),
            "email_corrected": corrected,
            "email_correction": _objects(correction),
            "email_role": _is_role(base) & has_at,
            "email_disposable": _per_row(per_domain["disposable"], codes, False),
            "email_key": _objects(key),
        }
    )
