"""The narrow table Splink compares: one row per clean record, only values fit to be evidence.

Why a separate table: Splink compares every blocked pair column by column, so each column
here must already mean the same thing in every source (standardised keys, not raw text), and
a value that is known to be wrong (an invalid email, a role mailbox shared by a whole office,
an impossible date of birth) must be null — Splink treats null as "no evidence", which is
what such a value is.
"""

from __future__ import annotations

import duckdb
import jellyfish
import numpy as np
import pandas as pd
import pyarrow as pa

from helpers.frames import object_frame
from helpers.standardise.distinct import known_good, map_distinct, not_known_bad
from helpers.standardise.emails import _is_placeholder, placeholders
from helpers.text import ascii_words

# Matching column → what it holds. The order is the order of the table.
FEATURES: dict[str, str] = {
    "first_name_key": "given name, lower-case without accents",
    "first_name_canonical": "given name through the nickname table (Pepe → jose, Rob → robert)",
    "first_name_token": "first word of the given name (María Carmen → maria)",
    "last_name_key": "surname(s), lower-case without accents",
    "name_words": "every word of given name and surname, sorted (to spot names split across the wrong fields)",
    "surname_1_key": "first surname (Spanish/Portuguese double surnames split)",
    "surname_sound": "Soundex code of the first surname (Stonehewer, Stinehewer → S356)",
    "uncommon_surname_sound": "the surname's Soundex code when at most UNCOMMON_SURNAME records carry that surname (for blocking)",
    "lone_name": "the only name of a record without a surname, as written in the given-name field",
    "lone_name_sound": "Soundex code of the lone name",
    "surname_2_key": "second surname, when there is one",
    "date_of_birth": "date of birth, ISO text (any real past date, even an implausibly old one)",
    "birth_day_month": "month and day of birth (MM-DD): what a mistyped year leaves intact (for blocking)",
    "gender": "M or F",
    "email_key": "personal email (valid, or at a placeholder domain with a real user name), dots and +tags removed where the provider ignores them",
    "email_user": "the email's user name (before the @), to see the same user at another or misspelt domain",
    "phone": "valid phone number, E.164",
    "national_id": "checksum-valid national id",
    "address_key": "country|postcode|street|number|unit",
    "building_key": "the address without the flat",
    "postcode": "valid postcode, formatted per country (a US ZIP+4 as its ZIP)",
    "city": "city, lower-case without accents",
    "job_title": "job title or occupation, lower-case",
    "company": "employer or company name, lower-case without accents (B2B contacts)",
    "country": "ISO country code; not compared — it scopes how common a place is (frequency_within)",
}

# A column must be filled on at least this share of records to be worth comparing.
MIN_FILL = 0.01

# A surname carried by at most this many records is "uncommon": its Soundex code is a blocking
# key of its own (uncommon_surname_sound). A common surname's code would be a block of many
# thousands of pairs (García, Smith) — and its records are already paired by the exact-name rules.
UNCOMMON_SURNAME = 50


def _text_key(values: pd.Series) -> pd.Series:
    """Lower-case, accent-free, single-spaced text, computed once per distinct value."""
    distinct = pd.Series(values.dropna().unique())
    keys = (
        distinct.astype(str).map(ascii_words).str.replace(r"[^a-z0-9]+", " ", regex=True).str.strip().replace("", None)
    )
    return values.map(pd.Series(keys.to_numpy(), index=distinct.to_numpy()))


def _postcode(clean: pd.DataFrame) -> pd.Series:
    """Valid postcodes, a US ZIP+4 cut to its ZIP.

    Why: one source writes '10160-4378', another '10160' for the same door; compared whole
    they disagree, so the pair loses the postcode's evidence (and its blocking rules). The
    ZIP is the part every writer gives. Other countries keep their full postcode: a
    Portuguese 4-digit prefix or a British outward code is a whole district, too coarse.
    """
    # A plausible postcode of a country without rules (valid null) is still a postcode.
    postcode = clean["postcode_std"].where(not_known_bad(clean["postcode_valid"]))
    us = clean["country_std"].eq("US") if "country_std" in clean else pd.Series(True, index=clean.index)
    zip5 = postcode.str.extract(r"^(\d{5})-\d{4}$", expand=False)
    return zip5.where(us & zip5.notna(), postcode)


def _soundex(values: pd.Series) -> pd.Series:
    """Soundex code of each name (spaces dropped), computed once per distinct value.

    Why Soundex: it keeps the first letter and folds vowels and similar consonants, so the
    commonest garbling of a name — a wrong vowel, a doubled or dropped letter — keeps its code.
    It is only used to choose which pairs to compare (blocking), never as evidence.
    """
    return map_distinct(
        values,
        lambda names: names.str.replace(r"[^a-z]", "", regex=True).map(
            lambda w: jellyfish.soundex(w) if isinstance(w, str) and w else None
        ),
    )


def _name_words(first_name_key: pd.Series, last_name_key: pd.Series) -> np.ndarray:
    """Sorted distinct words of given name + surname, as a list (None when there is no name).

    Computed by DuckDB's list functions: vectorised, no Python per record.
    """
    names = pd.DataFrame({"first_name_key": first_name_key.to_numpy(), "last_name_key": last_name_key.to_numpy()})  # noqa: F841
    relation = duckdb.sql(
        """select case when len(w) = 0 then null else w end as words from (
             select list_sort(list_distinct(list_filter(
                      string_split(coalesce(first_name_key, '') || ' ' || coalesce(last_name_key, ''), ' '),
                      lambda x: x <> ''))) as w
             from names)"""
    )
    assert relation is not None, "a select statement always gives a relation"
    words = relation.df()["words"]
    return _nullable(words)


# The clean-record columns stage 03 reads (of ~90): a million records load in a third of the time.
CLEAN_COLUMNS = [
    "record_key",
    "source",
    "source_record_id",
    "first_name_key",
    "first_name_canonical",
    "last_name_key",
    "surname_1_key",
    "surname_2_key",
    "date_of_birth_std",
    "date_of_birth_issue",
    "gender_std",
    "email_key",
    "email_valid",
    "email_role",
    "email_std",
    "email_issue",
    "phone_std",
    "phone_valid",
    "national_id_std",
    "national_id_valid",
    "address_key",
    "building_key",
    "postcode_std",
    "postcode_valid",
    "country_std",
    "city_std",
    "job_title",
    "company",
]


def _nullable(values: pd.Series | np.ndarray) -> np.ndarray:
    """An object array with None for every missing value (what Splink reads as "no evidence")."""
    out = np.asarray(values, dtype=object).copy()
    out[pd.isna(out)] = None
    return out


def _first_word(values: pd.Series) -> pd.Series:
    """First word of each value, split once per distinct value."""
    return map_distinct(values, lambda names: names.str.split(" ", n=1).str[0])


def _email_identity(clean: pd.DataFrame) -> pd.Series:
    """The email as evidence of identity: stage 02's key of a valid personal address, or the
    address itself when only its domain is a placeholder.

    Stage 02 judges an address for *contacting*: user@example.com never receives mail, so it is
    invalid. For *matching* the question is whether it names one person. A placeholder local
    part (noemail@, test@, xxx@) names nobody, and a role mailbox (info@) names an office: both
    stay out. But a reserved domain (example.com, example.it) with a real user name
    (maria.rossi1957@example.com) is what test systems, anonymised exports and forms that
    reject free-mail domains leave behind: the user name still belongs to one person, and a
    shared user name between two records is as strong as a shared address. Term-frequency
    adjustment and u counted from value counts weigh any such address that many records share.
    """
    valid = clean["email_valid"].fillna(False).astype(bool) & ~clean["email_role"].fillna(False).astype(bool)
    key = clean["email_key"].where(valid)
    if "email_issue" not in clean.columns or "email_std" not in clean.columns:
        return key
    candidate = clean["email_issue"].eq("placeholder") & ~clean["email_role"].fillna(False).astype(bool)
    if not candidate.any():
        return key
    return key.where(~candidate, map_distinct(clean["email_std"].where(candidate), _user_at_placeholder_domain))


def _user_at_placeholder_domain(addresses: pd.Series) -> pd.Series:
    """`user@domain` (without a +tag) for addresses whose domain is a placeholder and whose user
    name is not; None otherwise. Stage 02's own placeholder judgement, applied to the user name alone."""
    parts = addresses.str.rsplit("@", n=1, expand=True).reindex(columns=[0, 1])
    user = parts[0].str.split("+", n=1).str[0]
    domain = parts[1]
    _, placeholder_domains = placeholders()
    label = domain.str.split(".", n=1).str[0]
    user_is_placeholder = _is_placeholder(
        pa.array(user.to_numpy(dtype=object), pa.string()),
        pa.array(label.to_numpy(dtype=object), pa.string()),
        np.zeros(len(user), dtype=bool),
    )
    keep = (
        domain.isin(placeholder_domains).to_numpy()
        & ~user_is_placeholder
        & user.notna().to_numpy()
        & (user.str.len() > 0).to_numpy()
    )
    return (user + "@" + domain).where(keep)


def matching_table(clean: pd.DataFrame) -> pd.DataFrame:
    """Clean records → the table Splink sees (`unique_id` is the record key).

    Built as one dict of arrays and one frame at the end: assigning a million-row column at a
    time makes pandas copy and consolidate the growing frame again and again.
    """
    # A birth date too old to be a customer's (1630, or a 1900 placeholder) is still evidence of
    # identity; term-frequency adjustment takes care of placeholders. A future one is a typo.
    dob = clean["date_of_birth_std"].where(clean["date_of_birth_issue"].ne("future"))
    first_name_key = clean["first_name_key"]
    last_name_key = clean["last_name_key"]
    # A record with a given-name field and no surname holds one name that may be either (in
    # historical and hand-typed data often the surname, in the wrong field): kept apart so it
    # can be compared with the other record's surname as well (model: lone_name).
    lone_name = first_name_key.where(last_name_key.isna())
    surname_sound = _soundex(clean["surname_1_key"])
    carriers = clean["surname_1_key"].map(clean["surname_1_key"].value_counts())
    email_key = _email_identity(clean)
    iso_dob = _iso_dates(dob)
    columns = {
        "first_name_key": first_name_key,
        "first_name_canonical": clean["first_name_canonical"],
        "first_name_token": _first_word(first_name_key),
        "last_name_key": last_name_key,
        "surname_1_key": clean["surname_1_key"],
        "surname_sound": surname_sound,
        "uncommon_surname_sound": surname_sound.where(carriers <= UNCOMMON_SURNAME),
        "lone_name": lone_name,
        "lone_name_sound": _soundex(lone_name),
        "surname_2_key": clean["surname_2_key"],
        "date_of_birth": iso_dob,
        "birth_day_month": map_distinct(pd.Series(iso_dob, index=clean.index), lambda days: days.str.slice(5, 10)),
        "gender": clean["gender_std"].where(clean["gender_std"].isin(["M", "F"])),
        "email_key": email_key,
        "email_user": map_distinct(email_key, lambda keys: keys.str.rsplit("@", n=1).str[0]),
        "phone": clean["phone_std"].where(known_good(clean["phone_valid"])),
        # An identity number no checksum rule knows (valid null) is still an identifier.
        "national_id": clean["national_id_std"].where(not_known_bad(clean["national_id_valid"])),
        "address_key": clean["address_key"],
        "building_key": clean["building_key"],
        "postcode": _postcode(clean),
        "city": _text_key(clean["city_std"]),
        "job_title": _text_key(clean["job_title"]),
        "company": _text_key(clean["company"])
        if "company" in clean
        else pd.Series(None, index=clean.index, dtype=object),
        "country": clean["country_std"] if "country_std" in clean else pd.Series(None, index=clean.index, dtype=object),
    }
    data = {"unique_id": clean["record_key"].to_numpy(), "source": clean["source"].to_numpy()}
    for col in FEATURES:
        data[col] = _name_words(first_name_key, last_name_key) if col == "name_words" else _nullable(columns[col])
    return object_frame(data)


def _iso_dates(dates: pd.Series) -> np.ndarray:
    """Dates as ISO text (None when missing), for any year 1–9999.

    Why numpy and not pandas: stage 02 keeps dates at day or millisecond precision because real
    files hold years pandas' nanosecond timestamps cannot (1630 in historical data, 1063 as a
    typo); a day-precision numpy date formats them all, vectorised.
    """
    values = dates.to_numpy()
    if values.dtype.kind != "M":  # python dates or text: one conversion per distinct value
        return _nullable(map_distinct(dates, lambda days: days.map(lambda d: str(d)[:10] if pd.notna(d) else None)))
    days = values.astype("datetime64[D]")
    out = np.datetime_as_string(days, unit="D").astype(object)
    out[np.isnat(days)] = None
    return out


def present_features(table: pd.DataFrame, min_fill: float = MIN_FILL) -> list[str]:
    """Matching columns filled often enough to carry evidence in this run's data."""
    if table.empty:
        return []
    fill = table[[c for c in FEATURES if c in table.columns]].notna().mean()
    return [c for c in FEATURES if c in fill.index and fill[c] >= min_fill]


def frequencies_within(table: pd.DataFrame, columns: list[str], scope: str) -> dict[str, pd.DataFrame]:
    """Term-frequency tables for `columns`, each value's share counted within its `scope` (country).

    Why: Splink weighs agreement on a value by how rare it is among all records (two records
    sharing postcode 08034 is 1 in N). But a postcode, a street or a city is only ever shared by
    people of one country, and the names two records share already make it likely they are of
    the same country (García, Rossi, Silva). Measured against everyone, a place counts the shared
    country a second time and a pair of namesakes in one postcode looks like one person. Measured
    among the records of its own country, agreement on a place says only what it adds.

    A value's frequency is its count over the records (with that column filled) of the countries
    it occurs in; records without a country count for the value, and a value seen only without
    a country is measured against all records — Splink's own definition. Returns, per column, a
    table `column`, `tf_column` for `register_term_frequency_lookup`. Vectorised: two group-bys.
    """
    out: dict[str, pd.DataFrame] = {}
    for col in columns:
        values = table[[col, scope]].dropna(subset=[col])
        if values.empty:
            continue
        country = values[scope].astype(object).where(values[scope].notna(), "")
        filled_in = country[country != ""].value_counts()  # records with this column, per country
        counts = pd.DataFrame({"value": values[col].to_numpy(), "country": country.to_numpy()})
        per = counts.groupby(["value", "country"], sort=False).size().rename("n").reset_index()
        per["base"] = per["country"].map(filled_in).fillna(0.0)
        agg = per.groupby("value", sort=True).agg(n=("n", "sum"), base=("base", "sum"))
        agg["base"] = agg["base"].where(agg["base"] > 0, float(len(values)))
        out[col] = pd.DataFrame(
            {col: agg.index.to_numpy(), f"tf_{col}": (agg["n"] / agg["base"]).clip(upper=1.0).to_numpy()}
        )
    return out
