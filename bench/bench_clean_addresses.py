"""Benchmark the stage-02 address-family standardisers on 1,000,000 realistic rows.

    .venv/bin/python bench/bench_clean_addresses.py [--rows 1000000] [--seed 7]

Builds a synthetic customer file for ES/IT/PT/BR/GB/US: ~450k distinct address lines written in
each country's usual formats (abbreviated and full street types, units as "3º 2ª", "piso 3,
puerta 2", "int. 5", "3º Esq.", "apto 52", "Flat 3", "Apt 4B", on line 1 or line 2, in upper,
lower and title case), 60 distinct country spellings (some missing, filled from a source
default) and ~200k distinct postcodes typed with and without separators. Prints seconds and
rows/s per standardiser, and a few sanity counts so a fast-but-wrong run is visible.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from helpers.generate.pools import STREET_NAMES
from helpers.standardise.addresses import standardise_addresses
from helpers.standardise.countries import standardise_countries
from helpers.standardise.postcodes import standardise_postcodes

COUNTRIES = ["ES", "IT", "PT", "BR", "GB", "US"]
WEIGHTS = np.array([0.25, 0.15, 0.10, 0.15, 0.15, 0.20])
SPELLINGS = {
    "ES": ["ES", "Spain", "España", "ESPAÑA", "Espana", "spain", "ESP", "Espanha", "Spagna", "España ", "724"],
    "IT": ["IT", "Italy", "Italia", "ITALIA", "italia", "ITA", "Itália", "Italie", "380", "Italien"],
    "PT": ["PT", "Portugal", "PORTUGAL", "portugal", "PRT", "Portogallo", "620", "Portugal."],
    "BR": ["BR", "Brazil", "Brasil", "BRASIL", "brasil", "BRA", "Brasile", "Brésil", "076"],
    "GB": [
        "GB",
        "UK",
        "United Kingdom",
        "England",
        "Great Britain",
        "U.K.",
        "Scotland",
        "GBR",
        "Reino Unido",
        "Wales",
        "uk",
    ],
    "US": [
        "US",
        "USA",
        "United States",
        "U.S.A.",
        "U.S.",
        "United States of America",
        "usa",
        "Estados Unidos",
        "Stati Uniti",
        "EEUU",
        "840",
    ],
}
# Street types: (full form, spellings seen in the wild, weight).
TYPES = {
    "ES": [
        ("Calle", ["Calle", "C/", "C.", "Cl."], 60),
        ("Avenida", ["Avenida", "Avda.", "Av."], 15),
        ("Plaza", ["Plaza", "Pza.", "Pl."], 6),
        ("Paseo", ["Paseo", "Pº", "P.º"], 8),
        ("Ronda", ["Ronda", "Rda."], 3),
        ("Camino", ["Camino", "Cno."], 3),
        ("Travesía", ["Travesía", "Trva."], 5),
    ],
    "IT": [
        ("Via", ["Via", "V."], 70),
        ("Viale", ["Viale", "V.le"], 10),
        ("Piazza", ["Piazza", "P.za", "P.zza"], 7),
        ("Corso", ["Corso", "C.so"], 7),
        ("Largo", ["Largo", "L.go"], 3),
        ("Vicolo", ["Vicolo", "Vic."], 3),
    ],
    "PT": [
        ("Rua", ["Rua", "R."], 70),
        ("Avenida", ["Avenida", "Av."], 15),
        ("Travessa", ["Travessa", "Tv."], 7),
        ("Largo", ["Largo", "Lg."], 4),
        ("Praça", ["Praça", "Pç."], 4),
    ],
    "BR": [
        ("Rua", ["Rua", "R.", "R"], 70),
        ("Avenida", ["Avenida", "Av.", "Av"], 18),
        ("Alameda", ["Alameda", "Al."], 5),
        ("Travessa", ["Travessa", "Tv."], 4),
        ("Praça", ["Praça", "Pç."], 3),
    ],
    "GB": [
        ("Street", ["Street", "St", "St."], 30),
        ("Road", ["Road", "Rd", "Rd."], 35),
        ("Lane", ["Lane", "Ln"], 10),
        ("Avenue", ["Avenue", "Ave"], 10),
        ("Close", ["Close", "Cl"], 5),
        ("Drive", ["Drive", "Dr"], 5),
        ("Gardens", ["Gardens", "Gdns"], 3),
        ("Way", ["Way"], 2),
    ],
    "US": [
        ("Street", ["Street", "St", "St."], 35),
        ("Avenue", ["Avenue", "Ave", "Ave."], 20),
        ("Drive", ["Drive", "Dr"], 12),
        ("Road", ["Road", "Rd"], 10),
        ("Boulevard", ["Boulevard", "Blvd"], 5),
        ("Lane", ["Lane", "Ln"], 8),
        ("Court", ["Court", "Ct"], 5),
        ("Place", ["Place", "Pl"], 5),
    ],
}

# (line1, line2) templates per country, as customers and systems write them. Fields: t street
# type as written, s street name, n house number, f floor, d door number, L letter, side (PT), dir (US).
TEMPLATES = {
    "ES": [
        ("{t} {s} {n}, {f}º {d}ª", None),
        ("{t} {s}, {n} - {f}º {L}", None),
        ("{t} {s}, nº {n}, piso {f}, puerta {d}", None),
        ("{t} {s} {n} {f}º{d}ª", None),
        ("{t} {s} {n}", "{f}º {d}ª"),
        ("{t} {s} {n}", "Bajo {L}"),
    ],
    "IT": [
        ("{t} {s} {n}", None),
        ("{t} {s}, {n}", None),
        ("{t} {s} {n}, int. {d}{f}", None),
        ("{t} {s} {n} scala {L} int. {d}", None),
        ("{t} {s} {n}/{L}", None),
        ("{t} {s} {n}", "int. {f}{d}"),
    ],
    "PT": [
        ("{t} {s}, {n}, {f}º {side}", None),
        ("{t} {s} {n} R/C {side}", None),
        ("{t} {s}, {n}", None),
        ("{t} {s}, {n}", "{f}º {side}"),
        ("{t} {s} {n} {f}º {L}", None),
        ("{t} {s}, n.º {n}, {f}.º {side}", None),
    ],
    "BR": [
        ("{t} {s}, {n}0 - apto {f}{d}", None),
        ("{t} {s}, {n}0, ap {f}{d}", None),
        ("{t} {s}, {n}0", "Bloco {L} Apto {f}{d}"),
        ("{t} {s} {n}0", None),
        ("{t} {s}, {n}0", "apartamento {f}{d}"),
        ("{t} {s}, {n}0, casa {d}", None),
    ],
    "GB": [
        ("Flat {f}, {n} {s} {t}", None),
        ("{n} {s} {t}", "Flat {f}{L}"),
        ("{n} {s} {t}", None),
        ("Apartment {f}{d}, {n} {s} {t}", None),
        ("Ground Floor Flat, {n} {s} {t}", None),
        ("{n}{l} {s} {t}", None),
    ],
    "US": [
        ("{n}0 {s} {t} Apt {f}{L}", None),
        ("{n}0 {s} {t} #{f}{d}", None),
        ("{n}0 {dir} {s} {t}", None),
        ("{n}0 {s} {t}", "Suite {f}00"),
        ("{n}0 {s} {t}", None),
        ("{n}0 {s} {t}, Unit {d}", None),
    ],
}
PT_SIDES = ["Esq.", "Dto", "Frente", "Esq", "Dto."]
DIRECTIONS = ["N", "S", "E", "W"]


def _postcode_pool(rng: np.random.Generator, country: str, n: int) -> list[str]:
    """n distinct postcodes of a country, typed the ways customers type them."""
    out: set[str] = set()
    letters = list("ABDEFGHJLNPQRSTUWXYZ")
    areas = ["SW", "SE", "N", "E", "W", "NW", "M", "B", "LS", "G", "L", "BS", "EH", "S", "NE", "CF"]
    while len(out) < n:
        k = n - len(out)
        a, b = rng.integers(0, 100_000, k), rng.integers(0, 1000, k)
        if country == "ES":  # province 01-52; one in nine lost its leading zero in a spreadsheet
            v = [f"{1 + x % 52:02d}{y:03d}" for x, y in zip(a, b)]
            v = [c.lstrip("0") if i % 9 == 0 else c for i, c in enumerate(v)]
        elif country == "IT":
            v = [f"{10 + x % 98150:05d}" for x in a]
        elif country == "PT":
            v = [f"{1000 + x % 9000}{'-' if i % 4 else ''}{y:03d}" for i, (x, y) in enumerate(zip(a, b))]
        elif country == "BR":
            v = [f"{1000 + x % 98999:05d}{'-' if i % 3 else ''}{y:03d}" for i, (x, y) in enumerate(zip(a, b))]
        elif country == "GB":
            v = [f"{areas[x % 16]}{1 + x % 19} {y % 10}{letters[y % 20]}{letters[x % 20]}" for x, y in zip(a, b)]
            v = [c.replace(" ", "").lower() if i % 5 == 0 else c for i, c in enumerate(v)]
        else:
            v = [f"{1001 + x % 98949:05d}" + (f"-{y:04d}" if i % 6 == 0 else "") for i, (x, y) in enumerate(zip(a, b))]
        out.update(v)
    return sorted(out)[:n]


def _addresses(rng: np.random.Generator, country: str, n: int) -> tuple[list[str], list[str | None]]:
    """n address (line1, line2) pairs in the country's usual formats and casings."""
    types = TYPES[country]
    w = np.array([t[2] for t in types], dtype=float)
    type_index = rng.choice(len(types), n, p=w / w.sum())
    names = STREET_NAMES[country]
    name_index = rng.integers(0, len(names), n)
    templates = TEMPLATES[country]
    which = rng.integers(0, len(templates), n)
    number, floor, door = rng.integers(1, 400, n), rng.integers(1, 10, n), rng.integers(1, 6, n)
    letter = np.array(list("ABCDEF"))[rng.integers(0, 6, n)]
    case = rng.random(n)
    line1: list[str] = []
    line2: list[str | None] = []
    for i in range(n):
        written = types[type_index[i]][1]
        fields = {
            "t": written[i % len(written)],
            "s": names[name_index[i]],
            "n": number[i],
            "f": floor[i],
            "d": door[i],
            "L": letter[i],
            "l": letter[i].lower(),
            "side": PT_SIDES[door[i] - 1],
            "dir": DIRECTIONS[door[i] % 4],
        }
        one, two = templates[which[i]]
        l1, l2 = one.format(**fields), (two.format(**fields) if two else None)
        if case[i] < 0.15:
            l1, l2 = l1.upper(), (l2.upper() if l2 else l2)
        elif case[i] < 0.22:
            l1, l2 = l1.lower(), (l2.lower() if l2 else l2)
        line1.append(l1)
        line2.append(l2)
    return line1, line2


def build(rows: int, seed: int) -> pd.DataFrame:
    """A customer file of `rows` rows with ~45% distinct address lines and 200k postcodes."""
    rng = np.random.default_rng(seed)
    per_country = np.floor(WEIGHTS * rows * 0.45).astype(int)
    parts = []
    for country, n, w in zip(COUNTRIES, per_country.tolist(), WEIGHTS):
        line1, line2 = _addresses(rng, country, int(n))
        pool = _postcode_pool(rng, country, int(200_000 * w))
        # each postcode at least once (when there are enough addresses), the rest drawn again
        draws = np.concatenate([np.arange(len(pool)), rng.integers(0, len(pool), max(n - len(pool), 0))])[:n]
        rng.shuffle(draws)
        spelled = SPELLINGS[country]
        spelling = [spelled[i] for i in rng.integers(0, len(spelled), n)]
        parts.append(
            pd.DataFrame(
                {
                    "address_line1": line1,
                    "address_line2": line2,
                    "postcode": [pool[i] for i in draws],
                    "country": [None if r < 0.05 else v for r, v in zip(rng.random(n), spelling)],  # 5% from default
                    "source_country": country,
                }
            )
        )
    base = pd.concat(parts, ignore_index=True)
    # Every distinct address once, the rest drawn again (households, repeat customers, sources).
    order = np.concatenate([np.arange(len(base)), rng.integers(0, len(base), rows - len(base))])
    rng.shuffle(order)
    df = base.iloc[order].reset_index(drop=True).astype(object)
    cities = {"ES": "MADRID", "IT": "Roma", "PT": "lisboa", "BR": "sao paulo", "GB": "London", "US": "NEW YORK"}
    df["city"] = df["source_country"].map(cities)
    df["region"] = None
    return df


def timed(label: str, rows: int, fn):
    """Run fn, print wall seconds, rows/s and CPU seconds (the machine may be shared)."""
    start, cpu = time.perf_counter(), time.process_time()
    out = fn()
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
    print(f"{label:<24} {seconds:8.2f} s {rows / seconds:>12,.0f} rows/s   (cpu {cpu_seconds:.2f} s)")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    t0 = time.perf_counter()
    df = build(args.rows, args.seed)
    n_lines = len(df[["address_line1", "address_line2"]].drop_duplicates())
    n_postcodes = len(df[["postcode", "source_country"]].drop_duplicates())
    print(
        f"built {len(df):,} rows in {time.perf_counter() - t0:.1f} s: {n_lines:,} distinct address lines, "
        f"{df['country'].nunique()} country spellings, {n_postcodes:,} distinct postcodes (with their country)"
    )
    countries = timed(
        "standardise_countries", len(df), lambda: standardise_countries(df["country"], df["source_country"])
    )
    df["country_std"] = countries["country_std"]
    postcodes = timed(
        "standardise_postcodes", len(df), lambda: standardise_postcodes(df["postcode"], df["country_std"])
    )
    df["postcode_std"] = postcodes["postcode_std"]
    df["postcode_valid"] = postcodes["postcode_valid"]  # as stage 02 passes it: no re-check
    addresses = timed("standardise_addresses", len(df), lambda: standardise_addresses(df))
    print(
        f"valid: country {countries['country_valid'].mean():.3f}, postcode {postcodes['postcode_valid'].mean():.3f}, "
        f"address {addresses['address_valid'].mean():.3f}; with a unit {addresses['unit'].notna().mean():.3f}; "
        f"distinct address_key {addresses['address_key'].nunique():,}, "
        f"building_key {addresses['building_key'].nunique():,}"
    )


if __name__ == "__main__":
    main()
