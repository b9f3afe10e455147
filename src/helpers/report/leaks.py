"""The last check before a shareable report leaves the building: does it contain personal data?

The report is built from counts and masked samples, so it should never hold an email address,
a phone number, a national id or a person's full name. Building it right is the first line of
defence; this module is the second: it scans the finished HTML for every such value the run
knows (people records, suppression lists, change-of-address requests) and names what it found,
so a careless chart title or a new table cannot leak a customer quietly.

Matching is exact and token-based (emails, digit runs, alphanumeric tokens, pairs of words), so a
count such as "1,234" or a city name cannot trip it, and a million customers cost a few seconds.
Embedded images are skipped: they are pictures of aggregates, and their base64 text would only
produce chance digit runs.

The same scan runs on every stage page the runner renders for readers (`scan_page`). When it
finds something, the message names the values *masked* (`j***@g***.com`, `+34 6** *** *78`,
`J*** G***`): the message itself travels to the index page, the manifest and the log.
"""

from __future__ import annotations

import html as html_lib
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from helpers.catalog import T

EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# Digits with the separators people write phone numbers with (not commas: they group counts).
PHONE_LIKE = re.compile(r"\+?\d[\d \-./()]{5,}\d")
TOKEN = re.compile(r"[0-9A-Za-z]{6,}")
WORD = re.compile(r"[^\W\d_][\w'’-]*", re.UNICODE)
DATA_URI = re.compile(r"data:[\w/+.-]+;base64,[A-Za-z0-9+/=\s]+")
TAG = re.compile(r"<[^>]+>")
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2})?)?")
# Nine digits: shorter runs (a run id's date, a count) would collide with some of a million
# numbers by chance; every national number of the countries served has at least nine.
MIN_PHONE_DIGITS = 9
MIN_ID_LENGTH = 6

# Which columns of which run table hold which kind of personal value.
PERSONAL_COLUMNS: dict[str, dict[str, list[str]]] = {
    # Stage 01's records: the only source of values for stage 01's own page.
    T.raw_records.file: {
        "email": ["email"],
        "phone": ["phone"],
        "national_id": ["national_id", "loyalty_card"],
        "first_name": ["first_name"],
        "last_name": ["last_name"],
        "full_name": ["full_name"],
    },
    T.clean_records.file: {
        "email": ["email", "email_std"],
        "phone": ["phone", "phone_std"],
        "national_id": ["national_id", "national_id_std", "loyalty_card"],
        "first_name": ["first_name", "first_name_std"],
        "last_name": ["last_name", "last_name_std"],
        "full_name": ["full_name"],
    },
    T.suppressions.file: {
        "email": ["email"],
        "phone": ["phone"],
        "first_name": ["first_name"],
        "last_name": ["last_name"],
        "full_name": ["full_name"],
    },
    T.address_changes.file: {"first_name": ["first_name"], "last_name": ["last_name"], "full_name": ["full_name"]},
}


@dataclass(frozen=True)
class PersonalValues:
    """Normalised personal values to look for: lower-case emails, phone digit strings,
    upper-case id tokens and lower-case 'first last' names."""

    emails: frozenset[str]
    phones: frozenset[str]
    ids: frozenset[str]
    names: frozenset[str]


def _distinct(values: pd.Series) -> pd.Series:
    """Each distinct given value once, as strings: a million records hold far fewer values."""
    return pd.Series(pd.unique(values.dropna().astype(str).to_numpy()), dtype="string")


def _phone_digits(values: pd.Series) -> set[str]:
    """Digit strings a number may be printed as: as given, without a trunk zero, and for an
    international number also without its country code (1 to 3 digits)."""
    text = _distinct(values)
    digits = text.str.replace(r"\D", "", regex=True)
    forms = [digits, digits.str.replace(r"^(?:00|0)", "", regex=True)]
    international = digits[text.str.startswith("+")]
    forms += [international.str.slice(k) for k in (1, 2, 3)]
    out: set[str] = set()
    for form in forms:
        out |= set(form[form.str.len() >= MIN_PHONE_DIGITS])
    return out


def _names(values: pd.Series) -> set[str]:
    names = _distinct(values).str.strip().str.lower().str.replace(r"\s+", " ", regex=True)
    return set(names[names.str.count(" ") >= 1])


def collect_personal_values(frames: list[pd.DataFrame]) -> PersonalValues:
    """Personal values from tables whose columns carry canonical names (email, phone, …)."""
    emails: set[str] = set()
    phones: set[str] = set()
    ids: set[str] = set()
    names: set[str] = set()
    for df in frames:
        for col in ("email", "email_std"):
            if col in df:
                emails |= set(_distinct(df[col]).str.strip().str.lower())
        for col in ("phone", "phone_std"):
            if col in df:
                phones |= _phone_digits(df[col])
        for col in ("national_id", "national_id_std", "loyalty_card"):
            if col in df:
                token = _distinct(df[col]).str.upper().str.replace(r"[^0-9A-Z]", "", regex=True)
                ids |= set(token[token.str.len() >= MIN_ID_LENGTH])
        for first, last in (("first_name", "last_name"), ("first_name_std", "last_name_std")):
            if first in df and last in df:
                pairs = df[[first, last]].dropna().drop_duplicates()
                names |= _names(pairs[first].astype(str).str.strip() + " " + pairs[last].astype(str).str.strip())
        if "full_name" in df:
            names |= _names(df["full_name"])
    emails.discard("")
    return PersonalValues(frozenset(emails), frozenset(phones), frozenset(ids), frozenset(names))


def personal_values(run_dir: str | Path) -> PersonalValues:
    """Every email, phone, id and full name the run's tables hold, read column by column."""
    frames = []
    for table, kinds in PERSONAL_COLUMNS.items():
        path = Path(run_dir) / table
        if not path.exists():
            continue
        present = set(pq.read_schema(path).names)
        columns = [c for cols in kinds.values() for c in cols if c in present]
        if columns:
            frames.append(pd.read_parquet(path, columns=columns))
    return collect_personal_values(frames)


def visible_text(document: str) -> str:
    """The report's text as a reader sees it: images dropped, tags removed, entities decoded."""
    without_images = DATA_URI.sub(" ", document)
    # A line break per tag: numbers in neighbouring table cells must not join into one run.
    return html_lib.unescape(TAG.sub("\n", without_images))


def find_personal_data(document: str, values: PersonalValues) -> list[str]:
    """What personal values the document shows, as 'kind: value' lines (empty when clean)."""
    text = visible_text(document)
    found = []
    for email in sorted({m.lower() for m in EMAIL.findall(text)} & values.emails):
        found.append(f"email: {email}")
    digit_runs = {re.sub(r"\D", "", m) for m in PHONE_LIKE.findall(ISO_DATE.sub("\n", text))}
    digit_runs |= {re.sub(r"^(?:00|0)", "", d) for d in digit_runs}
    for digits in sorted({d for d in digit_runs if len(d) >= MIN_PHONE_DIGITS} & values.phones):
        found.append(f"phone: {digits}")
    for token in sorted({t.upper() for t in TOKEN.findall(text)} & values.ids):
        found.append(f"id: {token}")
    words = [w.lower() for w in WORD.findall(text)]
    candidates = {" ".join(words[i : i + n]) for n in (2, 3, 4) for i in range(len(words) - n + 1)}
    for name in sorted(candidates & values.names):
        found.append(f"name: {name}")
    return found


class PersonalDataInReport(RuntimeError):
    """The report would carry personal data: it is not written."""


def mask_email(email: str) -> str:
    """`jose.garcia@gmail.com` → `j***@g***.com`: enough to find it in the data, not to read it."""
    local, _, domain = email.partition("@")
    host, dot, tld = domain.rpartition(".")
    return f"{local[:1]}***@{host[:1]}***{dot}{tld}" if host else f"{local[:1]}***@{domain[:1]}***"


def mask_phone(phone: str) -> str:
    """`+34 612 345 678` → `+34 6** *** *78`: the first three and last two digits, separators kept."""
    digits = sum(ch.isdigit() for ch in phone)
    out, seen = [], 0
    for ch in phone:
        if ch.isdigit():
            seen += 1
            out.append(ch if seen <= 3 or seen > digits - 2 else "*")
        else:
            out.append(ch)
    return "".join(out)


def mask_name(name: str) -> str:
    """`josé garcía` → `J*** G***`."""
    return " ".join(f"{word[:1].upper()}***" for word in name.split())


def mask_id(token: str) -> str:
    """`12345678Z` → `1***Z`."""
    return f"{token[:1]}***{token[-1:]}"


MASKS = {"email": mask_email, "phone": mask_phone, "name": mask_name, "id": mask_id}


def mask_finding(finding: str) -> str:
    """A 'kind: value' line of `find_personal_data` with its value masked."""
    kind, _, value = finding.partition(": ")
    return f"{kind}: {MASKS.get(kind, mask_id)(value)}"


def describe_findings(found: list[str], limit: int = 10) -> str:
    """The values found, masked, for a message that people and logs will read."""
    shown = "; ".join(mask_finding(f) for f in found[:limit])
    return shown + (f"; … {len(found) - limit} more" if len(found) > limit else "")


def mask_emails_in_text(text: str) -> str:
    """Every email-shaped string of a message masked (an error message may quote a record)."""
    return EMAIL.sub(lambda m: mask_email(m.group(0)), text)


def mask_contact_patterns(text: str) -> str:
    """Emails and phone-like digit runs (at least MIN_PHONE_DIGITS digits) masked, whoever they
    belong to: for values typed where they do not belong (an email in 'referral source')."""

    def phone(m: re.Match) -> str:
        value = m.group(0)
        return mask_phone(value) if sum(ch.isdigit() for ch in value) >= MIN_PHONE_DIGITS else value

    return PHONE_LIKE.sub(phone, mask_emails_in_text(text))


def assert_shareable(document: str, values: PersonalValues, where: str) -> None:
    """Stop before a report with personal data is saved; say what was found (masked) and where."""
    found = find_personal_data(document, values)
    if found:
        raise PersonalDataInReport(
            f"{where}: the shareable report would contain personal data ({len(found)} value(s): "
            f"{describe_findings(found)}). It was not written. Show counts or masked samples "
            "(helpers.privacy) instead of the table or caption that carries these values."
        )


class PersonalDataInPage(PersonalDataInReport):
    """A stage page would show personal data: it is not published."""


def scan_page(document: str, values: PersonalValues, where: str) -> None:
    """The customer report's scan, for a stage page: raise naming the masked values."""
    found = find_personal_data(document, values)
    if found:
        raise PersonalDataInPage(
            f"{where}: the stage page would show personal data ({len(found)} value(s): {describe_findings(found)}). "
            "The page was not published (the executed notebook is kept, owner-only, for analysts). Display counts, "
            "shapes or masked samples (helpers.privacy) instead of the output that shows these values."
        )


class ValueCache:
    """`personal_values` of a run folder, read again only when its tables change: the runner
    scans every stage page, and at a million persons building the set takes about a minute."""

    def __init__(self) -> None:
        self._key: tuple | None = None
        self._values: PersonalValues | None = None

    def get(self, run_dir: str | Path) -> PersonalValues:
        key = (str(Path(run_dir).resolve()),) + tuple(
            (name, (Path(run_dir) / name).stat().st_mtime_ns if (Path(run_dir) / name).exists() else None)
            for name in PERSONAL_COLUMNS
        )
        if key != self._key or self._values is None:
            self._values = personal_values(run_dir)
            self._key = key
        return self._values
