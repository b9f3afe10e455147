"""`crm_customers.csv` — the legacy CRM's weekly export.

A Windows-era system: cp1252, ';' delimiter, CRLF line ends, dd/mm/yyyy dates, salutations in
their own column (or glued into the first name), gender spelled per country (in Spanish rows
H/M = Hombre/Mujer, so 'M' means female there), rows in CAPS from an old data migration, and
records last touched years ago. About 3% of customers were registered twice under different
numbers. The export itself is slightly broken: a few rows duplicated verbatim, a few with an
unquoted ';' inside the address (wrong field count), a few with bytes cp1252 cannot decode, a few
blank lines. Members hold loyalty cards, which the till system (POS) refers to.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import addresses as A
from . import noise as N
from . import people as P
from . import text as T
from . import writers as W
from .clock import DAY, YEAR, Clock
from .pools import COUNTRIES, CRM_GENDER
from .registry import CRM, CRM_HEADER
from .rng import unique_ints

RATE = 0.55  # of adults
DUPLICATE_PERSON_RATE = 0.03  # registered twice, different CUST_NO
LOYALTY_RATE = 0.65
CAPS_ROWS = 0.20  # migrated rows stored in upper case
GLUED_SALUTATION = 0.02
SALUTATION_PRESENT = 0.75
REGION_PRESENT = 0.6
# export glitches (shares of rows, at least one each)
EXACT_DUPLICATE_ROWS = 0.0005
UNQUOTED_DELIMITER_ROWS = 0.0005
BAD_BYTE_ROWS = 0.0002
EMPTY_LINES = 0.0001
QUOTED_DELIMITER_ROWS = 0.001  # a ';' or '"' inside a properly quoted field
NATIONAL_ID_PRESENT = {"ES": 0.6, "IT": 0.6, "PT": 0.5, "BR": 0.7, "US": 0.1, "GB": 0.05}


def _count(rate: float, n: int) -> int:
    return max(1, int(round(rate * n))) if n >= 20 else 0


def build(ctx: P.Ctx) -> None:
    rng = ctx.rng("crm")
    pop, clock = ctx.pop, ctx.clock
    h = P.PROFILES["crm"]
    ext = CRM.extracted_at(clock)
    persons = P.members(rng, pop, RATE, young=0.7, old=1.15)
    dup = persons[rng.random(len(persons)) < DUPLICATE_PERSON_RATE]
    person = np.concatenate([persons, dup])
    n = len(person)
    is_dup = np.arange(n) >= len(persons)

    # dates: customer since (after 18th birthday), last update — often long ago
    adult_since = (pop.dob[person] + 18 * 365) * DAY
    lo = np.maximum(ext - 18 * YEAR, adult_since).astype(np.int64)
    created = Clock.recent(rng, lo, ext - DAY, n, power=1.5)
    first_created = created[: len(persons)][np.searchsorted(persons, dup)]
    created[is_dup] = Clock.uniform(rng, np.minimum(first_created + 30 * DAY, ext - DAY), ext - DAY)
    recent = rng.random(n) < 0.4
    span = np.maximum(ext - created, 0)
    updated = np.where(
        recent,
        Clock.uniform(rng, np.maximum(created, ext - 2 * YEAR), ext),
        created + (rng.random(n) * 0.25 * span).astype(np.int64),
    )
    updated = np.minimum(updated, ext)

    # customer numbers follow creation order, with gaps (deleted customers)
    order = np.argsort(created, kind="stable")
    cust = np.empty(n, np.int64)
    cust[order] = 100_000 + np.cumsum(rng.integers(1, 4, size=n))
    cust_no = T.int_str(cust)

    caps = rng.random(n) < CAPS_ROWS
    first, last, _ = P.names(rng, pop, person, h, caps=caps)
    sal = N.blank(rng, P.salutation(rng, pop, person), 1 - SALUTATION_PRESENT)
    glued = np.flatnonzero(pc.is_valid(sal).to_numpy(zero_copy_only=False) & (rng.random(n) < GLUED_SALUTATION))
    first = N.patch(first, glued, T.cat(T.arr(sal.take(pa.array(glued))), " ", T.arr(first.take(pa.array(glued)))))
    sal = N.patch(sal, glued, pa.nulls(len(glued), pa.string()))
    sal = N.on_rows(sal, np.flatnonzero(caps), pc.utf8_upper)

    gender = _gender(rng, pop.country[person], pop.female[person])
    f, has_dob = P.dob_fields(rng, pop.dob[person], h)
    dob = T.null_if(~has_dob, T.fmt_fields(f, "%d/%m/%Y"))
    email, _ = P.email(rng, ctx, person, updated, h)
    phone = P.phone(rng, pop, person, h)

    addr = pop.address_at(person, updated)
    line1, line2 = A.render(pop.addresses, addr, rng, h.line1_variant, h.unit_variant, h.unit_merged)
    town = T.arr(pop.addresses.city_name.take(pa.array(addr)))
    county = N.blank(rng, T.arr(pop.addresses.region.take(pa.array(addr))), 1 - REGION_PRESENT)
    caps_rows = np.flatnonzero(caps)
    line1, line2, town, county = (N.on_rows(x, caps_rows, pc.utf8_upper) for x in (line1, line2, town, county))
    town = N.on_rows(town, np.flatnonzero(~caps & (rng.random(n) < 0.1)), T.strip_accents)
    postcode = A.render_postcode(pop.addresses, addr, rng, h.postcode_variant)
    country = _country(rng, pop.country[person])
    nat = P.national_id(rng, pop, person, NATIONAL_ID_PRESENT, p_format=0.2, p_typo=0.005)

    # loyalty cards: issued when the customer record was created
    has_card = rng.random(n) < LOYALTY_RATE
    card_no = unique_ints(rng, int(has_card.sum()), 10**9, 10**10)
    cards = T.prefixed_ids("LC", card_no, 10)
    loyalty = pa.nulls(n, pa.string())
    loyalty = N.patch(loyalty, np.flatnonzero(has_card), cards)
    ctx.ledger.loyalty = (cards, person[has_card], created[has_card])

    yn = pa.array(["Y", "N", ""])
    opt = [
        yn.take(pa.array(rng.choice(3, size=n, p=p)))
        for p in ((0.55, 0.35, 0.10), (0.4, 0.45, 0.15), (0.3, 0.55, 0.15))
    ]
    columns = [
        cust_no,
        sal,
        first,
        last,
        gender,
        dob,
        email,
        phone,
        line1,
        line2,
        town,
        county,
        postcode,
        country,
        nat,
        loyalty,
        T.fmt_ts(created, "%d/%m/%Y"),
        T.fmt_ts(updated, "%d/%m/%Y"),
        *opt,
    ]
    assert len(columns) == len(CRM_HEADER)

    # a few values with a delimiter or a quote, properly quoted by the exporter
    qrows = rng.choice(n, size=min(n, _count(QUOTED_DELIMITER_ROWS, n)), replace=False)
    extra = pa.array(["; escalera izq.", '; Edificio "Las Torres"', "; portal 2", ' "bajo"'])
    addr2_i = CRM_HEADER.index("ADDRESS2")
    columns[addr2_i] = N.patch(
        columns[addr2_i],
        qrows,
        T.cat(T.arr(columns[addr2_i].take(pa.array(qrows))), extra.take(pa.array(rng.integers(0, 4, len(qrows))))),
    )
    fields = [W.csv_field(c, ";") for c in columns]

    # glitch rows are picked among records without a loyalty card (POS must still resolve cards)
    plain = np.flatnonzero(~has_card & ~np.isin(np.arange(n), qrows))
    g = rng.permutation(plain)
    k_semi, k_bad = _count(UNQUOTED_DELIMITER_ROWS, n), _count(BAD_BYTE_ROWS, n)
    semi, bad = g[:k_semi], g[k_semi : k_semi + k_bad]
    a1 = CRM_HEADER.index("ADDRESS1")
    a1_semi = T.arr(columns[a1].take(pa.array(semi)))
    with_comma = pc.match_substring(a1_semi, ", ").to_numpy(zero_copy_only=False)
    raw_semi = T.where(
        with_comma,
        pc.replace_substring(a1_semi, ", ", "; ", max_replacements=1),
        pc.replace_substring(a1_semi, " ", " ; ", max_replacements=1),
    )
    fields[a1] = N.patch(fields[a1], semi, raw_semi)
    ln = CRM_HEADER.index("LAST_NAME")
    markers = pa.array(list(W.BAD_BYTE_MARKERS)).take(pa.array(rng.integers(0, 5, size=len(bad))))
    bad_last = T.cat(
        T.arr(pc.utf8_slice_codeunits(T.arr(columns[ln].take(pa.array(bad))), 0, 2)),
        markers,
        T.arr(pc.utf8_slice_codeunits(T.arr(columns[ln].take(pa.array(bad))), 3, 100)),
    )
    fields[ln] = N.patch(fields[ln], bad, W.csv_field(bad_last, ";"))
    lines = T.arr(pc.binary_join_element_wise(*fields, ";"))

    # export order: by customer number; then verbatim duplicates and blank lines slipped in
    order = np.argsort(cust, kind="stable")
    dupe_rows = rng.choice(n, size=min(n, _count(EXACT_DUPLICATE_ROWS, n)), replace=False)
    blank_after = rng.choice(n, size=min(n, _count(EMPTY_LINES, n)), replace=False)
    rank = np.empty(n, np.int64)
    rank[order] = np.arange(n)
    pos = np.concatenate([np.arange(n, dtype=float), rank[dupe_rows] + 0.25, rank[blank_after] + 0.5])
    lines_all = pa.concat_arrays(
        [
            T.arr(lines.take(pa.array(order))),
            T.arr(lines.take(pa.array(dupe_rows))),
            pa.array([""] * len(blank_after), pa.string()),
        ]
    )
    final = T.arr(lines_all.take(pa.array(np.argsort(pos, kind="stable"))))
    W.write_text(
        ctx.out / CRM.path,
        W.header_line(CRM_HEADER, ";"),
        final,
        encoding="cp1252",
        newline="\r\n",
        bad_byte_markers=True,
    )
    ctx.ledger.files[CRM.path] = len(final)
    ctx.ledger.truth.append((CRM.name, cust_no, person))


def _gender(rng: np.random.Generator, country: np.ndarray, female: np.ndarray) -> pa.Array:
    """Gender as the CRM spells it, by country convention."""
    out = pa.nulls(len(country), pa.string())
    for ci, c in enumerate(COUNTRIES):
        rows = np.flatnonzero(country == ci)
        if not len(rows):
            continue
        opts = CRM_GENDER[c]
        w = np.array([o[2] for o in opts], dtype=float)
        which = rng.choice(len(opts), size=len(rows), p=w / w.sum())
        fem = pa.array([o[0] for o in opts]).take(pa.array(which))
        mal = pa.array([o[1] for o in opts]).take(pa.array(which))
        out = N.patch(out, rows, T.where(female[rows], fem, mal))
    return T.empty_to_null(out)


def _country(rng: np.random.Generator, country: np.ndarray) -> pa.Array:
    """COUNTRY column: often blank for Spanish rows (the system's default), else code or name."""
    out = P.country_text(rng, country, p_code=0.6)
    blank = (country == COUNTRIES.index("ES")) & (rng.random(len(country)) < 0.3)
    return T.null_if(blank, out)
