"""Stage 06 in one call, for the notebook and the benchmark: the same steps in the same order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from helpers.contact.decide import contactability
from helpers.contact.rules import ContactRules
from helpers.contact.suppressions import (
    StandardisedSuppressions,
    bounced_addresses,
    match_suppressions,
    standardise_suppressions,
    suppression_counts,
)

# The clean-record columns stage 06 reads (a narrow copy instead of the 90-column table).
RECORD_COLUMNS = [
    "record_key",
    "source",
    "extracted_at",
    "record_updated_at_std",
    "record_updated_at_valid",
    "signup_date_std",
    "signup_date_valid",
    "country_std",
    "first_name_key",
    "first_name_canonical",
    "surname_1_key",
    "surname_2_key",
    "email_std",
    "email_valid",
    "email_key",
    "phone_std",
    "phone_valid",
    "phone_type",
    "address_line1",
    "address_key",
    "building_key",
    "address_valid",
    "email_opt_in_std",
    "phone_opt_in_std",
    "mail_opt_in_std",
]


@dataclass
class ContactabilityResult:
    table: pd.DataFrame  # person × channel: contactable, reason, contact, decided_at, evidence_source
    matches: pd.DataFrame  # suppression row → person_id, matched_on
    status: pd.Series  # per suppression row: matched / not_a_customer / no_identifier
    counts: pd.DataFrame  # per source and reason: rows, matched, not_a_customer, no_identifier, persons
    bounced: pd.DataFrame  # email keys never to write to
    suppressions: StandardisedSuppressions


def person_records(clean: pd.DataFrame, links: pd.DataFrame) -> pd.DataFrame:
    """The clean records stage 06 needs, each with its person_id (from stage 03's links)."""
    cols = [c for c in RECORD_COLUMNS if c in clean.columns]
    person = links.set_index("record_key")["person_id"].reindex(clean["record_key"]).to_numpy()
    return clean[cols].assign(person_id=person)


def run_contactability(
    golden: pd.DataFrame,
    records: pd.DataFrame,
    suppressions: pd.DataFrame,
    source_summary: pd.DataFrame,
    rules: ContactRules,
    reference_date: date,
) -> ContactabilityResult:
    """Standardise and match the suppressions, then decide every person × channel."""
    countries = sorted(records["country_std"].dropna().unique()) if "country_std" in records.columns else []
    std = standardise_suppressions(suppressions, source_summary, reference_date, rules, countries)
    matches, status = match_suppressions(std, records)
    bounced = bounced_addresses(std, rules.soft_bounce_limit)
    table = contactability(golden, records, matches, bounced, rules)
    return ContactabilityResult(table, matches, status, suppression_counts(std, matches, status), bounced, std)
