"""Addresses: a street table per city, buildings with several flats, and per-source renderings.

The model is the one real address data has: a city has streets, a street has one postcode (in
GB an inward code per building, in the US an optional ZIP+4 per building), a building has a
number, and apartment buildings hold several households that differ only by flat/unit. Every
address is kept as integer components, so each source can render the *same* address its own way
("Calle Mayor, 12 / 3º B", "C/ Mayor 12, 3B", "piso 3 puerta B") without inventing a new one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import text as T
from .pools import CITIES, COUNTRIES, STREET_NAMES, STREET_TYPES, US_DIRECTIONALS

# Share of households living in apartment buildings, and the building sizes we group them into.
MULTI_UNIT = {"ES": 0.70, "IT": 0.65, "PT": 0.60, "BR": 0.50, "GB": 0.30, "US": 0.30}
# House numbers along a street: (lowest number, spread of where our first building is, smallest and
# largest gap between neighbouring buildings we place).
HOUSE_NUMBERS = {
    "ES": (1, 40, 1, 6),
    "IT": (1, 60, 1, 5),
    "PT": (1, 80, 1, 12),
    "BR": (10, 900, 5, 60),
    "GB": (1, 80, 1, 4),
    "US": (100, 2000, 2, 40),
}
GB_INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"

# ---- global string pools: countries' lists laid end to end, with offsets ------------------------


def _pool(lists: dict[str, list[str]]) -> tuple[pa.Array, dict[str, int]]:
    values: list[str] = []
    offsets: dict[str, int] = {}
    for c in COUNTRIES:
        offsets[c] = len(values)
        values.extend(lists[c])
    return pa.array(values, pa.string()), offsets


CITY_NAMES, CITY_OFF = _pool({c: [x.name for x in CITIES[c]] for c in COUNTRIES})
CITY_REGIONS, _ = _pool({c: [x.region for x in CITIES[c]] for c in COUNTRIES})
TYPE_NAMES, TYPE_OFF = _pool({c: [t[0] for t in STREET_TYPES[c]] for c in COUNTRIES})
TYPE_ABBR, _ = _pool({c: [t[2] for t in STREET_TYPES[c]] for c in COUNTRIES})
STREETS, STREET_OFF = _pool({c: list(STREET_NAMES[c]) for c in COUNTRIES})
COUNTRY_CODES = pa.array(list(COUNTRIES))

# Line-1 renderings per country: the first is canonical. Tokens: type abbr name num dir
LINE1_FORMATS = {
    "ES": (
        "{type} {name}, {num}",
        "{abbr} {name} {num}",
        "{type} {name} {num}",
        "{abbr} {name}, {num}",
        "{type} {name}, nº {num}",
        "{abbr} {name}, nº{num}",
    ),
    "IT": ("{type} {name} {num}", "{type} {name}, {num}", "{abbr} {name} {num}", "{type} {name} n. {num}"),
    "PT": ("{type} {name}, {num}", "{type} {name} {num}", "{abbr} {name}, {num}", "{type} {name}, nº {num}"),
    "BR": (
        "{type} {name}, {num}",
        "{abbr} {name}, {num}",
        "{type} {name} {num}",
        "{type} {name}, nº {num}",
        "{abbr} {name} nº {num}",
    ),
    "GB": ("{num} {name} {type}", "{num} {name} {abbr}", "{num}, {name} {type}"),
    "US": ("{num} {dir}{name} {type}", "{num} {dir}{name} {abbr}", "{num} {dir}{name} {abbr}."),
}
# Unit renderings per country and canonical style; the first of each is canonical.
UNIT_FORMATS = {
    "ES": (
        ("{f}º {L}", "{f}{L}", "{f}º-{L}", "piso {f} puerta {L}", "{f}º{L}", "{f} {L}"),
        ("{f}º {N}ª", "{f}-{N}", "{f}º {N}", "piso {f} puerta {N}", "{f}º {N}a"),
    ),
    "IT": (
        ("int. {flat}", "interno {flat}", "int {flat}", "int.{flat}"),
        ("scala {S} int. {flat}", "sc. {S} int. {flat}", "scala {S}, interno {flat}", "int. {flat}"),
    ),
    "PT": (("{pf} {pd}", "{fn} {pds}", "{pf} {pdl}", "{fn}{pdc}", "{pf}{pds}"),),
    "BR": (
        ("apto {apt}", "ap. {apt}", "apt {apt}", "apartamento {apt}", "ap {apt}"),
        ("apto {apt} bloco {S}", "ap. {apt} bl. {S}", "apto {apt}, bloco {S}", "apto {apt}"),
    ),
    "GB": (("Flat {flat}", "Flat {flat}", "Apartment {flat}", "flat {flat}"),),
    "US": (
        ("Apt {f}{L}", "Apt. {f}{L}", "#{f}{L}", "Unit {f}{L}", "APT {f}{L}"),
        ("Unit {flat}", "Apt {flat}", "#{flat}", "Apt. {flat}"),
    ),
}
PT_DOORS = (("Esq.", "Esq", "esquerdo", "E"), ("Dto.", "Dto", "direito", "D"), ("Frente", "Fte", "frente", "F"))


@dataclass
class Addresses:
    """Every address of the synthetic world as components plus its canonical rendering."""

    country: np.ndarray  # int8 index into COUNTRIES
    city: np.ndarray  # int16 global index into CITY_NAMES
    city_local: np.ndarray  # int16 index into CITIES[country]
    street_type: np.ndarray  # global index into TYPE_NAMES
    street_name: np.ndarray  # global index into STREETS
    number: np.ndarray  # int32
    us_dir: np.ndarray  # int8, -1 none
    postcode: pa.Array  # canonical postcode
    zip4: np.ndarray  # int16 US ZIP+4 extension, -1 none
    building: np.ndarray  # int64 building id (same street+number = same building)
    floor: np.ndarray  # int16, -1 when the address has no unit
    door: np.ndarray  # int8
    flat: np.ndarray  # int16 flat/interno number
    section: np.ndarray  # int8 scala / bloco letter index
    style: np.ndarray  # int8 canonical unit style
    line1: pa.Array | None = None
    line2: pa.Array | None = None

    def __len__(self) -> int:
        return len(self.country)

    @property
    def city_name(self) -> pa.Array:
        return T.arr(CITY_NAMES.take(pa.array(self.city)))

    @property
    def region(self) -> pa.Array:
        return T.arr(CITY_REGIONS.take(pa.array(self.city)))

    @property
    def country_code(self) -> pa.Array:
        return T.arr(COUNTRY_CODES.take(pa.array(self.country)))


def _street_tables(rng: np.random.Generator, c: str) -> list[dict[str, np.ndarray]]:
    """For each city of a country: distinct (type, name) streets and one postcode key each."""
    types = STREET_TYPES[c]
    tw = np.array([t[1] for t in types], dtype=float)
    n_names = len(STREET_NAMES[c])
    tables = []
    for city in CITIES[c]:
        combos = len(types) * n_names
        s = combos  # every (type, name) once, in a random order biased towards common types
        p = np.repeat(tw / tw.sum(), n_names) / n_names
        pick = rng.choice(combos, size=s, replace=False, p=p)
        spec = city.postcode
        if spec[0] == "n5":
            key = rng.integers(spec[1], spec[2] + 1, size=s)
        elif spec[0] == "pt":
            key = rng.integers(spec[1], spec[2] + 1, size=s) * 1000 + rng.integers(1, 1000, size=s)
        elif spec[0] == "br":
            key = rng.integers(spec[1], spec[2] + 1, size=s) * 1000 + rng.integers(0, 1000, size=s)
        else:  # gb: area index * 1000 + district
            areas = spec[1]
            a = rng.integers(0, len(areas), size=s)
            lo = np.array([x[1] for x in areas])[a]
            hi = np.array([x[2] for x in areas])[a]
            key = a * 1000 + lo + (rng.random(s) * (hi - lo + 1)).astype(np.int64)
        tables.append({"type": pick // n_names, "name": pick % n_names, "pc": key.astype(np.int64)})
    return tables


def _postcodes(country: str, city_local: np.ndarray, pc_key: np.ndarray, inward: np.ndarray) -> pa.Array:
    """Canonical postcode strings for one country."""
    if country in ("ES", "IT", "US"):
        return T.int_str(pc_key, 5)
    if country == "PT":
        return T.fill_template("####-###", T.digit_codes(pc_key, 7))
    if country == "BR":
        return T.fill_template("#####-###", T.digit_codes(pc_key, 8))
    # GB: outward (area letters + district) + ' ' + inward (digit + two letters)
    area_names: list[tuple[int, int, str]] = []
    for j, city in enumerate(CITIES["GB"]):
        area_names.extend((j, a_i, a[0]) for a_i, a in enumerate(city.postcode[1]))
    lookup = {(j, a): name for j, a, name in area_names}
    keys = sorted(lookup)
    key_idx = {k: i for i, k in enumerate(keys)}
    area_pool = pa.array([lookup[k] for k in keys])
    # map (city, area) -> pool index with a small dense table
    table = np.zeros((len(CITIES["GB"]), 8), dtype=np.int64)
    for k, i in key_idx.items():
        table[k] = i
    area_idx = table[city_local, pc_key // 1000]
    letters = np.frombuffer(GB_INWARD_LETTERS.encode("utf-32-le"), dtype=np.uint32)
    inward_codes = np.stack(
        [T.ZERO + inward % 10, letters[(inward // 10) % 20], letters[(inward // 200) % 20]], axis=1
    ).astype(np.uint32)
    return T.cat(area_pool.take(pa.array(area_idx)), T.int_str(pc_key % 1000), " ", T.from_codes(inward_codes))


def _house_numbers(rng: np.random.Generator, c: str, city: np.ndarray, street: np.ndarray) -> np.ndarray:
    """Distinct numbers for buildings on the same street: a random walk up the street.

    Guarantees that two buildings never share street + number, whatever the population size.
    """
    first, spread, lo, hi = HOUSE_NUMBERS[c]
    k = len(city)
    gaps = rng.integers(lo, hi + 1, size=k)
    start = first + rng.integers(0, spread, size=k)
    order = np.lexsort((rng.random(k), street, city))
    key = city[order].astype(np.int64) * 100_000 + street[order]
    csum = np.cumsum(gaps[order])
    new_group = np.concatenate([[True], key[1:] != key[:-1]])
    group_start = np.maximum.accumulate(np.where(new_group, np.arange(k), 0))
    before = np.where(group_start > 0, csum[group_start - 1], 0)
    out = np.empty(k, np.int64)
    out[order] = start[order[group_start]] + csum - before - gaps[order[group_start]]
    return out.astype(np.int32)


def build(
    rng: np.random.Generator,
    country: np.ndarray,
    tables: dict[str, list[dict[str, np.ndarray]]],
    building_offset: int = 0,
    allow_multi: bool = True,
) -> Addresses:
    """Addresses for slots of the given countries; apartment dwellers share buildings."""
    n = len(country)
    city = np.zeros(n, np.int16)
    city_local = np.zeros(n, np.int16)
    stype = np.zeros(n, np.int32)
    sname = np.zeros(n, np.int32)
    number = np.zeros(n, np.int32)
    us_dir = np.full(n, -1, np.int8)
    zip4 = np.full(n, -1, np.int16)
    building = np.zeros(n, np.int64)
    floor = np.full(n, -1, np.int16)
    door = np.zeros(n, np.int8)
    flat = np.zeros(n, np.int16)
    section = np.zeros(n, np.int8)
    style = np.zeros(n, np.int8)
    postcode_parts: list[tuple[np.ndarray, pa.Array]] = []
    next_building = building_offset
    for ci, c in enumerate(COUNTRIES):
        slots = np.flatnonzero(country == ci)
        k = len(slots)
        if not k:
            continue
        multi = rng.random(k) < (MULTI_UNIT[c] if allow_multi else 0.0)
        m_slots = rng.permutation(slots[multi])
        s_slots = slots[~multi]
        # group apartment dwellers into buildings of 2..16 households
        m = len(m_slots)
        sizes = np.minimum(1 + rng.geometric(0.22, size=m // 2 + 2), 16)
        cum = np.cumsum(sizes)
        nb = int(np.searchsorted(cum, m) + 1) if m else 0
        sizes = sizes[:nb]
        b_of_m = np.repeat(np.arange(nb), sizes)[:m]
        starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]) if nb else np.zeros(0, np.int64)
        pos = np.arange(m) - starts[b_of_m] if m else np.zeros(0, np.int64)
        # buildings: the multi-unit ones, then one per single-unit household
        nbuild = nb + len(s_slots)
        cw = np.array([x.weight for x in CITIES[c]], dtype=float)
        b_city = rng.choice(len(cw), size=nbuild, p=cw / cw.sum())
        b_street = np.zeros(nbuild, np.int64)
        for j, tab in enumerate(tables[c]):
            sel = b_city == j
            # some streets are longer than others: a gentle Zipf over the city's street list
            w = 1.0 / (np.arange(len(tab["type"])) + 30.0)
            b_street[sel] = rng.choice(len(w), size=int(sel.sum()), p=w / w.sum())
        b_num = _house_numbers(rng, c, b_city, b_street)
        b_type = np.zeros(nbuild, np.int64)
        b_name = np.zeros(nbuild, np.int64)
        b_pc = np.zeros(nbuild, np.int64)
        for j, tab in enumerate(tables[c]):
            sel = b_city == j
            b_type[sel] = tab["type"][b_street[sel]]
            b_name[sel] = tab["name"][b_street[sel]]
            b_pc[sel] = tab["pc"][b_street[sel]]
        b_inward = rng.integers(0, 4000, size=nbuild)
        b_zip4 = rng.integers(1, 10_000, size=nbuild)
        b_dir = np.where(rng.random(nbuild) < 0.15, rng.integers(0, len(US_DIRECTIONALS), size=nbuild), -1)
        b_doors = rng.integers(2, 5, size=nbuild)
        b_floor0 = rng.integers(0, 2, size=nbuild) if c == "PT" else np.ones(nbuild, np.int64)
        b_flat0 = rng.integers(0, 8, size=nbuild)
        b_style = (rng.random(nbuild) < {"ES": 0.4, "IT": 0.25, "BR": 0.2, "US": 0.3}.get(c, 0.0)).astype(np.int8)
        b_section = rng.integers(0, 4, size=nbuild)
        # slot -> building
        b_of_slot = np.concatenate([b_of_m, nb + np.arange(len(s_slots))]).astype(np.int64)
        all_slots = np.concatenate([m_slots, s_slots])
        p_in = np.concatenate([pos, np.zeros(len(s_slots), np.int64)])
        has_unit = np.concatenate([np.ones(m, bool), np.zeros(len(s_slots), bool)])
        bs = b_of_slot
        city_local[all_slots] = b_city[bs]
        city[all_slots] = CITY_OFF[c] + b_city[bs]
        stype[all_slots] = TYPE_OFF[c] + b_type[bs]
        sname[all_slots] = STREET_OFF[c] + b_name[bs]
        number[all_slots] = b_num[bs]
        building[all_slots] = next_building + bs
        if c == "US":
            us_dir[all_slots] = b_dir[bs]
            zip4[all_slots] = b_zip4[bs]
        fl = b_floor0[bs] + p_in // b_doors[bs]
        floor[all_slots] = np.where(has_unit, fl, -1)
        door[all_slots] = p_in % b_doors[bs] if c != "PT" else p_in % np.minimum(b_doors[bs], 3)
        flat[all_slots] = 1 + b_flat0[bs] + p_in
        section[all_slots] = b_section[bs]
        style[all_slots] = b_style[bs]
        if c == "PT":  # PT floors: position within floor over at most 3 doors (Esq./Dto./Frente)
            d3 = np.minimum(b_doors[bs], 3)
            floor[all_slots] = np.where(has_unit, b_floor0[bs] + p_in // d3, -1)
        postcode_parts.append((all_slots, _postcodes(c, b_city[bs], b_pc[bs], b_inward[bs])))
        next_building += nbuild
    idx = np.concatenate([p[0] for p in postcode_parts])
    vals = pa.concat_arrays([p[1] for p in postcode_parts])
    postcode = T.arr(vals.take(pa.array(np.argsort(idx, kind="stable"))))
    a = Addresses(
        country.astype(np.int8),
        city,
        city_local,
        stype,
        sname,
        number,
        us_dir,
        postcode,
        zip4,
        building,
        floor,
        door,
        flat,
        section,
        style,
    )
    a.line1 = render_line1(a, np.arange(n), np.zeros(n, np.int64))
    a.line2 = render_unit(a, np.arange(n), np.zeros(n, np.int64))
    return a


def concat(parts: list[Addresses]) -> Addresses:
    """Stack several address tables (ids of the second start after the first)."""
    fields = {}
    for f in Addresses.__dataclass_fields__:
        vals = [getattr(p, f) for p in parts]
        if isinstance(vals[0], (pa.Array, pa.ChunkedArray)):
            fields[f] = pa.concat_arrays([T.arr(v) for v in vals])
        else:
            fields[f] = np.concatenate(vals)
    return Addresses(**fields)


# ---- rendering -----------------------------------------------------------------------------------


def render_line1(a: Addresses, ids: np.ndarray, variant: np.ndarray) -> pa.Array:
    """Street line of the addresses ids, in per-record variants (0 = canonical)."""
    parts = []
    country = a.country[ids]
    for ci, c in enumerate(COUNTRIES):
        fmts = LINE1_FORMATS[c]
        for v, fmt in enumerate(fmts):
            sel = np.flatnonzero((country == ci) & (np.minimum(variant, len(fmts) - 1) == v))
            if not len(sel):
                continue
            x = ids[sel]
            comps = {
                "type": TYPE_NAMES.take(pa.array(a.street_type[x])),
                "abbr": TYPE_ABBR.take(pa.array(a.street_type[x])),
                "name": STREETS.take(pa.array(a.street_name[x])),
                "num": T.int_str(a.number[x]),
            }
            if "{dir}" in fmt:
                d = a.us_dir[x]
                dirs = pa.array([s + " " for s in US_DIRECTIONALS] + [""])
                comps["dir"] = dirs.take(pa.array(np.where(d < 0, len(US_DIRECTIONALS), d)))
            parts.append((sel, T.tokens(fmt, comps)))
    return T.scatter(parts, len(ids))


def render_unit(a: Addresses, ids: np.ndarray, variant: np.ndarray) -> pa.Array:
    """Flat/unit line (null where the address has none), in per-record variants (0 = canonical)."""
    parts = []
    country = a.country[ids]
    has = a.floor[ids] >= 0
    style = a.style[ids]
    letters = pa.array(list("ABCDEFGH"))
    for ci, c in enumerate(COUNTRIES):
        for st, fmts in enumerate(UNIT_FORMATS[c]):
            for v, fmt in enumerate(fmts):
                sel = np.flatnonzero(has & (country == ci) & (style == st) & (np.minimum(variant, len(fmts) - 1) == v))
                if not len(sel):
                    continue
                x = ids[sel]
                fl = a.floor[x].astype(np.int64)
                dr = a.door[x].astype(np.int64)
                comps = {
                    "f": T.int_str(fl),
                    "L": letters.take(pa.array(dr)),
                    "N": T.int_str(dr + 1),
                    "flat": T.int_str(a.flat[x]),
                    "S": letters.take(pa.array(a.section[x].astype(np.int64))),
                    "apt": T.int_str(fl * 10 + dr + 1),
                }
                if c == "PT":
                    d3 = np.minimum(dr, 2)
                    comps["pf"] = T.where(fl == 0, "R/C", T.cat(T.int_str(fl), "º"))
                    comps["fn"] = T.where(fl == 0, "R/C", T.int_str(fl))
                    for key, col in (("pd", 0), ("pds", 1), ("pdl", 2), ("pdc", 3)):
                        comps[key] = pa.array([d[col] for d in PT_DOORS]).take(pa.array(d3))
                parts.append((sel, T.tokens(fmt, comps)))
    return T.scatter(parts, len(ids))


def render_postcode(a: Addresses, ids: np.ndarray, rng: np.random.Generator, p_variant: float) -> pa.Array:
    """Postcodes as typed: PT/BR without hyphen, GB without space or lower-case, US ZIP+4, ES/IT
    with the leading zero lost (a spreadsheet turned them into numbers)."""
    pcode = T.arr(a.postcode.take(pa.array(ids)))
    n = len(ids)
    var = rng.random(n) < p_variant
    country = a.country[ids]
    nohyphen = T.arr(pc.replace_substring(pcode, "-", ""))
    nospace = T.arr(pc.replace_substring(pcode, " ", ""))
    lower = T.arr(pc.utf8_lower(pcode))
    zip4 = T.cat(pcode, "-", T.int_str(np.maximum(a.zip4[ids], 0), 4))
    lost0 = T.arr(pc.replace_substring_regex(pcode, r"^0+", ""))
    u = rng.random(n)
    ci = {c: i for i, c in enumerate(COUNTRIES)}
    return T.pick(
        [
            (var & np.isin(country, [ci["PT"], ci["BR"]]), nohyphen),
            (var & (country == ci["GB"]) & (u < 0.6), nospace),
            (var & (country == ci["GB"]), lower),
            (var & (country == ci["US"]), zip4),
            (var & np.isin(country, [ci["ES"], ci["IT"]]), lost0),
        ],
        pcode,
    )


def render(
    a: Addresses,
    ids: np.ndarray,
    rng: np.random.Generator,
    p_line1_variant: float,
    p_unit_variant: float,
    p_unit_merged: float,
) -> tuple[pa.Array, pa.Array]:
    """(line1, line2) of addresses ids as one source writes them.

    With probability p_unit_merged the unit goes on line 1 ('Calle Mayor, 12, 3º B' or, in GB,
    'Flat 3, 12 Baker Street') and line 2 is left empty.
    """
    n = len(ids)
    v1 = np.where(rng.random(n) < p_line1_variant, rng.integers(1, 6, size=n), 0)
    vu = np.where(rng.random(n) < p_unit_variant, rng.integers(1, 6, size=n), 0)
    line1 = render_line1(a, ids, v1)
    unit = render_unit(a, ids, vu)
    merged = (rng.random(n) < p_unit_merged) & (a.floor[ids] >= 0)
    gb = a.country[ids] == COUNTRIES.index("GB")
    sep = T.where(rng.random(n) < 0.7, ", ", " ")
    merged_line = T.where(gb, T.cat(unit, ", ", line1), T.cat(line1, sep, unit))
    return T.where(merged, merged_line, line1), T.null_if(merged, unit)
