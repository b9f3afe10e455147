"""`callcentre_cases.csv` — the outsourced call centre's case log (a US vendor's system).

Month-first timestamps (MM/DD/YYYY HH:MM), one free-text `caller_name` typed by an agent while
listening ("GARCIA, Maria", "Mrs. Smith", accents gone because the system is ASCII-minded,
names spelt by ear), the caller-ID phone, an email only when asked, a postcode. Every case is a
people record; a caller with three problems is three records.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from . import addresses as A
from . import people as P
from . import text as T
from . import writers as W
from .clock import YEAR, Clock
from .pools import CASE_CATEGORIES, COUNTRIES
from .registry import CALLCENTRE, CALLCENTRE_HEADER

RATE = 0.12
POSTCODE_PRESENT = 0.7
# how the agent writes the caller's name: (weight, format)
NAME_FORMATS = (
    (70, "{first} {last}"),
    (12, "{LAST}, {first}"),
    (6, "{last}, {first}"),
    (4, "{last} {first}"),
    (4, "{title} {first} {last}"),
    (4, "{title} {last}"),
)


def build(ctx: P.Ctx) -> None:
    rng = ctx.rng("callcentre")
    pop, clock = ctx.pop, ctx.clock
    h = P.PROFILES["callcentre"]
    ext = CALLCENTRE.extracted_at(clock)
    callers = P.members(rng, pop, RATE, young=0.8, old=1.2)
    k = np.minimum(rng.geometric(0.55, size=len(callers)), 8)
    person = np.repeat(callers, k)
    n = len(person)
    at = Clock.recent(rng, ext - 3 * YEAR, ext - 3600, n, power=1.5)
    at -= at % 60  # the system stores minutes

    first, last, _ = P.names(rng, pop, person, h)
    name = P.full_name(rng, pop, person, first, last, NAME_FORMATS)
    phone = P.phone(rng, pop, person, h)
    email, _ = P.email(rng, ctx, person, at, h)
    addr = pop.address_at(person, at)
    postcode = A.render_postcode(pop.addresses, addr, rng, h.postcode_variant)
    postcode = T.null_if(rng.random(n) >= POSTCODE_PRESENT, postcode)
    codes = pa.array(list(COUNTRIES))
    hotline = T.arr(codes.take(pa.array(pop.country[person].astype(np.int64))))
    case_type = T.where(rng.random(n) < 0.35, "complaint", "service_request")
    cw = np.array([c[1] for c in CASE_CATEGORIES], dtype=float)
    category = pa.array([c[0] for c in CASE_CATEGORIES]).take(pa.array(rng.choice(len(cw), size=n, p=cw / cw.sum())))
    recent = at > ext - 14 * 86_400
    status = T.where(rng.random(n) < np.where(recent, 0.6, 0.02), "open", "closed")

    order = np.argsort(at, kind="stable")
    case_no = np.empty(n, np.int64)
    case_no[order] = 2_000_001 + np.arange(n)
    ids = T.prefixed_ids("CAS-", case_no, 7)
    cols = [ids, T.fmt_ts(at, "%m/%d/%Y %H:%M"), name, phone, email, postcode, hotline, case_type, category, status]
    assert len(cols) == len(CALLCENTRE_HEADER)
    lines = W.csv_lines([T.arr(c.take(pa.array(order))) for c in cols], ",")
    W.write_text(ctx.out / CALLCENTRE.path, W.header_line(CALLCENTRE_HEADER), lines)
    ctx.ledger.files[CALLCENTRE.path] = len(lines)
    ctx.ledger.truth.append((CALLCENTRE.name, ids, person))
