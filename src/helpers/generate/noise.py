"""The ways real people and systems damage customer data, as vectorised functions.

Every function takes a random generator, an Arrow array and a rate, picks the affected rows with
one draw, and edits only those. Character-level typos work on a fixed-width code-point matrix
(strings viewed as uint32), so a substitution, deletion, insertion or transposition at a random
position is a handful of numpy index operations for all selected rows at once.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import text as T
from .pools import COUNTRIES, DOMAIN_TYPOS, NICKNAMES

# --- keyboard typos -----------------------------------------------------------------------------

_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_TABLE_SIZE = 0x250  # Basic Latin + Latin-1 + Latin Extended-A/B
_FOLD = {
    "á": "a",
    "à": "a",
    "â": "a",
    "ã": "a",
    "ä": "a",
    "é": "e",
    "è": "e",
    "ê": "e",
    "ë": "e",
    "í": "i",
    "ì": "i",
    "î": "i",
    "ï": "i",
    "ó": "o",
    "ò": "o",
    "ô": "o",
    "õ": "o",
    "ö": "o",
    "ú": "u",
    "ù": "u",
    "û": "u",
    "ü": "u",
    "ñ": "n",
    "ç": "c",
}


def _neighbour_table() -> np.ndarray:
    """For each code point, 4 plausible mistyped replacements (QWERTY neighbours, same case)."""
    pos = {ch: (r, i) for r, row in enumerate(_ROWS) for i, ch in enumerate(row)}
    table = np.zeros((_TABLE_SIZE, 4), dtype=np.uint32)
    letters = "abcdefghijklmnopqrstuvwxyz"
    for cp in range(_TABLE_SIZE):
        ch = chr(cp)
        base = _FOLD.get(ch.lower(), ch.lower())
        if base in pos:
            r, i = pos[base]
            near = [_ROWS[r][j] for j in (i - 1, i + 1) if 0 <= j < len(_ROWS[r])]
            for rr in (r - 1, r + 1):
                if 0 <= rr < 3:
                    near += [_ROWS[rr][j] for j in (i, i + 1) if 0 <= j < len(_ROWS[rr])]
            if _FOLD.get(ch.lower()):  # an accented letter is often typed without its accent
                near = [base] + near
        elif "0" <= ch <= "9":
            d = int(ch)
            near = [str((d + k) % 10) for k in (1, 9, 2, 8)]
        else:
            near = [letters[(cp * 7 + k * 5) % 26] for k in range(4)]
        near = (near * 4)[:4]
        if ch.isupper() and base in pos:
            near = [x.upper() for x in near]
        table[cp] = [ord(x) for x in near]
    return table


_NEAR = _neighbour_table()


def select(rng: np.random.Generator, n: int, rate: float, eligible: np.ndarray | None = None) -> np.ndarray:
    """Indices of rows hit by a noise of the given rate."""
    m = rng.random(n) < rate
    if eligible is not None:
        m &= eligible
    return np.flatnonzero(m)


def patch(a: pa.Array, rows: np.ndarray, new: pa.Array) -> pa.Array:
    """a with the given rows replaced by new values (one take, no full-length recomputation)."""
    a = T.arr(a)
    if not len(rows):
        return a
    idx = np.arange(len(a))
    idx[rows] = len(a) + np.arange(len(rows))
    return T.arr(pa.concat_arrays([a, T.arr(new).cast(a.type)]).take(pa.array(idx)))


def on_rows(a: pa.Array, rows: np.ndarray, fn) -> pa.Array:
    """Apply a vectorised string function to the selected rows only."""
    a = T.arr(a)
    if not len(rows):
        return a
    return patch(a, rows, fn(T.arr(a.take(pa.array(rows)))))


def typo(
    rng: np.random.Generator,
    a: pa.Array,
    rate: float,
    weights: tuple[float, float, float, float] = (0.35, 0.25, 0.2, 0.2),
) -> pa.Array:
    """Keyboard typos: substitution, deletion, insertion (often a doubled letter), transposition."""
    a = T.arr(a)
    lens = T.lengths(a)
    sel = select(rng, len(a), rate, lens >= 3)
    if not len(sel):
        return a
    sub = T.arr(a.take(pa.array(sel)))
    codes = T.to_codes(sub, extra=1)
    k: int
    width: int
    k, width = codes.shape
    L = lens[sel]
    op = rng.choice(4, size=k, p=np.asarray(weights) / sum(weights))
    pos = (rng.random(k) * L).astype(np.int64)
    rows = np.arange(k)
    # never start on a space (keeps 'María José' from becoming 'MaríaxJosé')
    pos = np.where(codes[rows, pos] == 32, np.maximum(pos - 1, 0), pos)
    ch = codes[rows, pos]
    near = _NEAR[np.minimum(ch, _TABLE_SIZE - 1), rng.integers(0, 4, size=k)]
    near = np.where(ch < _TABLE_SIZE, near, ch)
    j = np.arange(width)[None, :]
    out = codes.copy()
    # substitution
    s = op == 0
    out[rows[s], pos[s]] = near[s]
    # deletion: shift the tail left by one
    d = op == 1
    src = np.minimum(j + (j >= pos[d, None]), width - 1)
    out[d] = np.take_along_axis(codes[d], src, axis=1)
    out[d, width - 1] = 0
    # insertion: shift the tail right, insert a doubled or neighbouring letter
    ins = op == 2
    src = np.maximum(j - (j > pos[ins, None]), 0)
    shifted = np.take_along_axis(codes[ins], src, axis=1)
    dbl = rng.random(int(ins.sum())) < 0.6
    shifted[np.arange(len(shifted)), np.minimum(pos[ins] + 1, width - 1)] = np.where(dbl, ch[ins], near[ins])
    out[ins] = shifted
    # transposition of pos and pos+1
    tr = (op == 3) & (L >= 2)
    p = np.minimum(pos[tr], L[tr] - 2)
    r = rows[tr]
    out[r, p], out[r, p + 1] = codes[r, p + 1], codes[r, p]
    return patch(a, sel, T.from_codes(out))


# Spelling by ear (call-centre agents, event staff).
PHONETIC_RULES = (
    (r"v", "b"),
    (r"b", "v"),
    (r"^V", "B"),
    (r"^B", "V"),
    (r"ll", "y"),
    (r"y", "i"),
    (r"z", "s"),
    (r"s", "z"),
    (r"ph", "f"),
    (r"c([aou])", r"k\1"),
    (r"qu", "k"),
    (r"^H", ""),
    (r"h", ""),
    (r"nn", "n"),
    (r"tt", "t"),
    (r"ss", "s"),
    (r"i", "y"),
    (r"ey", "ay"),
    (r"ou", "u"),
    (r"gh", "g"),
    (r"th", "t"),
    (r"ck", "k"),
    (r"ç", "ss"),
    (r"x", "ch"),
    (r"j", "g"),
    (r"g([ei])", r"j\1"),
    (r"ie", "ei"),
    (r"([aeiou])r", r"\1rr"),
)


def phonetic(rng: np.random.Generator, a: pa.Array, rate: float) -> pa.Array:
    """Sound-alike misspellings ('Valverde' -> 'Balverde', 'Stephen' -> 'Stefen').

    Rules are tried in a random order; each selected row gets the first rule that changes it.
    """
    a = T.arr(a)
    sel = select(rng, len(a), rate)
    if not len(sel):
        return a
    sub = T.arr(a.take(pa.array(sel)))
    out = sub
    pending = np.ones(len(sel), bool)
    for r in rng.permutation(len(PHONETIC_RULES)):
        pat, rep = PHONETIC_RULES[r]
        cand = T.arr(pc.replace_substring_regex(sub, pat, rep, max_replacements=1))
        changed = pc.fill_null(pc.not_equal(cand, sub), False).to_numpy(zero_copy_only=False) & pending
        out = T.where(changed, cand, out)
        pending &= ~changed
        if not pending.any():
            break
    return patch(a, sel, out)


# --- case, whitespace, accents, blanks ----------------------------------------------------------


def case(rng: np.random.Generator, a: pa.Array, p_upper: float, p_lower: float = 0.0) -> pa.Array:
    """ALL CAPS (legacy systems, hand-typed forms) or all lower case (phones, hurried typists)."""
    u = rng.random(len(a))
    a = on_rows(a, np.flatnonzero(u < p_upper), pc.utf8_upper)
    return on_rows(a, np.flatnonzero((u >= p_upper) & (u < p_upper + p_lower)), pc.utf8_lower)


def _spaces(rng: np.random.Generator):
    def fn(x: pa.Array) -> pa.Array:
        k = len(x)
        kind = rng.integers(0, 3, size=k)
        lead = T.cat(" ", x)
        trail = T.cat(x, T.where(rng.random(k) < 0.5, " ", "  "))
        double = T.arr(pc.replace_substring(x, " ", "  ", max_replacements=1))
        double = T.where(pc.fill_null(pc.equal(double, x), True), trail, double)  # no inner space
        out = T.pick([(kind == 0, lead), (kind == 1, trail)], double)
        return T.arr(pc.if_else(pc.is_null(x), x, out))

    return fn


def whitespace(rng: np.random.Generator, a: pa.Array, rate: float) -> pa.Array:
    """Leading, trailing or doubled inner spaces."""
    return on_rows(a, select(rng, len(a), rate), _spaces(rng))


def accents(rng: np.random.Generator, a: pa.Array, rate: float) -> pa.Array:
    """Accents and tildes dropped ('Muñoz' -> 'Munoz'), as ASCII-only systems store them."""
    return on_rows(a, select(rng, len(a), rate), T.strip_accents)


def blank(rng: np.random.Generator, a: pa.Array, rate: float) -> pa.Array:
    """Field left empty."""
    return T.null_if(rng.random(len(a)) < rate, T.arr(a))


def swap(rng: np.random.Generator, a: pa.Array, b: pa.Array, rate: float) -> tuple[pa.Array, pa.Array, np.ndarray]:
    """First and last name entered in each other's field."""
    m = rng.random(len(a)) < rate
    return T.where(m, b, a), T.where(m, a, b), m


# --- names --------------------------------------------------------------------------------------


def _nickname_tables() -> tuple[pa.Array, np.ndarray, np.ndarray, pa.Array]:
    keys: list[str] = []
    starts: list[int] = []
    counts: list[int] = []
    nicks: list[str] = []
    for ci, c in enumerate(COUNTRIES):
        for formal, options in NICKNAMES[c].items():
            keys.append(f"{ci}|{formal}")
            starts.append(len(nicks))
            counts.append(len(options))
            nicks.extend(options)
    return pa.array(keys), np.array(starts), np.array(counts), pa.array(nicks)


_NICK_KEYS, _NICK_START, _NICK_COUNT, _NICKS = _nickname_tables()


def nickname(rng: np.random.Generator, first: pa.Array, country: np.ndarray, rate: float) -> pa.Array:
    """Replace a formal first name by a nickname of its country ('Francisco' -> 'Paco')."""
    first = T.arr(first)
    key = T.cat(T.int_str(country), "|", first)
    hit = pc.fill_null(pc.index_in(key, value_set=_NICK_KEYS), -1).to_numpy(zero_copy_only=False)
    sel = (hit >= 0) & (rng.random(len(first)) < rate)
    if not sel.any():
        return first
    h = np.where(sel, hit, 0)
    nick_idx = _NICK_START[h] + (rng.random(len(first)) * _NICK_COUNT[h]).astype(np.int64)
    return T.where(sel, _NICKS.take(pa.array(nick_idx)), first)


def first_part(rng: np.random.Generator, first: pa.Array, rate: float) -> pa.Array:
    """Only the first of a compound first name ('José Luis' -> 'José')."""
    return on_rows(first, select(rng, len(first), rate), T.first_token)


def abbreviate_maria(rng: np.random.Generator, first: pa.Array, rate: float) -> pa.Array:
    """Spanish 'María José' written 'Mª José' or 'M. José'."""
    sel = rng.random(len(first)) < rate
    if not sel.any():
        return T.arr(first)
    short = T.where(
        rng.random(len(first)) < 0.7,
        pc.replace_substring_regex(first, r"^María ", "Mª "),
        pc.replace_substring_regex(first, r"^María ", "M. "),
    )
    return T.where(sel, short, first)


# --- email ---------------------------------------------------------------------------------------


def _domain_typo_tables() -> tuple[pa.Array, np.ndarray, np.ndarray, pa.Array]:
    keys: list[str] = []
    starts: list[int] = []
    counts: list[int] = []
    vals: list[str] = []
    for dom, typos in DOMAIN_TYPOS.items():
        keys.append(dom)
        starts.append(len(vals))
        counts.append(len(typos))
        vals.extend(typos)
    return pa.array(keys), np.array(starts), np.array(counts), pa.array(vals)


_DOM_KEYS, _DOM_START, _DOM_COUNT, _DOM_TYPOS = _domain_typo_tables()


def email(
    rng: np.random.Generator,
    e: pa.Array,
    p_upper: float,
    p_capital: float,
    p_domain_typo: float,
    p_local_typo: float = 0.0,
    p_space: float = 0.0,
) -> tuple[pa.Array, np.ndarray]:
    """Emails as typed: UPPER CASE, a capitalised first letter (phone keyboards), misspelt domains
    ('gmial.com', 'hotmail.con'), local-part typos, stray spaces.

    Returns the noisy emails and a mask of rows whose address no longer works (typos) — those
    bounce if a campaign is ever sent to them.
    """
    e = T.arr(e)
    n = len(e)
    local = T.arr(pc.replace_substring_regex(e, r"@.*$", ""))
    domain = T.arr(pc.replace_substring_regex(e, r"^[^@]*@", ""))
    dt = (rng.random(n) < p_domain_typo) & pc.is_valid(e).to_numpy(zero_copy_only=False)
    hit = pc.fill_null(pc.index_in(domain, value_set=_DOM_KEYS), -1).to_numpy(zero_copy_only=False)
    h = np.where(hit >= 0, hit, 0)
    known = _DOM_TYPOS.take(pa.array(_DOM_START[h] + (rng.random(n) * _DOM_COUNT[h]).astype(np.int64)))
    generic = T.arr(pc.replace_substring_regex(domain, r"\.com$", ".con"))
    generic = T.where(pc.equal(generic, domain), typo(rng, domain, 1.0), generic)
    new_domain = T.where(dt & (hit >= 0), known, T.where(dt, generic, domain))
    lt = (rng.random(n) < p_local_typo) & pc.is_valid(e).to_numpy(zero_copy_only=False)
    new_local = T.where(lt, typo(rng, local, 1.0, weights=(0.4, 0.3, 0.2, 0.1)), local)
    out = T.arr(pc.if_else(pc.is_null(e), e, T.cat(new_local, "@", new_domain)))
    broken = dt | lt
    u = rng.random(n)
    out = T.where(u < p_upper, pc.utf8_upper(out), out)
    out = T.where((u >= p_upper) & (u < p_upper + p_capital), pc.utf8_capitalize(out), out)
    out = whitespace(rng, out, p_space) if p_space else out
    return out, broken


# --- numbers -------------------------------------------------------------------------------------


def digit_typo(rng: np.random.Generator, nsn: np.ndarray, length: np.ndarray, rate: float) -> np.ndarray:
    """One wrong digit in a phone number (never in its first two digits)."""
    nsn = nsn.copy()
    sel = np.flatnonzero((rng.random(len(nsn)) < rate) & (nsn >= 0))
    if not len(sel):
        return nsn
    L = length[sel]
    p = 2 + (rng.random(len(sel)) * (L - 2)).astype(np.int64)  # digit index from the left
    pw = 10 ** (L - 1 - p)
    old = (nsn[sel] // pw) % 10
    new = (old + rng.integers(1, 10, size=len(sel))) % 10
    nsn[sel] = nsn[sel] + (new - old) * pw
    return nsn
