"""Benchmark the stage-02 name, gender and date standardisers on 1,000,000 realistic rows.

    .venv/bin/python bench/bench_clean_names_dates.py [--rows 1000000] [--seed 7]

The rows mimic what merged customer exports look like: a Zipf-like head of common names and a
long tail, the same name in several spellings (CAPS, lower, no accents, stray spaces, glued
honorifics, small typos), Spanish/Portuguese double surnames, 15 % of rows with only a
`full_name` in several layouts ("LAST, First", "Sr. First Last", all caps), and dates in the
mixed formats sources send (ISO with time zones, day-first, month-first with a hint, dotted,
two-digit years, month names in four languages, Excel serials, junk). Faker's locale word lists
are used only as a source of real first names and surnames; the parsers never see them.

Targets on the 2-core reference machine: names < 15 s, dates < 5 s, gender < 1 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import time
import unicodedata

import numpy as np
import pandas as pd

from helpers.standardise.dates import standardise_dates
from helpers.standardise.gender import standardise_gender
from helpers.standardise.names import standardise_names

COUNTRIES = np.array(["ES", "IT", "PT", "BR", "GB", "US"])
COUNTRY_P = np.array([0.25, 0.15, 0.10, 0.15, 0.15, 0.20])
LOCALE = {"ES": "es_ES", "IT": "it_IT", "PT": "pt_PT", "BR": "pt_BR", "GB": "en_GB", "US": "en_US"}
TITLES = {
    "ES": ["Sr.", "Sra.", "D.", "Dña."],
    "IT": ["Sig.", "Sig.ra", "Dott.", "Dott.ssa"],
    "PT": ["Sr.", "Sra."],
    "BR": ["Sr.", "Sra.", "Dr."],
    "GB": ["Mr", "Mrs", "Ms", "Dr"],
    "US": ["Mr.", "Mrs.", "Ms.", "Dr."],
}
REFERENCE = dt.date(2026, 11, 15)


def _words(locale: str, attr: str) -> list[str]:
    provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
    return list(getattr(provider, attr, ()) or ())


def _no_accents(s: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))


def _variants(base: list[str], target: int, rng: np.random.Generator) -> np.ndarray:
    """Grow a list of real names to ~target distinct spellings the way data entry does."""
    out = list(dict.fromkeys(base))
    seen = set(out)
    while len(out) < target:
        # Mostly real names, sometimes a variant of a variant (keeps small lists growing).
        name = base[rng.integers(len(base))] if rng.random() < 0.7 else out[rng.integers(len(out))].strip()
        k = rng.integers(6)
        if k == 0:
            v = name.upper()
        elif k == 1:
            v = name.lower()
        elif k == 2:
            v = _no_accents(name).upper()
        elif k == 3:
            v = f"  {name} "
        elif len(name) > 3:
            i = int(rng.integers(1, len(name) - 2))
            v = name[:i] + name[i + 1] + name[i] + name[i + 2 :] if k == 4 else name[:i] + name[i + 1 :]
        else:
            v = name + name[-1]
        if v not in seen:
            seen.add(v)
            out.append(v)
    return np.array(out, dtype=object)


def _zipf_pick(pool: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """Head-heavy draw: a few names are very common, every name appears at least rarely."""
    ranks = np.arange(1, len(pool) + 1)
    p = 1.0 / ranks**0.9
    return pool[rng.choice(len(pool), size=n, p=p / p.sum())]


def make_people(n: int, rng: np.random.Generator) -> pd.DataFrame:
    country = rng.choice(COUNTRIES, size=n, p=COUNTRY_P)
    df = pd.DataFrame(
        {
            "country": country,
            "title": None,
            "first_name": None,
            "middle_name": None,
            "last_name": None,
            "full_name": None,
        },
        dtype=object,
    )
    for c in COUNTRIES:
        rows = np.flatnonzero(country == c)
        loc = LOCALE[c]
        firsts = _words(loc, "first_names_female") + _words(loc, "first_names_male")
        if not firsts:
            firsts = list(_words(loc, "first_names"))
        surnames = list(_words(loc, "last_names"))
        share = {"ES": 0.27, "IT": 0.15, "PT": 0.1, "BR": 0.15, "GB": 0.15, "US": 0.18}[c]
        first_pool = _variants(firsts, int(24_000 * share), rng)
        sur_pool = _variants(surnames, int(55_000 * share), rng)
        k = len(rows)
        if c in ("ES", "PT", "BR"):
            # Two surnames for most people: the pool holds whole last names, single and double.
            m = len(sur_pool)
            pairs = (
                _zipf_pick(sur_pool, 4 * m, rng)
                + np.where(rng.random(4 * m) < 0.05, " y ", " ")
                + _zipf_pick(sur_pool, 4 * m, rng)
            )
            sur_pool = np.concatenate([sur_pool[: m // 3], pd.unique(pairs)[: 2 * m // 3]])
            sur_pool = sur_pool[rng.permutation(len(sur_pool))]
        first = _zipf_pick(first_pool, k, rng)
        last = _zipf_pick(sur_pool, k, rng)
        title = np.where(rng.random(k) < 0.3, rng.choice(TITLES[c], size=k), None)
        full_only = rng.random(k) < 0.15
        layout = rng.integers(4, size=k)
        full = np.where(
            layout == 0,
            last + ", " + first,
            np.where(
                layout == 1,
                title.astype(str) + " " + first + " " + last,
                np.where(layout == 2, (first + " " + last).astype(str), first + " " + last),
            ),
        )
        full = np.array(
            [s.upper() if lay == 2 else s.replace("None ", "") for s, lay in zip(full, layout)], dtype=object
        )
        middle = np.where(rng.random(k) < 0.1, _zipf_pick(first_pool, k, rng), None) if c in ("GB", "US") else None
        df.loc[df.index[rows], "title"] = np.where(full_only, None, title)
        df.loc[df.index[rows], "first_name"] = np.where(full_only, None, first)
        df.loc[df.index[rows], "last_name"] = np.where(full_only, None, last)
        df.loc[df.index[rows], "full_name"] = np.where(full_only, full, None)
        if middle is not None:
            df.loc[df.index[rows], "middle_name"] = np.where(full_only, None, middle)
    return df


def make_dates(n: int, rng: np.random.Generator) -> tuple[pd.Series, pd.Series]:
    """~30k distinct birth-date strings in the formats sources use, and their format hints.

    Every style is rendered once per distinct day, then rows pick (day, style) pairs.
    """
    days = np.unique(
        rng.integers(np.datetime64("1935-01-01").astype(int), np.datetime64("2008-12-31").astype(int), size=3_300)
    ).astype("datetime64[D]")
    ts = pd.to_datetime(days)
    months_es = np.array(
        [
            "enero",
            "febrero",
            "marzo",
            "abril",
            "mayo",
            "junio",
            "julio",
            "agosto",
            "septiembre",
            "octubre",
            "noviembre",
            "diciembre",
        ],
        dtype=object,
    )
    serial = (days - np.datetime64("1899-12-30")).astype(int).astype(str)
    styles = [  # (rendering per distinct day, hint, share)
        (ts.strftime("%Y-%m-%d"), None, 0.25),
        (ts.strftime("%d/%m/%Y"), "%d/%m/%Y", 0.20),
        (ts.strftime("%m/%d/%Y 00:00"), "%m/%d/%Y %H:%M", 0.12),
        (ts.strftime("%d.%m.%Y"), None, 0.08),
        (ts.strftime("%Y-%m-%dT08:30:00+01:00"), None, 0.07),
        (ts.strftime("%d/%m/%y"), "%d/%m/%Y", 0.07),
        (ts.day.astype(str) + " de " + months_es[ts.month - 1] + " de " + ts.year.astype(str), None, 0.06),
        (ts.strftime("%B %d, %Y"), None, 0.06),
        (pd.Index(serial), None, 0.05),
        (ts.strftime(" %d - %m - %Y "), "%d/%m/%Y", 0.04),
    ]
    table = np.array([np.asarray(r, dtype=object) for r, _, _ in styles])  # (styles, days)
    style = rng.choice(len(styles), size=n, p=[p for _, _, p in styles])
    day = rng.integers(len(days), size=n)
    text = table[style, day]
    junk = rng.random(n) < 0.01
    text[junk] = rng.choice(["", "n/a", "31/02/1990", "00/00/0000", "2031-01-01", "unknown"], size=junk.sum())
    text[rng.random(n) < 0.05] = None
    hints = np.array([h for _, h, _ in styles], dtype=object)[style]
    return pd.Series(text, dtype=object), pd.Series(hints, dtype=object)


def make_gender(n: int, rng: np.random.Generator) -> pd.Series:
    spellings = [
        "M",
        "F",
        "Male",
        "Female",
        "MALE",
        "FEMALE",
        " f ",
        "m.",
        "Mujer",
        "Hombre",
        "H",
        "V",
        "Masculino",
        "Feminino",
        "Femenino",
        "Donna",
        "Uomo",
        "Maschio",
        "Femmina",
        "Not specified",
        "non-binary",
        "1",
        "2",
        "",
        "U",
        None,
    ]
    return pd.Series(rng.choice(np.array(spellings, dtype=object), size=n), dtype=object)


def timed(label: str, n: int, fn) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - start
    print(f"{label:<8} {seconds:7.2f} s   {n / seconds:>12,.0f} rows/s")
    return seconds, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    n = args.rows

    t0 = time.perf_counter()
    people = make_people(n, rng)
    dates, hints = make_dates(n, rng)
    gender = make_gender(n, rng)
    print(
        f"built {n:,} rows in {time.perf_counter() - t0:.1f} s: "
        f"{people['first_name'].nunique():,} distinct first names, "
        f"{people['last_name'].nunique():,} distinct last names, "
        f"{people['full_name'].notna().mean():.0%} full_name-only rows with "
        f"{people['full_name'].nunique():,} distinct full names, "
        f"{dates.nunique():,} distinct date values"
    )

    names_s, names = timed("names", n, lambda: standardise_names(people, people["country"]))
    dates_s, parsed = timed("dates", n, lambda: standardise_dates(dates, hints, REFERENCE, kind="birth"))
    gender_s, _ = timed("gender", n, lambda: standardise_gender(gender))

    print(f"name_source: {names['name_source'].value_counts(dropna=False).to_dict()}")
    print(
        f"date_valid: {parsed['date_valid'].mean():.1%}; issues: "
        f"{parsed['date_issue'].value_counts(dropna=False).to_dict()}"
    )
    ok = names_s < 15 and dates_s < 5 and gender_s < 1
    print("targets (names < 15 s, dates < 5 s, gender < 1 s):", "met" if ok else "NOT met")


if __name__ == "__main__":
    main()
