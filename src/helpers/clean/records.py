"""Stage 02 as one function: raw people records in, clean records and quarantine out.

The order matters only where one standardiser feeds another: the country comes first because
phones, postcodes, national ids and name conventions depend on it. Every standardised value is
a new column (`<field>_std`, `<field>_valid`, …) beside the raw one, which is kept as given.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from helpers.background import in_background
from helpers.ingest import date_format_per_row
from helpers.schema import PEOPLE, QUARANTINE_COLUMNS
from helpers.standardise.addresses import standardise_addresses
from helpers.standardise.countries import standardise_countries
from helpers.standardise.dates import age_at, age_band, standardise_dates
from helpers.standardise.emails import standardise_emails
from helpers.standardise.flags import standardise_flag
from helpers.standardise.gender import m_means_by_group, standardise_gender
from helpers.standardise.names import standardise_names
from helpers.standardise.national_ids import standardise_national_ids
from helpers.standardise.phones import standardise_phones
from helpers.standardise.postcodes import standardise_postcodes

STAGE = "02_clean_standardise"
NAME_COLUMNS = ["title", "first_name", "middle_name", "last_name", "full_name"]


@dataclass
class CleanResult:
    clean: pd.DataFrame
    quarantine: pd.DataFrame
    reconciliation: pd.DataFrame  # per source: in, clean, quarantined, balanced


PEOPLE_DATES = ("date_of_birth", "signup_date", "record_updated_at")


def source_context(raw: pd.DataFrame, source_summary: pd.DataFrame) -> pd.DataFrame:
    """Per-row registry facts: the source's default country, and the date format of each date
    column (`date_format:<column>`: the column's own `date_formats` entry, else the source's)."""
    facts = source_summary.set_index("source")[["default_country", "date_format"]]
    ctx = facts.reindex(raw["source"].to_numpy()).set_axis(raw.index)
    for column in PEOPLE_DATES:
        ctx[f"date_format:{column}"] = date_format_per_row(source_summary, raw["source"], column)
    return ctx


def _dates(values: pd.Series, formats: pd.Series, reference_date: date, kind: str, field: str) -> pd.DataFrame:
    out = standardise_dates(values, formats, reference_date, kind=kind)
    return out.rename(columns={c: c.replace("date", field, 1) for c in out.columns})


def _names_dates_emails(
    raw: pd.DataFrame, ctx: pd.DataFrame, iso: pd.Series, reference_date: date
) -> tuple[pd.DataFrame, ...]:
    """The standardisers that need only the raw values, the country and the source's date format."""
    names = standardise_names(raw[NAME_COLUMNS], iso)
    dob = _dates(raw["date_of_birth"], ctx["date_format:date_of_birth"], reference_date, "birth", "date_of_birth")
    signup = _dates(raw["signup_date"], ctx["date_format:signup_date"], reference_date, "event", "signup_date")
    updated = _dates(
        raw["record_updated_at"], ctx["date_format:record_updated_at"], reference_date, "event", "record_updated_at"
    )
    return names, dob, signup, updated, standardise_emails(raw["email"])


def standardise_people(raw: pd.DataFrame, source_summary: pd.DataFrame, reference_date: date) -> pd.DataFrame:
    """All standardised columns for the raw people records (same index, raw columns kept).

    Names, dates and emails (half the work) are standardised on the second core while this
    process does phones, postcodes, addresses and ids (`helpers.background`; a million records:
    34 s → 20 s). Only their result columns travel back.
    """
    ctx = source_context(raw, source_summary)
    country = standardise_countries(raw["country"], default=ctx["default_country"])
    iso = country["country_std"]
    side = in_background(_names_dates_emails, raw, ctx, iso, reference_date)
    phones = standardise_phones(raw["phone"], iso)
    postcodes = standardise_postcodes(raw["postcode"], iso)
    address_in = pd.concat(
        [raw[["address_line1", "address_line2", "city", "region"]], postcodes[["postcode_std", "postcode_valid"]], iso],
        axis=1,
    )
    addresses = standardise_addresses(address_in)
    national = standardise_national_ids(raw["national_id"], iso)
    flags = pd.DataFrame(
        {f"{c}_std": standardise_flag(raw[c]) for c in ("email_opt_in", "phone_opt_in", "mail_opt_in")}
    )
    gender = standardise_gender(raw["gender"], m_means_by_group(raw["gender"], raw["source"] + "|" + iso.fillna("")))
    names, dob, signup, updated, emails = side.result()
    age = age_at(dob["date_of_birth_std"].where(dob["date_of_birth_valid"]), reference_date)
    extras = pd.DataFrame({"gender_std": gender, "age": age, "age_band": age_band(age)})
    return pd.concat(
        [raw, country, names, extras, dob, signup, updated, emails, phones, postcodes, addresses, national, flags],
        axis=1,
    )


def has_name(std: pd.DataFrame) -> pd.Series:
    return std["first_name_std"].notna() | std["last_name_std"].notna()


def has_contact(std: pd.DataFrame) -> pd.Series:
    """A contact that can identify someone: a valid email or phone (known good: a phone whose
    validity is unknown has no country, so no E.164 either), or a parsed address line."""
    return (
        std["email_valid"].fillna(False).astype(bool)
        | std["phone_valid"].fillna(False).astype(bool)
        | std["address_line1_std"].notna()
    )


def clean_people(raw: pd.DataFrame, source_summary: pd.DataFrame, reference_date: date) -> CleanResult:
    """Standardise, set aside exact duplicates and records without identity, and reconcile."""
    std = standardise_people(raw.reset_index(drop=True), source_summary, reference_date)

    duplicate, first_row = exact_duplicates(raw.reset_index(drop=True))
    no_identity = (~has_name(std) & ~has_contact(std)).to_numpy() & ~duplicate
    reasons = np.full(len(std), None, dtype=object)
    if duplicate.any():
        reasons[duplicate] = (
            "exact duplicate of record at row " + pd.Series(first_row[duplicate]).astype(str).to_numpy()
        )
    reasons[no_identity] = "no usable identity: no name and no valid email, phone or address"
    set_aside = duplicate | no_identity

    # Select rows only when some are set aside, and renumber without reset_index, which
    # deep-copies (and re-merges) the whole 90-column frame once more.
    clean = std.take(np.flatnonzero(~set_aside)) if set_aside.any() else std
    clean.index = pd.RangeIndex(len(clean))
    clean.insert(2, "record_key", _record_keys(clean))
    quarantine = pd.DataFrame(
        {
            "source": std.loc[set_aside, "source"].to_numpy(),
            "source_record_id": std.loc[set_aside, "source_record_id"].to_numpy(),
            "source_row_number": pd.array(std.loc[set_aside, "source_row_number"].to_numpy(), dtype="Int64"),
            "stage": STAGE,
            "reason": reasons[set_aside],
            "raw": _raw_text(raw.reset_index(drop=True).loc[set_aside]),
        },
        columns=QUARANTINE_COLUMNS,
    )
    return CleanResult(clean, quarantine, reconcile(raw, clean, quarantine))


def exact_duplicates(raw: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Rows repeating an earlier row of the same source with the same id and content.

    Returns the mask and, per row, the `source_row_number` of the first such row. One 64-bit
    hash per row of the source's content: comparing hashes is far cheaper than grouping by 31
    text columns, and a collision would need two different rows of one source with the same id
    to collide (odds about 1 in 10^19 per pair). Only rows whose (source, id) repeats can be
    exact duplicates, so only those few are hashed.
    """
    content = ["source", "source_record_id"] + PEOPLE
    duplicate = np.zeros(len(raw), dtype=bool)
    first_row = np.zeros(len(raw), dtype="int64")
    candidate = raw.duplicated(subset=["source", "source_record_id"], keep=False).to_numpy()
    if candidate.any():
        rows = raw.loc[candidate]
        row_hash = pd.util.hash_pandas_object(rows[content], index=False).to_numpy()
        duplicate[candidate] = pd.Series(row_hash).duplicated(keep="first").to_numpy()
        first_row[candidate] = rows["source_row_number"].groupby(row_hash).transform("first").to_numpy()
    return duplicate, first_row


def _record_keys(clean: pd.DataFrame) -> pd.Series:
    """`source:source_record_id`, unique; an id a source reused for different content gets ~row."""
    key = clean["source"].astype(str) + ":" + clean["source_record_id"].astype(str)
    clash = key.duplicated(keep=False)
    return key.where(~clash, key + "~" + clean["source_row_number"].astype(str))


def _raw_text(rows: pd.DataFrame) -> pd.Series:
    """The quarantined record as `field=value` pairs: enough to understand it, nothing invented."""
    present = rows[PEOPLE].astype("object")
    parts = [np.where(present[c].notna(), c + "=" + present[c].astype(str) + "; ", "") for c in PEOPLE]
    text = np.sum(np.vstack(parts).astype(object), axis=0) if len(rows) else np.array([], dtype=object)
    return pd.Series(text, index=rows.index, dtype="object").str.rstrip("; ").to_numpy()


def reconcile(raw: pd.DataFrame, clean: pd.DataFrame, quarantine: pd.DataFrame) -> pd.DataFrame:
    """Per source: records in = clean + quarantined. `balanced` false means rows were lost."""
    counts = (
        pd.DataFrame(
            {
                "records_in": raw.groupby("source").size(),
                "clean": clean.groupby("source").size(),
                "quarantined": quarantine.groupby("source").size(),
            }
        )
        .fillna(0)
        .astype(int)
    )
    counts["balanced"] = counts["records_in"] == counts["clean"] + counts["quarantined"]
    return counts.reset_index(names="source")


class ReconciliationError(RuntimeError):
    """Records were lost or invented between stage 01 and stage 02."""


def check_reconciliation(table: pd.DataFrame) -> None:
    bad = table[~table["balanced"]]
    if len(bad):
        detail = "; ".join(
            f"{r.source}: {r.records_in} in, {r.clean} clean + {r.quarantined} quarantined" for r in bad.itertuples()
        )
        raise ReconciliationError(f"people records do not reconcile between stages 01 and 02 — {detail}")
