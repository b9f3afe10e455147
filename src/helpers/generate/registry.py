"""The source registry the generator writes next to its files (`sources.yaml`).

Each `Spec` below is the single description of one exported file: its name, path, format,
kind, when it was extracted and how its columns map onto the canonical schema. The source
modules take their column names from here, and `registry_yaml` renders the same specs as the
YAML the pipeline reads — so the registry can never drift from the files.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field

from helpers.schema import CADENCES, COLUMNS_BY_KIND, CONSTANT_ALLOWED, FORMATS

from .clock import Clock

LINEAGE_MAPPABLE = {"record_updated_at"}


@dataclass(frozen=True)
class Spec:
    name: str
    path: str
    format: str
    kind: str
    cadence: str
    extracted: tuple[int, int, int]  # (days before as-of, hour, minute), UTC
    columns: dict[str, str]
    encoding: str | None = None
    delimiter: str | None = None
    date_format: str | None = None
    id_column: str | None = None
    country: str | None = None
    links_to: dict[str, str] | None = None
    constants: dict[str, str] | None = None
    values: dict[str, dict[str, str]] | None = field(default=None)
    comment: str = ""

    def extracted_at(self, clock: Clock) -> int:
        """Extraction time in seconds since the epoch."""
        return clock.at(*self.extracted)


CRM = Spec(
    name="crm",
    path="crm_customers.csv",
    format="csv",
    kind="people",
    cadence="weekly",
    extracted=(19, 2, 0),
    encoding="cp1252",
    delimiter=";",
    date_format="%d/%m/%Y",
    id_column="CUST_NO",
    country="ES",
    comment="legacy CRM, weekly batch export, currently stale",
    columns={
        "title": "SALUTATION",
        "first_name": "FIRST_NAME",
        "last_name": "LAST_NAME",
        "gender": "GENDER",
        "date_of_birth": "DOB",
        "email": "EMAIL",
        "phone": "PHONE",
        "address_line1": "ADDRESS1",
        "address_line2": "ADDRESS2",
        "city": "TOWN",
        "region": "COUNTY",
        "postcode": "POSTCODE",
        "country": "COUNTRY",
        "national_id": "NATIONAL_ID",
        "loyalty_card": "LOYALTY_NO",
        "signup_date": "CREATED",
        "record_updated_at": "LAST_UPDATED",
        "email_opt_in": "OPT_IN_EMAIL",
        "mail_opt_in": "OPT_IN_POST",
        "phone_opt_in": "OPT_IN_PHONE",
    },
)
CRM_HEADER = [
    "CUST_NO",
    "SALUTATION",
    "FIRST_NAME",
    "LAST_NAME",
    "GENDER",
    "DOB",
    "EMAIL",
    "PHONE",
    "ADDRESS1",
    "ADDRESS2",
    "TOWN",
    "COUNTY",
    "POSTCODE",
    "COUNTRY",
    "NATIONAL_ID",
    "LOYALTY_NO",
    "CREATED",
    "LAST_UPDATED",
    "OPT_IN_EMAIL",
    "OPT_IN_POST",
    "OPT_IN_PHONE",
]

ECOMMERCE = Spec(
    name="ecommerce",
    path="ecommerce_customers.jsonl",
    format="jsonl",
    kind="people",
    cadence="hourly",
    extracted=(0, 23, 20),
    id_column="customer_id",
    comment="online shop customer accounts",
    columns={
        "first_name": "first_name",
        "last_name": "last_name",
        "email": "email",
        "phone": "phone",
        "date_of_birth": "birth_date",
        "gender": "gender",
        "address_line1": "address.line1",
        "address_line2": "address.line2",
        "city": "address.city",
        "region": "address.state",
        "postcode": "address.zip",
        "country": "address.country_code",
        "national_id": "tax_id",
        "signup_date": "created_at",
        "record_updated_at": "updated_at",
        "email_opt_in": "accepts_marketing",
        "phone_opt_in": "sms_marketing",
    },
)
ECOMMERCE_ORDERS = Spec(
    name="ecommerce_orders",
    path="ecommerce_orders.jsonl",
    format="jsonl",
    kind="transactions",
    cadence="hourly",
    extracted=(0, 23, 20),
    links_to={"source": "ecommerce"},
    constants={"channel": "online"},
    comment="online orders; customer_id refers to ecommerce accounts, null for guest checkouts",
    columns={
        "transaction_id": "order_id",
        "customer_ref": "customer_id",
        "transaction_at": "created_at",
        "amount": "total",
        "currency": "currency",
        "product_category": "category",
        "promotion": "discount_code",
    },
)
POS = Spec(
    name="pos",
    path="pos_transactions.csv",
    format="csv",
    kind="transactions",
    cadence="daily",
    extracted=(0, 3, 15),
    links_to={"field": "loyalty_card"},
    constants={"channel": "store"},
    comment="till receipts; loyalty_card empty for anonymous sales",
    columns={
        "transaction_id": "receipt_no",
        "customer_ref": "loyalty_card",
        "transaction_at": "sold_at",
        "amount": "amount",
        "currency": "currency",
        "product_category": "category",
        "promotion": "promo",
    },
)
WEB = Spec(
    name="web_signups",
    path="web_signups.csv",
    format="csv",
    kind="people",
    cadence="hourly",
    extracted=(0, 23, 5),
    date_format="%Y-%m-%d",
    id_column="signup_id",
    comment="website sign-up form",
    columns={
        "signup_date": "signed_up_at",
        "record_updated_at": "signed_up_at",
        "email": "email",
        "first_name": "first_name",
        "last_name": "last_name",
        "date_of_birth": "birth_date",
        "country": "country",
        "postcode": "postcode",
        "referral_source": "referral_source",
        "device": "device",
        "interests": "interests",
        "email_opt_in": "newsletter",
    },
)
WEB_HEADER = [
    "signup_id",
    "signed_up_at",
    "email",
    "first_name",
    "last_name",
    "birth_date",
    "country",
    "postcode",
    "referral_source",
    "device",
    "interests",
    "newsletter",
]

CALLCENTRE = Spec(
    name="callcentre",
    path="callcentre_cases.csv",
    format="csv",
    kind="people",
    cadence="daily",
    extracted=(0, 6, 0),
    date_format="%m/%d/%Y %H:%M",
    id_column="case_id",
    comment="outsourced call centre (US vendor, month-first dates); one people record per case",
    columns={
        "full_name": "caller_name",
        "phone": "phone",
        "email": "email",
        "postcode": "postcode",
        "country": "hotline",
        "record_updated_at": "opened_at",
    },
)
CALLCENTRE_CASES = Spec(
    name="callcentre_cases",
    path="callcentre_cases.csv",
    format="csv",
    kind="interactions",
    cadence="daily",
    extracted=(0, 6, 0),
    date_format="%m/%d/%Y %H:%M",
    links_to={"source": "callcentre"},
    constants={"channel": "phone"},
    comment="the same file as interactions",
    columns={
        "interaction_id": "case_id",
        "customer_ref": "case_id",
        "interaction_at": "opened_at",
        "interaction_type": "case_type",
        "category": "category",
        "status": "status",
    },
)
CALLCENTRE_HEADER = [
    "case_id",
    "opened_at",
    "caller_name",
    "phone",
    "email",
    "postcode",
    "hotline",
    "case_type",
    "category",
    "status",
]

MARKETING = Spec(
    name="marketing_leads",
    path="marketing_leads.xlsx",
    format="xlsx",
    kind="people",
    cadence="monthly",
    extracted=(12, 9, 30),
    date_format="%d/%m/%Y",
    id_column="Lead #",
    comment="leads typed in by hand at events (sheet 'Leads')",
    columns={
        "full_name": "Name",
        "email": "E-mail",
        "phone": "Tel",
        "city": "City",
        "country": "Country",
        "date_of_birth": "Birthday",
        "referral_source": "Event",
    },
)
MARKETING_HEADER = ["Lead #", "Name", "E-mail", "Tel", "City", "Country", "Birthday", "Event", "Notes"]

UNSUBSCRIBES = Spec(
    name="email_unsubscribes",
    path="email_unsubscribes.csv",
    format="csv",
    kind="suppressions",
    cadence="daily",
    extracted=(0, 4, 0),
    constants={"channel": "email", "reason": "unsubscribe"},
    comment="email service provider unsubscribes",
    columns={"email": "email", "event_at": "unsubscribed_at"},
)
BOUNCES = Spec(
    name="email_bounces",
    path="email_bounces.csv",
    format="csv",
    kind="suppressions",
    cadence="daily",
    extracted=(0, 4, 0),
    constants={"channel": "email"},
    values={"reason": {"Hard": "hard_bounce", "Soft": "soft_bounce"}},
    comment="email service provider bounces",
    columns={"email": "email", "reason": "bounce_type", "event_at": "bounced_at"},
)
DO_NOT_CALL = Spec(
    name="do_not_call",
    path="do_not_call.csv",
    format="csv",
    kind="suppressions",
    cadence="monthly",
    extracted=(14, 0, 0),
    constants={"channel": "phone", "reason": "do_not_call"},
    comment="national do-not-call registers, merged",
    columns={"phone": "phone", "event_at": "registered_on"},
)
MAIL_PREFERENCE = Spec(
    name="mail_preference",
    path="mail_preference.csv",
    format="csv",
    kind="suppressions",
    cadence="monthly",
    extracted=(9, 0, 0),
    constants={"channel": "mail", "reason": "mail_preference"},
    comment="mail preference service (no addressed advertising mail)",
    columns={
        "first_name": "first_name",
        "last_name": "surname",
        "address_line1": "address",
        "postcode": "postcode",
        "city": "town",
        "country": "country",
        "event_at": "registered_on",
    },
)
ADDRESS_CHANGES = Spec(
    name="address_changes",
    path="address_changes.csv",
    format="csv",
    kind="address_changes",
    cadence="monthly",
    extracted=(6, 0, 0),
    comment="change-of-address (forwarding) file",
    columns={
        "first_name": "first_name",
        "last_name": "last_name",
        "old_address_line1": "old_address",
        "old_postcode": "old_postcode",
        "old_city": "old_city",
        "old_country": "old_country",
        "new_address_line1": "new_address",
        "new_address_line2": "new_address2",
        "new_city": "new_city",
        "new_region": "new_region",
        "new_postcode": "new_postcode",
        "new_country": "new_country",
        "effective_date": "effective_date",
    },
)

SPECS: tuple[Spec, ...] = (
    CRM,
    ECOMMERCE,
    ECOMMERCE_ORDERS,
    POS,
    WEB,
    CALLCENTRE,
    CALLCENTRE_CASES,
    MARKETING,
    UNSUBSCRIBES,
    BOUNCES,
    DO_NOT_CALL,
    MAIL_PREFERENCE,
    ADDRESS_CHANGES,
)
PEOPLE_SOURCES: tuple[str, ...] = tuple(s.name for s in SPECS if s.kind == "people")


def validate(specs: tuple[Spec, ...] = SPECS) -> None:
    """Fail loudly if a spec strays from the canonical schema (cheap; runs on every render)."""
    names = [s.name for s in specs]
    if len(set(names)) != len(names):
        raise ValueError("duplicate source names")
    for s in specs:
        if s.format not in FORMATS or s.cadence not in CADENCES or s.kind not in COLUMNS_BY_KIND:
            raise ValueError(f"{s.name}: bad format/cadence/kind")
        allowed = set(COLUMNS_BY_KIND[s.kind]) | LINEAGE_MAPPABLE
        bad = set(s.columns) - allowed
        if bad:
            raise ValueError(f"{s.name}: non-canonical columns {sorted(bad)}")
        if s.constants and set(s.constants) - CONSTANT_ALLOWED.get(s.kind, set()):
            raise ValueError(f"{s.name}: constants not allowed {s.constants}")
        if s.links_to and s.links_to.get("source") and s.links_to["source"] not in names:
            raise ValueError(f"{s.name}: links_to unknown source")


_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")
_YAML_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null", "~"}


def _q(value: str) -> str:
    """A YAML scalar: bare when unambiguous, else JSON-quoted (JSON strings are valid YAML)."""
    if _PLAIN.match(value) and value.lower() not in _YAML_WORDS:
        return value
    return json.dumps(value, ensure_ascii=False)


def _flow(mapping: dict) -> str:
    items = []
    for k, v in mapping.items():
        items.append(f"{_q(k)}: {_flow(v) if isinstance(v, dict) else _q(v)}")
    return "{" + ", ".join(items) + "}"


HEADER = """\
# Clientela source registry — generated by `clientela generate` for the synthetic demo data.
#
# One entry per exported file (a file may be registered twice under different kinds, e.g. the
# call-centre cases are both people records and interactions). Keys:
#   name          unique snake_case source name; appears as `source` in every canonical table
#   path          file path relative to this registry
#   format        csv | jsonl | xlsx | parquet;  encoding (default utf-8) and delimiter (csv, default ",")
#   date_format   the source's own date order, strftime style (ISO timestamps parse regardless)
#   kind          people | transactions | interactions | suppressions | address_changes
#   id_column     the column holding the source's record id
#   extracted_at  when the source system exported the file (ISO-8601, UTC); cadence is how often
#   country       default ISO country for records that carry none
#   columns       canonical column -> the source's column (dotted path inside nested JSON)
#   links_to      what customer_ref points at: {source: <people source>} ids, or {field: <people column>}
#   constants     canonical column -> a value fixed for the whole file
#   values        canonical column -> {raw value: canonical value}
"""


def registry_yaml(as_of: dt.date, path_prefix: str = "") -> str:
    """The sources.yaml text for files generated for the given as-of date."""
    validate()
    clock = Clock(as_of)
    out = [HEADER, "sources:"]
    for s in SPECS:
        out.append(f"  - name: {_q(s.name)}" + (f"  # {s.comment}" if s.comment else ""))
        out.append(f"    path: {_q(path_prefix + s.path)}")
        out.append(f"    format: {s.format}")
        if s.encoding:
            out.append(f"    encoding: {_q(s.encoding)}")
        if s.delimiter:
            out.append(f"    delimiter: {json.dumps(s.delimiter)}")
        if s.date_format:
            out.append(f"    date_format: {json.dumps(s.date_format)}")
        out.append(f"    kind: {s.kind}")
        if s.id_column:
            out.append(f"    id_column: {_q(s.id_column)}")
        out.append(f"    extracted_at: {json.dumps(clock.iso(s.extracted_at(clock)))}")
        out.append(f"    cadence: {s.cadence}")
        if s.country:
            out.append(f"    country: {_q(s.country)}")
        if s.links_to:
            out.append(f"    links_to: {_flow(s.links_to)}")
        if s.constants:
            out.append(f"    constants: {_flow(s.constants)}")
        if s.values:
            out.append(f"    values: {_flow(s.values)}")
        out.append("    columns:")
        for canon, col in s.columns.items():
            out.append(f"      {canon}: {_q(col)}")
    return "\n".join(out) + "\n"
