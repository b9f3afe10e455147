"""Vectorised string building on Arrow arrays and fixed-width numpy code-point arrays.

Millions of strings are produced per run, so nothing here loops over rows: strings are
assembled with pyarrow.compute kernels, or — for digit templates (phones, dates, ids) — written
directly as Unicode code points into a 2-D uint32 array that is then viewed as a numpy 'U' array.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TypeAlias

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

ZERO = ord("0")
StrLike: TypeAlias = pa.Array | pa.ChunkedArray | str | None


def arr(x) -> pa.Array:
    """A plain (non-chunked) Arrow array."""
    if isinstance(x, pa.ChunkedArray):
        return x.combine_chunks()
    if isinstance(x, pa.Array):
        return x
    return pa.array(x)


def mask(m: np.ndarray) -> pa.Array:
    """numpy boolean mask -> Arrow boolean array."""
    return pa.array(np.asarray(m, dtype=bool))


def where(m: np.ndarray, a: StrLike, b: StrLike) -> pa.Array:
    """Element-wise choice; a and b may be arrays or scalars (None means null)."""
    a = pa.scalar(a, pa.string()) if a is None or isinstance(a, str) else a
    b = pa.scalar(b, pa.string()) if b is None or isinstance(b, str) else b
    return arr(pc.if_else(mask(m), a, b))


def cat(*parts: StrLike, sep: str = "") -> pa.Array:
    """Concatenate strings element-wise; nulls count as empty strings."""
    return arr(pc.binary_join_element_wise(*parts, sep, null_handling="replace", null_replacement=""))


def cat_skip(*parts: StrLike, sep: str = " ") -> pa.Array:
    """Concatenate with a separator, skipping nulls and empty parts (so no doubled separators).

    Rows where every part is missing give "". (Not pc.binary_join_element_wise with
    null_handling='skip': in pyarrow 26 that drops all-null rows from the result.)
    """
    pieces = []
    for p in parts:
        if isinstance(p, str):
            pieces.append(sep + p if p else "")
        else:
            p = arr(p)
            ok = pc.and_(pc.is_valid(p), pc.not_equal(pc.fill_null(p, ""), ""))
            pieces.append(arr(pc.if_else(ok, pc.binary_join_element_wise(sep, p, ""), "")))
    joined = cat(*pieces)
    return arr(pc.utf8_slice_codeunits(joined, len(sep))) if sep else joined


def null_if(m: np.ndarray, a: pa.Array) -> pa.Array:
    """Set elements to null where m is True."""
    return arr(pc.if_else(mask(m), pa.scalar(None, a.type), a))


def empty_to_null(a: pa.Array) -> pa.Array:
    return arr(pc.if_else(pc.equal(a, ""), pa.scalar(None, a.type), a))


def lengths(a: pa.Array) -> np.ndarray:
    """Character lengths, 0 for nulls."""
    return pc.fill_null(pc.utf8_length(a), 0).to_numpy(zero_copy_only=False).astype(np.int64)


def int_str(x: np.ndarray, width: int = 0) -> pa.Array:
    """Integers as decimal strings, zero-padded to width."""
    s = pa.array(np.asarray(x, dtype=np.int64)).cast(pa.string())
    return arr(pc.utf8_lpad(s, width, "0")) if width else s


def strip_accents(a: pa.Array) -> pa.Array:
    """'José Núñez' -> 'Jose Nunez' (what ASCII-only systems and hurried typists produce)."""
    d = pc.utf8_normalize(a, "NFD")
    return arr(pc.utf8_normalize(pc.replace_substring_regex(d, r"\p{Mn}", ""), "NFC"))


def ascii_token(a: pa.Array) -> pa.Array:
    """Lower-case ASCII letters only: the form names take inside email addresses."""
    return arr(pc.replace_substring_regex(pc.utf8_lower(strip_accents(a)), r"[^a-z]", ""))


def first_token(a: pa.Array) -> pa.Array:
    """The first word of each string ('María José' -> 'María')."""
    return arr(pc.replace_substring_regex(a, r"\s.*$", ""))


# ---------------------------------------------------------------------------------------------
# Fixed-width code-point arrays
# ---------------------------------------------------------------------------------------------


def to_codes(a: pa.Array | np.ndarray, extra: int = 0) -> np.ndarray:
    """Strings -> (n, width) uint32 code points (0-padded); nulls become empty rows."""
    if isinstance(a, (pa.Array, pa.ChunkedArray)):
        a = pc.fill_null(a, "").to_numpy(zero_copy_only=False)
    u = np.asarray(a, dtype=str)
    width = max(u.dtype.itemsize // 4, 1) + extra
    u = u.astype(f"U{width}")
    return u.view(np.uint32).reshape(len(u), width).copy()


def from_codes(codes: np.ndarray) -> pa.Array:
    """(n, width) uint32 code points -> Arrow strings (trailing NULs dropped)."""
    codes = np.ascontiguousarray(codes, dtype=np.uint32)
    n, width = codes.shape
    return pa.array(codes.view(f"U{width}").reshape(n))


def digit_codes(x: np.ndarray, width: int) -> np.ndarray:
    """Non-negative integers -> (n, width) code points of their zero-padded decimal digits."""
    x = np.asarray(x, dtype=np.int64)
    pw = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    return (ZERO + (x[:, None] // pw) % 10).astype(np.uint32)


def fill_template(template: str, digits: np.ndarray) -> pa.Array:
    """Write digit code points into the '#' slots of a template: ('+34 ### ###', ...) -> strings."""
    slots = [i for i, ch in enumerate(template) if ch == "#"]
    if len(slots) != digits.shape[1]:
        raise ValueError(f"template {template!r} has {len(slots)} slots for {digits.shape[1]} digits")
    out = np.empty((digits.shape[0], len(template)), dtype=np.uint32)
    out[:] = np.frombuffer(template.encode("utf-32-le"), dtype=np.uint32)
    out[:, slots] = digits
    return from_codes(out)


_TOKEN = re.compile(r"%(-?)([YymdHMS])")
_WIDTH = {"Y": 4, "y": 2, "m": 2, "d": 2, "H": 2, "M": 2, "S": 2}


def fmt_fields(fields: dict[str, np.ndarray], pattern: str) -> pa.Array:
    """Format integer date/time fields with a strftime-like pattern, vectorised.

    fields holds arrays keyed by token letter (Y, m, d, H, M, S); %y is derived from Y.
    '%-d' and '%-m' drop the leading zero. Fields may hold impossible values (31 February) on
    purpose: this formats numbers, it does not validate dates.
    """
    n = len(next(iter(fields.values())))
    pieces: list[np.ndarray] = []
    unpadded = False
    pos = 0
    for m in _TOKEN.finditer(pattern):
        lit = pattern[pos : m.start()]
        if lit:
            pieces.append(np.broadcast_to(np.frombuffer(lit.encode("utf-32-le"), dtype=np.uint32), (n, len(lit))))
        tok = m.group(2)
        val = fields["Y"] % 100 if tok == "y" else fields[tok]
        pieces.append(digit_codes(val, _WIDTH[tok]))
        unpadded |= m.group(1) == "-"
        pos = m.end()
    if pattern[pos:]:
        lit = pattern[pos:]
        pieces.append(np.broadcast_to(np.frombuffer(lit.encode("utf-32-le"), dtype=np.uint32), (n, len(lit))))
    out = from_codes(np.concatenate(pieces, axis=1))
    if unpadded:
        # Only %-d/%-m tokens are bounded by separators; strip a leading zero there (twice: overlaps).
        for _ in range(2):
            out = arr(pc.replace_substring_regex(out, r"(^|[^0-9])0([0-9])([^0-9]|$)", r"\1\2\3"))
    return out


def ymd(days: np.ndarray) -> dict[str, np.ndarray]:
    """Days since 1970-01-01 -> {'Y','m','d'} integer arrays."""
    d = np.asarray(days, dtype=np.int64).astype("datetime64[D]")
    months = d.astype("datetime64[M]")
    return {
        "Y": months.astype("datetime64[Y]").astype(np.int64) + 1970,
        "m": months.astype(np.int64) % 12 + 1,
        "d": (d - months.astype("datetime64[D]")).astype(np.int64) + 1,
    }


def ts_fields(secs: np.ndarray) -> dict[str, np.ndarray]:
    """Seconds since the epoch -> {'Y','m','d','H','M','S'} integer arrays."""
    secs = np.asarray(secs, dtype=np.int64)
    f = ymd(secs // 86400)
    sod = secs % 86400
    f.update(H=sod // 3600, M=sod // 60 % 60, S=sod % 60)
    return f


def fmt_ts(secs: np.ndarray, pattern: str = "%Y-%m-%dT%H:%M:%S+00:00") -> pa.Array:
    """Seconds since the epoch formatted with a strftime-like pattern."""
    return fmt_fields(ts_fields(secs), pattern)


def fmt_date(days: np.ndarray, pattern: str = "%Y-%m-%d") -> pa.Array:
    """Days since the epoch formatted with a strftime-like pattern."""
    return fmt_fields(ymd(days), pattern)


def base_codes(x: np.ndarray, width: int, alphabet: str) -> np.ndarray:
    """Non-negative integers -> (n, width) code points in the given alphabet's base."""
    x = np.asarray(x, dtype=np.int64)
    b = len(alphabet)
    if b**width >= 2**62:
        raise ValueError("base_codes: width too large for int64")
    pw = np.array([b**k for k in range(width - 1, -1, -1)], dtype=np.int64)
    table = np.frombuffer(alphabet.encode("utf-32-le"), dtype=np.uint32)
    return table[(x[:, None] // pw) % b]


def prefixed_ids(prefix: str, x: np.ndarray, width: int) -> pa.Array:
    """'LC' + zero-padded number, vectorised."""
    lit = np.frombuffer(prefix.encode("utf-32-le"), dtype=np.uint32)
    codes = np.concatenate([np.broadcast_to(lit, (len(x), len(lit))), digit_codes(x, width)], axis=1)
    return from_codes(codes)


def take(values: pa.Array, idx: np.ndarray) -> pa.Array:
    """values[idx] with idx == -1 meaning null."""
    idx = np.asarray(idx, dtype=np.int64)
    neg = idx < 0
    if neg.any():
        return arr(values.take(pa.array(np.where(neg, 0, idx), mask=neg)))
    return arr(values.take(pa.array(idx)))


def pick(m_list: Iterable[tuple[np.ndarray, pa.Array]], default: pa.Array) -> pa.Array:
    """Chain of where(): the first mask that is True selects its array."""
    out = default
    for m, a in reversed(list(m_list)):
        out = where(m, a, out)
    return out


_FIELD = re.compile(r"\{(\w+)\}")


def tokens(fmt: str, comps: dict[str, pa.Array]) -> pa.Array:
    """'{type} {name}, {num}' filled element-wise from the arrays in comps."""
    pieces: list = []
    pos = 0
    for m in _FIELD.finditer(fmt):
        if fmt[pos : m.start()]:
            pieces.append(fmt[pos : m.start()])
        pieces.append(comps[m.group(1)])
        pos = m.end()
    if fmt[pos:]:
        pieces.append(fmt[pos:])
    arrays = [p for p in pieces if not isinstance(p, str)]
    if not arrays:
        raise ValueError(fmt)
    return cat(*pieces)


def scatter(parts: list[tuple[np.ndarray, pa.Array]], n: int) -> pa.Array:
    """Assemble an array of length n from (row indices, values) parts; rows in no part are null."""
    parts = [p for p in parts if len(p[0])]
    if not parts:
        return pa.nulls(n, pa.string())
    idx = np.concatenate([p[0] for p in parts])
    vals = pa.concat_arrays([arr(p[1]) for p in parts])
    if len(idx) == n:
        return arr(vals.take(pa.array(np.argsort(idx, kind="stable"))))
    full = np.full(n, -1, np.int64)  # partial: the rest are nulls
    full[idx] = np.arange(len(idx))
    return take(vals, full)
