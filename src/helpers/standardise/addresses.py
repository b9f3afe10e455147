"""Address standardiser: tidy lines, parse street / number / unit, and build household keys.

Why it is built this way:

- Customers write one dwelling many ways ("C/ Mayor 5 3º2ª", "Calle Mayor, nº 5, piso 3,
  puerta 2", "CALLE MAYOR 5 3 2"). Households (stage 05) need those to agree, and flatmates must
  still differ from neighbours, so the parse separates street, house number and unit (flat) and
  the keys are built from normalised parts, not from the text.
- Every country writes addresses its own way (number before or after the street, street type
  before or after the name, its own abbreviations and flat vocabulary), so the rules are data:
  `address_formats.csv` (per country), `address_street_types.csv`, `address_unit_words.csv` and
  `address_name_words.csv` (per language). Adding a country is adding rows.
- Millions of rows: lines are parsed once per distinct (line1, line2, country) (`per_distinct`),
  and every step is an Arrow/RE2 column kernel over all the lines of one country profile. The
  few steps that need a dictionary (casing a word, mapping "Avda" to "Avenida") run once per
  distinct word, not per line.
- Nothing the customer wrote is overwritten: the `_std` lines are the raw lines tidied (spacing,
  casing) with their words unchanged; expansions live in the parsed columns and the keys only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from helpers.frames import object_frame, text_series
from helpers.standardise.countries import as_arrow, blank_to_null, squash, to_objects
from helpers.standardise.distinct import not_known_bad, per_distinct
from helpers.standardise.postcodes import standardise_postcodes
from helpers.text import fold, fold_text, read_data_csv

OUTPUT_COLUMNS = [
    "address_line1_std",
    "address_line2_std",
    "street_type",
    "street_name",
    "house_number",
    "unit",
    "city_std",
    "address_key",
    "building_key",
    "address_valid",
]
ANY = "*"  # the language of countries without a profile: every language's unit words apply
LETTER = "A-Za-zÀ-ɏ"  # RE2 and Python's re both accept this literal range (\pL is RE2-only)
START = r"(?:^|[\s,;(\-–])"  # a unit keyword starts a word …
END = r"(?:$|[\s,;)\-–/])"  # … and its value ends one (RE2 has no look-around: both consume)
SEPARATORS = r"[\s,;\-–/]"
# A house number: digits with an optional letter/bis or a range ("12B", "12/A", "5-7"), or "no
# number" in its local spellings ("s/n", "snc"), or a road kilometre ("km 12,5").
NUMBER_AFTER = (
    r"\d{1,5}(?:\s?[-/]\s?\d{1,5})?(?:\s?[/\-]?\s?(?:bis|ter|[A-Za-z]))?"
    r"|s/\s?n\.?|s\.\s?n\.?|sn|sin\s+n[uú]mero|sem\s+n[uú]mero|snc|km\.?\s?\d+(?:[.,]\d+)?"
)
NUMBER_FIRST = r"\d{1,6}[A-Za-z]?(?:\s?[-/]\s?\d{1,6}[A-Za-z]?)?(?:\s(?:bis|ter))?"
ORDINAL_SUFFIX = r"(?:[º°ª]|st|nd|rd|th|er|e|ème|eme)"
# "Calle 2 de Mayo 5": a number followed by "de"/a month is part of the name, not the house number.
MONTHS = (
    "enero febrero marzo abril mayo junio julio agosto septiembre setiembre octubre noviembre "
    "diciembre gennaio febbraio aprile maggio giugno luglio settembre ottobre novembre dicembre "
    "janeiro fevereiro março marco maio junho julho setembro outubro novembro dezembro january "
    "february march april may june july august september october november december janvier "
    "février avril juin juillet août septembre octobre novembre décembre"
).split()
NAME_NUMBERS = (
    r"(?i)(^|[\s,])(\d{1,2})(\s*[º°ª]?\.?\s+(?:de|di|do|da|del|dos|des|du)\s)",
    rf"(?i)(^|[\s,])(\d{{1,2}})(\s+(?:{'|'.join(sorted(set(MONTHS), key=len, reverse=True))}){END})",
)
PROTECT = "§"  # marks such a number until the street name is cut out
DECIMAL = "\ue001"  # holds a decimal comma ("km 12,5") while commas get their spacing
NUMBER_MARKER = r"(?i)(^|[\s,])(?:n\.?\s?[º°o]\.?|n\.|n[uú]m\.?|n[uú]mero|nr\.?|no\.)\s*(\d)"
PO_BOX = (
    r"(?i)(?:^|[\s,])(?:p\.?\s?o\.?\s*box|post\s+office\s+box|apartado(?:\s+de\s+correos)?|apdo\.?"
    r"|caixa\s+postal|cx\.?\s*postal|casella\s+postale|c\.?\s?p\.?\s?\d|bo[iî]te\s+postale|bp)\s*(?:n[º°o]\.?\s*)?\d"
)
UNIT_VALUE = r"\d{1,2}\s?/\s?\d{1,2}|\d{1,4}\s?-?\s?[A-Za-z]|[A-Za-z]\s?-?\s?\d{1,4}|\d{1,4}|[A-Za-z]"
PART_VALUE = r"\d{1,3}[A-Za-z]?|[A-Za-z]\d{0,2}"  # block/stair: "B", "2", "A1"
# Languages whose flat numbers are unique within a building whatever the stair (IT "interno").
DOOR_UNIQUE_IN_BUILDING = {"it"}
EN_UPPER = {"ne", "nw", "se", "sw", "po", "us", "uk", "usa"}  # written upper-case in English lines
# US state codes are upper-case when a ZIP follows ("New York, NY 10118"); elsewhere "Ct", "Mt",
# "La" are Court, Mount and the "La" of La Brea.
US_STATES = frozenset(
    "al ak az ar ca co ct de dc fl ga hi id il in ia ks ky la me md ma mi mn ms mo mt ne nv nh nj nm ny "
    "nc nd oh ok or pa ri sc sd tn tx ut vt va wa wv wi wy pr".split()
)


# ---------------------------------------------------------------------------------------------
# Reference data
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Profile:
    """How one country writes addresses (a row of address_formats.csv)."""

    lang: str
    number_first: bool | None  # None: guess per line (no profile for the country)
    type_position: str  # prefix | suffix | none
    default_type: str


GENERIC = Profile(ANY, None, "none", "")


@lru_cache(maxsize=1)
def profiles() -> dict[str, Profile]:
    """Country (alpha-2) → Profile."""
    table = read_data_csv("address_formats.csv")
    return {
        r.country: Profile(r.lang, r.number_first == "1", r.type_position, r.default_type) for r in table.itertuples()
    }


def _plain(text: str) -> str:
    """Accent-free lower case without dots: the lookup form of a word ("Avda." → "avda")."""
    return fold_text(text).replace(".", "").strip()


def _pattern(word: str) -> str:
    """Regex for a word as people type it: dots optional, accents optional, flexible spaces."""
    out = []
    for char in word.lower():
        base = _plain(char)
        if char == ".":
            out.append(r"\.?")
        elif char in "º°":
            out.append("[º°]")
        elif char == " ":
            out.append(r"\s+")
        elif char == "-":
            out.append(r"[\s\-]?")
        elif char == "/":
            out.append(r"\s?/\s?")
        elif base and base != char and base.isalpha():
            out.append(f"[{char}{base}]")
        else:
            out.append(re.escape(char))
    return "".join(out)


def _alternation(words: list[str]) -> str:
    """One alternation of word patterns, longest first so 'Viale' is tried before 'V'."""
    unique = sorted(set(words), key=lambda w: (-len(w), w))
    return "|".join(_pattern(w) for w in unique)


@dataclass(frozen=True)
class Language:
    """Compiled rules of one language: unit vocabulary, street types, name words."""

    code: str
    unit_res: dict[str, str]  # kind → RE2 with group v (first occurrence of that unit part)
    unit_strip: tuple[str, ...]  # RE2s matching any keyword unit, for removal
    tail_re: str | None  # keywordless floor/door after the house number ("3º 2ª", "R/C Esq.")
    floor_codes: dict[str, str]  # plain word → unit code
    side_codes: dict[str, str]
    type_prefix_re: str | None
    type_suffix_re: str | None
    type_full: dict[str, str]  # plain abbreviation → full form
    name_keys: dict[str, str]  # plain word → key form ("" = dropped)
    particles: frozenset[str]
    articles: frozenset[str]
    lower_words: frozenset[str]  # unit keywords written lower-case after the house number
    keyword_end_re: str | None  # a street part ending in ", piso": the number was the unit's
    street_segment_re: str | None  # a comma segment ending in a street type ("…, Church Lane")


def _unit_words(lang: str) -> pd.DataFrame:
    words = read_data_csv("address_unit_words.csv")
    if lang == ANY:
        return words
    return words[(words["lang"] == lang) | (words["lang"] == ANY)]


def _unit_res(words: pd.DataFrame) -> tuple[dict[str, str], tuple[str, ...]]:
    """Keyword-unit regexes per kind, plus the same without groups for removal."""

    def kw(kind: str) -> str:
        return _alternation(words.loc[words["kind"] == kind, "word"].tolist())

    floor_names = _alternation(words.loc[words["kind"] == "floor_name", "word"].tolist())
    sides = _alternation(words.loc[words["kind"] == "side", "word"].tolist())
    marker = r"(?:n[º°o]\.?\s*|#\s*|:\s*)?"
    res: dict[str, str] = {}
    if kw("block"):
        res["block"] = rf"(?i){START}(?:{kw('block')})\.?\s*{marker}(?P<v>{PART_VALUE}){END}"
    if kw("stair"):  # "Esc. B", "scala 2", and in Spain "Esc. Dcha." (stairs named by their side)
        stair_value = PART_VALUE + (f"|{sides}" if sides else "")
        res["stair"] = rf"(?i){START}(?:{kw('stair')})\.?\s*{marker}(?P<v>{stair_value})\.?{END}"
    floor_value = r"\d{1,2}|[A-Za-z]" + (f"|{floor_names}" if floor_names else "")
    if kw("floor"):
        res["floor"] = rf"(?i){START}(?:{kw('floor')})\.?\s*{marker}(?P<v>{floor_value})[º°ª]?\.?{END}"
    if kw("floor_after"):
        res["floor_after"] = rf"(?i){START}(?P<v>\d{{1,2}})\s*{ORDINAL_SUFFIX}?\.?\s*(?:{kw('floor_after')})\.?{END}"
    if floor_names and set(words.loc[words["kind"] == "floor_name", "lang"]) & {"en", ANY}:
        en_names = _alternation(words.loc[(words["kind"] == "floor_name") & (words["lang"] == "en"), "word"].tolist())
        if en_names:
            res["floor_phrase"] = (
                rf"(?i){START}(?P<v>{en_names})\s+(?:(?:floor|flr|fl)\.?(?:\s+(?:flat|apartment|apt|maisonette))?"
                rf"|flat|apartment|maisonette){END}"
            )
    door_value = UNIT_VALUE + (f"|{sides}" if sides else "")
    if kw("door"):
        res["door"] = rf"(?i){START}(?:{kw('door')})\.?\s*{marker}(?P<v>{door_value})[º°ª]?\.?{END}"
    strip = "|".join(f"(?:{r.replace('(?P<v>', '(?:').replace('(?i)', '')})" for r in res.values())
    return res, (f"(?i){strip}",) if strip else ()


def _tail_re(words: pd.DataFrame) -> str | None:
    """Floor and door written bare after the house number, as in ES/PT/IT: '3º 2ª', 'R/C Esq.'."""
    floor_names = _alternation(words.loc[words["kind"] == "floor_name", "word"].tolist())
    sides = _alternation(words.loc[words["kind"] == "side", "word"].tolist())
    # Ordinals typed as letters: a floor is "3o" (3º), a door "2a" (2ª); "3B" is floor 3, door B.
    floor = r"\d{1,2}(?:\s*[º°ª]|[oO])?" + (f"|{floor_names}" if floor_names else "")
    door = (f"{sides}|" if sides else "") + r"\d{1,3}(?:\s*[º°ª]|[aA])?|[A-Za-z]"
    return (
        rf"(?i)^{SEPARATORS}*(?P<f>{floor})\.?"
        rf"(?:\s*[-/,]?\s*(?P<d>{door})\.?)?\s*(?:[,;].*)?$"
    )


def _type_res(types: pd.DataFrame) -> tuple[str | None, str | None]:
    """Street-type regexes: before the name (romance, French) and after it (English)."""
    if types.empty:
        return None, None
    words = types["abbreviation"].tolist()
    closed = [w for w in words if not w[-1].isalpha()]  # "C/", "Pº": nothing more needed after
    open_ = [w for w in words if w[-1].isalpha()]  # "Avda", "V": a dot or a space must follow
    parts = []
    if closed:
        parts.append(rf"(?P<t1>{_alternation(closed)})\s*")
    parts.append(rf"(?P<t2>{_alternation(open_)})(?:\.\s*|\s+)")
    prefix = rf"(?i)^(?:{'|'.join(parts)})(?P<n>.*[{LETTER}0-9].*)$"
    directional = r"(?:n|s|e|w|ne|nw|se|sw|north|south|east|west)"
    suffix = (
        rf"(?i)^(?P<n>.*[{LETTER}0-9].*?)\s+(?P<t2>{_alternation(open_)})\.?"
        rf"(?P<dir>\s+{directional}\.?)?$"
    )
    return prefix, suffix


@cache
def language(code: str) -> Language:
    """The compiled rules of a language (cached: regexes are built once per process)."""
    words = _unit_words(code)
    unit_res, strip = _unit_res(words)
    types = read_data_csv("address_street_types.csv")
    types = types if code == ANY else types[types["lang"] == code]
    prefix, suffix = _type_res(types) if code != ANY else (None, None)
    names = read_data_csv("address_name_words.csv")
    names = names[names["lang"] == code] if code != ANY else names.iloc[:0]
    floor_rows = words[words["kind"] == "floor_name"]
    side_rows = words[words["kind"] == "side"]
    keyword_rows = words[words["kind"].isin(["block", "stair", "floor", "door", "floor_after"])]
    romance = code in {"es", "it", "pt", "fr"}
    return Language(
        code=code,
        unit_res=unit_res,
        unit_strip=strip,
        tail_re=_tail_re(words) if code != "en" else None,
        floor_codes={_plain(w): c for w, c in zip(floor_rows["word"], floor_rows["code"])},
        side_codes={_plain(w): c for w, c in zip(side_rows["word"], side_rows["code"])},
        type_prefix_re=prefix,
        type_suffix_re=suffix,
        type_full={_plain(a): f for a, f in zip(types["abbreviation"], types["full"])},
        name_keys={_plain(w): k for w, k in zip(names["word"], names["key"])},
        particles=frozenset(_plain(w) for w in names.loc[names["role"] == "particle", "word"]),
        articles=frozenset(_plain(w) for w in names.loc[names["role"] == "article", "word"]),
        lower_words=frozenset(_plain(w) for w in keyword_rows["word"]) if romance else frozenset(),
        street_segment_re=(
            rf"(?i)(?:^|,\s*)(?P<s>[^,]*[{LETTER}][^,]*\s"
            rf"(?:{_alternation(types['abbreviation'].tolist())})\.?)\s*(?:,|$)"
            if code == "en"
            else None  # the languages that write the type after the name
        ),
        keyword_end_re=(
            rf"(?i),\s*(?:{_alternation(keyword_rows['word'].tolist())})\.?\s*(?:n[º°o]\.?|#)?\s*$"
            if len(keyword_rows)
            else None
        ),
    )


@lru_cache(maxsize=1)
def _cities() -> dict[tuple[str, str], str]:
    """(country, plain spelling) → proper city name, from address_cities.csv."""
    table = read_data_csv("address_cities.csv")
    out: dict[tuple[str, str], str] = {}
    for row in table.itertuples():
        out[(row.country, _key_text(row.city))] = row.city
        if row.variant:
            out[(row.country, _key_text(row.variant))] = row.city
    return out


def _key_text(text: str) -> str:
    """Accent-free lower case, punctuation as spaces, for city lookups."""
    plain = fold_text(text).replace(".", "").replace("'", "")
    return " ".join(re.sub(r"[^a-z0-9]+", " ", plain).split())


# ---------------------------------------------------------------------------------------------
# Word-level maps: run a Python function once per distinct (word, language)
# ---------------------------------------------------------------------------------------------


def _split_words(arr: pa.Array) -> tuple[pa.ListArray, pa.Array, np.ndarray, np.ndarray]:
    """Words of each line: (lists, flat words, owning line per word, is-first-word flags)."""
    lists = pc.utf8_split_whitespace(pc.fill_null(arr, ""))
    flat = pc.list_flatten(lists)
    parent = pc.list_parent_indices(lists).to_numpy()
    offsets = lists.offsets.to_numpy()
    first = np.arange(len(flat)) == offsets[parent] if len(flat) else np.zeros(0, dtype=bool)
    return lists, flat, parent, first


def _distinct_words(flat: pa.Array, langs: np.ndarray) -> tuple[np.ndarray, list[str], list[str]]:
    """Codes of distinct (word, language) pairs: (code per word, words, languages)."""
    encoded = pc.dictionary_encode(flat)
    word_codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    lang_codes, lang_names = pd.factorize(langs)
    pair = word_codes * max(len(lang_names), 1) + lang_codes
    inverse, uniq = pd.factorize(pair)  # hashing, not sorting: millions of words
    dictionary = encoded.dictionary.to_pylist()
    words = [dictionary[p // max(len(lang_names), 1)] for p in uniq]
    pair_langs = [lang_names[p % max(len(lang_names), 1)] for p in uniq]
    return inverse, words, pair_langs


def _join_words(lists: pa.ListArray, values: np.ndarray, arr: pa.Array) -> pa.Array:
    """Rebuild lines from per-word values (empty values vanish); null where the input was."""
    keep = values != ""
    kept_before = np.concatenate([[0], np.cumsum(keep)])
    offsets = kept_before[lists.offsets.to_numpy()]
    rebuilt = pa.ListArray.from_arrays(pa.array(offsets, type=pa.int32()), pa.array(values[keep], type=pa.string()))
    joined = pc.binary_join(rebuilt, " ")
    return pc.if_else(pc.is_null(arr), pa.scalar(None, pa.string()), joined)


# ---------------------------------------------------------------------------------------------
# Casing
# ---------------------------------------------------------------------------------------------


def _capitalise_part(part: str, lang: Language) -> str:
    """Capitalise one hyphen/slash part of a word."""
    if not part:
        return part
    low = part.lower()
    if "'" in low or "’" in low:
        head, _, tail = low.replace("’", "'").partition("'")
        if len(tail) <= 2 and head:  # John's, Queen's
            return head[:1].upper() + head[1:] + "'" + tail
        elided = head in {"d", "dell", "dall", "nell", "sull", "all", "l", "un", "sant", "quell"}
        head_cased = head if elided else head[:1].upper() + head[1:]
        return head_cased + "'" + tail[:1].upper() + tail[1:]
    if lang.code == "en" and low.startswith("mc") and len(low) > 3:
        return "Mc" + low[2:3].upper() + low[3:]
    return low[:1].upper() + low[1:]


LONE_LETTER = re.compile(r"(?<![a-z])[a-z](?![a-z.º])")
AFTER_DOT_LETTER = re.compile(r"(?<=\.)[a-z](?![a-z])")
ROMAN = re.compile(r"^(?=[ivxl]{2,}$)l?x{0,3}(ix|iv|v?i{0,3})$")


def case_word(word: str, lang: Language) -> str:
    """How a word is written in a tidy address line, out of context.

    Mixed-case words are the customer's own casing (McDonald, dell'Orto) and are kept; all-caps
    and all-lower words are re-cased: capitalised, Roman numerals upper ("XX Settembre"), house
    numbers and flat letters upper ("12B"), English ordinals lower ("42nd").
    """
    letters = [c for c in word if c.isalpha() and c not in "ºª"]
    if not letters:
        return word
    low = word.lower()
    if low in {"nº", "n.º", "km", "bis", "ter"}:
        return low
    if any(c.isupper() for c in letters) and any(c.islower() for c in letters):
        return word
    if any(c.isdigit() for c in word):
        if re.fullmatch(r"\d+(st|nd|rd|th|er|e|ème)\.?", low) or low.startswith(("s/n", "km")):
            return low
        # Letters glued to numbers are flat/house letters ("12b" → "12B", "3ºb" → "3ºB"); a
        # keyword glued to its number stays a word ("int.5", "n.12", "nº5").
        return LONE_LETTER.sub(lambda m: m.group().upper(), low)
    plain = _plain(low)
    if low in {"s/n", "s.n.", "sn", "snc"}:
        return low
    if ROMAN.match(low):
        return word.upper()
    if lang.code == "en" and plain in EN_UPPER:
        return word.upper()
    if "." in low:  # "SC.A" → "Sc.A" but "C.SO" → "C.so", "P.ZZA" → "P.zza"
        low = AFTER_DOT_LETTER.sub(lambda m: m.group().upper(), low)
    parts = re.split(r"([\-/])", low)
    out = []
    for i, part in enumerate(parts):
        if i > 0 and _plain(part) in lang.particles | lang.articles and len(part) > 1:
            out.append(part)
        elif len(part) == 1 and part.isalpha() and "/" in parts:
            out.append(part.upper())  # R/C, C/
        else:
            out.append(_capitalise_part(part, lang))
    return "".join(out)


def _seen_before(flags: np.ndarray, first: np.ndarray) -> np.ndarray:
    """For each word: did an earlier word of the same line have the flag?"""
    counts = np.cumsum(flags) - flags
    line_start = np.maximum.accumulate(np.where(first, np.arange(len(first)), 0))
    return counts - counts[line_start] > 0


def recase(arr: pa.Array, langs: np.ndarray) -> pa.Array:
    """Tidy casing of whole lines, decided once per distinct (word, language).

    Particles ("de", "della", "of") are lower-case except as the first word; articles ("la",
    "los", "the") only after a particle, so "Calle de la Paz" but "Avenida La Florida".
    """
    lists, flat, parent, first = _split_words(arr)
    if len(flat) == 0:
        return arr
    inverse, words, word_langs = _distinct_words(flat, langs[parent])
    rules = {code: language(code) for code in set(word_langs)}
    cased = np.array([case_word(w, rules[lg]) for w, lg in zip(words, word_langs)], dtype=object)
    lowered = np.array([w.lower() for w in words], dtype=object)
    plain = [_plain(w) for w in words]
    particle = np.array([p in rules[lg].particles for p, lg in zip(plain, word_langs)])
    article = np.array([p in rules[lg].articles for p, lg in zip(plain, word_langs)])
    # "DeLuca" is the customer's casing; "DE" and "De" are not.
    mixed = np.array([any(c.isupper() for c in w[1:]) and any(c.islower() for c in w) for w in words])
    unit_word = np.array([p.rstrip(".") in rules[lg].lower_words for p, lg in zip(plain, word_langs)])
    has_digit = np.array([any(c.isdigit() for c in w) for w in words])
    is_particle = particle[inverse] & ~mixed[inverse]
    after_particle = np.zeros(len(flat), dtype=bool)
    after_particle[1:] = is_particle[:-1] & ~first[1:]
    # A unit keyword ("piso", "int.", "apto") is lower-case once the house number has been
    # written: "Calle Mayor 5, piso 3" but "Via della Scala 5".
    digits_before = _seen_before(has_digit[inverse], first)
    lower = ~first & (
        is_particle
        | (article[inverse] & ~mixed[inverse] & after_particle)
        | (unit_word[inverse] & ~mixed[inverse] & digits_before)
    )
    values = np.where(lower, lowered[inverse], cased[inverse])
    state = np.array([lg == "en" and w.lower().strip(",") in US_STATES for w, lg in zip(words, word_langs)])
    if state.any():
        is_zip = np.array([re.fullmatch(r"\d{5}(-\d{4})?", w) is not None for w in words])
        zip_next = np.zeros(len(flat), dtype=bool)
        zip_next[:-1] = is_zip[inverse][1:] & ~first[1:]
        upper = state[inverse] & zip_next
        values[upper] = [v.upper() for v in values[upper]]
    return _join_words(lists, values, arr)


# ---------------------------------------------------------------------------------------------
# Line clean-up
# ---------------------------------------------------------------------------------------------


def sub(arr: pa.Array, pattern: str, replacement: str) -> pa.Array:
    """Regex replace that only rebuilds the rows that match.

    Most clean-up patterns match a few per cent of the lines; testing for a match is about twice
    as fast as replacing, so the replacement runs on the matching rows alone.
    """
    hit = pc.fill_null(pc.match_substring_regex(arr, pattern), False)
    count = pc.sum(hit).as_py() or 0
    if count == 0:
        return arr
    if count > len(arr) // 2:
        return pc.replace_substring_regex(arr, pattern, replacement)
    fixed = pc.replace_substring_regex(arr.filter(hit), pattern, replacement)
    return pc.replace_with_mask(arr, hit, fixed)


def clean_line(arr: pa.Array) -> pa.Array:
    """Whitespace, separators and ordinal marks tidied; the words themselves untouched."""
    arr = blank_to_null(squash(arr))
    arr = sub(arr, r"(\d)\s*\.?\s*°", "\\1º")  # 3° / 3 ° / 3.° → 3º
    arr = sub(arr, r"(\d)(?:\s+\.?|\.)\s*([ºª])", "\\1\\2")  # 3 º / 3.º → 3º
    arr = sub(arr, r"(?i)(^|\s)(c)/([A-Za-zÀ-ɏ])", "\\1\\2/ \\3")  # C/Mayor → C/ Mayor
    arr = sub(arr, r"(?i)(km\.?\s*\d+),(\d)", f"\\1{DECIMAL}\\2")  # km 12,5 keeps its comma
    # One space after a comma, none before, no empty fields: "Mayor ,5,,3ºB" → "Mayor, 5, 3ºB".
    arr = _fix_commas(arr)
    arr = pc.utf8_trim(arr, characters=" ,;")
    return blank_to_null(pc.replace_substring(arr, DECIMAL, ","))


def _fix_commas(arr: pa.Array) -> pa.Array:
    """One space after a comma, none before, no empty fields, only where needed."""
    bad = pc.fill_null(pc.match_substring_regex(arr, r"\s[,;]|[,;]\s*[,;]|[,;][^\s,;]"), False)
    if not pc.any(bad).as_py():
        return arr
    fixed = pc.replace_substring_regex(arr.filter(bad), r"\s*([,;])[\s,;]*", "\\1 ")
    return pc.replace_with_mask(arr, bad, fixed)


CUT = "\ue002"  # where a unit was cut out of a line, until the separators are tidied


def _tidy_separators(arr: pa.Array) -> pa.Array:
    """Collapse the separator debris left where units were cut out of a line."""
    arr = sub(arr, rf"[\s,;\-–]*{CUT}[\s,;\-–{CUT}]*", ", ")
    return pc.utf8_trim(arr, characters=" ,;-–/")


def join_present(parts: list[pa.Array], separator: str) -> pa.Array:
    """Element-wise join of the non-null, non-empty parts; null when there are none.

    (pyarrow's binary_join_element_wise with null_handling="skip" drops rows where every part is
    null, so the parts are folded in pairwise instead.)
    """
    null = pa.scalar(None, pa.string())
    result = None
    for part in parts:
        part = pc.if_else(pc.equal(pc.fill_null(part, ""), ""), null, part)
        if result is None:
            result = part
            continue
        both = pc.binary_join_element_wise(pc.fill_null(result, ""), pc.fill_null(part, ""), separator)
        result = pc.if_else(pc.is_null(result), part, pc.if_else(pc.is_null(part), result, both))
    return result


def _combine(line1: pa.Array, line2: pa.Array) -> pa.Array:
    """Line 1 and line 2 as one text, because a flat or a street may be on either line."""
    return join_present([line1, line2], ", ")


# ---------------------------------------------------------------------------------------------
# Parsing one profile's lines
# ---------------------------------------------------------------------------------------------


def _extract(arr: pa.Array, pattern: str) -> dict[str, pa.Array]:
    """Named groups of the first match (null where no match); RE2 via Arrow."""
    result = pc.extract_regex(arr, pattern)
    matched = pc.is_valid(result)
    fields = {}
    for i, field in enumerate(result.type):
        values = pc.struct_field(result, [i])
        fields[field.name] = pc.if_else(matched, values, pa.scalar(None, pa.string()))
    return fields


def _empty_to_null(arr: pa.Array) -> pa.Array:
    """Separators trimmed from both ends; null when nothing is left."""
    trimmed = pc.utf8_trim(arr, characters=" ,;-–/")
    return pc.if_else(pc.equal(pc.fill_null(trimmed, ""), ""), pa.scalar(None, pa.string()), trimmed)


def _map_plain(arr: pa.Array, mapping: dict[str, str], default_self: bool = False) -> pa.Array:
    """Look distinct values up by their plain form (few distinct values: a dict is fine)."""
    encoded = pc.dictionary_encode(arr)
    looked_up = [mapping.get(_plain(v), v if default_self else None) for v in encoded.dictionary.to_pylist()]
    return pc.take(pa.array(looked_up, type=pa.string()), encoded.indices)


def _unit_value(arr: pa.Array, rules: Language, kind: str) -> pa.Array:
    """A unit part as a short code: '04' → '4', '4-b' → '4B', 'Izq.' → 'izq', 'Bajo' → 'bajo'.

    Most rows have no value for a given part, so only the present ones are worked on.
    """
    present = pc.is_valid(arr)
    count = pc.sum(present).as_py() or 0
    if count == 0:
        return arr
    if count < len(arr):
        return pc.replace_with_mask(arr, present, _unit_value(arr.filter(present), rules, kind))
    # Named floors and sides become codes; a block letter is only a letter ("bloco D" is block
    # D, while a PT door "D" is direito).
    codes = {"floor": rules.floor_codes, "door": rules.side_codes, "stair": rules.side_codes}.get(
        kind.split("_")[0], {}
    )
    named = _map_plain(arr, codes)
    value = pc.utf8_upper(pc.replace_substring_regex(arr, r"[\s\-.ºª°]", ""))
    value = pc.replace_substring(value, "/", "-")
    value = sub(value, r"^0+(\d)", "\\1")
    return pc.coalesce(named, _empty_to_null(value))


def _units(text: pa.Array, rules: Language) -> dict[str, pa.Array]:
    """Keyword-marked unit parts (first of each kind) and the text with all of them cut out."""
    parts = {}
    for kind, pattern in rules.unit_res.items():
        parts[kind] = _unit_value(_extract(text, pattern)["v"], rules, kind)
    rest = text
    for _ in range(3):  # matches consume their delimiters, so neighbours need another pass
        for pattern in rules.unit_strip:
            rest = sub(rest, pattern, CUT)
    parts["rest"] = _tidy_separators(rest)
    return parts


def _bare_units(tail: pa.Array, rules: Language) -> tuple[pa.Array, pa.Array]:
    """Floor and door written without keywords after the number: '3º 2ª' → ('3', '2')."""
    none = pa.nulls(len(tail), pa.string())
    if rules.tail_re is None:
        return none, none
    # A tail opening with 4+ digits is a postcode written into the line ("Via Roma 12, 00184"),
    # not floor 0, door 184.
    postcode_like = pc.fill_null(pc.match_substring_regex(tail, rf"^{SEPARATORS}*\d{{4,}}"), False)
    tail = pc.if_else(postcode_like, pa.scalar(None, pa.string()), tail)
    groups = _extract(tail, rules.tail_re)
    floor, door = (sub(_empty_to_null(groups[k]), r"^(\d+)\s*[aAoOºª°]$", "\\1") for k in ("f", "d"))
    return _unit_value(floor, rules, "floor"), _unit_value(door, rules, "door")


def _house_number(arr: pa.Array) -> pa.Array:
    """Display form: '12 b' → '12B', '12/A' → '12A', '5 - 7' → '5-7', 'S/N' → 's/n'."""
    arr = _empty_to_null(arr)
    low = pc.utf8_lower(arr)
    is_sn = pc.fill_null(pc.match_substring_regex(low, r"^(s\s?/\s?n|s\.\s?n|sn|snc|sin n|sem n)"), False)
    is_km = pc.fill_null(pc.match_substring_regex(low, r"^km"), False)
    tidy = pc.utf8_upper(pc.replace_substring_regex(arr, r"\s+", ""))
    tidy = pc.replace_substring_regex(tidy, r"(\d)[/\-]([A-Z]+)$", "\\1\\2")
    tidy = pc.replace_substring_regex(tidy, r"(\d)/(\d)", "\\1-\\2")
    tidy = pc.replace_substring(pc.replace_substring(tidy, "BIS", " bis"), "TER", " ter")
    km = pc.replace_substring_regex(low, r"^km\.?\s*", "km ")
    return pc.if_else(is_sn, pa.scalar("s/n"), pc.if_else(is_km, km, tidy))


def _split_street(street: pa.Array, rules: Language, position: str) -> tuple[pa.Array, pa.Array]:
    """(street_type full form, street_name) from the street part of a line."""
    street = _empty_to_null(pc.replace_substring(street, PROTECT, ""))
    none = pa.nulls(len(street), pa.string())
    pattern = rules.type_prefix_re if position == "prefix" else rules.type_suffix_re
    if position == "none" or pattern is None:
        return none, street
    groups = _extract(street, pattern)
    token = pc.coalesce(_empty_to_null(groups.get("t1", none)), _empty_to_null(groups["t2"]))
    name = groups["n"]
    if "dir" in groups:  # "Pennsylvania Ave NW": the directional stays with the name
        name = join_present([name, _empty_to_null(groups["dir"])], " ")
    full = _map_plain(token, rules.type_full)
    found = pc.is_valid(full)
    name = pc.if_else(found, _empty_to_null(name), street)
    name = pc.replace_substring_regex(name, rf"([{LETTER}]{{4,}})\.$", "\\1")
    return full, name


AFTER_RE = rf"(?i)^(?P<street>.*?[{LETTER}].*?)[\s,]+(?P<num>{NUMBER_AFTER})(?P<tail>(?:[\s,;\-–].*)?)$"
FIRST_RE = (
    rf"(?i)^(?:(?P<pre>.*?)[\s,]+)?(?P<num>{NUMBER_FIRST})[\s,]+"
    rf"(?P<street>(?:\d{{1,3}}{ORDINAL_SUFFIX}\.?\s+)?[{LETTER}'.][^,]*?)\s*(?P<tail>,.*)?$"
)
# Most number-first lines start with the number; that simpler pattern is twice as fast, so the
# general one (a building name or flat before the number) only sees the rest.
FIRST_SIMPLE_RE = FIRST_RE.replace(r"^(?:(?P<pre>.*?)[\s,]+)?", "^")
PARTS = ("street", "num", "block", "stair", "floor", "door")


def _scatter(full: dict[str, pa.Array], mask: pa.Array, part: dict[str, pa.Array]) -> dict[str, pa.Array]:
    """Write the results computed for the rows under `mask` back into the full columns."""
    return {k: pc.replace_with_mask(full[k], mask, part[k].cast(pa.string())) for k in full}


def _street_segment(text: pa.Array, rules: Language) -> pa.Array:
    """The street of a line without a house number: the segment that ends in a street type
    ("Rose Cottage, Church Lane" → "Church Lane"), else the first segment."""
    first = _extract(text, r"^(?P<s>[^,]*)")["s"]
    if rules.street_segment_re is None:
        return first
    return pc.coalesce(_empty_to_null(_extract(text, rules.street_segment_re)["s"]), first)


def _parse_number_first(text: pa.Array, rules: Language, fallback: bool) -> dict[str, pa.Array]:
    """'Flat 3, 12 High St' / '350 Fifth Ave Apt 4B': units marked by keywords anywhere.

    Without a leading number the street may still carry one after its name ("High Street 12");
    failing that, the first segment is the street and there is no number.
    """
    units = _units(text, rules)
    rest = units["rest"]
    parsed = _extract(rest, FIRST_SIMPLE_RE)
    retry = pc.is_null(parsed["num"])
    if pc.any(retry).as_py():
        general = _extract(rest.filter(retry), FIRST_RE)
        parsed = {k: pc.replace_with_mask(parsed[k], retry, general[k]) for k in ("street", "num")}
    out = {
        "street": parsed["street"],
        "num": parsed["num"],
        "block": units.get("block", pa.nulls(len(text), pa.string())),
        "stair": units.get("stair", pa.nulls(len(text), pa.string())),
        "floor": pc.coalesce(
            *(units[k] for k in ("floor", "floor_after", "floor_phrase") if k in units),
            pa.nulls(len(text), pa.string()),
        ),
        "door": units.get("door", pa.nulls(len(text), pa.string())),
    }
    failed = pc.is_null(parsed["num"])
    if pc.any(failed).as_py():
        left = rest.filter(failed)
        after = (
            _extract(left, AFTER_RE)
            if fallback
            else {"street": pa.nulls(len(left), pa.string()), "num": pa.nulls(len(left), pa.string())}
        )
        street = pc.if_else(pc.is_valid(after["num"]), after["street"], _street_segment(left, rules))
        patch = {k: out[k].filter(failed) for k in PARTS}
        patch.update(street=street, num=after["num"])
        out = _scatter(out, failed, patch)
    return out


def _parse_number_after(text: pa.Array, rules: Language) -> dict[str, pa.Array]:
    """'Calle Mayor 5, 3º 2ª' / 'Via Roma 12, int. 5': the unit follows the house number.

    The number is looked for in the raw text, so a street named like a unit word ("Via della
    Scala 5") is not cut, and units are read from the tail only, with or without keywords. A
    number right after a unit keyword in its own segment ("Calle Mayor, piso 3") is no house
    number. Lines without a number after the street are parsed number-first ("5 Calle Mayor").
    """
    parsed = _extract(text, AFTER_RE)
    if rules.keyword_end_re:
        suspicious = pc.fill_null(pc.match_substring_regex(parsed["street"], rules.keyword_end_re), False)
        parsed = {k: pc.if_else(suspicious, pa.scalar(None, pa.string()), v) for k, v in parsed.items()}
    tail = _units(pc.fill_null(parsed["tail"], ""), rules)
    bare_floor, bare_door = _bare_units(tail["rest"], rules)
    null = pa.nulls(len(text), pa.string())
    out = {
        "street": parsed["street"],
        "num": parsed["num"],
        "block": tail.get("block", null),
        "stair": tail.get("stair", null),
        "floor": pc.coalesce(*(tail[k] for k in ("floor", "floor_after", "floor_phrase") if k in tail), bare_floor),
        "door": pc.coalesce(tail.get("door", null), bare_door),
    }
    failed = pc.is_null(parsed["num"])
    if pc.any(failed).as_py():
        out = _scatter(out, failed, _parse_number_first(text.filter(failed), rules, fallback=False))
    return out


def _parse_group(text: pa.Array, profile: Profile) -> dict[str, pa.Array]:
    """Street type, name, house number and unit for the combined lines of one profile."""
    rules = language(profile.lang)
    text = sub(text, NUMBER_MARKER, "\\1\\2")
    for pattern in NAME_NUMBERS:
        text = sub(text, pattern, f"\\1\\2{PROTECT}\\3")
    po_box = pc.fill_null(pc.match_substring_regex(text, PO_BOX), False)
    if profile.number_first is None:  # no profile: a line starting with a digit is number-first
        first = pc.fill_null(pc.match_substring_regex(text, r"^\d"), False)
        parts = {k: pa.nulls(len(text), pa.string()) for k in PARTS}
        if pc.any(first).as_py():
            parts = _scatter(parts, first, _parse_number_first(text.filter(first), rules, fallback=True))
        others = pc.invert(first)
        if pc.any(others).as_py():
            parts = _scatter(parts, others, _parse_number_after(text.filter(others), rules))
    elif profile.number_first:
        parts = _parse_number_first(text, rules, fallback=True)
    else:
        parts = _parse_number_after(text, rules)
    unit = join_present([parts["block"], parts["stair"], parts["floor"], parts["door"]], "-")
    # The key leaves out a stair when the door number already names the flat (Italian "interno"
    # numbers are unique within a building), so "sc. D int. 6" and "int. 6" are one flat.
    stair = parts["stair"]
    if profile.lang in DOOR_UNIQUE_IN_BUILDING:
        stair = pc.if_else(pc.is_valid(parts["door"]), pa.scalar(None, pa.string()), stair)
    unit_key = fold(join_present([parts["block"], stair, parts["floor"], parts["door"]], "-"))
    street_type, street_name = _split_street(parts["street"], rules, profile.type_position)
    null = pa.scalar(None, pa.string())
    return {
        "street_type": pc.if_else(po_box, null, street_type),
        "street_name": pc.if_else(po_box, null, street_name),
        "house_number": pc.if_else(po_box, null, _house_number(parts["num"])),
        "unit": pc.if_else(po_box, null, unit),
        "unit_key": pc.if_else(po_box, null, unit_key),
        "po_box": po_box,
    }


# ---------------------------------------------------------------------------------------------
# Keys
# ---------------------------------------------------------------------------------------------


def _name_key_word(word: str, rules: Language) -> str:
    """Key form of one (folded) street-name word: particles dropped, titles/numbers canonical."""
    word = word.replace("º", "").replace("ª", "")
    bare = re.sub(r"[.'’`´,;:()\"]", "", word)
    if not bare:
        return ""
    if bare in rules.name_keys:
        return rules.name_keys[bare]
    ordinal = re.fullmatch(r"(\d+)(?:o|a|st|nd|rd|th|er|e|eme)?", bare)
    if ordinal:  # leading zeros dropped as text: int() refuses numbers of over 4,300 digits
        return ordinal.group(1).lstrip("0") or "0"
    if rules.code == "de" and bare.endswith(("strasse", "str")):  # Hauptstraße = Hauptstr.
        return bare[: -len("strasse") if bare.endswith("strasse") else -len("str")] + "str"
    if ROMAN.match(bare):  # two letters at least: "Rua X" is a lettered street, not Rua 10
        return str(_roman_value(bare))
    if "." in word:  # "S.Giovanni", "N.Sra.": split the glued abbreviation and map each piece
        pieces = [p for p in word.split(".") if p]
        return " ".join(filter(None, (_name_key_word(p, rules) for p in pieces)))
    return re.sub(r"[^a-z0-9]+", " ", bare).strip()


def _roman_value(text: str) -> int:
    values = {"i": 1, "v": 5, "x": 10, "l": 50}
    total = 0
    for i, char in enumerate(text):
        value = values[char]
        total += -value if i + 1 < len(text) and values[text[i + 1]] > value else value
    return total


def street_key(
    street_type: pa.Array, street_name: pa.Array, langs: np.ndarray, defaults: np.ndarray, suffix: np.ndarray
) -> pa.Array:
    """'calle mayor' for "C/ Mayor", "Calle Mayor", "CALLE MAYOR" and (in ES) plain "Mayor".

    The type is expanded (or the country's default type assumed) so "Calle Mayor" and "Plaza
    Mayor", or "Oak St" and "Oak Ave" in one US ZIP, stay apart; name words are folded and
    canonicalised (particles out, "Sta."/"Santa" → "s", "Fifth" → "5", "XX" → "20").
    """
    name = fold(street_name)
    lists, flat, parent, _ = _split_words(name)
    if len(flat):
        inverse, words, word_langs = _distinct_words(flat, langs[parent])
        rules = {code: language(code) for code in set(word_langs)}
        mapped = np.array([_name_key_word(w, rules[lg]) for w, lg in zip(words, word_langs)], dtype=object)
        name_key = _join_words(lists, mapped[inverse], name)
        # A name made only of particles ("La") keeps its words rather than vanish.
        name_key = pc.if_else(pc.equal(pc.fill_null(name_key, ""), ""), name, name_key)
    else:
        name_key = name
    type_text = pc.coalesce(street_type, pa.array(defaults, type=pa.string()))
    type_key = _empty_to_null(fold(type_text))
    # The type goes where the language puts it, so keys read naturally: "calle mayor", "high street".
    # A post-directional goes after the type: "Pennsylvania Ave NW" → "pennsylvania avenue nw".
    suffixed = sub(join_present([name_key, type_key], " "), r"^(.+) (n|s|e|w|ne|nw|se|sw) (\S+)$", "\\1 \\3 \\2")
    key = pc.if_else(pa.array(suffix), suffixed, join_present([type_key, name_key], " "))
    return pc.if_else(pc.is_null(name_key), pa.scalar(None, pa.string()), key)


# ---------------------------------------------------------------------------------------------
# Orchestration
# ---------------------------------------------------------------------------------------------


def _row_profiles(countries: pd.Series) -> tuple[np.ndarray, list[Profile]]:
    """Profile index per row, and the profiles (country without one → the generic profile)."""
    table = profiles()
    choices = [GENERIC, *dict.fromkeys(table.values())]
    position = {p: i for i, p in enumerate(choices)}
    by_country = {c: position[p] for c, p in table.items()}
    codes = countries.map(lambda c: c.strip().upper() if isinstance(c, str) else c)
    index = codes.map(by_country).fillna(0).to_numpy(dtype=np.int64)
    return index, choices


def _parse_lines(frame: pd.DataFrame) -> pd.DataFrame:
    """Parse distinct (line1, line2, country) rows: tidy lines, parts and the street key."""
    n = len(frame)
    profile_index, choices = _row_profiles(frame["country_std"])
    langs = np.array([p.lang for p in choices], dtype=object)[profile_index]
    line1 = recase(clean_line(as_arrow(frame["address_line1"])), langs)
    line2 = recase(clean_line(as_arrow(frame["address_line2"])), langs)
    text = _combine(line1, line2)
    names = ("street_type", "street_name", "house_number", "unit", "unit_key")
    cols = {k: np.full(n, None, dtype=object) for k in names}
    po_box = np.zeros(n, dtype=bool)
    for i, profile in enumerate(choices):
        positions = np.flatnonzero(profile_index == i)
        if len(positions) == 0:
            continue
        parsed = _parse_group(text.take(pa.array(positions)), profile)
        for k in cols:
            cols[k][positions] = to_objects(parsed[k])
        po_box[positions] = pc.fill_null(parsed["po_box"], False).to_numpy(zero_copy_only=False)
    defaults = np.array([p.default_type or None for p in choices], dtype=object)[profile_index]
    suffix = np.array([p.type_position == "suffix" for p in choices])[profile_index]
    skey = street_key(
        pa.array(cols["street_type"], pa.string()), pa.array(cols["street_name"], pa.string()), langs, defaults, suffix
    )
    number = pa.array(cols["house_number"], pa.string())
    number_key = pc.utf8_lower(pc.replace_substring_regex(number, r"[\s/.,]", ""))
    unit_key = pa.array(cols.pop("unit_key"), pa.string())
    return object_frame(
        {
            "address_line1_std": to_objects(line1),
            "address_line2_std": to_objects(line2),
            **cols,
            "_street_key": to_objects(skey),
            "_number_key": to_objects(number_key),
            "_unit_key": to_objects(unit_key),
            "_po_box": po_box,
        }
    )


def postcode_key(postcode: pa.Array, country: pa.Array) -> pa.Array:
    """The postcode as keys use it: compact lower case ('SW1A 1AA' → 'sw1a1aa', so a spacing
    difference never splits a household) and only the part every writer gives: US ZIP+4 → ZIP,
    PT NNNN-NNN → NNNN (the 4-digit code is still in use), so '02139-4307' keys as '02139'."""
    postcode = pc.replace_substring_regex(pc.utf8_lower(postcode), r"[\s\-.]", "")
    country = pc.utf8_upper(pc.utf8_trim_whitespace(country))
    us = pc.fill_null(pc.equal(country, "US"), False)
    pt = pc.fill_null(pc.equal(country, "PT"), False)
    postcode = pc.if_else(us, pc.utf8_slice_codeunits(postcode, 0, 5), postcode)
    return pc.if_else(pt, pc.utf8_slice_codeunits(postcode, 0, 4), postcode)


def _parse_addresses(frame: pd.DataFrame) -> pd.DataFrame:
    """Distinct (lines, country, postcode) rows: the parsed lines plus the two keys.

    Lines are parsed once per distinct (line1, line2, country) even when they come with several
    postcodes; the keys need the postcode, so they are assembled here, still per distinct row.
    """
    lines = per_distinct(frame[["address_line1", "address_line2", "country_std"]], _parse_lines)
    lines = lines.reset_index(drop=True)
    keyable = (
        lines["_street_key"].notna().to_numpy()
        & lines["_number_key"].notna().to_numpy()
        & frame["postcode_valid"].to_numpy(dtype=bool)
        & ~lines["_po_box"].to_numpy(dtype=bool)
    )
    country = as_arrow(frame["country_std"])
    parts = [
        pc.utf8_lower(pc.utf8_trim_whitespace(country)),
        postcode_key(as_arrow(frame["postcode_std"]), country),
        pa.array(lines["_street_key"].to_numpy(), pa.string()),
        pa.array(lines["_number_key"].to_numpy(), pa.string()),
    ]
    filled = [pc.fill_null(p, "") for p in parts]
    building = pc.binary_join_element_wise(*filled, "|")
    unit_key = pc.fill_null(pa.array(lines["_unit_key"].to_numpy(), pa.string()), "")
    dwelling = pc.binary_join_element_wise(building, unit_key, "|")
    has_street_number = (
        lines["_street_key"].notna().to_numpy()
        & lines["_number_key"].notna().to_numpy()
        & ~lines["_po_box"].to_numpy(dtype=bool)
    )
    # Exactly the output columns, in order, so the row-sized join back is the last copy made;
    # city_std and address_valid are filled in by the caller (validity needs the city).
    return object_frame(
        {
            "address_line1_std": lines["address_line1_std"].to_numpy(),
            "address_line2_std": lines["address_line2_std"].to_numpy(),
            "street_type": lines["street_type"].to_numpy(),
            "street_name": lines["street_name"].to_numpy(),
            "house_number": lines["house_number"].to_numpy(),
            "unit": lines["unit"].to_numpy(),
            "city_std": np.full(len(lines), None, dtype=object),
            "address_key": np.where(keyable, to_objects(dwelling), np.array(None, dtype=object)),
            "building_key": np.where(keyable, to_objects(building), np.array(None, dtype=object)),
            "address_valid": has_street_number,  # street and number; the place is added later
        }
    )


def _parse_cities(frame: pd.DataFrame) -> pd.DataFrame:
    """Distinct (city, country): tidy casing, then the curated spelling when the city is known."""
    profile_index, choices = _row_profiles(frame["country_std"])
    langs = np.array([p.lang for p in choices], dtype=object)[profile_index]
    city = recase(clean_line(as_arrow(frame["city"])), langs)
    known = _cities()
    out = [
        known.get((c, _key_text(v)), v) if v is not None else None
        for v, c in zip(to_objects(city), frame["country_std"])
    ]
    return pd.DataFrame({"city_std": pd.Series(out, dtype=object), "_has_city": [v is not None for v in out]})


def _postcode_valid(df: pd.DataFrame, given: pd.DataFrame) -> pd.Series:
    """Whether postcode_std may place an address: the caller's postcode_valid when passed, else
    re-checked (cheap, once per distinct pair, but stage 02 has it already).

    Not known bad, rather than known good: a plausible postcode of a country without rules
    (postcode_valid null) still tells where the address is, so it may build household keys;
    only a postcode checked and found wrong (or missing) may not."""
    valid = (
        df["postcode_valid"]
        if "postcode_valid" in df.columns
        else (standardise_postcodes(given["postcode_std"], given["country_std"])["postcode_valid"])
    )
    usable = not_known_bad(valid) & given["postcode_std"].notna().to_numpy()
    return pd.Series(usable, index=df.index, dtype=bool)


def standardise_addresses(df: pd.DataFrame) -> pd.DataFrame:
    """Standardised address parts and household keys for each row of `df`.

    Input columns: address_line1, address_line2, city, region, postcode_std, country_std (the
    last two from `standardise_postcodes` / `standardise_countries`; a `postcode_valid` column
    is used when present, else the postcode is re-checked). Output columns (same index): see
    OUTPUT_COLUMNS. Nothing in `df` is modified.

    - address_line1_std / address_line2_std: the lines tidied (spaces, commas, ordinal marks,
      casing per language: "CALLE MAYOR 5, 3º 2ª" → "Calle Mayor 5, 3º 2ª"); words unchanged.
    - street_type: expanded full form ("C/" → "Calle", "St" → "Street"); None when not written.
    - street_name ("Mayor", "de Alcalá", "High"), house_number ("5", "12B", "5-7", "s/n"),
      unit: the flat as a short code, parts joined by "-" in the order block/stair, floor,
      door: "3º 2ª" → "3-2", "3º B" → "3-B", "Bajo" → "bajo", "scala B int. 3" → "B-3",
      "3º Esq." → "3-esq", "Flat 3" → "3", "Apt 4B" → "4B"; None when no flat is written.
    - city_std: tidy casing, curated spelling for common cities ("sao paulo" → "São Paulo").
    - address_key: "country|postcode|street key|house number|unit" (lower, accent-free), the
      dwelling; building_key: the same without the unit. Both None unless there is a street,
      a house number (or s/n) and a valid postcode: without them, grouping would be guesswork.
      The street key is the expanded type (or the country's default type when none is
      written) plus the name with particles dropped and titles/numbers canonical ("C/ Sta.
      Ana" = "Calle de Santa Ana" → "calle s ana"; "350 Fifth Ave" = "350 5th Avenue" →
      "5 avenue"); the postcode is the part every writer gives (US ZIP without +4, PT 4-digit
      code); the unit is the parsed flat, except that in Italy a stair is dropped when the
      interno is known (interno numbers are unique within a building).
    - address_valid: a street, a house number (or s/n), and a valid postcode or a city; never
      for a PO box.
    """
    # A source without a field leaves it null (or out): a missing column is an all-null one.
    columns = ["address_line1", "address_line2", "city", "country_std", "postcode_std"]
    given = df.reindex(columns=columns).astype(object)
    frame = given[["address_line1", "address_line2", "country_std", "postcode_std"]]
    frame = frame.assign(postcode_valid=_postcode_valid(df, given).to_numpy())
    out = per_distinct(frame, _parse_addresses)
    cities = per_distinct(given[["city", "country_std"]], _parse_cities)
    has_place = frame["postcode_valid"].to_numpy() | cities["_has_city"].to_numpy(dtype=bool)
    out["city_std"] = text_series(cities["city_std"].to_numpy(), index=out.index)
    out["address_valid"] = out["address_valid"].to_numpy(dtype=bool) & has_place
    return out
