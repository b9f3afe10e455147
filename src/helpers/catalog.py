"""The run catalog: every table of a run folder named once — its file, the stage that writes it,
the columns (and their kinds) its readers rely on, and whether it holds personal data.

Stages read and write through it (`ctx.read(T.clean_records)`, `ctx.write(df, T.golden_records)`),
so a table's file name exists in one place, a writer that drops a column its readers rely on fails
at its own stage naming the table and the column, and the expectation suites' column lists are
checked against it by a test (tests/test_catalog.py), as are the tables a real run writes.

`columns` are the contract, not always every column: a table whose other columns depend on the
configuration (one `<group>_source` column per survivorship group, one `interest_<name>` column
per interest, one comparison column per matching feature) lists the fixed ones and is `open`.
Kinds are coarse on purpose (`str`, `int`, `float`, `bool`, `datetime`, `list`): a column that
is null everywhere in a run is stored without a type and matches any kind.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from helpers.schema import LINEAGE, columns_for

KINDS = ("str", "int", "float", "bool", "datetime", "list")


class CatalogError(ValueError):
    """A table written without a column its readers rely on."""


@dataclass(frozen=True, eq=False)
class Table:
    """One table of a run folder (each exists once: compared and hashed by identity, so it can key
    a dict of frames to write)."""

    name: str
    stage: str  # the stage that writes it
    columns: dict[str, str]  # column -> kind, the columns its readers rely on
    personal: bool  # holds names, emails, phones or addresses (owner-only files, erased on request)
    what: str
    open: bool = False  # other columns, set by the configuration, may follow
    optional: bool = False  # a run may lack it (no source of that kind)

    @property
    def file(self) -> str:
        return f"{self.name}.parquet"

    def __str__(self) -> str:
        return self.file

    def missing_columns(self, present: list[str] | tuple[str, ...] | set[str]) -> list[str]:
        have = set(present)
        return [c for c in self.columns if c not in have]

    def check_columns(self, present: list[str], written_by: str) -> None:
        """Refuse to write this table without a column its readers rely on."""
        missing = self.missing_columns(present)
        if missing:
            raise CatalogError(
                f"{written_by}: {self.file} would be written without {', '.join(missing)}, "
                f"which later stages read (helpers/catalog.py lists its columns)"
            )

    def kind_problems(self, path: str | Path) -> list[str]:
        """Where the table saved at `path` differs from its entry: missing columns, other kinds,
        and (unless `open`) columns the catalog does not list."""
        schema = pq.read_schema(path)
        kinds = {name: arrow_kind(t) for name, t in zip(schema.names, schema.types, strict=True)}
        problems = [f"{self.file}: column {c} is missing" for c in self.missing_columns(list(kinds))]
        for column, kind in self.columns.items():
            got = kinds.get(column)
            if got is not None and got != "null" and got != kind:
                problems.append(f"{self.file}: column {column} holds {got}, the catalog says {kind}")
        if not self.open:
            problems += [f"{self.file}: column {c} is not in the catalog" for c in kinds if c not in self.columns]
        return problems


def arrow_kind(t: pa.DataType) -> str:
    """The catalog's coarse kind of an Arrow type ("null" for a column stored without a type)."""
    if pa.types.is_dictionary(t):
        return arrow_kind(t.value_type)
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return "str"
    if pa.types.is_integer(t):
        return "int"
    if pa.types.is_floating(t) or pa.types.is_decimal(t):
        return "float"
    if pa.types.is_boolean(t):
        return "bool"
    if pa.types.is_timestamp(t) or pa.types.is_date(t):
        return "datetime"
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        return "list"
    if pa.types.is_null(t):
        return "null"
    return str(t)


def _cols(spec: str) -> dict[str, str]:
    """'a b:int c:bool' -> {a: str, b: int, c: bool} (str when no kind is given)."""
    out: dict[str, str] = {}
    for item in spec.split():
        name, _, kind = item.partition(":")
        assert (kind or "str") in KINDS, f"catalog: unknown kind {kind} for {name}"
        out[name] = kind or "str"
    return out


def _canonical(kind: str) -> dict[str, str]:
    """A canonical table as stage 01 writes it: every value text as read, lineage typed."""
    typed = {"source_row_number": "int", "extracted_at": "datetime"}
    return {c: typed.get(c, "str") for c in columns_for(kind)}


_QUARANTINE = _cols("source source_record_id source_row_number:int stage reason raw")
_ID_REGISTER = "status first_run last_run merged_into"

_CLEAN_ADDED = _cols(
    "record_key country_std country_valid:bool country_from_default:bool title_std first_name_std "
    "middle_name_std last_name_std first_name_key last_name_key first_name_canonical surname_1_key "
    "surname_2_key name_source gender_std age:int age_band date_of_birth_std:datetime date_of_birth_valid:bool "
    "date_of_birth_issue signup_date_std:datetime signup_date_valid:bool signup_date_issue "
    "record_updated_at_std:datetime record_updated_at_valid:bool record_updated_at_issue email_std "
    "email_valid:bool email_issue email_domain email_corrected:bool email_correction email_role:bool "
    "email_disposable:bool email_key phone_std phone_valid:bool phone_type phone_country phone_issue "
    "postcode_std postcode_valid:bool postcode_issue address_line1_std address_line2_std street_type "
    "street_name house_number unit city_std address_key building_key address_valid:bool national_id_std "
    "national_id_valid:bool national_id_type national_id_issue email_opt_in_std:bool phone_opt_in_std:bool "
    "mail_opt_in_std:bool"
)
_GOLDEN = _cols(
    "person_id title first_name middle_name last_name date_of_birth:datetime age:int age_band gender email "
    "phone phone_type address_line1 address_line2 city region postcode country address_key building_key "
    "national_id national_id_type company job_title loyalty_card interests referral_source device "
    "email_opt_in:bool phone_opt_in:bool mail_opt_in:bool emails:list phones:list sources:list "
    "record_count:int first_seen:datetime last_updated:datetime"
)
_PAIR = _cols("unique_id_l unique_id_r match_probability:float match_weight:float")


class T:
    """Every table of a run folder, by name: `ctx.read(T.clean_records)`."""

    # -- 01 ingest and profile
    raw_records = Table(
        "raw_records", "01_ingest_profile", _canonical("people"), True, "people records as read, one row per row"
    )
    transactions = Table(
        "transactions", "01_ingest_profile", _canonical("transactions"), False, "sales rows as read", optional=True
    )
    interactions = Table(
        "interactions",
        "01_ingest_profile",
        _canonical("interactions"),
        False,
        "service contacts as read",
        optional=True,
    )
    suppressions = Table(
        "suppressions", "01_ingest_profile", _canonical("suppressions"), True, "opt-outs and suppression lists"
    )
    address_changes = Table(
        "address_changes",
        "01_ingest_profile",
        _canonical("address_changes"),
        True,
        "change-of-address requests",
        optional=True,
    )
    quarantine = Table("quarantine", "01_ingest_profile", _QUARANTINE, True, "rows that could not be read, and why")
    source_summary = Table(
        "source_summary",
        "01_ingest_profile",
        _cols(
            "source kind format file rows_read:int rows_quarantined:int rows_total:int extracted_at:datetime "
            "quarantined_share:float rows_vs_previous:float mojibake_share:float"
        ),
        False,
        "per source file: rows read, quarantined, repaired",
        open=True,
    )
    freshness = Table(
        "freshness",
        "01_ingest_profile",
        _cols("source kind extracted_at:datetime cadence age_days:float allowed_age_days:float stale:bool future:bool"),
        False,
        "how old each source's extract is",
    )
    profile = Table(
        "profile",
        "01_ingest_profile",
        _cols(
            "run_id source column rows:int filled:int fill_rate:float distinct:int top_values top_shapes "
            "distinct_shapes:int"
        ),
        True,
        "per source and column: fill, distinct values, most common values",
    )
    profile_validity = Table(
        "profile_validity",
        "01_ingest_profile",
        _cols("source field given:int invalid:int invalid_share:float unknown:int unknown_share:float"),
        False,
        "per source and field: invalid values",
    )
    # -- 02 clean and standardise
    clean_records = Table(
        "clean_records",
        "02_clean_standardise",
        {**_canonical("people"), "record_key": "str", "record_updated_at": "str", **_CLEAN_ADDED},
        True,
        "people records cleaned: the raw values kept, standard values and flags beside them",
    )
    clean_quarantine = Table(
        "clean_quarantine", "02_clean_standardise", _QUARANTINE, True, "records cleaning had to hold back"
    )
    # -- 03 match
    record_links = Table(
        "record_links",
        "03_match_customers",
        _cols(
            "record_key source source_record_id cluster_id cluster_size:int match_probability_to_cluster:float "
            "person_id"
        ),
        False,
        "each clean record's person",
    )
    match_pairs = Table(
        "match_pairs",
        "03_match_customers",
        {**_PAIR, "vetoed": "bool"},
        False,
        "scored pairs",
        open=True,
    )
    review_pairs = Table(
        "review_pairs", "03_match_customers", {**_PAIR, "reason": "str"}, True, "pairs for clerical review", open=True
    )
    person_ids = Table(
        "person_ids", "03_match_customers", _cols("person_id " + _ID_REGISTER), False, "the person id register"
    )
    person_id_changes = Table(
        "person_id_changes",
        "03_match_customers",
        _cols("run_id event person_id other_person_id records:int"),
        False,
        "person ids new, merged, split, retired",
    )
    decisions_applied = Table(
        "decisions_applied",
        "03_match_customers",
        _cols("outcome"),
        False,
        "people's review decisions and what each did to the persons",
        optional=True,
        open=True,
    )
    # -- 04 golden records
    golden_records = Table(
        "golden_records", "04_golden_records", _GOLDEN, True, "one record per person, with lineage", open=True
    )
    erasure_counts = Table(
        "erasure_counts",
        "04_golden_records",
        _cols("table removed:int anonymised:int applied_at persons:int"),
        False,
        "rows erased per table",
        optional=True,
        open=True,
    )
    # -- 05 households
    golden_customers = Table(
        "golden_customers",
        "05_households",
        {**_GOLDEN, "household_id": "str", "address_since": "datetime"},
        True,
        "golden records with their household",
        open=True,
    )
    households = Table(
        "households",
        "05_households",
        _cols(
            "household_id salutation salutation_kind address_line1 address_line2 city region postcode country "
            "address_key members:int adults:int children:int seniors:int age_unknown:int children_present:bool "
            "total_spend:float average_spend:float last_purchase_at:datetime primary_person_id"
        ),
        True,
        "one row per household",
    )
    household_members = Table(
        "household_members",
        "05_households",
        _cols("person_id household_id dwelling_key address_inferred:bool"),
        False,
        "each person's household",
    )
    address_history = Table(
        "address_history",
        "05_households",
        _cols(
            "person_id address_line1 address_line2 city region postcode country address_key building_key "
            "valid_until:datetime left_by_move"
        ),
        True,
        "addresses people moved from",
    )
    address_moves = Table(
        "address_moves",
        "05_households",
        _cols("move_key source effective_date:datetime issue status person_id"),
        False,
        "change-of-address requests and what became of them",
    )
    household_ids = Table(
        "household_ids", "05_households", _cols("household_id " + _ID_REGISTER), False, "the household id register"
    )
    household_id_changes = Table(
        "household_id_changes",
        "05_households",
        _cols("run_id event household_id other_household_id persons:int"),
        False,
        "household ids new, merged, split, retired",
    )
    # -- 06 contactability
    contactability = Table(
        "contactability",
        "06_contactability",
        _cols("person_id channel contactable:bool reason contact decided_at:datetime evidence_source"),
        True,
        "per person and channel: may we contact, and why",
    )
    suppression_matches = Table(
        "suppression_matches",
        "06_contactability",
        _cols("suppression_id source source_record_id reason channel event_at:datetime person_id matched_on"),
        False,
        "which person each suppression row matched",
    )
    # -- 07 segmentation
    segments = Table(
        "segments",
        "07_segmentation",
        _cols(
            "person_id lifecycle rfm_segment r_score:int f_score:int m_score:int frequency:int monetary:float "
            "first_purchase:datetime last_purchase:datetime recency_days:int promo_share:float complaints:int gender"
        ),
        False,
        "per person: lifecycle, RFM and profile segments",
        open=True,
    )
    transactions_linked = Table(
        "transactions_linked",
        "07_segmentation",
        _cols(
            "source source_record_id transaction_id order_key person_id link_status purchased_on:datetime "
            "amount:float currency amount_reporting:float reporting_currency product_category channel "
            "on_promotion:bool issue usable:bool"
        ),
        False,
        "sales rows with their person",
    )


TABLES: tuple[Table, ...] = tuple(v for v in vars(T).values() if isinstance(v, Table))
BY_FILE: dict[str, Table] = {t.file: t for t in TABLES}
# The tables stage 01 writes per kind of source (schema.py's kinds).
TABLE_BY_KIND: dict[str, Table] = {
    "people": T.raw_records,
    "transactions": T.transactions,
    "interactions": T.interactions,
    "suppressions": T.suppressions,
    "address_changes": T.address_changes,
}
assert set(LINEAGE) <= set(T.raw_records.columns)


def table_file(table: Table | str) -> str:
    """The file name of a catalog table, or of a name given as text (a user's own stage)."""
    return table.file if isinstance(table, Table) else table


def previous_run_dir(processed_dir: str | Path, run_id: str) -> Path | None:
    """The last good run (`latest`) when it is another run than `run_id`, else None (a first run,
    or re-running the stages of the run that already is `latest`). Stable ids, the change summary
    and the report's comparison all start from this one answer."""
    latest = Path(processed_dir) / "latest"
    if run_id == "latest" or not latest.exists():
        return None
    if latest.resolve() == (Path(processed_dir) / run_id).resolve():
        return None
    return latest


def read_previous(
    processed_dir: str | Path, run_id: str, table: Table, columns: list[str] | None = None
) -> pd.DataFrame | None:
    """`table` of the previous good run (`previous_run_dir`), or None on a first run or when that
    run did not write it, or wrote it without `columns` (a run from an older version).
    The one place earlier runs' tables are read."""
    previous = previous_run_dir(processed_dir, run_id)
    if previous is None:
        return None
    path = previous / table.file
    if not path.exists():
        return None
    if columns is not None and not set(columns) <= set(pq.read_schema(path).names):
        return None
    return pd.read_parquet(path, columns=columns)
