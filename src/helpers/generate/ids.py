"""National identifiers with valid check digits, computed for whole arrays at once.

Real pipelines validate these (a DNI whose letter is wrong is a typo, not a person), so the
clean values must pass the official checks: Spanish DNI/NIE letter, Italian codice fiscale
check character (full structure: surname/name consonants, birth date, sex, municipality code),
Portuguese NIF mod-11 digit, Brazilian CPF's two digits, US SSN structural rules, UK National
Insurance number prefix rules (no checksum exists).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import text as T

DNI_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"
_DNI = np.frombuffer(DNI_LETTERS.encode("utf-32-le"), dtype=np.uint32)


def dni(rng: np.random.Generator, n: int, nie_share: float = 0.03) -> pa.Array:
    """Spanish DNI '12345678Z', with a share of foreigners' NIE 'X1234567L'."""
    number = rng.integers(1_000_000, 79_999_999, size=n, dtype=np.int64)
    nie = rng.random(n) < nie_share
    prefix = rng.integers(0, 3, size=n)  # X, Y, Z -> 0, 1, 2
    number = np.where(nie, number % 10_000_000, number)
    checked = np.where(nie, prefix * 10_000_000 + number, number)
    letter = _DNI[checked % 23]
    digits = T.digit_codes(number, 8)
    digits[nie, 0] = np.frombuffer("XYZ".encode("utf-32-le"), dtype=np.uint32)[prefix[nie]]
    return T.from_codes(np.concatenate([digits, letter[:, None]], axis=1))


def dni_valid(values: pa.Array) -> np.ndarray:
    """True where a DNI/NIE string (upper-case, no separators) has the right letter."""
    s = T.arr(pc.fill_null(values, ""))
    codes = T.to_codes(s)
    if codes.shape[1] < 9:
        return np.zeros(len(s), dtype=bool)
    codes = codes[:, :9]
    first = codes[:, 0]
    lead = np.select([first == ord("X"), first == ord("Y"), first == ord("Z")], [0, 1, 2], -1)
    body = codes[:, 1:8].astype(np.int64) - T.ZERO
    num_tail = (body * 10 ** np.arange(6, -1, -1)).sum(axis=1)
    d0 = first.astype(np.int64) - T.ZERO
    number = np.where(lead >= 0, lead * 10_000_000 + num_tail, d0 * 10_000_000 + num_tail)
    digits_ok = ((codes[:, 1:8] >= T.ZERO) & (codes[:, 1:8] <= T.ZERO + 9)).all(axis=1)
    digits_ok &= (lead >= 0) | ((d0 >= 0) & (d0 <= 9))
    return digits_ok & (_DNI[number % 23] == codes[:, 8]) & (T.lengths(s) == 9)


# --- Italy: codice fiscale --------------------------------------------------------------------

_CF_MONTH = np.frombuffer("ABCDEHLMPRST".encode("utf-32-le"), dtype=np.uint32)
_ODD = {
    **dict(zip("0123456789", [1, 0, 5, 7, 9, 13, 15, 17, 19, 21])),
    **dict(
        zip(
            "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
            [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23],
        )
    ),
}
_EVEN = {**{str(i): i for i in range(10)}, **{chr(65 + i): i for i in range(26)}}
_ODD_T = np.zeros(128, dtype=np.int64)
_EVEN_T = np.zeros(128, dtype=np.int64)
for _k, _v in _ODD.items():
    _ODD_T[ord(_k)] = _v
for _k, _v in _EVEN.items():
    _EVEN_T[ord(_k)] = _v
# Belfiore (cadastral) codes of the generator's Italian cities, used as birthplaces.
BELFIORE = ("H501", "F205", "F839", "L219", "G273", "D969", "A944", "D612", "A662", "L736")


def _cf_letters(a: pa.Array, is_name: bool) -> pa.Array:
    up = pc.replace_substring_regex(pc.utf8_upper(T.strip_accents(a)), r"[^A-Z]", "")
    cons = pc.replace_substring_regex(up, r"[AEIOU]", "")
    vows = pc.replace_substring_regex(up, r"[^AEIOU]", "")
    std = pc.utf8_slice_codeunits(T.cat(cons, vows, "XXX"), 0, 3)
    if not is_name:
        return T.arr(std)
    four = T.cat(pc.utf8_slice_codeunits(cons, 0, 1), pc.utf8_slice_codeunits(cons, 2, 4))
    return T.arr(pc.if_else(pc.greater_equal(pc.utf8_length(cons), 4), four, std))


def cf_check(codes15: np.ndarray) -> np.ndarray:
    """Check character code points for (n, 15) codice-fiscale code points."""
    c = np.minimum(codes15, 127).astype(np.int64)
    total = _ODD_T[c[:, 0::2]].sum(axis=1) + _EVEN_T[c[:, 1::2]].sum(axis=1)
    return (65 + total % 26).astype(np.uint32)


def codice_fiscale(
    rng: np.random.Generator, surname: pa.Array, first: pa.Array, dob_days: np.ndarray, female: np.ndarray
) -> pa.Array:
    """Structurally real codice fiscale: RSSMRA85T10H501Z style, with a valid check character."""
    n = len(dob_days)
    f = T.ymd(dob_days)
    sur = T.to_codes(_cf_letters(surname, False))[:, :3]
    nam = T.to_codes(_cf_letters(first, True))[:, :3]
    yy = T.digit_codes(f["Y"] % 100, 2)
    mm = _CF_MONTH[f["m"] - 1][:, None]
    dd = T.digit_codes(f["d"] + np.where(female, 40, 0), 2)
    place = T.to_codes(pa.array(BELFIORE)).take(rng.integers(0, len(BELFIORE), size=n), axis=0)[:, :4]
    body = np.concatenate([sur, nam, yy, mm, dd, place], axis=1).astype(np.uint32)
    return T.from_codes(np.concatenate([body, cf_check(body)[:, None]], axis=1))


def cf_valid(values: pa.Array) -> np.ndarray:
    codes = T.to_codes(pc.utf8_upper(pc.fill_null(values, "")))
    if codes.shape[1] < 16:
        return np.zeros(len(values), dtype=bool)
    return (T.lengths(values) == 16) & (cf_check(codes[:, :15]) == codes[:, 15])


# --- Portugal: NIF ------------------------------------------------------------------------------


def _nif_check(first8: np.ndarray) -> np.ndarray:
    d = (first8[:, None] // 10 ** np.arange(7, -1, -1)) % 10
    r = 11 - (d * np.arange(9, 1, -1)).sum(axis=1) % 11
    return np.where(r >= 10, 0, r)


def nif(rng: np.random.Generator, n: int) -> pa.Array:
    """Portuguese personal NIF: 9 digits starting 1, 2 or 3, last digit mod-11."""
    first8 = rng.choice([1, 2, 2, 3], size=n) * 10_000_000 + rng.integers(0, 10_000_000, size=n)
    return T.int_str(first8 * 10 + _nif_check(first8), 9)


def nif_valid(values: pa.Array) -> np.ndarray:
    s = pc.fill_null(values, "")
    ok = pc.match_substring_regex(s, r"^\d{9}$").to_numpy(zero_copy_only=False)
    x = np.where(ok, pc.cast(pc.if_else(ok, s, "0"), pa.int64()).to_numpy(), 0)
    return ok & (_nif_check(x // 10) == x % 10)


# --- Brazil: CPF ---------------------------------------------------------------------------------


def _cpf_digits(base9: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    d = (base9[:, None] // 10 ** np.arange(8, -1, -1)) % 10
    d10 = (d * np.arange(10, 1, -1)).sum(axis=1) * 10 % 11 % 10
    d11 = ((d * np.arange(11, 2, -1)).sum(axis=1) + d10 * 2) * 10 % 11 % 10
    return d10, d11


def cpf(rng: np.random.Generator, n: int) -> pa.Array:
    """CPF as 11 digits (sources format it as 123.456.789-09 or not)."""
    base = rng.integers(1_000_000, 999_999_999, size=n, dtype=np.int64)
    repdigit = base % 111_111_111 == 0
    base = np.where(repdigit, base + 1, base)
    d10, d11 = _cpf_digits(base)
    return T.int_str(base * 100 + d10 * 10 + d11, 11)


def cpf_valid(values: pa.Array) -> np.ndarray:
    s = pc.replace_substring_regex(pc.fill_null(values, ""), r"[.\-\s]", "")
    ok = pc.match_substring_regex(s, r"^\d{11}$").to_numpy(zero_copy_only=False)
    x = np.where(ok, pc.cast(pc.if_else(ok, s, "0"), pa.int64()).to_numpy(), 0)
    d10, d11 = _cpf_digits(x // 100)
    return ok & (d10 * 10 + d11 == x % 100)


# --- US SSN and UK NINO --------------------------------------------------------------------------


def ssn(rng: np.random.Generator, n: int) -> pa.Array:
    """'123-45-6789': area 001-899 without 666, group 01-99, serial 0001-9999."""
    area = rng.integers(1, 899, size=n)
    area = np.where(area == 666, 667, area)
    group = rng.integers(1, 100, size=n)
    serial = rng.integers(1, 10_000, size=n)
    return T.fill_template(
        "###-##-####",
        np.concatenate([T.digit_codes(area, 3), T.digit_codes(group, 2), T.digit_codes(serial, 4)], axis=1),
    )


def ssn_valid(values: pa.Array) -> np.ndarray:
    s = pc.fill_null(values, "")
    ok = pc.match_substring_regex(s, r"^\d{3}-\d{2}-\d{4}$")
    bad = pc.match_substring_regex(s, r"^666|^000|^9|-00-|-0000$")
    return pc.and_(ok, pc.invert(bad)).to_numpy(zero_copy_only=False)


_NINO_FIRST = "ABCEGHJKLMNOPRSTWXYZ"
_NINO_SECOND = "ABCEGHJKLMNPRSTWXYZ"
_NINO_BAD = {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}
NINO_PREFIXES = tuple(a + b for a in _NINO_FIRST for b in _NINO_SECOND if a + b not in _NINO_BAD)


def nino(rng: np.random.Generator, n: int) -> pa.Array:
    """UK National Insurance number 'QQ123456C' (valid prefix, suffix A-D)."""
    pref = T.to_codes(pa.array(NINO_PREFIXES))[rng.integers(0, len(NINO_PREFIXES), size=n)]
    num = T.digit_codes(rng.integers(0, 1_000_000, size=n), 6)
    suf = np.frombuffer("ABCD".encode("utf-32-le"), dtype=np.uint32)[rng.integers(0, 4, size=n)][:, None]
    return T.from_codes(np.concatenate([pref, num, suf], axis=1))


def nino_valid(values: pa.Array) -> np.ndarray:
    s = pc.utf8_upper(pc.replace_substring_regex(pc.fill_null(values, ""), r"\s", ""))
    ok = pc.match_substring_regex(s, r"^[A-Z]{2}\d{6}[A-D]$").to_numpy(zero_copy_only=False)
    pref = pc.utf8_slice_codeunits(s, 0, 2)
    return ok & pc.is_in(pref, value_set=pa.array(NINO_PREFIXES)).to_numpy(zero_copy_only=False)


VALIDATORS = {"ES": dni_valid, "IT": cf_valid, "PT": nif_valid, "BR": cpf_valid, "US": ssn_valid, "GB": nino_valid}
