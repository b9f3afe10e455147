"""Suppression inputs and the change-of-address file.

- `email_unsubscribes.csv`: addresses exactly as people used them in some source (sometimes in
  another case), plus a few from people who are not customers.
- `email_bounces.csv`: every dead old email of an email changer that a source still holds bounces
  hard after the change; misspelt addresses bounce hard; some live addresses soft-bounce 1-5 times.
- `do_not_call.csv`: the national registers, merged — customers' mobiles and landlines among
  numbers of people who are not customers, in E.164 or national format.
- `mail_preference.csv`: name and postal address as registered (before a move: the old one).
- `address_changes.csv`: forwarding requests of some movers, old and new address.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import addresses as A
from . import noise as N
from . import people as P
from . import phones
from . import text as T
from . import writers as W
from .clock import DAY, YEAR, Clock
from .pools import COUNTRIES
from .registry import ADDRESS_CHANGES, BOUNCES, DO_NOT_CALL, MAIL_PREFERENCE, UNSUBSCRIBES

UNSUBSCRIBE_RATE = 0.06  # of persons who gave an email somewhere
OUTSIDER_SHARE = 0.04
HARD_BOUNCE_OLD = 0.9  # of dead old emails still held by a source
HARD_BOUNCE_TYPO = 0.7  # of misspelt addresses
SOFT_BOUNCE_RATE = 0.015
DNC_PERSON_RATE = 0.05
DNC_HOUSEHOLD_RATE = 0.04
DNC_OUTSIDER_SHARE = 0.3
MAIL_PREF_RATE = 0.02
MAIL_PREF_OUTSIDERS = 0.15
ADDRESS_CHANGE_RATE = 0.4  # of adult movers
ISO_TS = "%Y-%m-%dT%H:%M:%SZ"


def build(ctx: P.Ctx) -> None:
    _email_files(ctx)
    _do_not_call(ctx)
    _mail_preference(ctx)
    _address_changes(ctx)


def _used_emails(ctx: P.Ctx) -> tuple[pa.Array, np.ndarray, np.ndarray, np.ndarray]:
    """Every (email, person, time, broken) written in a people source, in generation order."""
    parts = ctx.ledger.emails
    e = pa.concat_arrays([T.arr(p[0]) for p in parts])
    person = np.concatenate([p[1] for p in parts])
    at = np.concatenate([p[2] for p in parts])
    broken = np.concatenate([p[3] for p in parts])
    keep = pc.is_valid(e).to_numpy(zero_copy_only=False)
    e = T.arr(pc.utf8_trim_whitespace(e.filter(pa.array(keep))))
    return e, person[keep], at[keep], broken[keep]


def _outsider_emails(rng: np.random.Generator, k: int) -> pa.Array:
    words = pa.array(
        [
            "info",
            "contact",
            "sales",
            "hello",
            "admin",
            "jsmith",
            "mrossi",
            "aferreira",
            "lgarcia",
            "office",
            "bookings",
            "test",
        ]
    )
    doms = pa.array(
        [
            "gmail.com",
            "yahoo.com",
            "hotmail.com",
            "outlook.com",
            "example.org",
            "empresa.es",
            "azienda.it",
            "company.co.uk",
        ]
    )
    return T.cat(
        words.take(pa.array(rng.integers(0, len(words), k))),
        T.int_str(rng.integers(1, 10_000, k)),
        "@",
        doms.take(pa.array(rng.integers(0, len(doms), k))),
    )


def _email_files(ctx: P.Ctx) -> None:
    rng = ctx.rng("email_suppressions")
    pop = ctx.pop
    e, person, at, broken = _used_emails(ctx)
    # unsubscribes: one of a person's used addresses, after they used it
    pick = rng.permutation(np.flatnonzero(~broken))  # nobody unsubscribes a misspelt address
    _, first = np.unique(person[pick], return_index=True)
    one_per_person = np.sort(pick[first])
    unsub = one_per_person[rng.random(len(one_per_person)) < UNSUBSCRIBE_RATE]
    ext = UNSUBSCRIBES.extracted_at(ctx.clock)
    u_at = Clock.uniform(rng, np.minimum(at[unsub] + DAY, ext), ext)
    u_email = T.arr(e.take(pa.array(unsub)))
    u_email = N.case(rng, u_email, 0.05, 0.08)
    k_out = int(len(unsub) * OUTSIDER_SHARE) + 1
    u_email = pa.concat_arrays([u_email, _outsider_emails(rng, k_out)])
    u_at = np.concatenate([u_at, Clock.uniform(rng, ext - 3 * YEAR, ext, k_out)])
    order = np.argsort(u_at, kind="stable")
    lines = W.csv_lines([T.arr(u_email.take(pa.array(order))), T.fmt_ts(u_at[order], ISO_TS)])
    W.write_text(ctx.out / UNSUBSCRIBES.path, W.header_line(["email", "unsubscribed_at"]), lines)
    ctx.ledger.files[UNSUBSCRIBES.path] = len(lines)

    # bounces
    ext = BOUNCES.extracted_at(ctx.clock)
    lower = T.arr(pc.utf8_lower(e))
    distinct_idx = np.unique(lower.to_numpy(zero_copy_only=False), return_index=True)[1]
    d_email = T.arr(lower.take(pa.array(distinct_idx)))
    d_person = person[distinct_idx]
    d_broken = broken[distinct_idx]
    d_at = at[distinct_idx]
    old = pop.old_email
    is_old = pc.fill_null(pc.equal(d_email, pc.utf8_lower(T.take(old, d_person))), False).to_numpy(zero_copy_only=False)
    hard_old = is_old & (rng.random(len(d_email)) < HARD_BOUNCE_OLD)
    hard_typo = d_broken & ~is_old & (rng.random(len(d_email)) < HARD_BOUNCE_TYPO)
    hard = hard_old | hard_typo
    changed = pop.email_changed_at[d_person]
    hard_lo = np.where(hard_old, changed + 30 * DAY, d_at + DAY)
    hard_at = Clock.uniform(rng, np.minimum(hard_lo, ext), ext)
    soft = ~hard & (rng.random(len(d_email)) < SOFT_BOUNCE_RATE)
    reps = np.where(soft, rng.integers(1, 6, size=len(d_email)), 0)
    s_idx = np.repeat(np.arange(len(d_email)), reps)
    soft_at = Clock.uniform(rng, np.minimum(d_at[s_idx] + DAY, ext), ext)
    h_idx = np.flatnonzero(hard)
    b_email = pa.concat_arrays([T.arr(d_email.take(pa.array(h_idx))), T.arr(d_email.take(pa.array(s_idx)))])
    b_email = N.case(rng, b_email, 0.02, 0.0)
    b_type = pa.array(["Hard"] * len(h_idx) + ["Soft"] * len(s_idx))
    b_at = np.concatenate([hard_at[h_idx], soft_at])
    order = np.argsort(b_at, kind="stable")
    lines = W.csv_lines(
        [T.arr(b_email.take(pa.array(order))), T.arr(b_type.take(pa.array(order))), T.fmt_ts(b_at[order], ISO_TS)]
    )
    W.write_text(ctx.out / BOUNCES.path, W.header_line(["email", "bounce_type", "bounced_at"]), lines)
    ctx.ledger.files[BOUNCES.path] = len(lines)


def _do_not_call(ctx: P.Ctx) -> None:
    rng = ctx.rng("do_not_call")
    pop = ctx.pop
    ext = DO_NOT_CALL.extracted_at(ctx.clock)
    mob_p = np.flatnonzero((pop.mobile >= 0) & (rng.random(pop.n) < DNC_PERSON_RATE))
    hh_first = np.flatnonzero(np.concatenate([[True], pop.household[1:] != pop.household[:-1]]))
    land_p = hh_first[(pop.landline[hh_first] >= 0) & (rng.random(len(hh_first)) < DNC_HOUSEHOLD_RATE)]
    nsn = np.concatenate([pop.mobile[mob_p], pop.landline[land_p]])
    key = np.concatenate([pop.mobile_key[mob_p], pop.landline_key[land_p]]).astype(np.int64)
    # numbers of people who are not customers: fresh valid numbers in the same countries
    k = int(len(nsn) * DNC_OUTSIDER_SHARE / (1 - DNC_OUTSIDER_SHARE)) + 1
    c_out = rng.choice(len(COUNTRIES), size=k, p=[0.25, 0.15, 0.10, 0.15, 0.15, 0.20])
    area = np.array(["11", "21", "31", "41", "51", "61", "71", "81", "85", "92"])[rng.integers(0, 10, k)]
    area = np.where(
        c_out == COUNTRIES.index("US"),
        np.array(["212", "415", "312", "617", "305", "206"])[rng.integers(0, 6, k)],
        area,
    )
    o_nsn, o_key = phones.mobiles(rng, c_out, area)
    nsn = np.concatenate([nsn, o_nsn])
    key = np.concatenate([key, o_key.astype(np.int64)])
    phone = phones.render(rng, nsn, key, {"e164": 0.6, "plain": 0.3, "national": 0.1})
    registered = Clock.uniform(rng, ext - 10 * YEAR, ext - DAY, len(nsn))
    order = np.argsort(registered, kind="stable")
    lines = W.csv_lines([T.arr(phone.take(pa.array(order))), T.fmt_ts(registered[order], "%Y-%m-%d")])
    W.write_text(ctx.out / DO_NOT_CALL.path, W.header_line(["phone", "registered_on"]), lines)
    ctx.ledger.files[DO_NOT_CALL.path] = len(lines)


def _one_line(addresses: A.Addresses, ids: np.ndarray, rng: np.random.Generator, p_variant: float) -> pa.Array:
    """Street line and unit in one field, as forms with a single address box collect them."""
    line1, unit = A.render(addresses, ids, rng, p_variant, p_variant, 0.0)
    gb = addresses.country[ids] == COUNTRIES.index("GB")
    has_unit = pc.is_valid(unit).to_numpy(zero_copy_only=False)
    joined = T.where(gb, T.cat(unit, ", ", line1), T.cat(line1, ", ", unit))
    return T.where(has_unit, joined, line1)


def _mail_preference(ctx: P.Ctx) -> None:
    rng = ctx.rng("mail_preference")
    pop = ctx.pop
    ext = MAIL_PREFERENCE.extracted_at(ctx.clock)
    who = np.flatnonzero((pop.age >= 18) & (rng.random(pop.n) < MAIL_PREF_RATE))
    registered = Clock.uniform(rng, ext - 8 * YEAR, ext - DAY, len(who))
    addr = pop.address_at(who, registered)
    h = P.Habits(one_surname=0.3, accents=0.2, upper=0.3)
    first, last, _ = P.names(rng, pop, who, h)
    # outsiders: people who are not customers, at addresses nobody in the data lives at
    k = int(len(who) * MAIL_PREF_OUTSIDERS) + 1
    ex = pop.extra_addr[rng.integers(0, len(pop.extra_addr), size=k)]
    donor = rng.integers(0, pop.n, size=k)  # plausible names of the right country mix
    o_first = N.typo(rng, T.take(pop.first_name, donor), 0.5)
    o_last = T.take(pop.surname1, donor)
    all_addr = np.concatenate([addr, ex])
    first = pa.concat_arrays([first, o_first])
    last = pa.concat_arrays([last, o_last])
    registered = np.concatenate([registered, Clock.uniform(rng, ext - 8 * YEAR, ext - DAY, k)])
    a = pop.addresses
    line = _one_line(a, all_addr, rng, 0.3)
    line = N.on_rows(line, np.flatnonzero(rng.random(len(all_addr)) < 0.3), pc.utf8_upper)
    postcode = A.render_postcode(a, all_addr, rng, 0.1)
    town = T.arr(a.city_name.take(pa.array(all_addr)))
    country = P.country_text(rng, a.country[all_addr], p_code=0.5)
    order = np.argsort(registered, kind="stable")
    cols = [first, last, line, postcode, town, country, T.fmt_ts(registered, "%Y-%m-%d")]
    lines = W.csv_lines([T.arr(c.take(pa.array(order))) for c in cols])
    W.write_text(
        ctx.out / MAIL_PREFERENCE.path,
        W.header_line(["first_name", "surname", "address", "postcode", "town", "country", "registered_on"]),
        lines,
    )
    ctx.ledger.files[MAIL_PREFERENCE.path] = len(lines)


def _address_changes(ctx: P.Ctx) -> None:
    rng = ctx.rng("address_changes")
    pop = ctx.pop
    ext = ADDRESS_CHANGES.extracted_at(ctx.clock)
    movers = np.flatnonzero((pop.old_addr >= 0) & (pop.age >= 18) & (pop.moved_at <= ext - DAY))
    who = movers[rng.random(len(movers)) < ADDRESS_CHANGE_RATE]
    h = P.Habits(one_surname=0.2, accents=0.1, upper=0.1)
    first, last, _ = P.names(rng, pop, who, h)
    a = pop.addresses
    old, new = pop.old_addr[who], pop.addr[who]
    new1, new2 = A.render(a, new, rng, 0.1, 0.1, 0.0)
    cc = pa.array(list(COUNTRIES))
    cols = [
        first,
        last,
        _one_line(a, old, rng, 0.1),
        A.render_postcode(a, old, rng, 0.0),
        T.arr(a.city_name.take(pa.array(old))),
        T.arr(cc.take(pa.array(a.country[old].astype(np.int64)))),
        new1,
        new2,
        T.arr(a.city_name.take(pa.array(new))),
        T.arr(a.region.take(pa.array(new))),
        A.render_postcode(a, new, rng, 0.0),
        T.arr(cc.take(pa.array(a.country[new].astype(np.int64)))),
        T.fmt_ts(pop.moved_at[who], "%Y-%m-%d"),
    ]
    order = np.argsort(pop.moved_at[who], kind="stable")
    lines = W.csv_lines([T.arr(c.take(pa.array(order))) for c in cols])
    header = [
        "first_name",
        "last_name",
        "old_address",
        "old_postcode",
        "old_city",
        "old_country",
        "new_address",
        "new_address2",
        "new_city",
        "new_region",
        "new_postcode",
        "new_country",
        "effective_date",
    ]
    W.write_text(ctx.out / ADDRESS_CHANGES.path, W.header_line(header), lines)
    ctx.ledger.files[ADDRESS_CHANGES.path] = len(lines)
