"""The true world: households, the people in them, and what happened to them.

Households come first (singles, couples, families, single parents, flatmates, parents with adult
children), then people are placed in them, so surnames, addresses, landlines and birth dates
follow family logic: Spanish children carry father's first + mother's first surname, Portuguese
and Brazilian ones mother's then father's, Italian and Iberian wives keep their names, British
and American spouses often share one. Twins (same surnames, address and birth date, different
first names) and namesakes (same name, different person elsewhere) are planted on purpose,
because they are what a matcher must *not* merge. Life events — moves, email changes — give
each person an old and a new version that older and newer sources disagree about.

Sources never see this module's arrays directly; they take snapshots at a record's date.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import addresses as A
from . import ids, phones
from . import text as T
from .clock import DAY, YEAR, Clock
from .pools import COUNTRIES, COUNTRY_WEIGHTS, EMAIL_DOMAINS, OLD_EMAIL_DOMAINS, first_names, surnames
from .rng import Pool, stream

ROLES = ("head", "partner", "child", "adult_child", "flatmate")
HEAD, PARTNER, CHILD, ADULT_CHILD, FLATMATE = range(5)
HH_TYPES = ("single", "couple", "family", "single_parent", "flatmates", "parents_adult_children")
HH_TYPE_P = (0.30, 0.24, 0.26, 0.05, 0.05, 0.10)

TWIN_RATE = {"family": 0.05, "parents_adult_children": 0.06}  # among households with 2+ children
NAMESAKE_RATE = 0.01  # of singles/flatmates who get a copy of another person's full name
MOVE_RATE = 0.08  # households that moved in the last four years
EMAIL_CHANGE_RATE = 0.05  # adults with an email who changed it
SHARED_EMAIL_RATE = 0.03  # couples who use one family email
LANDLINE_RATE = {"ES": 0.45, "IT": 0.45, "PT": 0.40, "BR": 0.25, "GB": 0.50, "US": 0.30}
TWO_SURNAMES = {"PT": 0.75, "BR": 0.65}  # share of adults with two surnames (ES: everyone)
WIFE_TAKES_NAME = {"GB": 0.75, "US": 0.75, "BR": 0.25, "PT": 0.10}  # ES/IT: never (law/custom)


@dataclass
class Population:
    """Column arrays over persons (and households), indexed by person / household number."""

    n: int
    household: np.ndarray  # int64
    role: np.ndarray  # int8
    country: np.ndarray  # int8
    female: np.ndarray  # bool
    dob: np.ndarray  # int64 days since epoch
    age: np.ndarray  # int64 years at as-of
    first_name: pa.Array
    surname1: pa.Array
    surname2: pa.Array  # null when the person has one surname
    last_name: pa.Array  # as the person writes it in full
    twin: np.ndarray  # bool
    namesake_of: np.ndarray  # int64 person whose name was copied, -1
    email: pa.Array
    old_email: pa.Array
    email_changed_at: np.ndarray  # int64 seconds, -1
    mobile: np.ndarray  # int64 NSN, -1 none
    mobile_key: np.ndarray  # int16 phones.KEYS code
    national_id: pa.Array
    addr: np.ndarray  # current address id
    old_addr: np.ndarray  # previous address id, -1
    moved_at: np.ndarray  # int64 seconds, -1
    landline: np.ndarray  # int64 NSN of the household's landline, -1
    landline_key: np.ndarray
    hh_type: np.ndarray  # int8 per household
    hh_country: np.ndarray  # int8 per household
    addresses: A.Addresses
    first_pool: Pool
    surname_pool: Pool
    extra_addr: np.ndarray  # address ids not lived in by anyone (for outsiders in suppression lists)

    def address_at(self, persons: np.ndarray, secs: np.ndarray) -> np.ndarray:
        """Address id each person had at the given times (old address before the move)."""
        old = self.old_addr[persons]
        before = (old >= 0) & (secs < self.moved_at[persons])
        return np.where(before, old, self.addr[persons])

    def email_at(self, persons: np.ndarray, secs: np.ndarray) -> pa.Array:
        """Email each person used at the given times (old address before the change)."""
        before = (self.email_changed_at[persons] >= 0) & (secs < self.email_changed_at[persons])
        cur = T.take(self.email, persons)
        old = T.take(self.old_email, persons)
        return T.where(before, old, cur)


def _households(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Household types and sizes whose sizes add up to exactly n persons."""
    est = int(n / 2.2) + 16
    htype = rng.choice(len(HH_TYPES), size=est, p=np.asarray(HH_TYPE_P) / sum(HH_TYPE_P))
    size = np.ones(est, dtype=np.int64)
    size[htype == 1] = 2
    size[htype == 2] = 2 + rng.choice([1, 2, 3], size=int((htype == 2).sum()), p=[0.4, 0.4, 0.2])
    size[htype == 3] = 1 + rng.choice([1, 2], size=int((htype == 3).sum()), p=[0.6, 0.4])
    size[htype == 4] = rng.choice([2, 3, 4], size=int((htype == 4).sum()), p=[0.55, 0.3, 0.15])
    size[htype == 5] = 2 + rng.choice([1, 2], size=int((htype == 5).sum()), p=[0.65, 0.35])
    cum = np.cumsum(size)
    h = int(np.searchsorted(cum, n)) + 1
    htype, size = htype[:h], size[:h].copy()
    size[-1] -= cum[h - 1] - n
    return htype.astype(np.int8), size


def _norm_age(rng, mean, sd, lo, hi, k) -> np.ndarray:
    return np.clip(np.rint(rng.normal(mean, sd, size=k)), lo, hi).astype(np.int64)


def build(seed: int, n: int, clock: Clock) -> Population:
    """Generate the whole true population deterministically from the seed."""
    rng = stream(seed, "population")
    htype, size = _households(rng, n)
    h = len(htype)
    country_p = np.asarray(COUNTRY_WEIGHTS) / sum(COUNTRY_WEIGHTS)
    hh_country = rng.choice(len(COUNTRIES), size=h, p=country_p).astype(np.int8)
    hh = np.repeat(np.arange(h), size)
    start = np.concatenate([[0], np.cumsum(size)[:-1]])
    pos = np.arange(n) - start[hh]
    t = htype[hh]
    country = hh_country[hh]

    # roles
    role = np.full(n, HEAD, np.int8)
    role[(pos == 1) & np.isin(t, [1, 2, 5])] = PARTNER
    role[(pos >= 2) & (t == 2)] = CHILD
    role[(pos >= 1) & (t == 3)] = CHILD
    role[(pos >= 2) & (t == 5)] = ADULT_CHILD
    role[t == 4] = FLATMATE

    # gender: partners mostly of the other gender; single parents mostly mothers
    female = rng.random(n) < np.where((t == 3) & (pos == 0), 0.8, 0.5)
    head_female = female[start[hh]]
    partner = role == PARTNER
    female[partner] = np.where(rng.random(int(partner.sum())) < 0.95, ~head_female[partner], head_female[partner])

    # ages: head by household type, partner near head, children fit under the head
    age = np.zeros(n, np.int64)
    head_ages = np.select(
        [htype == 0, htype == 1, htype == 2, htype == 3, htype == 4, htype == 5],
        [
            _norm_age(rng, 46, 18, 18, 90, h),
            _norm_age(rng, 48, 16, 19, 90, h),
            _norm_age(rng, 40, 6, 24, 58, h),
            _norm_age(rng, 38, 7, 22, 58, h),
            _norm_age(rng, 27, 5, 18, 45, h),
            _norm_age(rng, 58, 7, 42, 85, h),
        ],
    )
    age[:] = head_ages[hh]
    age[partner] = np.clip(age[partner] + np.rint(rng.normal(0, 3.5, int(partner.sum()))).astype(np.int64), 18, 90)
    flat = role == FLATMATE
    age[flat] = _norm_age(rng, 27, 5, 18, 45, int(flat.sum()))
    kid = role == CHILD
    age[kid] = (rng.random(int(kid.sum())) * np.minimum(18, age[kid] - 19)).astype(np.int64)
    adult_kid = role == ADULT_CHILD
    span = np.clip(age[adult_kid] - 20 - 18, 1, 23)
    age[adult_kid] = 18 + (rng.random(int(adult_kid.sum())) * span).astype(np.int64)
    dob = clock.day - (age * 365.2425 + rng.random(n) * 364).astype(np.int64)

    # twins: the 3rd and 4th members of families with 2+ children share a birth date
    twin_hh = np.zeros(h, bool)
    for ti, name in ((2, "family"), (5, "parents_adult_children")):
        cand = (htype == ti) & (size >= 4)
        twin_hh |= cand & (rng.random(h) < TWIN_RATE[name])
    twin = np.zeros(n, bool)
    second = np.flatnonzero(twin_hh[hh] & (pos == 3))
    first_twin = second - 1
    dob[second] = dob[first_twin]
    age[second] = age[first_twin]
    female[second] = np.where(rng.random(len(second)) < 2 / 3, female[first_twin], ~female[first_twin])
    twin[second] = True
    twin[first_twin] = True

    # first names
    gender = female.astype(np.int64) ^ 1  # 0 female, 1 male
    first_pool = Pool({ci * 2 + g: first_names(c, g) for ci, c in enumerate(COUNTRIES) for g in (0, 1)})
    group = country.astype(np.int64) * 2 + gender
    first = first_pool.draw(rng, group)
    for _ in range(20):  # twins get different first names
        same = first[second] == first[first_twin]
        if not same.any():
            break
        first[second[same]] = first_pool.draw(rng, group[second[same]])

    # surnames
    surname_pool = Pool({ci: surnames(c) for ci, c in enumerate(COUNTRIES)})
    s1 = surname_pool.draw(rng, country.astype(np.int64))
    s2 = surname_pool.draw(rng, country.astype(np.int64))
    is_es = country == COUNTRIES.index("ES")
    two = is_es.copy()
    for c, p in TWO_SURNAMES.items():
        m = country == COUNTRIES.index(c)
        two[m] = rng.random(int(m.sum())) < p
    s2 = np.where(two, s2, -1)
    s1, s2 = _family_surnames(rng, s1, s2, hh, pos, role, female, country, start, size, htype)

    # namesakes beyond chance: some singles/flatmates get a full name copied from a stranger
    namesake_of = np.full(n, -1, np.int64)
    eligible = ((role == FLATMATE) | ((t == 0) & (role == HEAD))) & (age >= 18)
    pool = np.flatnonzero(eligible)
    k = min(len(pool), max(3, int(round(NAMESAKE_RATE * len(pool)))))
    chosen = np.sort(rng.choice(pool, size=k, replace=False)) if k else pool[:0]
    adults = np.flatnonzero((age >= 18) & ~twin)
    for g in np.unique(group[chosen]):
        who = chosen[group[chosen] == g]
        donors = adults[group[adults] == g]
        d = donors[rng.integers(0, len(donors), size=len(who))]
        ok = hh[d] != hh[who]
        who, d = who[ok], d[ok]
        first[who], s1[who], s2[who] = first[d], s1[d], s2[d]
        namesake_of[who] = d

    first_name = first_pool.take(first)
    sur1 = surname_pool.take(s1)
    sur2 = surname_pool.take(s2)
    last_name = T.cat_skip(sur1, sur2, sep=" ")

    # addresses: households' current homes, movers' previous homes, and spare ones, in one go so
    # that no two buildings collide on street + number
    arng = stream(seed, "addresses")
    tables = {c: A._street_tables(arng, c) for c in COUNTRIES}
    moved_hh = rng.random(h) < MOVE_RATE
    n_extra = max(50, h // 20)
    extra_country = rng.choice(len(COUNTRIES), size=n_extra, p=np.asarray(COUNTRY_WEIGHTS) / sum(COUNTRY_WEIGHTS))
    slots = np.concatenate([hh_country, hh_country[moved_hh], extra_country]).astype(np.int8)
    addrs = A.build(arng, slots, tables)
    hh_addr = np.arange(h)
    hh_old = np.full(h, -1, np.int64)
    hh_old[moved_hh] = h + np.arange(int(moved_hh.sum()))
    extra_addr = h + int(moved_hh.sum()) + np.arange(n_extra)
    hh_moved_at = np.full(h, -1, np.int64)
    hh_moved_at[moved_hh] = Clock.uniform(rng, clock.end - 4 * YEAR, clock.end - 10 * DAY, int(moved_hh.sum()))

    # phones
    prng = stream(seed, "phones")
    hh_city = addrs.city_local[:h]
    hh_prefix = phones.city_prefixes(prng, hh_country, hh_city)
    land, land_key = phones.landlines(prng, hh_country, hh_prefix)
    has_land = prng.random(h) < np.array([LANDLINE_RATE[c] for c in COUNTRIES])[hh_country]
    land = _unique_nsn(prng, np.where(has_land, land, -1), land_key, hh_country, hh_prefix, landline=True)
    area = _area_code(country, hh_prefix[hh])
    mob, mob_key = phones.mobiles(prng, country, area)
    p_mobile = np.where(age >= 18, np.where(age > 80, 0.75, 0.97), np.where(age >= 12, 0.7, 0.0))
    mob = np.where(prng.random(n) < p_mobile, mob, -1)
    mob = _unique_nsn(prng, mob, mob_key, country, area, landline=False)

    # national ids
    irng = stream(seed, "national_ids")
    nat = _national_ids(irng, country, sur1, first_name, dob, female)

    # emails
    erng = stream(seed, "emails")
    email, old_email, changed_at = _emails(
        erng, clock, country, first, s1, s2, first_pool, surname_pool, dob, age, hh, role, start
    )

    return Population(
        n=n,
        household=hh,
        role=role,
        country=country,
        female=female,
        dob=dob,
        age=age,
        first_name=first_name,
        surname1=sur1,
        surname2=sur2,
        last_name=last_name,
        twin=twin,
        namesake_of=namesake_of,
        email=email,
        old_email=old_email,
        email_changed_at=changed_at,
        mobile=mob,
        mobile_key=mob_key,
        national_id=nat,
        addr=hh_addr[hh],
        old_addr=hh_old[hh],
        moved_at=hh_moved_at[hh],
        landline=land[hh],
        landline_key=land_key[hh],
        hh_type=htype,
        hh_country=hh_country,
        addresses=addrs,
        first_pool=first_pool,
        surname_pool=surname_pool,
        extra_addr=extra_addr,
    )


def _area_code(country: np.ndarray, prefix: np.ndarray) -> np.ndarray:
    """The part of a landline prefix that is also the mobile area code (BR DDD, US NPA)."""
    out = np.full(len(country), "0", dtype="U3")
    br = country == COUNTRIES.index("BR")
    us = country == COUNTRIES.index("US")
    if br.any():
        out[br] = prefix[br].astype("U2")
    if us.any():
        out[us] = prefix[us].astype("U3")
    return out


def _unique_nsn(rng, nsn, key, country, prefix, landline: bool) -> np.ndarray:
    """Redraw the rare duplicate numbers so no two households/persons share one by accident."""
    for _ in range(30):
        has = nsn >= 0
        keyed = np.where(has, nsn * 64 + key, -1)
        _, first = np.unique(keyed, return_index=True)
        dup = np.ones(len(nsn), bool)
        dup[first] = False
        dup &= has
        if not dup.any():
            break
        if landline:
            new, _ = phones.landlines(rng, country[dup], prefix[dup])
        else:
            new, _ = phones.mobiles(rng, country[dup], prefix[dup])
        nsn = nsn.copy()
        nsn[dup] = new
    return nsn


def _family_surnames(rng, s1, s2, hh, pos, role, female, country, start, size, htype):
    """Apply naming customs: spouses' names, and children's surnames from their parents."""
    s1, s2 = s1.copy(), s2.copy()
    head = start[hh]
    has_partner = np.isin(htype[hh], [1, 2, 5]) & (size[hh] >= 2)
    partner = np.where(has_partner, head + 1, -1)
    # spouses: in some countries the wife takes (GB/US) or appends (BR/PT) the husband's surname
    p_idx = np.flatnonzero(role == PARTNER)
    h_idx = head[p_idx]
    opposite = female[p_idx] != female[h_idx]
    wife = np.where(female[p_idx], p_idx, h_idx)
    husband = np.where(female[p_idx], h_idx, p_idx)
    for c, p in WIFE_TAKES_NAME.items():
        ci = COUNTRIES.index(c)
        take = opposite & (country[p_idx] == ci) & (rng.random(len(p_idx)) < p)
        w, hb = wife[take], husband[take]
        if c in ("GB", "US"):
            s1[w] = s1[hb]
        else:  # keeps her last surname, appends his last
            her_last = np.where(s2[w] >= 0, s2[w], s1[w])
            his_last = np.where(s2[hb] >= 0, s2[hb], s1[hb])
            s1[w], s2[w] = her_last, his_last
    # children
    kids = np.flatnonzero(np.isin(role, [CHILD, ADULT_CHILD]))
    hd = head[kids]
    pt = partner[kids]
    two_parents = pt >= 0
    pt_safe = np.where(two_parents, pt, hd)
    father = np.where(two_parents, np.where(female[hd] & ~female[pt_safe], pt_safe, hd), np.where(female[hd], -1, hd))
    mother = np.where(two_parents, np.where(father == hd, pt_safe, hd), np.where(female[hd], hd, -1))
    own1, own2 = s1[kids], s2[kids]
    f1 = np.where(father >= 0, s1[np.maximum(father, 0)], own1)
    m1 = np.where(mother >= 0, s1[np.maximum(mother, 0)], own1)
    f_last = np.where(father >= 0, np.where(s2[np.maximum(father, 0)] >= 0, s2[np.maximum(father, 0)], f1), own1)
    m_last = np.where(mother >= 0, np.where(s2[np.maximum(mother, 0)] >= 0, s2[np.maximum(mother, 0)], m1), own1)
    kc = country[kids]
    es = kc == COUNTRIES.index("ES")
    ptbr = np.isin(kc, [COUNTRIES.index("PT"), COUNTRIES.index("BR")])
    other = ~(es | ptbr)
    # Spain: father's first surname + mother's first surname (absent father: own draw)
    n1 = np.where(es, np.where(father >= 0, f1, own1), 0)
    n2 = np.where(es, np.where(mother >= 0, m1, own2), 0)
    # Portugal/Brazil: mother's last surname, then father's last surname
    pb1 = np.where(mother >= 0, m_last, own1)
    pb2 = np.where(father >= 0, f_last, np.where(own2 >= 0, own2, -1))
    pb2 = np.where(pb2 == pb1, -1, pb2)
    n1 = np.where(ptbr, pb1, n1)
    n2 = np.where(ptbr, pb2, n2)
    # Italy, UK, US: father's surname (a single mother's if there is no father)
    parent1 = np.where(father >= 0, f1, np.where(rng.random(len(kids)) < 0.7, m1, own1))
    n1 = np.where(other, parent1, n1)
    n2 = np.where(other, -1, n2)
    s1[kids], s2[kids] = n1, n2
    return s1, s2


def _national_ids(
    rng: np.random.Generator,
    country: np.ndarray,
    surname: pa.Array,
    first: pa.Array,
    dob: np.ndarray,
    female: np.ndarray,
) -> pa.Array:
    """Each person's identity/tax number in their country's format."""
    n = len(country)
    parts: list[tuple[np.ndarray, pa.Array]] = []
    for ci, c in enumerate(COUNTRIES):
        idx = np.flatnonzero(country == ci)
        if not len(idx):
            continue
        k = len(idx)
        if c == "ES":
            v = ids.dni(rng, k)
        elif c == "IT":
            v = ids.codice_fiscale(
                rng, T.arr(surname.take(pa.array(idx))), T.arr(first.take(pa.array(idx))), dob[idx], female[idx]
            )
        elif c == "PT":
            v = ids.nif(rng, k)
        elif c == "BR":
            v = ids.cpf(rng, k)
        elif c == "US":
            v = ids.ssn(rng, k)
        else:
            v = ids.nino(rng, k)
        parts.append((idx, v))
    all_idx = np.concatenate([p[0] for p in parts])
    vals = pa.concat_arrays([p[1] for p in parts])
    out = T.arr(vals.take(pa.array(np.argsort(all_idx, kind="stable"))))
    assert len(out) == n
    return out


# (weight, pattern): f first name, l the surname people go by, dm '.' + the other surname (if any),
# i initial, yy/yyyy birth year, r a random number
EMAIL_PATTERNS = (
    (24, "{f}.{l}"),
    (14, "{f}{l}"),
    (5, "{f}_{l}"),
    (10, "{i}{l}"),
    (9, "{f}.{l}{yy}"),
    (9, "{f}{l}{r}"),
    (5, "{l}.{f}"),
    (8, "{f}.{l}{dm}"),
    (7, "{f}{yyyy}"),
    (4, "{f}{r}"),
    (5, "{i}.{l}{r}"),
)


def _local_parts(
    rng: np.random.Generator, tokens: dict[str, pa.Array], dob: np.ndarray, country: np.ndarray
) -> pa.Array:
    """Email local parts built from names, one pattern per person.

    tokens holds per-person ASCII forms: 'full' and 'first' (first word) of the first name, 's1'
    and 's2' of the surnames. Spaniards go by their first surname, Portuguese and Brazilians by
    their last one.
    """
    n = len(dob)
    compound_joined = rng.random(n) < 0.3
    f = T.where(compound_joined, tokens["full"], tokens["first"])
    f = T.where(pc.equal(f, ""), "user", f)
    a1, a2 = tokens["s1"], tokens["s2"]
    has2 = pc.not_equal(a2, "").to_numpy(zero_copy_only=False)
    by_last = has2 & np.isin(country, [COUNTRIES.index("PT"), COUNTRIES.index("BR")])
    lname = T.where(by_last, a2, a1)
    other = T.where(by_last, a1, a2)
    dm = T.where(has2, T.cat(".", other), "")
    year = T.ymd(dob)["Y"]
    comps = {
        "f": f,
        "l": lname,
        "dm": dm,
        "i": T.arr(pc.utf8_slice_codeunits(f, 0, 1)),
        "yy": T.int_str(year % 100, 2),
        "yyyy": T.int_str(year),
        "r": T.int_str(rng.integers(1, 1000, size=n)),
    }
    w = np.array([p[0] for p in EMAIL_PATTERNS], dtype=float)
    which = rng.choice(len(w), size=n, p=w / w.sum())
    parts = []
    for k, (_, pat) in enumerate(EMAIL_PATTERNS):
        sel = np.flatnonzero(which == k)
        if len(sel):
            sub = {key: T.arr(v.take(pa.array(sel))) for key, v in comps.items()}
            parts.append((sel, T.tokens(pat, sub)))
    return T.scatter(parts, n)


GMAIL_DOMAINS = pa.array(["gmail.com", "googlemail.com"])


def _mailbox(email: pa.Array) -> pa.Array:
    """The mailbox an address reaches: Gmail ignores dots in the user name, so a.b@gmail.com
    and ab@gmail.com belong to one person and must not be given to two."""
    local = T.arr(pc.replace_substring_regex(email, r"@.*$", ""))
    domain = T.arr(pc.replace_substring_regex(email, r"^[^@]*@", ""))
    undotted = T.cat(T.arr(pc.replace_substring(local, ".", "")), "@", domain)
    return T.where(pc.is_in(domain, value_set=GMAIL_DOMAINS).to_numpy(zero_copy_only=False), undotted, email)


def _dedupe_emails(rng: np.random.Generator, email: pa.Array, taken: pa.Array | None = None) -> pa.Array:
    """Append digits to the local part of duplicates until every mailbox is unique."""
    k = len(email)
    for _ in range(20):
        both = pa.concat_arrays([T.arr(taken), email]) if taken is not None else email
        codes = _mailbox(both).dictionary_encode().indices.to_numpy(zero_copy_only=False)
        codes = np.where(pc.is_valid(both).to_numpy(zero_copy_only=False), codes, -1)
        _, first = np.unique(codes, return_index=True)
        is_first = np.zeros(len(both), bool)
        is_first[first] = True
        dup = (~is_first & (codes >= 0))[len(both) - k :]
        if not dup.any():
            return email
        digits = T.int_str(rng.integers(1, 10_000, size=len(email)))
        local = T.arr(pc.replace_substring_regex(email, r"@.*$", ""))
        domain = T.arr(pc.replace_substring_regex(email, r"^[^@]*@", ""))
        email = T.where(dup, T.cat(local, digits, "@", domain), email)
    raise RuntimeError("could not make emails unique")


def _emails(
    rng: np.random.Generator,
    clock: Clock,
    country: np.ndarray,
    first: np.ndarray,
    s1: np.ndarray,
    s2: np.ndarray,
    first_pool: Pool,
    surname_pool: Pool,
    dob: np.ndarray,
    age: np.ndarray,
    hh: np.ndarray,
    role: np.ndarray,
    start: np.ndarray,
):
    """Current email (most adults), a dead old one for changers, a few shared family emails."""
    n = len(country)
    p_has = np.where(age >= 18, np.where(age > 75, 0.7, 0.95), np.where(age >= 13, 0.6, 0.0))
    has = rng.random(n) < p_has
    dom_pool = Pool(
        {
            ci: (tuple(d for d, _ in EMAIL_DOMAINS[c]), np.array([w for _, w in EMAIL_DOMAINS[c]]))
            for ci, c in enumerate(COUNTRIES)
        }
    )
    old_pool = Pool({ci: (OLD_EMAIL_DOMAINS[c], np.ones(len(OLD_EMAIL_DOMAINS[c]))) for ci, c in enumerate(COUNTRIES)})
    # ASCII forms are computed once per distinct pool name, then taken per person
    ascii_first = T.ascii_token(first_pool.values)
    ascii_first1 = T.ascii_token(T.first_token(first_pool.values))
    ascii_sur = T.ascii_token(surname_pool.values)
    tokens = {
        "full": T.take(ascii_first, first),
        "first": T.take(ascii_first1, first),
        "s1": T.take(ascii_sur, s1),
        "s2": T.arr(pc.fill_null(T.take(ascii_sur, s2), "")),
    }
    local = _local_parts(rng, tokens, dob, country)
    email = T.cat(local, "@", dom_pool.take(dom_pool.draw(rng, country.astype(np.int64))))
    email = T.null_if(~has, email)
    email = _dedupe_emails(rng, email)
    # shared family email: the partner uses the head's address
    partner = np.flatnonzero(role == PARTNER)
    head = start[hh[partner]]
    share = (rng.random(len(partner)) < SHARED_EMAIL_RATE) & has[partner] & has[head]
    idx = np.arange(n)
    idx[partner[share]] = head[share]
    email = T.arr(email.take(pa.array(idx)))
    # email changers: the old address is another pattern at an old provider
    changed = has & (age >= 20) & (rng.random(n) < EMAIL_CHANGE_RATE)
    old_local = _local_parts(rng, tokens, dob, country)
    old = T.cat(old_local, "@", old_pool.take(old_pool.draw(rng, country.astype(np.int64))))
    old = T.null_if(~changed, old)
    old = _dedupe_emails(rng, old, taken=T.arr(pc.drop_null(email)))
    changed_at = np.where(changed, Clock.uniform(rng, clock.end - 6 * YEAR, clock.end - 60 * DAY, n), -1)
    return email, old, changed_at
