"""`ecommerce_customers.jsonl` and `ecommerce_orders.jsonl` — the online shop's API exports.

The cleanest source: UTF-8 JSON lines with a nested address, ISO dates from date pickers, phones
mostly international, details refreshed whenever the customer logs in (so mostly the *new*
address and email). A few people hold a second account under another email. The export job was
cut off twice mid-line, leaving two truncated (invalid) JSON lines.
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
from .pools import COUNTRIES, CURRENCY, CURRENCY_FACTOR, DISCOUNT_CODES, PRODUCT_CATEGORIES
from .registry import ECOMMERCE, ECOMMERCE_ORDERS
from .rng import unique_ints

RATE = 0.45
SECOND_ACCOUNT_RATE = 0.015
TRUNCATED_LINES = 2
GENDER_PRESENT = 0.5
STATE_PRESENT = {"ES": 0.6, "IT": 0.8, "PT": 0.5, "BR": 0.95, "GB": 0.4, "US": 0.99}
TAX_ID_PRESENT = {"BR": 0.9, "PT": 0.4, "IT": 0.3, "ES": 0.2}
GUEST_ORDER_SHARE = 0.04
ORDERLESS_SHARE = 0.3
ISO = "%Y-%m-%dT%H:%M:%S+00:00"


def build(ctx: P.Ctx) -> None:
    _customers(ctx)
    _orders(ctx)


def _customers(ctx: P.Ctx) -> None:
    rng = ctx.rng("ecommerce")
    pop, clock = ctx.pop, ctx.clock
    h = P.PROFILES["ecommerce"]
    ext = ECOMMERCE.extracted_at(clock)
    persons = P.members(rng, pop, RATE, young=1.3, old=0.6, need_email=True)
    second = persons[rng.random(len(persons)) < SECOND_ACCOUNT_RATE]
    person = np.concatenate([persons, second])
    n = len(person)
    is_second = np.arange(n) >= len(persons)
    created = Clock.recent(rng, ext - 8 * YEAR, ext - DAY, n, power=1.4)
    updated = Clock.recent(rng, created, ext, n, power=3.0)

    first, last, _ = P.names(rng, pop, person, h)
    email, _ = P.email(rng, ctx, person, updated, h)  # always present: it is the login
    # a second account needs another address: the old one if there is one, else a variant
    alt = _alternative_email(rng, ctx, person)
    email = T.where(is_second, alt, email)
    _, _, _, broken = ctx.ledger.emails[-1]  # log what was really written
    ctx.ledger.emails[-1] = (email, person, updated, broken & ~is_second)
    phone = P.phone(rng, pop, person, h)
    f, has_dob = P.dob_fields(rng, pop.dob[person], h)
    birth = T.null_if(~has_dob, T.fmt_fields(f, "%Y-%m-%d"))
    gender = T.null_if(rng.random(n) >= GENDER_PRESENT, T.where(pop.female[person], "female", "male"))

    addr = pop.address_at(person, updated)
    line1, line2 = A.render(pop.addresses, addr, rng, h.line1_variant, h.unit_variant, h.unit_merged)
    c = pop.country[person]
    state_p = np.array([STATE_PRESENT[x] for x in COUNTRIES])[c]
    state = T.null_if(rng.random(n) >= state_p, T.arr(pop.addresses.region.take(pa.array(addr))))
    zipc = A.render_postcode(pop.addresses, addr, rng, h.postcode_variant)
    city = T.arr(pop.addresses.city_name.take(pa.array(addr)))
    city = N.accents(rng, city, 0.05)
    tax = P.national_id(rng, pop, person, TAX_ID_PRESENT, p_format=0.3, p_typo=0.002)

    ids = T.int_str(unique_ints(rng, n, 10**12, 10**13))
    accepts = rng.random(n) < 0.55
    sms = rng.random(n) < 0.25
    address = W.json_object(
        [
            ("line1", W.json_str(line1)),
            ("line2", W.json_str(line2)),
            ("city", W.json_str(city)),
            ("state", W.json_str(state)),
            ("zip", W.json_str(zipc)),
            ("country_code", W.json_str(T.arr(pa.array(list(COUNTRIES)).take(pa.array(c.astype(np.int64)))))),
        ]
    )
    lines = W.json_object(
        [
            ("customer_id", W.json_str(ids)),
            ("email", W.json_str(email)),
            ("first_name", W.json_str(first)),
            ("last_name", W.json_str(last)),
            ("phone", W.json_str(phone)),
            ("birth_date", W.json_str(birth)),
            ("gender", W.json_str(gender)),
            ("tax_id", W.json_str(tax)),
            ("address", address),
            ("created_at", W.json_str(T.fmt_ts(created, ISO))),
            ("updated_at", W.json_str(T.fmt_ts(updated, ISO))),
            ("accepts_marketing", W.json_bool(accepts)),
            ("sms_marketing", W.json_bool(sms)),
        ]
    )
    order = np.argsort(created, kind="stable")  # the API pages through customers by creation date
    lines = T.arr(lines.take(pa.array(order)))
    ctx.ledger.ecommerce = (T.arr(ids.take(pa.array(order))), person[order], created[order])
    ctx.ledger.truth.append((ECOMMERCE.name, ids, person))
    ctx.scratch["ecommerce_lines"] = lines  # truncated later, on lines of customers without orders


def _alternative_email(rng: np.random.Generator, ctx: P.Ctx, person: np.ndarray) -> pa.Array:
    pop = ctx.pop
    old = T.take(pop.old_email, person)
    cur = T.take(pop.email, person)
    local = T.arr(pc.replace_substring_regex(pc.fill_null(cur, "shopper@gmail.com"), r"@.*$", ""))
    domains = pa.array(["gmail.com", "outlook.com", "icloud.com"])
    variant = T.cat(
        local,
        T.int_str(rng.integers(10, 100, size=len(person))),
        "@",
        domains.take(pa.array(rng.integers(0, 3, len(person)))),
    )
    return T.arr(pc.if_else(pc.is_valid(old), old, variant))


def _orders(ctx: P.Ctx) -> None:
    rng = ctx.rng("ecommerce_orders")
    pop, clock = ctx.pop, ctx.clock
    ext = ECOMMERCE_ORDERS.extracted_at(clock)
    assert ctx.ledger.ecommerce is not None, "the customers are generated before their orders"
    ids, person, created = ctx.ledger.ecommerce
    n = len(person)
    k = np.where(rng.random(n) < ORDERLESS_SHARE, 0, np.minimum(rng.geometric(0.35, size=n), 20))
    cust = np.repeat(np.arange(n), k)
    m = len(cust)
    lo = np.maximum(created[cust], ext - 4 * YEAR)
    at = Clock.recent(rng, lo, ext, m, power=1.3)
    country = pop.country[person[cust]]
    # guest checkouts: no account behind them
    g = int(m * GUEST_ORDER_SHARE / (1 - GUEST_ORDER_SHARE))
    g_country = rng.choice(len(COUNTRIES), size=g, p=np.array([0.25, 0.15, 0.10, 0.15, 0.15, 0.20]))
    at = np.concatenate([at, Clock.recent(rng, ext - 4 * YEAR, ext, g, power=1.3)])
    country = np.concatenate([country, g_country]).astype(np.int64)
    cust_ref = T.take(ids, np.concatenate([cust, np.full(g, -1)]))
    total = m + g
    cat_w = np.array([c[1] for c in PRODUCT_CATEGORIES], dtype=float)
    cat = rng.choice(len(cat_w), size=total, p=cat_w / cat_w.sum())
    median = np.array([c[2] for c in PRODUCT_CATEGORIES])[cat]
    cur_codes = np.array([CURRENCY[c] for c in COUNTRIES])[country]
    factor = np.array([CURRENCY_FACTOR[CURRENCY[c]] for c in COUNTRIES])[country]
    cents = np.maximum(np.rint(median * factor * rng.lognormal(0, 0.6, size=total) * 100), 199).astype(np.int64)
    amount = T.cat(T.int_str(cents // 100), ".", T.int_str(cents % 100, 2))
    f = T.ts_fields(at)
    november = f["m"] == 11
    code = np.where(rng.random(total) < np.where(november, 0.35, 0.12), 1, 0)
    which = rng.integers(0, len(DISCOUNT_CODES), size=total)
    disc = T.where(
        november & (rng.random(total) < 0.7), "BLACKFRIDAY", pa.array(list(DISCOUNT_CODES)).take(pa.array(which))
    )
    disc = T.null_if(code == 0, disc)
    order = np.argsort(at, kind="stable")
    order_id = np.empty(total, np.int64)
    order_id[order] = 100_001 + np.arange(total)
    lines = W.json_object(
        [
            ("order_id", W.json_str(T.int_str(order_id))),
            ("customer_id", W.json_str(cust_ref)),
            ("created_at", W.json_str(T.fmt_ts(at, "%Y-%m-%dT%H:%M:%SZ"))),
            ("total", W.json_raw(amount)),
            ("currency", W.json_str(pa.array(cur_codes))),
            ("category", W.json_str(pa.array([c[0] for c in PRODUCT_CATEGORIES]).take(pa.array(cat)))),
            ("discount_code", W.json_str(disc)),
        ]
    )
    lines = T.arr(lines.take(pa.array(order)))
    W.write_text(ctx.out / ECOMMERCE_ORDERS.path, None, lines)
    ctx.ledger.files[ECOMMERCE_ORDERS.path] = len(lines)

    # customers file: truncate a couple of lines of customers without orders
    cust_lines = ctx.scratch.pop("ecommerce_lines")
    orderless = np.flatnonzero(k == 0)
    t: np.ndarray | list[int] = (
        rng.choice(orderless, size=min(TRUNCATED_LINES, len(orderless)), replace=False) if len(orderless) > 10 else []
    )
    if len(t):
        sub = T.arr(cust_lines.take(pa.array(t)))
        cut = (T.lengths(sub) * rng.uniform(0.2, 0.8, size=len(t))).astype(np.int64)
        codes = T.to_codes(sub)
        codes[np.arange(codes.shape[1])[None, :] >= cut[:, None]] = 0
        cust_lines = N.patch(cust_lines, np.asarray(t), T.from_codes(codes))
    W.write_text(ctx.out / ECOMMERCE.path, None, cust_lines)
    ctx.ledger.files[ECOMMERCE.path] = len(cust_lines)
