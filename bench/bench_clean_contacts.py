"""Benchmark the stage-02 contact standardisers on 1,000,000 realistic rows.

    .venv/bin/python bench/bench_clean_contacts.py [--rows 1000000] [--seed 7]

Builds a synthetic customer file — countries ES/IT/PT/BR/GB/US, phones typed in every common
national and international format (~900k distinct), emails (~950k distinct, ~3% typos and
junk), 300k national identifiers with their real check digits — and prints wall and CPU
seconds and rows/s per standardiser. CPU seconds are the steadier figure on a shared machine.
Generation is vectorised too, so the set-up does not dominate.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from helpers.standardise.emails import standardise_emails
from helpers.standardise.national_ids import standardise_national_ids
from helpers.standardise.phones import standardise_phones

TEXT = "string[pyarrow]"
COUNTRIES = np.array(["ES", "IT", "PT", "BR", "GB", "US"])
COUNTRY_WEIGHTS = np.array([0.30, 0.15, 0.10, 0.15, 0.15, 0.15])


# --------------------------------------------------------------------------- small helpers


def digits(rng: np.random.Generator, n: int, width: int) -> pd.Series:
    """n random digit strings of exactly `width` digits (leading zeros kept)."""
    out = pd.Series([""] * n, dtype=TEXT)
    for start in range(0, width, 9):
        w = min(9, width - start)
        part = pd.Series(rng.integers(0, 10**w, size=n).astype(str), dtype=TEXT).str.pad(w, fillchar="0")
        out = out + part
    return out


def pick(rng: np.random.Generator, options: list[str], n: int, p: list[float] | None = None) -> pd.Series:
    return pd.Series(rng.choice(np.array(options, dtype=object), size=n, p=p), dtype=TEXT)


def cut(s: pd.Series, *bounds: int) -> list[pd.Series]:
    """Split each string at the given positions (vectorised slicing)."""
    edges = [0, *bounds, None]
    return [s.str.slice(a, b) for a, b in zip(edges[:-1], edges[1:])]


# --------------------------------------------------------------------------- phones


def national_numbers(rng: np.random.Generator, country: str, n: int) -> pd.Series:
    """National significant numbers shaped like real mobile and fixed-line ranges."""
    mobile = rng.random(n) < 0.65
    if country == "ES":
        mob = pick(rng, ["6", "7"], n, [0.9, 0.1]) + digits(rng, n, 8)
        mob = mob.where(~mob.str.startswith("7"), "7" + pick(rng, list("1234"), n) + digits(rng, n, 7))
        fix = "9" + pick(rng, list("12345678"), n) + digits(rng, n, 7)
    elif country == "IT":
        mob = "3" + pick(rng, list("23456789"), n) + digits(rng, n, 8)
        fix = pick(rng, ["06", "02", "011", "055", "081"], n)
        fix = fix + digits(rng, n, 7)
    elif country == "PT":
        mob = "9" + pick(rng, list("1236"), n) + digits(rng, n, 7)
        fix = "2" + pick(rng, list("123456789"), n) + digits(rng, n, 7)
    elif country == "BR":
        area = pick(rng, ["11", "21", "31", "41", "51", "61", "71", "81", "85", "19", "27", "47", "48", "62"], n)
        mob = area + "9" + pick(rng, list("6789"), n) + digits(rng, n, 7)
        fix = area + pick(rng, list("2345"), n) + digits(rng, n, 7)
    elif country == "GB":
        mob = "7" + pick(rng, list("45789"), n) + digits(rng, n, 8)
        fix = pick(rng, ["207", "208", "203", "121", "161", "131", "113"], n) + digits(rng, n, 7)
    else:  # US
        area = pick(rng, ["212", "213", "312", "415", "617", "646", "702", "713", "305", "404", "206", "303"], n)
        mob = area + pick(rng, list("23456789"), n) + digits(rng, n, 6)
        fix = mob
    return mob.where(mobile, fix)


CALLING = {"ES": "34", "IT": "39", "PT": "351", "BR": "55", "GB": "44", "US": "1"}


def formatted(rng: np.random.Generator, country: str, nsn: pd.Series) -> pd.Series:
    """Write each number the way people do in that country (national and international)."""
    n = len(nsn)
    cc = CALLING[country]
    a, b, c = cut(nsn, 3, 6)
    options: list[pd.Series] = [
        "+" + cc + nsn,
        "+" + cc + " " + a + " " + b + " " + c,
        "00" + cc + nsn if country != "US" else "011" + cc + nsn,
    ]
    if country == "ES":
        d1, d2, d3, d4 = cut(nsn, 3, 5, 7)
        options += [
            nsn,
            a + "-" + b + "-" + c,
            "(" + a + ") " + b + c,
            "tel: " + nsn,
            d1 + " " + d2 + " " + d3 + " " + d4,
            nsn + " (casa)",
        ]
    elif country == "IT":
        options += [nsn, a + " " + b + " " + c, "+39 " + nsn.str.slice(0, 2) + " " + nsn.str.slice(2)]
    elif country == "PT":
        options += [nsn, a + " " + b + " " + c, "+351 " + a + " " + b + " " + c]
    elif country == "BR":
        area, sub = cut(nsn, 2)
        head, tail = sub.str.slice(0, -4), sub.str.slice(-4)
        options += [
            area + " " + head + "-" + tail,
            "(" + area + ") " + head + "-" + tail,
            "+55 (" + area + ") " + head + "-" + tail,
            "0" + area + " " + head + " " + tail,
        ]
    elif country == "GB":
        g1, g2 = cut(nsn, 4)
        options += ["0" + nsn, "0" + g1 + " " + g2, "+44 (0)" + g1 + " " + g2, "+44 " + g1 + " " + g2]
    else:
        options += [
            "+1 (" + a + ") " + b + "-" + c,
            a + "." + b + "." + c,
            "(" + a + ") " + b + "-" + c,
            "1-" + a + "-" + b + "-" + c,
            nsn,
            a + "-" + b + "-" + c + " x" + digits(rng, n, 3),
        ]
    choice = rng.integers(0, len(options), size=n)
    out = options[0].copy()
    for i, opt in enumerate(options):
        out = out.where(choice != i, opt)
    return out


def phones(rng: np.random.Generator, country: np.ndarray) -> pd.Series:
    """Raw phone column: ~90% distinct, ~2% foreign numbers, ~3% junk."""
    n = len(country)
    out = pd.Series([""] * n, dtype=TEXT)
    for ctry in COUNTRIES:
        rows = country == ctry
        out[rows] = formatted(rng, ctry, national_numbers(rng, ctry, int(rows.sum()))).to_numpy()
    foreign = rng.random(n) < 0.02
    other = rng.choice(COUNTRIES, size=n)
    for ctry in COUNTRIES:
        rows = foreign & (other == ctry)
        k = int(rows.sum())
        out[rows] = ("+" + CALLING[ctry] + " " + national_numbers(rng, ctry, k)).to_numpy()
    junk = rng.random(n) < 0.03
    out[junk] = rng.choice(
        np.array(["000000000", "123456789", "n/a", "12345", "-", "999999999", "61234567890123456789"], dtype=object),
        size=int(junk.sum()),
    )
    result = out.astype(object)
    reuse = rng.random(n) < 0.05  # the same person in two sources (same country)
    for ctry in COUNTRIES:
        donors = np.flatnonzero(country == ctry)
        rows = reuse & (country == ctry)
        result[rows] = result.to_numpy()[rng.choice(donors, size=int(rows.sum()))]
    result[rng.random(n) < 0.02] = None
    return result


# --------------------------------------------------------------------------- emails

FIRST = [
    "jose",
    "maria",
    "juan",
    "ana",
    "luis",
    "carmen",
    "pedro",
    "lucia",
    "marco",
    "giulia",
    "luca",
    "francesca",
    "joao",
    "ana.rita",
    "tiago",
    "beatriz",
    "lucas",
    "gabriela",
    "rafael",
    "john",
    "kate",
    "james",
    "emma",
    "olivia",
    "noah",
    "liam",
    "sofia",
    "mateo",
    "valentina",
    "diego",
]
LAST = [
    "garcia",
    "lopez",
    "martinez",
    "rossi",
    "bianchi",
    "ferrari",
    "silva",
    "santos",
    "oliveira",
    "souza",
    "smith",
    "jones",
    "brown",
    "johnson",
    "williams",
    "perez",
    "sanchez",
    "romano",
    "costa",
]
PROVIDERS = [
    "gmail.com",
    "hotmail.com",
    "hotmail.es",
    "yahoo.com",
    "yahoo.es",
    "outlook.com",
    "outlook.es",
    "icloud.com",
    "libero.it",
    "virgilio.it",
    "hotmail.it",
    "sapo.pt",
    "gmail.com",
    "uol.com.br",
    "terra.com.br",
    "bol.com.br",
    "btinternet.com",
    "live.com",
    "gmx.com",
    "aol.com",
]
TYPOS = [
    "gmial.com",
    "gmai.com",
    "gnail.com",
    "gmail.con",
    "gmail.co",
    "hotmial.com",
    "hotmail.con",
    "yaho.com",
    "outlok.com",
    "hotmial.es",
    "libero.ir",
    "uol.com.bt",
    "gamil.com",
    "hotmal.com",
    "gmaill.com",
    "yahooo.com",
    # not in the curated table: left to the TLD rule and the fuzzy match
    "gmaiil.com",
    "hotmali.es",
    "gmail.cpm",
    "yahho.es",
    "outlook.con.br",
    "gmqil.com",
    "libreo.it",
    "hotmaill.co.uk",
    "gmx.com",
]


def emails(rng: np.random.Generator, n: int) -> pd.Series:
    """Raw email column: ~95% distinct, ~3% typos and junk."""
    first, last = pick(rng, FIRST, n), pick(rng, LAST, n)
    sep = pick(rng, [".", "_", "", "-"], n)
    number = pd.Series(rng.integers(0, 100_000, size=n).astype(str), dtype=TEXT)
    local = first + sep + last + number.where(rng.random(n) < 0.99, "")
    company = (
        pick(rng, ["acme", "iberia", "fenix", "solare", "tejo", "aurora", "brisa", "nova", "delta", "orbita"], n)
        + number.str.slice(0, 3)
        + pick(rng, [".es", ".it", ".pt", ".com.br", ".co.uk", ".com"], n)
    )
    domain = pick(rng, PROVIDERS, n).where(rng.random(n) < 0.8, company)
    address = local + "@" + domain
    bad = rng.random(n)
    address = address.where(~(bad < 0.012), local + "@" + pick(rng, TYPOS, n))
    address = address.where(~((bad >= 0.012) & (bad < 0.017)), " " + address.str.upper() + " ")
    address = address.where(~((bad >= 0.017) & (bad < 0.020)), "<" + address + ">.")
    address = address.where(~((bad >= 0.020) & (bad < 0.024)), "mailto:" + address)
    address = address.where(~((bad >= 0.024) & (bad < 0.027)), local + domain)
    address = address.where(
        ~((bad >= 0.027) & (bad < 0.030)),
        pick(rng, ["noemail@gmail.com", "none@none.com", "test@test.com", "a@a.com", "n/a"], n),
    )
    result = address.astype(object)
    reuse = rng.random(n) < 0.02
    result[reuse] = result.to_numpy()[rng.integers(0, n, size=int(reuse.sum()))]
    result[rng.random(n) < 0.02] = None
    return result


# --------------------------------------------------------------------------- national ids

DNI = np.array(list("TRWAGMYFPDXBNJZSQVHLCKE"))
CF_ODD = np.array([1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23])


def _digit_matrix(rng: np.random.Generator, n: int, width: int) -> np.ndarray:
    return rng.integers(0, 10, size=(n, width))


def es_ids(rng: np.random.Generator, n: int) -> pd.Series:
    number = rng.integers(1_000_000, 99_999_999, size=n)
    dni = pd.Series(number.astype(str), dtype=TEXT).str.pad(8, fillchar="0") + pd.Series(DNI[number % 23], dtype=TEXT)
    styles = rng.integers(0, 3, size=n)
    body, letter = dni.str.slice(0, 8), dni.str.slice(8)
    return dni.where(styles != 1, body + "-" + letter).where(
        styles != 2, body.str.slice(0, 2) + "." + body.str.slice(2, 5) + "." + body.str.slice(5) + " " + letter
    )


def it_ids(rng: np.random.Generator, n: int) -> pd.Series:
    letters = rng.integers(0, 26, size=(n, 16))
    d = _digit_matrix(rng, n, 16)
    codes = letters.copy()
    codes[:, [6, 7, 9, 10, 12, 13, 14]] = d[:, [6, 7, 9, 10, 12, 13, 14]] + 100  # digits marked
    codes[:, 8] = np.array([ord(c) - 65 for c in "ABCDEHLMPRST"])[rng.integers(0, 12, size=n)]
    day = rng.integers(1, 29, size=n) + np.where(rng.random(n) < 0.5, 40, 0)
    codes[:, 9], codes[:, 10] = day // 10 + 100, day % 10 + 100
    value = np.where(codes >= 100, codes - 100, codes)
    total = CF_ODD[value[:, 0:15:2]].sum(axis=1) + value[:, 1:15:2].sum(axis=1)
    codes[:, 15] = total % 26
    chars = np.where(codes >= 100, (codes - 100 + 48), codes + 65).astype(np.uint32)
    arr = np.ascontiguousarray(chars).view("U16").ravel()
    return pd.Series(arr, dtype=TEXT)


def pt_ids(rng: np.random.Generator, n: int) -> pd.Series:
    d = _digit_matrix(rng, n, 9)
    d[:, 0] = rng.choice([1, 2, 5], size=n)
    r = (d[:, :8] * np.arange(9, 1, -1)).sum(axis=1) % 11
    d[:, 8] = np.where(r < 2, 0, 11 - r)
    return _digits_to_text(d)


def br_ids(rng: np.random.Generator, n: int) -> pd.Series:
    d = _digit_matrix(rng, n, 11)
    d[:, 9] = (d[:, :9] * np.arange(10, 1, -1)).sum(axis=1) * 10 % 11 % 10
    d[:, 10] = (d[:, :10] * np.arange(11, 1, -1)).sum(axis=1) * 10 % 11 % 10
    s = _digits_to_text(d)
    pretty = s.str.slice(0, 3) + "." + s.str.slice(3, 6) + "." + s.str.slice(6, 9) + "-" + s.str.slice(9)
    return s.where(rng.random(n) < 0.5, pretty)


def us_ids(rng: np.random.Generator, n: int) -> pd.Series:
    area = pd.Series(rng.integers(1, 665, size=n).astype(str), dtype=TEXT).str.pad(3, fillchar="0")
    group = pd.Series(rng.integers(1, 100, size=n).astype(str), dtype=TEXT).str.pad(2, fillchar="0")
    serial = pd.Series(rng.integers(1, 10_000, size=n).astype(str), dtype=TEXT).str.pad(4, fillchar="0")
    return area + "-" + group + "-" + serial


def gb_ids(rng: np.random.Generator, n: int) -> pd.Series:
    first = pick(rng, list("ABCEGHJKLMNOPRSTWXYZ"), n)
    second = pick(rng, list("ABCEGHJKLMNPRSTWXYZ"), n)
    body = digits(rng, n, 6)
    return (
        first
        + second
        + " "
        + body.str.slice(0, 2)
        + " "
        + body.str.slice(2, 4)
        + " "
        + body.str.slice(4)
        + " "
        + pick(rng, list("ABCD"), n)
    )


def _digits_to_text(d: np.ndarray) -> pd.Series:
    chars = (d + 48).astype(np.uint32)
    width = d.shape[1]
    return pd.Series(np.ascontiguousarray(chars).view(f"U{width}").ravel(), dtype=TEXT)


def national_ids(rng: np.random.Generator, country: np.ndarray, share: float = 0.3) -> pd.Series:
    """300k identifiers among 1M rows, ~2% with a wrong last character."""
    n = len(country)
    out = pd.Series([None] * n, dtype=object)
    has = rng.random(n) < share
    makers = {"ES": es_ids, "IT": it_ids, "PT": pt_ids, "BR": br_ids, "US": us_ids, "GB": gb_ids}
    for ctry, make in makers.items():
        rows = has & (country == ctry)
        out[rows] = make(rng, int(rows.sum())).to_numpy(dtype=object)
    typo = has & (rng.random(n) < 0.02)
    out[typo] = (out[typo].astype(TEXT).str.slice(0, -1) + "7").to_numpy(dtype=object)
    return out


# --------------------------------------------------------------------------- main


def build(rows: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    country = rng.choice(COUNTRIES, size=rows, p=COUNTRY_WEIGHTS)
    frame = pd.DataFrame(
        {
            "email": emails(rng, rows),
            "phone": phones(rng, country),
            "national_id": national_ids(rng, country),
            "country": pd.Series(country, dtype=object),
        }
    )
    frame.loc[rng.random(rows) < 0.01, "country"] = None
    return frame


def timed(label: str, fn, rows: int) -> pd.DataFrame:
    """Wall and CPU seconds (CPU matters on a shared machine: other jobs inflate wall time)."""
    start, cpu = time.perf_counter(), time.process_time()
    out = fn()
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
    print(f"{label:<28} {seconds:7.2f} s wall  {cpu_seconds:7.2f} s cpu  {rows / seconds:>12,.0f} rows/s")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    start = time.perf_counter()
    data = build(args.rows, args.seed)
    print(
        f"built {len(data):,} rows in {time.perf_counter() - start:.1f} s: "
        f"{data.email.nunique():,} distinct emails, {data.phone.nunique():,} distinct phones, "
        f"{data.national_id.notna().sum():,} national ids"
    )

    em = timed("standardise_emails", lambda: standardise_emails(data.email), len(data))
    ph = timed("standardise_phones", lambda: standardise_phones(data.phone, data.country), len(data))
    ni = timed("standardise_national_ids", lambda: standardise_national_ids(data.national_id, data.country), len(data))

    print(
        f"emails: {em.email_valid.mean():.1%} valid, {em.email_corrected.sum():,} corrected, "
        f"issues {em.email_issue.value_counts().to_dict()}"
    )
    print(
        f"phones: {ph.phone_valid.mean():.1%} valid, types {ph.phone_type.value_counts().to_dict()}, "
        f"issues {ph.phone_issue.value_counts().to_dict()}"
    )
    print(
        f"national ids: types {ni.national_id_type.value_counts().to_dict()}, "
        f"issues {ni.national_id_issue.value_counts().to_dict()}"
    )


if __name__ == "__main__":
    main()
