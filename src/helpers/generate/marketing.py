"""`marketing_leads.xlsx` — leads typed into a spreadsheet by staff at events.

The dirtiest source: one `Name` cell ("SURNAME Firstname", ALL CAPS, nicknames, typos by ear),
emails with misspelt domains, phone numbers that Excel turned into numbers (leading zeros and
'+' gone), cities as people say them ("BCN", "Lisbon", "NYC"), countries in any language, and a
Birthday column mixing real Excel dates, bare serial numbers and text in two layouts.
Capped so the sheet stays a spreadsheet (≈24k rows even at a million persons).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import noise as N
from . import people as P
from . import text as T
from . import writers as W
from .clock import YEAR, Clock
from .pools import CITIES, COUNTRIES, EVENTS, LEAD_NOTES
from .registry import MARKETING, MARKETING_HEADER

RATE = 0.04
MAX_ROWS = 24_000
TWICE_RATE = 0.03
NAME_FORMATS = (
    (62, "{first} {last}"),
    (15, "{LAST} {first}"),
    (8, "{first} {LAST}"),
    (5, "{last}, {first}"),
    (10, "{first} {last}"),
)
CITY_PRESENT = 0.9
CITY_ALIAS = 0.3
COUNTRY_PRESENT = 0.9
TEL_AS_NUMBER = 0.15
NOTES_PRESENT = 0.25
EXCEL_EPOCH_OFFSET = 25_569  # days from 1899-12-30 to 1970-01-01
# Birthday cell kinds: Excel date (number + date format), bare serial number, 'd/m/yyyy', 'dd-mm-yyyy'
BIRTHDAY_KINDS = (0.40, 0.15, 0.30, 0.15)


def build(ctx: P.Ctx) -> None:
    rng = ctx.rng("marketing_leads")
    pop, clock = ctx.pop, ctx.clock
    h = P.PROFILES["marketing_leads"]
    ext = MARKETING.extracted_at(clock)
    adults = int(((pop.age >= 18) & (pop.age <= 70)).sum())
    rate = min(RATE, MAX_ROWS / (1 + TWICE_RATE) / max(adults, 1))
    persons = P.members(rng, pop, rate, max_age=70, young=1.3, old=0.7)
    again = persons[rng.random(len(persons)) < TWICE_RATE]
    person = np.concatenate([persons, again])[:MAX_ROWS]
    n = len(person)
    at = Clock.uniform(rng, ext - 2 * YEAR, ext - 86_400, n)
    c = pop.country[person]

    first, last, _ = P.names(rng, pop, person, h)
    name = P.full_name(rng, pop, person, first, last, NAME_FORMATS)
    email, _ = P.email(rng, ctx, person, at, h)
    tel = P.phone(rng, pop, person, h)
    addr = pop.address_at(person, at)
    city = _city_text(rng, pop.addresses.city_local[addr], c)
    country = T.null_if(rng.random(n) >= COUNTRY_PRESENT, P.country_text(rng, c, p_code=0.25))
    country = N.case(rng, country, 0.05, 0.1)
    year = T.ts_fields(at)["Y"]
    event = _event(rng, c, year)
    notes = T.null_if(
        rng.random(n) >= NOTES_PRESENT,
        pa.array(list(LEAD_NOTES)).take(pa.array(rng.integers(0, len(LEAD_NOTES), size=n))),
    )

    order = np.argsort(at, kind="stable")
    lead_no = np.empty(n, np.int64)
    lead_no[order] = 1 + np.arange(n)
    ids = T.prefixed_ids("L", lead_no, 5)
    birthday, bformat = _birthdays(rng, pop.dob[person], h)
    tel_values = _tel_cells(rng, tel)

    def col(a: pa.Array) -> list:
        return T.arr(a.take(pa.array(order))).to_pylist()

    def reorder(values: list) -> list:
        return np.asarray(values, dtype=object)[order].tolist()

    columns = [
        col(ids),
        col(name),
        col(email),
        reorder(tel_values),
        col(city),
        col(country),
        reorder(birthday),
        col(event),
        col(notes),
    ]
    formats: list = [None] * len(columns)
    formats[MARKETING_HEADER.index("Birthday")] = reorder(bformat)
    assert len(columns) == len(MARKETING_HEADER)
    created = dt.datetime.fromtimestamp(ext, dt.UTC).replace(tzinfo=None)
    W.write_xlsx(ctx.out / MARKETING.path, "Leads", MARKETING_HEADER, columns, formats, created)
    ctx.ledger.files[MARKETING.path] = n
    ctx.ledger.truth.append((MARKETING.name, ids, person))


def _city_text(rng: np.random.Generator, city_local: np.ndarray, country: np.ndarray) -> pa.Array:
    """City as typed: official name, a local alias or exonym, any case, sometimes blank."""
    names: list[str] = []
    aliases: list[str] = []
    a_start: list[int] = []
    a_count: list[int] = []
    off: list[int] = []
    for cc in COUNTRIES:
        off.append(len(names))
        for city in CITIES[cc]:
            names.append(city.name)
            a_start.append(len(aliases))
            a_count.append(len(city.aliases))
            aliases.extend(city.aliases)
    g = np.asarray(off)[country] + city_local.astype(np.int64)
    n = len(g)
    out = pa.array(names).take(pa.array(g))
    use_alias = (rng.random(n) < CITY_ALIAS) & (np.asarray(a_count)[g] > 0)
    pick = np.asarray(a_start)[g] + (rng.random(n) * np.maximum(np.asarray(a_count)[g], 1)).astype(np.int64)
    out = T.where(use_alias, pa.array(aliases).take(pa.array(np.where(use_alias, pick, 0))), out)
    out = N.case(rng, out, 0.1, 0.1)
    out = N.accents(rng, out, 0.3)
    out = N.whitespace(rng, out, 0.05)
    return T.null_if(rng.random(n) >= CITY_PRESENT, out)


def _event(rng: np.random.Generator, country: np.ndarray, year: np.ndarray) -> pa.Array:
    names: list[str] = []
    start: list[int] = []
    count: list[int] = []
    for cc in COUNTRIES:
        start.append(len(names))
        count.append(len(EVENTS[cc]))
        names.extend(EVENTS[cc])
    st, ct = np.asarray(start)[country], np.asarray(count)[country]
    pick = st + (rng.random(len(country)) * ct).astype(np.int64)
    return T.cat(pa.array(names).take(pa.array(pick)), " ", T.int_str(year))


def _birthdays(rng: np.random.Generator, dob: np.ndarray, h: P.Habits) -> tuple[list, list]:
    """Cell values (float serial or str or None) and per-cell format ('date' or None)."""
    f, present = P.dob_fields(rng, dob, h)
    n = len(dob)
    kind = rng.choice(4, size=n, p=BIRTHDAY_KINDS)
    # a serial number needs a real date: impossible ones stay text
    valid = (f["m"] >= 1) & (f["m"] <= 12) & (f["d"] >= 1) & (f["d"] <= 28 + 3 * (f["m"] != 2))
    months = (f["Y"] - 1970) * 12 + (f["m"] - 1)
    days = months.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64) + f["d"] - 1
    serial = days + EXCEL_EPOCH_OFFSET
    kind = np.where((kind < 2) & ~valid, 2, kind)
    text_a = T.fmt_fields(f, "%-d/%-m/%Y").to_pylist()
    text_b = T.fmt_fields(f, "%d-%m-%Y").to_pylist()
    serial_l = serial.astype(float).tolist()
    values = np.where(
        kind < 2,
        np.asarray(serial_l, dtype=object),
        np.where(kind == 2, np.asarray(text_a, dtype=object), np.asarray(text_b, dtype=object)),
    )
    values = np.where(present, values, np.array(None, dtype=object)).tolist()
    fmt = np.where(present & (kind == 0), "date", "").tolist()
    return values, [x or None for x in fmt]


def _tel_cells(rng: np.random.Generator, tel: pa.Array) -> list:
    """Phone cells: text, or a number when Excel 'helped' (leading zeros and '+' lost)."""
    digits = T.arr(pc.replace_substring_regex(pc.fill_null(tel, ""), r"\D", ""))
    as_num = (rng.random(len(tel)) < TEL_AS_NUMBER) & pc.is_valid(tel).to_numpy(zero_copy_only=False)
    as_num &= T.lengths(digits) > 0
    numbers = pc.cast(T.where(as_num, digits, "0"), pa.float64()).to_numpy()
    text = np.asarray(tel.to_pylist(), dtype=object)
    return np.where(as_num, numbers.astype(object), text).tolist()
