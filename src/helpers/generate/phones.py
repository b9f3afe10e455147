"""Phone numbers that `phonenumbers` accepts, and the many ways people and systems write them.

A number is kept as an integer national significant number (NSN) plus a *key* naming its
country, kind and area-code length (e.g. "GB-l2" = a London-style landline). Rendering picks a
template per record, such as "+44 (0)## #### ####", and writes the NSN's digits into the '#'
slots with numpy — one pass per distinct template, never one per row.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from . import text as T
from .pools import CITIES, COUNTRIES

NSN_LEN = {
    ("ES", "m"): 9,
    ("ES", "l"): 9,
    ("IT", "m"): 10,
    ("IT", "l"): 10,
    ("PT", "m"): 9,
    ("PT", "l"): 9,
    ("BR", "m"): 11,
    ("BR", "l"): 10,
    ("GB", "m"): 10,
    ("GB", "l"): 10,
    ("US", "m"): 10,
    ("US", "l"): 10,
}

# Mobile prefixes inside ranges phonenumbers marks valid (checked in tests on samples).
MOBILE_PREFIXES = {
    "ES": ("6", "6", "6", "6", "6", "71", "72", "73", "74"),
    "IT": (
        "320",
        "324",
        "327",
        "328",
        "329",
        "330",
        "331",
        "333",
        "334",
        "335",
        "338",
        "339",
        "340",
        "342",
        "345",
        "346",
        "347",
        "348",
        "349",
        "350",
        "351",
        "366",
        "370",
        "377",
        "380",
        "388",
        "389",
        "391",
        "392",
        "393",
    ),
    "PT": ("91", "92", "93", "96"),
    "GB": (
        "71",
        "72",
        "73",
        "740",
        "741",
        "742",
        "743",
        "744",
        "746",
        "747",
        "748",
        "749",
        "751",
        "753",
        "754",
        "755",
        "756",
        "757",
        "758",
        "759",
        "77",
        "780",
        "781",
        "784",
        "785",
        "786",
        "787",
        "788",
        "789",
        "790",
        "792",
        "794",
        "795",
        "796",
        "797",
        "798",
        "799",
    ),
}

# Templates per key and style family. '#' = next NSN digit; other characters are literal.
FAMILIES = ("e164", "intl", "intl00", "national", "plain", "punct")
TEMPLATES: dict[str, dict[str, tuple[str, ...]]] = {
    "ES-m": {
        "e164": ("+34#########",),
        "intl": ("+34 ### ### ###", "+34 ### ## ## ##"),
        "intl00": ("0034#########", "0034 ### ### ###", "(+34) ### ### ###"),
        "national": ("### ### ###", "### ## ## ##"),
        "plain": ("#########",),
        "punct": ("###-###-###", "(###) ######", "###.###.###", "### ######"),
    },
    "ES-l2": {
        "e164": ("+34#########",),
        "intl": ("+34 ## ### ## ##", "+34 ### ### ###"),
        "intl00": ("0034#########",),
        "national": ("## ### ## ##", "### ### ###"),
        "plain": ("#########",),
        "punct": ("##-###-##-##", "(##) #######", "###-###-###"),
    },
    "ES-l3": {
        "e164": ("+34#########",),
        "intl": ("+34 ### ## ## ##", "+34 ### ### ###"),
        "intl00": ("0034#########",),
        "national": ("### ## ## ##", "### ### ###"),
        "plain": ("#########",),
        "punct": ("###-##-##-##", "(###) ######"),
    },
    "IT-m": {
        "e164": ("+39##########",),
        "intl": ("+39 ### ### ####", "+39 ### #######"),
        "intl00": ("0039##########", "0039 ### #######"),
        "national": ("### ### ####", "### #######"),
        "plain": ("##########",),
        "punct": ("###-#######", "###/#######", "###.###.####"),
    },
    "IT-l2": {
        "e164": ("+39##########",),
        "intl": ("+39 ## #### ####", "+39 ## ########"),
        "intl00": ("0039##########",),
        "national": ("## #### ####", "## ########"),
        "plain": ("##########",),
        "punct": ("##/########", "##-########", "##.####.####"),
    },
    "IT-l3": {
        "e164": ("+39##########",),
        "intl": ("+39 ### ### ####", "+39 ### #######"),
        "intl00": ("0039##########",),
        "national": ("### ### ####", "### #######"),
        "plain": ("##########",),
        "punct": ("###/#######", "###-#######"),
    },
    "PT-m": {
        "e164": ("+351#########",),
        "intl": ("+351 ### ### ###",),
        "intl00": ("00351#########", "00351 ### ### ###"),
        "national": ("### ### ###",),
        "plain": ("#########",),
        "punct": ("###-###-###", "### ######"),
    },
    "PT-l2": {
        "e164": ("+351#########",),
        "intl": ("+351 ## ### ####",),
        "intl00": ("00351#########",),
        "national": ("## ### ####", "### ### ###"),
        "plain": ("#########",),
        "punct": ("##-###-####",),
    },
    "PT-l3": {
        "e164": ("+351#########",),
        "intl": ("+351 ### ### ###",),
        "intl00": ("00351#########",),
        "national": ("### ### ###",),
        "plain": ("#########",),
        "punct": ("###-###-###",),
    },
    "BR-m": {
        "e164": ("+55###########",),
        "intl": ("+55 ## #####-####", "+55 (##) #####-####", "+55 ## ##### ####"),
        "intl00": ("0055###########",),
        "national": ("(##) #####-####", "## #####-####"),
        "plain": ("###########",),
        "punct": ("(##)#####-####", "##-#####-####", "## ##### ####"),
    },
    "BR-l": {
        "e164": ("+55##########",),
        "intl": ("+55 ## ####-####", "+55 (##) ####-####"),
        "intl00": ("0055##########",),
        "national": ("(##) ####-####", "## ####-####"),
        "plain": ("##########",),
        "punct": ("(##)####-####", "##-####-####"),
    },
    "GB-m": {
        "e164": ("+44##########",),
        "intl": ("+44 #### ######", "+44 (0)#### ######", "+44 ### ### ####"),
        "intl00": ("0044##########", "0044 #### ######"),
        "national": ("0#### ######", "0#### ### ###"),
        "plain": ("0##########",),
        "punct": ("0####-######", "0###-###-####", "(0####) ######"),
    },
    "GB-l2": {
        "e164": ("+44##########",),
        "intl": ("+44 ## #### ####", "+44 (0)## #### ####"),
        "intl00": ("0044##########",),
        "national": ("0## #### ####", "(0##) #### ####"),
        "plain": ("0##########",),
        "punct": ("0##-####-####", "0## ########"),
    },
    "GB-l3": {
        "e164": ("+44##########",),
        "intl": ("+44 ### ### ####", "+44 (0)### ### ####"),
        "intl00": ("0044##########",),
        "national": ("0### ### ####", "(0###) ### ####"),
        "plain": ("0##########",),
        "punct": ("0###-###-####", "0### #######"),
    },
    "US-m": {
        "e164": ("+1##########",),
        "intl": ("+1 (###) ###-####", "+1 ###-###-####", "+1 ### ### ####"),
        "intl00": ("001 ###-###-####", "001##########"),
        "national": ("(###) ###-####", "###-###-####"),
        "plain": ("##########",),
        "punct": ("###.###.####", "1-###-###-####", "### ### ####"),
    },
}
TEMPLATES["US-l"] = TEMPLATES["US-m"]
KEYS: tuple[str, ...] = tuple(TEMPLATES)
KEY_CODE = {k: i for i, k in enumerate(KEYS)}
_KEY_NSN_LEN = np.array([NSN_LEN[(k[:2], k[3])] for k in KEYS])


def _prefix_nsn(rng: np.random.Generator, prefixes: np.ndarray, length: int, first_digit_min: int = 0) -> np.ndarray:
    """NSNs that start with the given prefix strings, completed with random digits."""
    plen = np.char.str_len(prefixes)
    pval = prefixes.astype(np.int64)
    rest = length - plen
    span = 10**rest
    lo = np.where(first_digit_min > 0, first_digit_min * 10 ** (rest - 1), 0)
    tail = lo + (rng.random(len(prefixes)) * (span - lo)).astype(np.int64)
    return pval * span + tail


def mobiles(rng: np.random.Generator, country: np.ndarray, area: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mobile NSNs and keys for people of the given country codes (area: BR/US area codes)."""
    n = len(country)
    nsn = np.zeros(n, dtype=np.int64)
    key = np.zeros(n, dtype=np.int16)
    for ci, c in enumerate(COUNTRIES):
        m = country == ci
        k = int(m.sum())
        if not k:
            continue
        if c in MOBILE_PREFIXES:
            pref = np.asarray(MOBILE_PREFIXES[c])[rng.integers(0, len(MOBILE_PREFIXES[c]), size=k)]
            nsn[m] = _prefix_nsn(rng, pref, NSN_LEN[(c, "m")])
        elif c == "BR":
            # DDD + 9 + [6-9] + 7 digits
            ddd = area[m].astype(np.int64)
            local = rng.integers(6, 10, size=k) * 10**7 + rng.integers(0, 10**7, size=k)
            nsn[m] = ddd * 10**9 + 9 * 10**8 + local
        else:  # US: area + exchange [2-9]XX (not 555, not N11) + line
            nsn[m] = area[m].astype(np.int64) * 10**7 + _us_exchange(rng, k) * 10**4 + rng.integers(0, 10**4, size=k)
        key[m] = KEY_CODE[f"{c}-m"]
    return nsn, key


def _us_exchange(rng: np.random.Generator, k: int) -> np.ndarray:
    ex = rng.integers(200, 1000, size=k)
    bad = (ex == 555) | (ex % 100 == 11)
    return np.where(bad, ex + 1, ex)


def landlines(rng: np.random.Generator, country: np.ndarray, prefix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Landline NSNs and keys from each household's city area prefix (e.g. '91', '0161'→'161')."""
    n = len(country)
    nsn = np.zeros(n, dtype=np.int64)
    key = np.zeros(n, dtype=np.int16)
    for ci, c in enumerate(COUNTRIES):
        m = country == ci
        k = int(m.sum())
        if not k:
            continue
        pref = prefix[m]
        if c == "US":
            nsn[m] = pref.astype(np.int64) * 10**7 + _us_exchange(rng, k) * 10**4 + rng.integers(0, 10**4, size=k)
            key[m] = KEY_CODE["US-l"]
            continue
        if c == "BR":
            # DDD + local number starting 2-5
            local = rng.integers(2, 6, size=k) * 10**7 + rng.integers(0, 10**7, size=k)
            nsn[m] = pref.astype(np.int64) * 10**8 + local
            key[m] = KEY_CODE["BR-l"]
            continue
        nsn[m] = _prefix_nsn(rng, pref, NSN_LEN[(c, "l")], first_digit_min=2)
        plen = np.char.str_len(pref)
        if c == "GB":
            alen = np.where(np.char.startswith(pref, "2"), 2, 3)
        else:
            alen = plen
        key[m] = np.where(alen == 2, KEY_CODE[f"{c}-l2"], KEY_CODE[f"{c}-l3"])
    return nsn, key


def city_prefixes(rng: np.random.Generator, country: np.ndarray, city: np.ndarray) -> np.ndarray:
    """An area prefix (string) per element from its city's list (first one for BR DDD)."""
    out = np.empty(len(country), dtype="U4")
    for ci, c in enumerate(COUNTRIES):
        for j, city_def in enumerate(CITIES[c]):
            m = (country == ci) & (city == j)
            k = int(m.sum())
            if k:
                out[m] = np.asarray(city_def.area)[rng.integers(0, len(city_def.area), size=k)]
    return out


def render(
    rng: np.random.Generator,
    nsn: np.ndarray,
    key: np.ndarray,
    family_weights: dict[str, float],
    present: np.ndarray | None = None,
) -> pa.Array:
    """Format NSNs with templates drawn per record from the given style-family weights.

    present: records where False become null (no phone given).
    """
    n = len(nsn)
    fam_names = [f for f in FAMILIES if family_weights.get(f, 0) > 0]
    fw = np.array([family_weights[f] for f in fam_names], dtype=float)
    fam = rng.choice(len(fam_names), size=n, p=fw / fw.sum())
    u = rng.random(n)
    # template = (key, family, a uniform pick within that family's templates); one pass per group
    combo = key.astype(np.int64) * 16 + fam
    order = np.argsort(combo, kind="stable")
    sorted_combo = combo[order]
    bounds = np.flatnonzero(np.diff(sorted_combo)) + 1
    starts = np.concatenate([[0], bounds])
    ends = np.concatenate([bounds, [n]])
    idx_parts, val_parts = [], []
    for s, e in zip(starts, ends):
        if e <= s:
            continue
        ids = order[s:e]
        k_code, f_code = divmod(int(sorted_combo[s]), 16)
        key_name = KEYS[k_code]
        temps = TEMPLATES[key_name][fam_names[f_code]]
        which = (u[ids] * len(temps)).astype(np.int64)
        digits = T.digit_codes(nsn[ids], int(_KEY_NSN_LEN[k_code]))
        for t_i, t in enumerate(temps):
            sel = which == t_i
            if sel.any():
                idx_parts.append(ids[sel])
                val_parts.append(T.fill_template(t, digits[sel]))
    if not idx_parts:
        return pa.nulls(n, pa.string())
    all_idx = np.concatenate(idx_parts)
    values = pa.concat_arrays(val_parts)
    out = T.arr(values.take(pa.array(np.argsort(all_idx, kind="stable"))))
    if present is not None:
        out = T.null_if(~present, out)
    return out


def e164(nsn: np.ndarray, key: np.ndarray) -> pa.Array:
    """Canonical E.164 strings (used by suppression lists and tests)."""
    return render(np.random.default_rng(0), nsn, key, {"e164": 1.0})


def country_of_key(key: np.ndarray) -> np.ndarray:
    """ISO country code per key code."""
    return np.asarray([k[:2] for k in KEYS])[key]
