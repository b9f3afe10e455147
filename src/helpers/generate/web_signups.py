"""`web_signups.csv` — the website's sign-up form, exported by the web team's tool.

Self-typed, so names come lower-cased and abbreviated, often with one surname; the email is
whatever the person had then; the birth date field accepted several formats over the years;
country is a free-text field ("Spain", "España", "ES"); marketing attributes (referral source,
device, interests) are the reason this source exists. Some people signed up twice.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from . import addresses as A
from . import people as P
from . import text as T
from . import writers as W
from .clock import DAY, YEAR, Clock
from .pools import DEVICES, INTERESTS, REFERRAL_SOURCES
from .registry import WEB, WEB_HEADER
from .rng import unique_ints

RATE = 0.30
TWICE_RATE = 0.05
DOB_FORMATS = (("%Y-%m-%d", 0.85), ("%d.%m.%Y", 0.10), ("%d/%m/%Y", 0.05))
POSTCODE_PRESENT = 0.85
INTEREST_P = 0.18  # chance of ticking each interest box


def build(ctx: P.Ctx) -> None:
    rng = ctx.rng("web_signups")
    pop, clock = ctx.pop, ctx.clock
    h = P.PROFILES["web_signups"]
    ext = WEB.extracted_at(clock)
    persons = P.members(rng, pop, RATE, min_age=16, young=1.35, old=0.5, need_email=True)
    again = persons[rng.random(len(persons)) < TWICE_RATE]
    person = np.concatenate([persons, again])
    n = len(person)
    # no one signs up before turning 16
    lo = np.maximum(ext - 5 * YEAR, (pop.dob[person] + 16 * 366) * DAY)
    at = Clock.recent(rng, lo, ext - 60, n, power=1.3)

    ids = T.cat("ws_", T.from_codes(T.base_codes(unique_ints(rng, n, 0, 16**12), 12, "0123456789abcdef")))
    first, last, _ = P.names(rng, pop, person, h)
    email, _ = P.email(rng, ctx, person, at, h)
    f, has_dob = P.dob_fields(rng, pop.dob[person], h)
    fmt = rng.choice(len(DOB_FORMATS), size=n, p=[p for _, p in DOB_FORMATS])
    birth = T.pick(
        [(fmt == i, T.fmt_fields(f, pat)) for i, (pat, _) in enumerate(DOB_FORMATS)], pa.nulls(n, pa.string())
    )
    birth = T.null_if(~has_dob, birth)
    country = P.country_text(rng, pop.country[person], p_code=0.3)
    addr = pop.address_at(person, at)
    postcode = A.render_postcode(pop.addresses, addr, rng, h.postcode_variant)
    postcode = T.null_if(rng.random(n) >= POSTCODE_PRESENT, postcode)
    ref = pa.array([r for r, _ in REFERRAL_SOURCES]).take(
        pa.array(rng.choice(len(REFERRAL_SOURCES), size=n, p=_p(REFERRAL_SOURCES)))
    )
    dev = pa.array([d for d, _ in DEVICES]).take(pa.array(rng.choice(len(DEVICES), size=n, p=_p(DEVICES))))
    ticks = [T.where(rng.random(n) < INTEREST_P, name, None) for name in INTERESTS]
    interests = T.empty_to_null(T.arr(T.cat_skip(*ticks, sep=";").cast(pa.string())))
    newsletter = T.where(rng.random(n) < 0.6, "yes", "no")

    order = np.argsort(at, kind="stable")
    cols = [
        ids,
        T.fmt_ts(at, "%Y-%m-%dT%H:%M:%SZ"),
        email,
        first,
        last,
        birth,
        country,
        postcode,
        ref,
        dev,
        interests,
        newsletter,
    ]
    assert len(cols) == len(WEB_HEADER)
    lines = W.csv_lines([T.arr(c.take(pa.array(order))) for c in cols], ",")
    W.write_text(ctx.out / WEB.path, W.header_line(WEB_HEADER), lines)
    ctx.ledger.files[WEB.path] = len(lines)
    ctx.ledger.truth.append((WEB.name, ids, person))


def _p(pairs) -> np.ndarray:
    w = np.array([x[1] for x in pairs], dtype=float)
    return w / w.sum()
