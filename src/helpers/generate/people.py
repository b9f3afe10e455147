"""What every people source shares: who is in it, and how a person's details get written down.

A source record is a snapshot of a true person at the record's date (so a stale record shows the
old address and the old email), passed through that source's own habits — a `Habits` profile of
noise rates. The profiles of all five people sources live in one place (`PROFILES`) so the whole
data-quality story of the demo data can be read and tuned in a single table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import noise as N
from . import phones
from . import text as T
from .clock import Clock
from .pools import COUNTRIES, COUNTRY_NAMES, SALUTATIONS
from .population import Population
from .rng import Pool, stream

ES, IT, PT, BR, GB, US = range(6)


@dataclass
class Habits:
    """Noise rates of one source (probabilities per record)."""

    typo_first: float = 0.0
    typo_last: float = 0.0
    phonetic: float = 0.0
    nickname: float = 0.0
    first_part: float = 0.0  # only the first of a compound first name
    maria_abbrev: float = 0.0  # 'Mª José'
    accents: float = 0.0
    upper: float = 0.0
    lower: float = 0.0
    whitespace: float = 0.0
    swap: float = 0.0  # first and last name swapped
    one_surname: float = 0.0  # of people with two surnames, only one written
    hyphen: float = 0.0  # 'García-López'
    conj: float = 0.0  # 'García y López', 'Silva e Costa'
    email_present: float = 1.0
    email_upper: float = 0.0
    email_capital: float = 0.0
    email_domain_typo: float = 0.0
    email_local_typo: float = 0.0
    email_space: float = 0.0
    phone_present: float = 1.0
    phone_landline: float = 0.0  # landline instead of mobile, when the household has one
    phone_styles: dict[str, float] = field(default_factory=lambda: {"national": 1.0})
    phone_digit_typo: float = 0.0
    dob_present: float = 1.0
    dob_swap: float = 0.0  # day and month swapped
    dob_impossible: float = 0.0  # 31/02, 31/04, month 13
    dob_1900: float = 0.0  # placeholder birth date 01/01/1900
    dob_future: float = 0.0  # year typed wrong into the future
    line1_variant: float = 0.0
    unit_variant: float = 0.0
    unit_merged: float = 0.0
    postcode_variant: float = 0.0


PROFILES: dict[str, Habits] = {
    "crm": Habits(
        typo_first=0.015,
        typo_last=0.015,
        phonetic=0.005,
        nickname=0.03,
        first_part=0.03,
        maria_abbrev=0.2,
        accents=0.10,
        upper=0.02,
        lower=0.01,
        whitespace=0.03,
        swap=0.01,
        one_surname=0.10,
        hyphen=0.02,
        conj=0.01,
        email_present=0.85,
        email_upper=0.08,
        email_capital=0.01,
        email_domain_typo=0.01,
        email_local_typo=0.005,
        email_space=0.01,
        phone_present=0.85,
        phone_landline=0.35,
        phone_styles={"national": 0.35, "punct": 0.2, "plain": 0.25, "intl": 0.1, "e164": 0.05, "intl00": 0.05},
        phone_digit_typo=0.005,
        dob_present=0.7,
        dob_swap=0.01,
        dob_impossible=0.002,
        dob_1900=0.004,
        dob_future=0.001,
        line1_variant=0.4,
        unit_variant=0.3,
        unit_merged=0.15,
        postcode_variant=0.12,
    ),
    "ecommerce": Habits(
        typo_first=0.005,
        typo_last=0.005,
        nickname=0.05,
        first_part=0.05,
        maria_abbrev=0.02,
        accents=0.08,
        upper=0.01,
        lower=0.06,
        whitespace=0.01,
        swap=0.005,
        one_surname=0.40,
        hyphen=0.02,
        conj=0.005,
        email_present=1.0,
        email_upper=0.005,
        email_capital=0.01,
        email_domain_typo=0.003,
        phone_present=0.9,
        phone_landline=0.05,
        phone_styles={"e164": 0.35, "intl": 0.45, "national": 0.15, "plain": 0.05},
        phone_digit_typo=0.002,
        dob_present=0.5,
        dob_swap=0.002,
        line1_variant=0.15,
        unit_variant=0.15,
        unit_merged=0.2,
        postcode_variant=0.05,
    ),
    "web_signups": Habits(
        typo_first=0.01,
        typo_last=0.01,
        nickname=0.06,
        first_part=0.06,
        maria_abbrev=0.02,
        accents=0.12,
        upper=0.02,
        lower=0.10,
        whitespace=0.02,
        swap=0.01,
        one_surname=0.45,
        hyphen=0.02,
        conj=0.005,
        email_present=1.0,
        email_upper=0.02,
        email_capital=0.05,
        email_domain_typo=0.015,
        email_local_typo=0.005,
        email_space=0.01,
        dob_present=0.85,
        dob_swap=0.01,
        dob_impossible=0.002,
        dob_future=0.002,
        postcode_variant=0.15,
    ),
    "callcentre": Habits(
        typo_first=0.03,
        typo_last=0.03,
        phonetic=0.06,
        nickname=0.08,
        first_part=0.10,
        accents=0.60,
        upper=0.10,
        lower=0.02,
        whitespace=0.03,
        swap=0.0,
        one_surname=0.55,
        hyphen=0.01,
        conj=0.01,
        email_present=0.45,
        email_upper=0.10,
        email_domain_typo=0.03,
        email_local_typo=0.02,
        phone_present=0.95,
        phone_landline=0.2,
        phone_styles={"e164": 0.5, "national": 0.25, "plain": 0.15, "punct": 0.1},
        phone_digit_typo=0.01,
        postcode_variant=0.3,
    ),
    "marketing_leads": Habits(
        typo_first=0.04,
        typo_last=0.04,
        phonetic=0.03,
        nickname=0.08,
        first_part=0.08,
        maria_abbrev=0.05,
        accents=0.25,
        upper=0.15,
        lower=0.08,
        whitespace=0.06,
        one_surname=0.45,
        hyphen=0.02,
        conj=0.01,
        email_present=0.8,
        email_upper=0.08,
        email_capital=0.05,
        email_domain_typo=0.05,
        email_local_typo=0.03,
        email_space=0.04,
        phone_present=0.7,
        phone_landline=0.1,
        phone_styles={"national": 0.35, "punct": 0.2, "plain": 0.15, "intl": 0.15, "intl00": 0.05, "e164": 0.1},
        phone_digit_typo=0.02,
        dob_present=0.6,
        dob_swap=0.03,
        dob_impossible=0.01,
    ),
}


@dataclass
class Ledger:
    """What the people sources leave behind for the files generated after them."""

    truth: list[tuple[str, pa.Array, np.ndarray]] = field(default_factory=list)
    # emails as written in a source: (email, person, record time, address broken by a typo)
    emails: list[tuple[pa.Array, np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=list)
    loyalty: tuple[pa.Array, np.ndarray, np.ndarray] | None = None  # (card, person, issued_at)
    ecommerce: tuple[pa.Array, np.ndarray, np.ndarray] | None = None  # (customer_id, person, created_at)
    files: dict[str, int] = field(default_factory=dict)


@dataclass
class Ctx:
    seed: int
    clock: Clock
    pop: Population
    out: Path
    ledger: Ledger = field(default_factory=Ledger)
    scratch: dict = field(default_factory=dict)  # hand-over between steps of one source

    def rng(self, name: str) -> np.random.Generator:
        return stream(self.seed, name)


def members(
    rng: np.random.Generator,
    pop: Population,
    rate: float,
    min_age: int = 18,
    max_age: int = 120,
    young: float = 1.0,
    old: float = 1.0,
    need_email: bool = False,
) -> np.ndarray:
    """Persons in a source: `rate` of the eligible adults on average, tilted by age.

    young/old multiply the odds of people under 35 / over 60, then the rates are renormalised
    so the overall share stays `rate`. need_email: only people who have an email address (an
    online account or a newsletter sign-up needs one).
    """
    age = pop.age
    elig = (age >= min_age) & (age <= max_age)
    if need_email:
        elig &= pc.is_valid(pop.email).to_numpy(zero_copy_only=False)
    f = np.where(age < 35, young, np.where(age > 60, old, 1.0))
    mean = f[elig].mean() if elig.any() else 1.0
    p = np.clip(rate * f / mean, 0, 0.97)
    return np.flatnonzero(elig & (rng.random(pop.n) < p))


def surname_as_written(rng: np.random.Generator, pop: Population, persons: np.ndarray, h: Habits) -> pa.Array:
    """Last name(s) as a source writes them: both surnames, one, hyphenated or joined by y/e."""
    s1 = T.take(pop.surname1, persons)
    s2 = T.take(pop.surname2, persons)
    k = len(persons)
    has2 = pc.is_valid(s2).to_numpy(zero_copy_only=False)
    c = pop.country[persons]
    ptbr = (c == PT) | (c == BR)
    u = rng.random(k)
    one = has2 & (u < h.one_surname)
    hyph = has2 & ~one & (u < h.one_surname + h.hyphen)
    conj = has2 & ~one & ~hyph & (u < h.one_surname + h.hyphen + h.conj)
    last_only = rng.random(k) < 0.8  # Portuguese/Brazilians usually keep the last (father's) surname
    word = T.where(ptbr, " e ", " y ")
    return T.pick(
        [
            (one & ptbr & last_only, s2),
            (one, s1),
            (hyph, T.cat(s1, "-", s2)),
            (conj, T.cat(s1, word, s2)),
        ],
        T.cat_skip(s1, s2, sep=" "),
    )


def names(
    rng: np.random.Generator, pop: Population, persons: np.ndarray, h: Habits, caps: np.ndarray | None = None
) -> tuple[pa.Array, pa.Array, np.ndarray]:
    """(first, last, swapped) as written by a source with habits h; caps forces rows to upper case."""
    c = pop.country[persons]
    first = T.take(pop.first_name, persons)
    first = N.nickname(rng, first, c, h.nickname)
    first = N.first_part(rng, first, h.first_part)
    es = np.flatnonzero(c == ES)
    if len(es) and h.maria_abbrev:
        first = N.patch(first, es, N.abbreviate_maria(rng, T.arr(first.take(pa.array(es))), h.maria_abbrev))
    last = surname_as_written(rng, pop, persons, h)
    first = N.typo(rng, first, h.typo_first)
    last = N.typo(rng, last, h.typo_last)
    first = N.phonetic(rng, first, h.phonetic / 2)
    last = N.phonetic(rng, last, h.phonetic)
    accents = rng.random(len(persons)) < h.accents  # a record loses accents in all its fields
    first = N.on_rows(first, np.flatnonzero(accents), T.strip_accents)
    last = N.on_rows(last, np.flatnonzero(accents), T.strip_accents)
    u = rng.random(len(persons))
    upper = u < h.upper if caps is None else (u < h.upper) | caps
    lower = (u >= h.upper) & (u < h.upper + h.lower) & ~upper
    for rows, fn in ((np.flatnonzero(upper), pc.utf8_upper), (np.flatnonzero(lower), pc.utf8_lower)):
        first = N.on_rows(first, rows, fn)
        last = N.on_rows(last, rows, fn)
    first = N.whitespace(rng, first, h.whitespace)
    last = N.whitespace(rng, last, h.whitespace)
    first, last, swapped = N.swap(rng, first, last, h.swap)
    return first, last, swapped


def salutation(rng: np.random.Generator, pop: Population, persons: np.ndarray) -> pa.Array:
    """A country- and gender-appropriate honorific per person."""
    c = pop.country[persons]
    g = (~pop.female[persons]).astype(np.int64)
    out = pa.nulls(len(persons), pa.string())
    for ci, cc in enumerate(COUNTRIES):
        for gi in (0, 1):
            opts = SALUTATIONS[cc][gi]
            rows = np.flatnonzero((c == ci) & (g == gi))
            if len(rows):
                vals = pa.array(list(opts)).take(pa.array(rng.integers(0, len(opts), size=len(rows))))
                out = N.patch(out, rows, vals)
    return out


def email(
    rng: np.random.Generator, ctx: Ctx, persons: np.ndarray, at: np.ndarray, h: Habits
) -> tuple[pa.Array, np.ndarray]:
    """The email a person gave at the record's date, as typed; logged for the suppression files."""
    e = ctx.pop.email_at(persons, at)
    e = N.blank(rng, e, 1 - h.email_present)
    e, broken = N.email(rng, e, h.email_upper, h.email_capital, h.email_domain_typo, h.email_local_typo, h.email_space)
    ctx.ledger.emails.append((e, persons, at, broken))
    return e, broken


def phone(
    rng: np.random.Generator, pop: Population, persons: np.ndarray, h: Habits, styles: dict[str, float] | None = None
) -> pa.Array:
    """A phone per record: the mobile, or the household landline, in the source's styles."""
    mob = pop.mobile[persons]
    land = pop.landline[persons]
    use_land = (land >= 0) & ((rng.random(len(persons)) < h.phone_landline) | (mob < 0))
    nsn = np.where(use_land, land, mob)
    key = np.where(use_land, pop.landline_key[persons], pop.mobile_key[persons])
    present = (nsn >= 0) & (rng.random(len(persons)) < h.phone_present)
    length = phones._KEY_NSN_LEN[key]
    nsn = N.digit_typo(rng, np.where(present, nsn, -1), length, h.phone_digit_typo)
    nsn = np.where(present, nsn, 0)
    return phones.render(rng, nsn, key.astype(np.int64), styles or h.phone_styles, present=present)


def dob_fields(
    rng: np.random.Generator, dob: np.ndarray, h: Habits, at: np.ndarray | None = None
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Birth-date fields with the source's mistakes; also the mask of records that have one."""
    f = T.ymd(dob)
    n = len(dob)
    u = rng.random(n)
    swap = (u < h.dob_swap) & (f["d"] <= 12) & (f["d"] != f["m"])
    f["d"], f["m"] = np.where(swap, f["m"], f["d"]), np.where(swap, f["d"], f["m"])
    imp = (u >= h.dob_swap) & (u < h.dob_swap + h.dob_impossible)
    choice = rng.integers(0, 3, size=n)
    f["d"] = np.where(imp & (choice < 2), np.where(choice == 0, 31, 30), f["d"])
    # 31 February/April, 30 February, month 13
    feb_or_apr = np.where(rng.random(n) < 0.5, 2, 4)
    f["m"] = np.select([imp & (choice == 0), imp & (choice == 1), imp & (choice == 2)], [feb_or_apr, 2, 13], f["m"])
    lo = h.dob_swap + h.dob_impossible
    p1900 = (u >= lo) & (u < lo + h.dob_1900)
    f["Y"] = np.where(p1900, 1900, f["Y"])
    f["m"] = np.where(p1900, 1, f["m"])
    f["d"] = np.where(p1900, 1, f["d"])
    lo += h.dob_1900
    fut = (u >= lo) & (u < lo + h.dob_future)
    f["Y"] = np.where(fut, f["Y"] + 100, f["Y"])  # '2085' typed for '1985'
    present = rng.random(n) < h.dob_present
    return f, present


def country_text(rng: np.random.Generator, country: np.ndarray, p_code: float) -> pa.Array:
    """Country as free text: the ISO code with probability p_code, else a spelling people use
    (each country's first, most usual spelling three times as often as the others)."""
    codes = T.arr(pa.array(list(COUNTRIES)).take(pa.array(country.astype(np.int64))))
    names_ = np.flatnonzero(rng.random(len(country)) >= p_code)
    if not len(names_):
        return codes
    pool = Pool(
        {
            ci: (COUNTRY_NAMES[c], np.array([3.0] + [1.0] * (len(COUNTRY_NAMES[c]) - 1)))
            for ci, c in enumerate(COUNTRIES)
        }
    )
    return N.patch(codes, names_, pool.take(pool.draw(rng, country[names_].astype(np.int64))))


def national_id(
    rng: np.random.Generator,
    pop: Population,
    persons: np.ndarray,
    present_by_country: dict[str, float],
    p_format: float,
    p_typo: float,
) -> pa.Array:
    """National ids as a source stores them: sometimes formatted ('123.456.789-09', '12345678-Z',
    'QQ 12 34 56 C'), occasionally with a wrong digit (which then fails its checksum)."""
    c = pop.country[persons]
    raw = T.take(pop.national_id, persons)
    k = len(persons)
    present = rng.random(k) < np.array([present_by_country.get(x, 0.0) for x in COUNTRIES])[c]
    fmt = rng.random(k) < p_format
    out = raw
    rules = {
        ES: (r"^(\w?\d+)([A-Z])$", r"\1-\2"),
        BR: (r"^(\d{3})(\d{3})(\d{3})(\d{2})$", r"\1.\2.\3-\4"),
        PT: (r"^(\d{3})(\d{3})(\d{3})$", r"\1 \2 \3"),
        US: (r"-", ""),
        GB: (r"^(\w\w)(\d\d)(\d\d)(\d\d)(\w)$", r"\1 \2 \3 \4 \5"),
        IT: (r"^(.*)$", r"\1"),
    }
    for ci, (pat, rep) in rules.items():
        rows = np.flatnonzero(fmt & (c == ci))
        out = N.on_rows(out, rows, lambda x, p=pat, r=rep: T.arr(pc.replace_substring_regex(x, p, r)))
    low = np.flatnonzero(fmt & np.isin(c, [ES, IT]) & (rng.random(k) < 0.3))
    out = N.on_rows(out, low, pc.utf8_lower)
    out = N.typo(rng, out, p_typo, weights=(1.0, 0.0, 0.0, 0.0))
    return T.null_if(~present, out)


def full_name(
    rng: np.random.Generator,
    pop,
    person: np.ndarray,
    first: pa.Array,
    last: pa.Array,
    formats: tuple[tuple[float, str], ...],
) -> pa.Array:
    """One name field from first/last in a mix of layouts ('First Last', 'LAST, First', ...)."""
    n = len(person)
    w = np.array([f[0] for f in formats], dtype=float)
    which = rng.choice(len(formats), size=n, p=w / w.sum())
    title = salutation(rng, pop, person)
    parts = []
    for i, (_, fmt) in enumerate(formats):
        sel = np.flatnonzero(which == i)
        if not len(sel):
            continue
        sub = {
            "first": T.arr(first.take(pa.array(sel))),
            "last": T.arr(last.take(pa.array(sel))),
            "title": T.arr(title.take(pa.array(sel))),
        }
        sub["LAST"] = T.arr(pc.utf8_upper(sub["last"]))
        sub["FIRST"] = T.arr(pc.utf8_upper(sub["first"]))
        parts.append((sel, T.tokens(fmt, sub)))
    return T.scatter(parts, n)
