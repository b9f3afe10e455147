"""Names: honorific, proper-cased parts, matching keys, nickname canonical and surname units.

Every standardised value goes in a new column; the raw `title`, `first_name`, `middle_name`,
`last_name` and `full_name` are never returned or modified. All parsing is per distinct value
(`per_distinct`): a customer file repeats the same first name and surname thousands of times,
so the Python below runs tens of thousands of times, not millions.

The naming convention of a row comes from its (already standardised) country:

- es (Spain, Spanish-speaking America), pt (Portugal, Brazil, PALOP), it (Italy):
  several given names form ONE first name ("María José", "João Paulo", "Gian Luca"), and
  Spanish/Portuguese people carry two surnames ("García López", "da Silva Santos").
- en (everyone else): the first given name is `first_name`, the others `middle_name`.

Full-name split rule (sources with one name field), in this order:

1. "LAST, First" — a comma separates surname (left) from given names (right).
2. Honorifics at the front ("Sr.", "Dott.ssa", "MRS", glued "Sr.Juan") go to `title_std`,
   generational suffixes and post-nominals at the end ("Jr", "III", "PhD", "Bt", "OBE") are
   dropped from the parts, and ordinals ("2nd Baronet") are never name words. Titles that are
   also names (Conte, Duque, Earl) are left to the other steps: "CONTE GIUSEPPE" is a surname.
3. Case signal — "GARCÍA LÓPEZ José" / "José GARCÍA LÓPEZ": when some words are in capitals
   and others are not, the capitalised run at either end is the surname.
4. Given-name lexicon — the leading words that are known given names (curated lexicon +
   `nicknames` + hypocorisms, initials like "J." too), or compound Marian names with
   particles ("María del Carmen", "Maria do Carmo"), are given names; the first word always is;
   a surname particle ("da", "de", "van") starts the surname; at least one word is left for
   the surname. Spanish/Portuguese only: a given name that is also a frequent surname, found
   right before a single remaining surname, is the first surname ("Ana Martín García").
5. Surname first without commas ("ROSSI MARIO", common in Italian exports): for es/it/pt, when
   the first word is not a known given name and the last word is one, the trailing given names
   are the given names.
"""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
from nicknames import NickNamer

from helpers.frames import object_frame
from helpers.standardise.distinct import per_distinct
from helpers.text import fold_text, read_data_lines, strip_accents

OUTPUT_COLUMNS = [
    "title_std",
    "first_name_std",
    "middle_name_std",
    "last_name_std",
    "first_name_key",
    "last_name_key",
    "first_name_canonical",
    "surname_1_key",
    "surname_2_key",
    "name_source",
]

_ES = ("ES AR BO CL CO CR CU DO EC GQ GT HN MX NI PA PE PR PY SV UY VE AD").split()
_PT = ("PT BR AO MZ CV GW ST TL").split()
_IT = ("IT SM VA").split()
LANG_BY_COUNTRY: dict[str, str] = {**{c: "es" for c in _ES}, **{c: "pt" for c in _PT}, **{c: "it" for c in _IT}}
ROMANCE = ("es", "it", "pt")
DOUBLE_SURNAME = ("es", "pt")

_NOT_LETTER = re.compile(r"[^a-z ]+")
_SPACES = re.compile(r"\s+")
_APOSTROPHES = re.compile(r"[’'`´]")
_SEPARATORS = re.compile(r"[-‐‑–—_/]")
_STRAY = re.compile(r"[\"“”«»()\[\]{}<>;:!?*#]+")  # characters that are never part of a name
_INITIAL = re.compile(r"^[^\W\d_]\.?$")
# "Sr.Juan" -> ("Sr.", "Juan"); split only when the dotted head is a known honorific.
_GLUED = re.compile(r"^([^\W\d_]+\.(?:[^\W\d_]+\.)?)([^\W\d_].*)$")
# "1st", "2nd", "23rd", "4th": the number of a title ("2nd Baronet", "1st Baron X") that data
# entry split into the name fields. Never a name word, and its key ("nd") would be a false one.
_ORDINAL = re.compile(r"^\d+(?:st|nd|rd|th|d)\.?$", re.IGNORECASE)
# What np.where makes of None (numpy-stubs reject None as a value argument).
_NONE = np.array(None, dtype=object)


# ---------------------------------------------------------------------------------------------
# Keys
# ---------------------------------------------------------------------------------------------


def name_key(text: str | None) -> str | None:
    """Accent-free, lower-case letters with single spaces ("O'Brien-Núñez" -> "obrien nunez").

    Apostrophes vanish (D'Angelo = DAngelo = Dangelo in the wild), hyphens become spaces so a
    double-barrelled name keys like its unhyphenated spelling.
    """
    if text is None:
        return None
    s = fold_text(text)
    s = _APOSTROPHES.sub("", s)
    s = _SEPARATORS.sub(" ", s)
    s = _NOT_LETTER.sub("", s.replace(".", " "))
    s = _SPACES.sub(" ", s).strip()
    return s or None


@lru_cache(maxsize=1 << 18)
def _tkey(token: str) -> str:
    """Key of one token without spaces, for lexicon look-ups."""
    return (name_key(token) or "").replace(" ", "")


@lru_cache(maxsize=1 << 16)
def _hkey(token: str) -> str:
    """Key of an honorific: lower, no dots, and the ordinal ª/º kept apart from plain letters.

    'Dª' must not key as 'da' (a Portuguese particle), and 'Sr.ª' is Senhora, not Senhor.
    """
    t = token.lower().replace(".", "").replace(" ", "").replace("ª", "@a").replace("º", "@o")
    return strip_accents(t)


# ---------------------------------------------------------------------------------------------
# Reference data (package data under helpers/data)
# ---------------------------------------------------------------------------------------------


def _data_lines(name: str) -> list[str]:
    """Non-comment, non-empty lines of a package data file."""
    return read_data_lines(name)


def _csv_rows(name: str) -> list[list[str]]:
    """Rows of a small package CSV (header dropped); the files hold no quoted commas."""
    return [ln.split(",") for ln in _data_lines(name)[1:]]


@dataclass(frozen=True)
class Lexicon:
    """Everything the name parser knows, loaded once per process."""

    given: frozenset[str]  # any-language given-name keys (for splitting)
    curated: frozenset[str]  # curated names_given.txt keys (treated as formal)
    also_surname: frozenset[str]
    compounds_by_first: dict[str, tuple[tuple[str, ...], ...]]  # first word -> longest first
    particles: dict[str, str]  # key -> core | article | joiner | prefix
    honorifics: dict[str, tuple[str, frozenset[str] | None]]  # hkey -> (canonical, glued langs)
    name_like: frozenset[str]  # hkeys of titles that are also names (scope 'name')
    suffixes: frozenset[str]
    hypocorisms: dict[str, dict[str, str]]  # lang -> nickname key -> canonical key
    english: dict[str, str]  # English nickname key -> canonical key


def _given_sections() -> dict[str, set[str]]:
    sections: dict[str, set[str]] = {}
    current = None
    for line in _data_lines("names_given.txt"):
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], set())
        elif current is not None:
            current.update(_tkey(w) for w in line.split())
    return sections


@lru_cache(maxsize=1)
def _nicknamer() -> NickNamer:
    return NickNamer()


def _english_map(curated: frozenset[str]) -> dict[str, str]:
    """English nickname -> one canonical given name, deterministic and conservative.

    The `nicknames` table is many-to-many and generous (bill -> robert, william, willis;
    erin -> aaron; jane -> virginia), so: (1) our curated choice in names_nickname_en.csv wins
    for the common ambiguous nicknames (bill -> william, bob -> robert, alex -> alexander,
    chris -> christopher, ann -> anne); (2) a curated given name is never remapped by the
    table (Jane, Erin, Louise stay themselves); (3) otherwise a table nickname maps only to a
    longer candidate starting with the same letter (diminutives shorten a name: kristy ->
    kristine, cassie -> cassandra), and only if the nickname has fewer nicknames of its own
    than that candidate; (4) the best candidate shares the longest prefix with the nickname,
    then has the most nicknames (the most "formal" name), then comes first alphabetically.
    """
    nn = _nicknamer()
    nick_of = nn.nickname_lookup
    mapping: dict[str, str] = {}
    for name, candidates in nn.canonical_lookup.items():
        key = _tkey(name)
        if key in curated or not candidates:
            continue
        own = len(nick_of.get(name, ()))
        fitting = [c for c in candidates if c[:1] == name[:1] and len(c) > len(name) and len(nick_of.get(c, ())) > own]
        if not fitting:
            continue

        def rank(c: str, name: str = name) -> tuple[int, int, str]:
            prefix = len(os.path.commonprefix([c, name]))
            return (-prefix, -len(nick_of.get(c, ())), c)

        mapping[key] = _tkey(min(fitting, key=rank))
    for nick, canonical in _csv_rows("names_nickname_en.csv"):
        mapping[_tkey(nick)] = _tkey(canonical)
    return {k: v for k, v in mapping.items() if k and v and k != v}


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    """Load and index the reference data (cached: it is read once per process)."""
    sections = _given_sections()
    particles = {_tkey(p): kind for p, kind in _csv_rows("names_particles.txt")}
    curated = frozenset(set().union(*(sections.get(s, set()) for s in ("es", "it", "pt", "en"))))

    hypocorisms: dict[str, dict[str, str]] = {lang: {} for lang in ROMANCE}
    hypo_names: set[str] = set()
    for nick, canonical, lang in _csv_rows("hypocorisms.csv"):
        nick_key, canonical_key = name_key(nick), name_key(canonical)
        if nick_key is not None and canonical_key is not None:  # every row of the file has both
            hypocorisms[lang][nick_key] = canonical_key
        hypo_names.add(_tkey(nick))
        hypo_names.update((name_key(canonical) or "").split())

    nn = _nicknamer()
    english_names = {_tkey(n) for n in set(nn.canonical_lookup) | set(nn.nickname_lookup)}
    english = _english_map(curated)
    given = curated | english_names | hypo_names | set(english) | set(english.values())
    given -= {p for p, kind in particles.items() if kind != "prefix"}
    given -= {"", "smith"}  # 'smith' is in the nicknames table (smith -> smitty): a surname first

    # glued_scope: 'any' = an honorific wherever it is typed; languages ('en', 'es pt') = inside
    # a name field only in those languages ("Don" is an English given name); 'name' = a title
    # that is also a common surname or given name (Conte, Duque, Marques, Earl, Baron): taken
    # only from a title column. Not even a first-name field holding only "Marques" is a title:
    # swapped fields (first_name="Marques", last_name="Gustavo") are common in customer files.
    honorifics: dict[str, tuple[str, frozenset[str] | None]] = {}
    name_like: set[str] = set()
    for variant, canonical, scope in _csv_rows("names_honorifics.csv"):
        langs = None if scope in ("any", "name") else frozenset(scope.split())
        honorifics[_hkey(variant)] = (canonical, langs)
        if scope == "name":
            name_like.add(_hkey(variant))

    compounds: dict[str, list[tuple[str, ...]]] = {}
    for comp in sorted(
        {tuple(line.split()) for line in _data_lines("names_compound_given.txt")}, key=lambda c: (-len(c), c)
    ):
        compounds.setdefault(comp[0], []).append(comp)
    return Lexicon(
        given=frozenset(given),
        curated=curated,
        also_surname=frozenset(sections.get("also_surname", set())),
        compounds_by_first={k: tuple(v) for k, v in compounds.items()},
        particles=particles,
        honorifics=honorifics,
        name_like=frozenset(name_like),
        suffixes=frozenset(_tkey(s) for s in _data_lines("names_suffixes.txt")),
        hypocorisms=hypocorisms,
        english=english,
    )


# ---------------------------------------------------------------------------------------------
# Text and tokens
# ---------------------------------------------------------------------------------------------


def _clean(text: object) -> str | None:
    """Trim, collapse whitespace, drop characters that are never part of a name; None if empty."""
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return None
    s = unicodedata.normalize("NFC", str(text))
    s = _STRAY.sub(" ", s)
    s = _SPACES.sub(" ", s).strip(" ,.-'")
    return s or None


def _tokens(text: str | None) -> list[str]:
    """Words of a cleaned text; lone punctuation ("-", "&", ".") and ordinals ("2nd", the
    number of a title: "Sir John Smith, 2nd Baronet") are not words. A word with a stray digit
    ("J0hn", transcription noise) stays a word."""
    if not text:
        return []
    words = (t.strip(",") for t in text.split(" "))
    return [t for t in words if any(ch.isalpha() for ch in t) and not _ORDINAL.match(t)]


# Abbreviated given names of Spanish/Portuguese forms ("Mª José", "Fco. Javier"), keyed by _hkey.
_GIVEN_ABBREVIATIONS = {"m@a": "María", "fco": "Francisco"}


def _expand_given(tokens: list[str], lang: str) -> list[str]:
    """'Mª' -> 'María', 'Fco.' -> 'Francisco' in es/pt given names, so keys and nicknames work."""
    if lang not in DOUBLE_SURNAME:
        return tokens
    out: list[str] = []
    for t in tokens:
        full = _GIVEN_ABBREVIATIONS.get(_hkey(t))
        out.extend(full.split() if full else [t])
    return out


@lru_cache(maxsize=1 << 16)
def _is_initial(token: str) -> bool:
    return bool(_INITIAL.match(token))


@lru_cache(maxsize=1 << 18)
def _honorific(token: str, lang: str, glued: bool) -> str | None:
    """Canonical honorific for a token, or None. `glued` = found inside a name field, where the
    ambiguous ones ("Don" is an English given name, "D." an initial) count only in their
    languages, and titles that are also names (scope 'name': Conte, Marques, Earl) not at all."""
    lex = lexicon()
    key = _hkey(token)
    hit = lex.honorifics.get(key)
    if hit is None:
        return None
    canonical, langs = hit
    if glued and (key in lex.name_like or (langs is not None and lang not in langs)):
        return None
    return canonical


def _unglue(tokens: list[str], lang: str) -> list[str]:
    """'Sr.Juan' -> ['Sr.', 'Juan'] when the part before the dot is an honorific."""
    if not tokens:
        return tokens
    first = tokens[0]
    if _honorific(first, lang, glued=True):
        return tokens
    m = _GLUED.match(first)
    if m and _honorific(m.group(1), lang, glued=True):
        return [m.group(1), m.group(2), *tokens[1:]]
    return tokens


def _take_honorifics(tokens: list[str], lang: str) -> tuple[str | None, list[str]]:
    """Remove leading honorifics (at least one word stays); return the last one found.

    The last is the one next to the name and usually the most specific ("Sr. Dr. Juan" -> Dr).
    """
    title = None
    tokens = _unglue(tokens, lang)
    while len(tokens) > 1:
        found = _honorific(tokens[0], lang, glued=True)
        if not found:
            break
        title = found
        tokens = _unglue(tokens[1:], lang)
    return title, tokens


def _is_suffix(token: str, lang: str) -> bool:
    """Generational/academic suffix ('Jr', 'III', 'PhD'); 'Sr' only in English, where it is
    Senior (in Spanish and Portuguese it is Señor/Senhor, an honorific)."""
    k = _tkey(token)
    return k in lexicon().suffixes or (k == "sr" and lang == "en")


def _drop_suffixes(tokens: list[str], lang: str, keep_one: bool = True) -> list[str]:
    """Drop trailing suffixes, keeping at least one word unless `keep_one` is False.

    A full name keeps its last word ("Jr" alone is still something the customer typed); a
    surname field that holds only suffixes ("Baronet", "Bt.", "Jr.") has no surname at all, and
    keying it would make every baronet one family.
    """
    while tokens and (len(tokens) > 1 or not keep_one) and _is_suffix(tokens[-1], lang):
        tokens = tokens[:-1]
    return tokens


# ---------------------------------------------------------------------------------------------
# Casing
# ---------------------------------------------------------------------------------------------


def _cap_segment(seg: str) -> str:
    """'mcdonald' -> 'McDonald', 'josé' -> 'José' (segment already lower-case)."""
    if not seg:
        return seg
    if seg.startswith("mc") and len(seg) > 2:
        return "Mc" + seg[2].upper() + seg[3:]
    return seg[0].upper() + seg[1:]


@lru_cache(maxsize=1 << 18)
def _proper(token: str) -> str:
    """Proper case for one word: hyphen and apostrophe parts capitalised ("O'Brien", "D'Angelo",
    "Smith-Jones"). A word typed in mixed case with a capital first ("McDonald", "DeVito") is
    trusted as the customer wrote it, apart from capitalising its parts."""
    mixed = any(c.isupper() for c in token) and any(c.islower() for c in token) and token[0].isupper()
    parts = re.split(r"([-’'])", token)
    out = []
    for p in parts:
        if p in ("-", "’", "'"):
            out.append(p)
        elif mixed:
            out.append(p[:1].upper() + p[1:])
        else:
            out.append(_cap_segment(p.lower()))
    return "".join(out)


def _case_words(tokens: list[str], lang: str, surname: bool) -> str | None:
    """Cached front for `_case_tuple` (the same surnames recur across many full names)."""
    return _case_tuple(tuple(tokens), lang, surname)


@lru_cache(maxsize=1 << 18)
def _case_tuple(tokens: tuple[str, ...], lang: str, surname: bool) -> str | None:
    """Proper-case a name part with particles right: 'DE LA FUENTE' -> 'de la Fuente',
    'GARCIA Y LOPEZ' -> 'Garcia y Lopez'; Italian surnames keep a leading capital particle
    ('Di Maio', 'De Luca'), as the Italian civil registry writes them."""
    particles = lexicon().particles
    out = []
    n = len(tokens)
    for i, tok in enumerate(tokens):
        kind = particles.get(tok.lower()) if "." not in tok else None
        if kind in ("core", "article") and i < n - 1:
            out.append(tok.capitalize() if (lang == "it" and surname and i == 0) else tok.lower())
        elif kind == "joiner" and 0 < i < n - 1:
            out.append(tok.lower())
        elif _is_initial(tok):
            out.append(tok[0].upper() + ".")  # "j", "J", "j." -> "J.": one spelling per initial
        else:
            out.append(_proper(tok))
    return " ".join(out) or None


# ---------------------------------------------------------------------------------------------
# Full-name split
# ---------------------------------------------------------------------------------------------


def _compound_at(keys: list[str], start: int) -> int:
    """Length of the longest compound given name ('maria del carmen') starting at `start`."""
    for comp in lexicon().compounds_by_first.get(keys[start], ()):
        if tuple(keys[start : start + len(comp)]) == comp:
            return len(comp)
    return 0


def _count_given(tokens: list[str], lang: str) -> int:
    """How many leading words are given names (step 4 of the module rule). len(tokens) >= 2."""
    lex = lexicon()
    keys = [_tkey(t) for t in tokens]
    n = len(tokens)
    g = 0
    in_compound: set[int] = set()
    while g < n - 1:
        c = _compound_at(keys, g)
        if c and g + c < n:
            in_compound.update(range(g, g + c))
            g += c
            continue
        kind = lex.particles.get(keys[g])
        if kind in ("core", "article", "joiner"):
            break
        if g == 0 or keys[g] in lex.given or _is_initial(tokens[g]):
            g += 1
            continue
        break
    g = max(g, 1)
    if (
        lang in DOUBLE_SURNAME
        and g >= 2
        and n - g == 1
        and keys[g - 1] in lex.also_surname
        and g - 1 not in in_compound
    ):
        g -= 1
    return g


@lru_cache(maxsize=1 << 18)
def _shape(token: str) -> str:
    """'U' CAPS word, 'T' Capitalised word, 'l' lower-case word, 'p' particle or initial."""
    letters = "".join(c for c in token if c.isalpha())
    if lexicon().particles.get(token.lower()) in ("core", "article", "joiner") or _is_initial(token):
        return "p"
    if len(letters) >= 2 and letters.isupper():
        return "U"
    if letters[:1].isupper():
        return "T"
    return "l"


def _caps_run(tokens: list[str]) -> tuple[int, int] | None:
    """(start, end) of the surname when a name mixes CAPS and Capitalised words at its ends.

    Many systems and forms write the surname in capitals: "GARCÍA LÓPEZ José", "José GARCÍA
    LÓPEZ". Particles may sit inside the run in any case; a run made only of known given names
    facing no given name at all ("JOSÉ García") is a typing accident, not the convention.
    """
    lex = lexicon()
    shape = _shape
    shapes = [shape(t) for t in tokens]
    if "U" not in shapes or "T" not in shapes or "l" in shapes:
        return None
    n = len(tokens)
    first_t = shapes.index("T")
    last_t = n - 1 - shapes[::-1].index("T")
    if "U" not in shapes[first_t:]:  # CAPS only before the first Capitalised word
        a, b = 0, first_t
    elif "U" not in shapes[: last_t + 1]:  # CAPS only after the last Capitalised word
        a, b = last_t + 1, n
        while a > 0 and shapes[a - 1] == "p" and not _is_initial(tokens[a - 1]):
            a -= 1  # "José da SILVA": the particle joins the surname
    else:
        return None
    run_keys = [_tkey(t) for t in tokens[a:b] if shape(t) == "U"]
    rest_keys = [_tkey(t) for t in tokens[:a] + tokens[b:] if shape(t) == "T"]
    if all(k in lex.given for k in run_keys) and not any(k in lex.given for k in rest_keys):
        return None
    return a, b


def _surname_first(tokens: list[str], lang: str) -> int | None:
    """Number of leading surname words in 'ROSSI MARIO GIUSEPPE' style names, or None."""
    if lang not in ROMANCE or len(tokens) < 2:
        return None
    lex = lexicon()
    keys = [_tkey(t) for t in tokens]
    if keys[0] in lex.given or keys[0] in lex.particles or _is_initial(tokens[0]):
        return None
    if keys[-1] not in lex.given or keys[-1] in lex.also_surname:
        return None
    start = len(keys) - 1
    while start > 1 and keys[start - 1] in lex.given and keys[start - 1] not in lex.also_surname:
        start -= 1
    return start


def split_full_name(text: object, lang: str) -> tuple[str | None, list[str], list[str]]:
    """(title, given words, surname words) of one full name; see the module docstring."""
    s = _clean(text)
    if s is None:
        return None, [], []
    if "," in s:
        left, right = s.split(",", 1)
        given_part = [t for t in _tokens(right) if not _is_suffix(t, lang)]  # "Smith, Jr., John"
        if given_part and _tokens(left):
            t_left, surname = _take_honorifics(_tokens(left), lang)
            t_right, given = _take_honorifics(given_part, lang)
            if len(given) == 1 and _honorific(given[0], lang, glued=True):  # "JONES, MRS"
                t_right, given = _honorific(given[0], lang, glued=True), []
            return t_right or t_left, _expand_given(given, lang), _drop_suffixes(surname, lang)
        s = left if _tokens(left) else right  # "John Smith, Jr." or a stray comma
    title, tokens = _take_honorifics(_tokens(s), lang)
    tokens = _drop_suffixes(_expand_given(tokens, lang), lang)
    if not tokens:
        return title, [], []
    if len(tokens) == 1:
        # "MRS JONES" -> a surname; "Maria" -> a given name; an unknown lone word -> a surname.
        if title is None and _honorific(tokens[0], lang, glued=True):
            return _honorific(tokens[0], lang, glued=True), [], []  # only "Mrs": no name at all
        if title is None and _tkey(tokens[0]) in lexicon().given:
            return title, tokens, []
        return title, [], tokens
    run = _caps_run(tokens)
    if run is not None:
        a, b = run
        return title, tokens[:a] + tokens[b:], tokens[a:b]
    lead = _surname_first(tokens, lang)
    if lead is not None:
        return title, tokens[lead:], tokens[:lead]
    g = _count_given(tokens, lang)
    return title, tokens[:g], tokens[g:]


def _parts_from_full(frame: pd.DataFrame) -> pd.DataFrame:
    """Parse distinct (full_name, lang) pairs into title/first/middle/last."""
    rows = []
    for text, lang in zip(frame["full_name"], frame["lang"]):
        title, given, surname = split_full_name(text, lang)
        rows.append((title, *_given_to_fields(given, lang), _case_words(surname, lang, surname=True)))
    return pd.DataFrame(rows, columns=["title_std", "first_name_std", "middle_name_std", "last_name_std"], dtype=object)


def _given_to_fields(given: list[str], lang: str) -> tuple[str | None, str | None]:
    """Romance conventions keep all given names as the first name ("María José"); English
    keeps the first as first name and the rest as middle names ("John" + "Paul")."""
    if not given:
        return None, None
    if lang in ROMANCE:
        return _case_words(given, lang, surname=False), None
    return _case_words(given[:1], lang, surname=False), _case_words(given[1:], lang, surname=False)


# ---------------------------------------------------------------------------------------------
# Separate fields
# ---------------------------------------------------------------------------------------------


def _title_field(frame: pd.DataFrame) -> pd.DataFrame:
    """Canonical honorific from a title column ('MRS' -> 'Mrs', 'Dott.ssa', 'Sr. D.' -> 'D.').

    Unrecognised titles give None: title_std holds only canonical codes; the raw column keeps
    the text."""
    out = []
    for text in frame["title"]:
        found = None
        for tok in re.split(r"[\s/&+,]+", _clean(text) or ""):
            found = _honorific(tok, "en", glued=False) or found
        out.append(found)
    return object_frame({"title_from_field": out})


def _first_field(frame: pd.DataFrame) -> pd.DataFrame:
    """First-name column: strip glued honorifics ('Sr. Juan'), proper-case, keep compounds."""
    titles, names = [], []
    for text, lang in zip(frame["first_name"], frame["lang"]):
        title, tokens = _take_honorifics(_tokens(_clean(text)), lang)
        tokens = _expand_given(tokens, lang)
        # Post-nominals and generational suffixes typed as the given name ("Bt.", "Jr") are
        # not given names; a known given name that looks like one is kept.
        tokens = [t for t in tokens if not (_is_suffix(t, lang) and _tkey(t) not in lexicon().given)]
        if len(tokens) == 1 and title is None and _honorific(tokens[0], lang, glued=True):
            title, tokens = _honorific(tokens[0], lang, glued=True), []  # "Mrs", "Countess" alone
        titles.append(title)
        names.append(_case_words(tokens, lang, surname=False) if tokens else None)
    return object_frame({"title_from_first": titles, "first_name_std": names})


def _middle_field(frame: pd.DataFrame) -> pd.DataFrame:
    return object_frame(
        {
            "middle_name_std": [
                _case_words(_tokens(_clean(t)), lang, surname=False) if _clean(t) else None
                for t, lang in zip(frame["middle_name"], frame["lang"])
            ]
        }
    )


def _last_field(frame: pd.DataFrame) -> pd.DataFrame:
    """Last-name column: 'MRS JONES' -> Mrs + 'Jones'; suffixes dropped (all of them: a field
    holding only 'Baronet' or 'Jr.' has no surname, so no surname key); particles cased."""
    titles, names = [], []
    for text, lang in zip(frame["last_name"], frame["lang"]):
        tokens = _tokens(_clean(text))
        title = None
        if (
            len(tokens) > 1
            and _honorific(tokens[0], lang, glued=True)
            and lexicon().honorifics[_hkey(tokens[0])][1] is None
        ):
            title, tokens = _take_honorifics(tokens, lang)
        tokens = _drop_suffixes(tokens, lang, keep_one=False)
        titles.append(title)
        names.append(_case_words(tokens, lang, surname=True) if tokens else None)
    return object_frame({"title_from_last": titles, "last_name_std": names})


# ---------------------------------------------------------------------------------------------
# Keys, canonical given name, surname units
# ---------------------------------------------------------------------------------------------


def canonical_given(key: str | None, lang: str) -> str | None:
    """Canonical given-name key through the nickname tables ("pepe" -> "jose", "bill" -> "william").

    es/it/pt rows use only their own language's curated hypocorisms (Manu is Manuel in Spain
    and Emanuele in Italy; an English table would turn Spanish names into English ones).
    English (and every other) row: the English map, then — for a name that is not a curated
    given name itself — the Romance hypocorisms (Paco and Pepe live in London and New York
    too). A compound ("Mari Carmen", "Chema") is looked up whole first, then word by word.
    """
    if key is None:
        return None
    lex = lexicon()

    def one(k: str) -> str | None:
        if lang in ROMANCE:
            return lex.hypocorisms[lang].get(k)
        if k in lex.english:
            return lex.english[k]
        if k in lex.curated:
            return None
        for other in ("es", "pt", "it"):
            if k in lex.hypocorisms[other]:
                return lex.hypocorisms[other][k]
        return None

    whole = one(key)
    if whole is not None:
        return whole
    return " ".join(one(w) or w for w in key.split())


def _given_keys(frame: pd.DataFrame) -> pd.DataFrame:
    keys = [name_key(t) for t in frame["first_name_std"]]
    return object_frame(
        {
            "first_name_key": keys,
            "first_name_canonical": [canonical_given(k, lang) for k, lang in zip(keys, frame["lang"])],
        }
    )


def surname_units(last_name: str | None) -> list[str]:
    """Keys of the surnames in a last name, particles dropped, prefixes kept.

    'García López' -> [garcia, lopez]; 'García y López' and 'Silva-Santos' split too;
    'de la Fuente García' -> [fuente, garcia]; 'San Martín' stays one unit [san martin].
    """
    if not last_name:
        return []
    particles = lexicon().particles
    units: list[list[str]] = []
    current: list[str] = []
    for word in _SEPARATORS.sub(" ", last_name).split():
        k = _tkey(word)
        if not k:
            continue
        kind = particles.get(k)
        if kind == "joiner" and units:
            continue
        if kind in ("core", "article"):
            continue
        current.append(k)
        if kind == "prefix":
            continue
        units.append(current)
        current = []
    if current:
        units.append(current)
    return [" ".join(u) for u in units]


def _surname_keys(frame: pd.DataFrame) -> pd.DataFrame:
    s1, s2 = [], []
    for text in frame["last_name_std"]:
        units = surname_units(text)
        s1.append(units[0] if units else None)
        s2.append(" ".join(units[1:]) if len(units) > 1 else None)
    return object_frame(
        {
            "last_name_key": [name_key(t) for t in frame["last_name_std"]],
            "surname_1_key": s1,
            "surname_2_key": s2,
        }
    )


# ---------------------------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------------------------


def language_of(country: pd.Series) -> pd.Series:
    """Naming convention per row from the ISO alpha-2 country: es, it, pt or en (default)."""
    code = country.astype("object").where(country.notna(), None)
    return code.str.upper().str.strip().map(LANG_BY_COUNTRY).fillna("en").astype(object)


def _column(df: pd.DataFrame, name: str) -> pd.Series:
    if name in df.columns:
        return df[name].astype("object")
    return pd.Series(None, index=df.index, dtype="object")


def standardise_names(df: pd.DataFrame, country: pd.Series) -> pd.DataFrame:
    """Standardised name columns for every row of `df` (same index; raw columns untouched).

    A row whose `first_name` or `last_name` is filled is parsed from its fields
    (name_source='fields'); otherwise its `full_name` is split (name_source='full_name').
    """
    country = country if country.index.equals(df.index) else country.reindex(df.index)
    lang = language_of(country)
    first, middle, last = _column(df, "first_name"), _column(df, "middle_name"), _column(df, "last_name")
    full, title = _column(df, "full_name"), _column(df, "title")

    f = per_distinct(pd.DataFrame({"first_name": first, "lang": lang}), _first_field)
    m = per_distinct(pd.DataFrame({"middle_name": middle, "lang": lang}), _middle_field)
    last_p = per_distinct(pd.DataFrame({"last_name": last, "lang": lang}), _last_field)
    t = per_distinct(title.rename("title"), _title_field)

    from_fields = (f["first_name_std"].notna() | last_p["last_name_std"].notna()).to_numpy()
    title_any = t["title_from_field"].fillna(f["title_from_first"]).fillna(last_p["title_from_last"])
    cols = {
        "title_std": np.array(title_any, dtype=object),
        "first_name_std": np.array(f["first_name_std"], dtype=object),
        "middle_name_std": np.array(m["middle_name_std"], dtype=object),
        "last_name_std": np.array(last_p["last_name_std"], dtype=object),
        "name_source": np.where(from_fields, "fields", _NONE).astype(object),
    }
    need_full = ~from_fields & full.notna().to_numpy()
    if need_full.any():
        sub = object_frame({"full_name": full.to_numpy()[need_full], "lang": lang.to_numpy()[need_full]})
        parts = per_distinct(sub, _parts_from_full)
        got = parts[["first_name_std", "last_name_std"]].notna().any(axis=1).to_numpy()
        rows = np.flatnonzero(need_full)[got]
        have = cols["title_std"][rows]
        cols["title_std"][rows] = np.where(pd.isna(have), parts["title_std"].to_numpy()[got], have)
        for col in ("first_name_std", "last_name_std"):
            cols[col][rows] = parts[col].to_numpy()[got]
        middle = parts["middle_name_std"].to_numpy()[got]  # a middle_name column still counts
        cols["middle_name_std"][rows] = np.where(pd.isna(middle), cols["middle_name_std"][rows], middle)
        cols["name_source"][rows] = "full_name"
    out = pd.DataFrame({k: pd.Series(v, dtype="object") for k, v in cols.items()}).set_axis(df.index)

    g = per_distinct(pd.DataFrame({"first_name_std": out["first_name_std"], "lang": lang}), _given_keys)
    s = per_distinct(out["last_name_std"].rename("last_name_std"), _surname_keys)
    out = pd.concat([out, g, s], axis=1)[OUTPUT_COLUMNS]
    return out.astype("object")  # every parser above writes None, never NaN, for "no value"
