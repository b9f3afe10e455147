"""`pos_transactions.csv` — till receipts from the shops, exported nightly.

Most sales are anonymous; when a loyalty card is scanned its number (issued by the CRM) is on
the receipt. Receipt numbers are unique: store number, sale date and the sale's sequence number
that day in that store.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from . import people as P
from . import text as T
from . import writers as W
from .clock import DAY, YEAR, Clock
from .pools import CITIES, COUNTRIES, CURRENCY, CURRENCY_FACTOR, PRODUCT_CATEGORIES
from .registry import POS

ANONYMOUS_SHARE = 0.6
HISTORY_YEARS = 2
STORES_PER_CITY = (1, 3)
PROMO_RATE = 0.2
HEADER = ["store_id", "receipt_no", "sold_at", "amount", "currency", "category", "loyalty_card", "promo"]


def _stores(rng: np.random.Generator) -> tuple[pa.Array, np.ndarray, np.ndarray, np.ndarray]:
    """Store ids ('ES-MAD-02'), their country, city (local index) and a size weight."""
    ids, country, city, weight = [], [], [], []
    for ci, cc in enumerate(COUNTRIES):
        for j, c in enumerate(CITIES[cc]):
            k = int(rng.integers(STORES_PER_CITY[0], STORES_PER_CITY[1] + 1)) if c.weight < 20 else 3
            for s in range(k):
                ids.append(f"{cc}-{c.code}-{s + 1:02d}")
                country.append(ci)
                city.append(j)
                weight.append(c.weight / k)
    return pa.array(ids), np.array(country), np.array(city), np.array(weight, dtype=float)


def build(ctx: P.Ctx) -> None:
    rng = ctx.rng("pos")
    pop, clock = ctx.pop, ctx.clock
    last_sale = clock.at(0) - 1  # the nightly export covers sales up to midnight
    store_ids, s_country, s_city, s_weight = _stores(rng)
    assert ctx.ledger.loyalty is not None, "the CRM (which issues the cards) is generated before the POS"
    cards, person, issued = ctx.ledger.loyalty
    nc = len(cards)
    # card activity: many cards are dormant, a few are used often
    k = np.where(rng.random(nc) < 0.35, 0, np.minimum(rng.geometric(0.45, size=nc), 30))
    card = np.repeat(np.arange(nc), k)
    m = len(card)
    lo = np.maximum(issued[card], last_sale - HISTORY_YEARS * YEAR)
    at_linked = Clock.uniform(rng, lo, last_sale, m)
    # the store: one in the cardholder's current city (or any store of the country, travelling)
    home = pop.addr[person[card]]
    h_country = pop.country[person[card]].astype(np.int64)
    h_city = pop.addresses.city_local[home].astype(np.int64)
    key = s_country * 100 + s_city
    first_store = np.searchsorted(key, h_country * 100 + h_city)
    n_in_city = np.searchsorted(key, h_country * 100 + h_city, side="right") - first_store
    store_linked = first_store + (rng.random(m) * n_in_city).astype(np.int64)
    travel = rng.random(m) < 0.1
    c_first = np.searchsorted(s_country, h_country)
    c_n = np.searchsorted(s_country, h_country, side="right") - c_first
    store_linked = np.where(travel, c_first + (rng.random(m) * c_n).astype(np.int64), store_linked)
    # anonymous sales
    a = int(m * ANONYMOUS_SHARE / (1 - ANONYMOUS_SHARE))
    store_anon = rng.choice(len(s_weight), size=a, p=s_weight / s_weight.sum())
    at_anon = Clock.uniform(rng, last_sale - HISTORY_YEARS * YEAR, last_sale, a)
    store = np.concatenate([store_linked, store_anon])
    at = np.concatenate([at_linked, at_anon])
    # shops are open 09:00-21:00 local-ish time
    day = at // DAY
    at = day * DAY + 9 * 3600 + (rng.random(len(at)) * 12 * 3600).astype(np.int64)
    card_ref = T.take(cards, np.concatenate([card, np.full(a, -1)]))
    total = len(at)
    country = s_country[store]
    cat_w = np.array([c[1] for c in PRODUCT_CATEGORIES], dtype=float)
    cat = rng.choice(len(cat_w), size=total, p=cat_w / cat_w.sum())
    median = np.array([c[2] for c in PRODUCT_CATEGORIES])[cat] * 0.7
    factor = np.array([CURRENCY_FACTOR[CURRENCY[c]] for c in COUNTRIES])[country]
    cents = np.maximum(np.rint(median * factor * rng.lognormal(0, 0.7, size=total) * 100), 99).astype(np.int64)
    amount = T.cat(T.int_str(cents // 100), ".", T.int_str(cents % 100, 2))
    currency = pa.array(np.array([CURRENCY[c] for c in COUNTRIES])[country])
    promo = T.where(rng.random(total) < PROMO_RATE, "Y", "N")

    order = np.lexsort((store, at))
    # receipt number: store, date, sequence of the sale within the store that day
    order2 = np.lexsort((at, at // DAY, store))
    s2, d2 = store[order2], (at // DAY)[order2]
    grp = np.concatenate([[True], (s2[1:] != s2[:-1]) | (d2[1:] != d2[:-1])])
    start = np.maximum.accumulate(np.where(grp, np.arange(total), 0))
    seq = np.empty(total, np.int64)
    seq[order2] = np.arange(total) - start + 1
    f = T.ts_fields(at)
    receipt = T.cat(T.int_str(store + 1, 3), "-", T.fmt_fields(f, "%y%m%d"), "-", T.int_str(seq, 4))
    cols = [
        T.arr(store_ids.take(pa.array(store))),
        receipt,
        T.fmt_fields(f, "%Y-%m-%d %H:%M:%S"),
        amount,
        currency,
        pa.array([c[0] for c in PRODUCT_CATEGORIES]).take(pa.array(cat)),
        card_ref,
        promo,
    ]
    lines = W.csv_lines([T.arr(c.take(pa.array(order))) for c in cols], ",")
    W.write_text(ctx.out / POS.path, W.header_line(HEADER), lines)
    ctx.ledger.files[POS.path] = len(lines)
