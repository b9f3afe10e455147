"""The canonical schema: the contract between the registry, the stages and every table they write.

ARCHITECTURE.md is the prose version of this module. A source's columns are mapped onto these
names in the registry; a canonical column a source lacks is present and null, so every stage can
rely on the full set being there.
"""

from __future__ import annotations

# Lineage columns are added by ingest to every table and never dropped.
LINEAGE = ["source", "source_record_id", "source_row_number", "extracted_at", "record_updated_at"]

PEOPLE = [
    # person
    "title",
    "first_name",
    "middle_name",
    "last_name",
    "full_name",
    "gender",
    "date_of_birth",
    # contact
    "email",
    "phone",
    "address_line1",
    "address_line2",
    "city",
    "region",
    "postcode",
    "country",
    # identifiers
    "national_id",
    "loyalty_card",
    # work
    "company",
    "job_title",
    # marketing
    "signup_date",
    "interests",
    "referral_source",
    "device",
    "email_opt_in",
    "phone_opt_in",
    "mail_opt_in",
]

TRANSACTIONS = [
    "transaction_id",
    "customer_ref",
    "transaction_at",
    "amount",
    "currency",
    "product_category",
    "channel",
    "promotion",
]

INTERACTIONS = [
    "interaction_id",
    "customer_ref",
    "interaction_at",
    "interaction_type",
    "category",
    "channel",
    "status",
]

SUPPRESSIONS = [
    "channel",
    "email",
    "phone",
    "first_name",
    "last_name",
    "full_name",
    "address_line1",
    "postcode",
    "city",
    "country",
    "reason",
    "event_at",
]

ADDRESS_CHANGES = [
    "first_name",
    "last_name",
    "full_name",
    "old_address_line1",
    "old_address_line2",
    "old_city",
    "old_postcode",
    "old_country",
    "new_address_line1",
    "new_address_line2",
    "new_city",
    "new_region",
    "new_postcode",
    "new_country",
    "effective_date",
]

COLUMNS_BY_KIND: dict[str, list[str]] = {
    "people": PEOPLE,
    "transactions": TRANSACTIONS,
    "interactions": INTERACTIONS,
    "suppressions": SUPPRESSIONS,
    "address_changes": ADDRESS_CHANGES,
}

# Columns a registry may fix for a whole file instead of mapping a column (`channel: email`).
CONSTANT_ALLOWED: dict[str, set[str]] = {
    "suppressions": {"channel", "reason"},
    "transactions": {"currency", "channel"},
    "interactions": {"interaction_type", "channel"},
    "people": {"country"},
}

SUPPRESSION_CHANNELS = {"email", "phone", "sms", "mail", "all"}
SUPPRESSION_REASONS = {
    "unsubscribe",
    "hard_bounce",
    "soft_bounce",
    "do_not_call",
    "mail_preference",
    "deceased",
    "erasure",
    "complaint",
}

FORMATS = {"csv", "jsonl", "xlsx", "parquet"}
CADENCES = {"hourly": 1 / 24, "daily": 1.0, "weekly": 7.0, "monthly": 31.0, "quarterly": 92.0}

QUARANTINE_COLUMNS = ["source", "source_record_id", "source_row_number", "stage", "reason", "raw"]


def columns_for(kind: str) -> list[str]:
    """All columns of a canonical table of this kind, lineage first."""
    return LINEAGE + COLUMNS_BY_KIND[kind]
