"""Everything the shareable report says, gathered from a finished run as aggregates.

Each stage already leaves its numbers in `stages/<stage>.json`; the rest comes from the run's
tables, read column by column and reduced to counts here, so that nothing downstream of this
module ever holds a customer's details except the one masked example (`masked_example`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
from scipy import sparse

from helpers.catalog import T, previous_run_dir
from helpers.charts import readable
from helpers.clean.summary import FIELDS as CLEAN_FIELDS
from helpers.clean.summary import change_summary
from helpers.contact.decide import contactable_shares, reason_counts
from helpers.contact.worklists import wide
from helpers.golden.charts import KEY_FIELDS, completeness_gain
from helpers.golden.survivorship import VALIDITY
from helpers.household.traits import composition_counts
from helpers.privacy import mask_email, mask_name, mask_phone
from helpers.profile import reference_instant
from helpers.report.reads import StageReads, headline_figures, stage_reads
from helpers.run_context import STAGE_RECORD_DIR, read_stage_record
from helpers.segment.lists import ListDefinition
from helpers.segment.profile_segments import PROFILE_COLUMNS
from helpers.segment.table import segment_sizes
from helpers.storage import read_json

STAGES = (
    "01_ingest_profile",
    "02_clean_standardise",
    "03_match_customers",
    "04_golden_records",
    "05_households",
    "06_contactability",
    "07_segmentation",
)
SEGMENT_COLUMNS = ["person_id", "frequency", "lifecycle", "rfm_segment", "r_score", "fm_score", *PROFILE_COLUMNS]
# Parameters that say where a run's files go, not what it computes: never "a parameter changed".
LOCATION_PARAMETERS = frozenset({"processed_dir", "reports_dir", "decisions_dir"})


@dataclass
class ReportFacts:
    run_id: str
    reference: pd.Timestamp
    stages: dict[str, dict]
    sources: pd.DataFrame
    cleaning: pd.DataFrame
    completeness: pd.DataFrame
    records_per_person: pd.Series
    source_overlap: pd.DataFrame
    households: pd.DataFrame
    contactable: pd.Series
    reasons: pd.DataFrame
    worklists: pd.Series
    segment_sizes: pd.DataFrame
    rfm: pd.DataFrame
    lists: pd.DataFrame
    changes: pd.DataFrame
    previous: pd.DataFrame | None
    example: pd.DataFrame
    reads: StageReads  # the earlier stages' figures, by name (helpers/report/reads.py)
    numbers: dict[str, Any] = field(default_factory=dict)
    gate_warnings: list[dict[str, str]] = field(default_factory=list)  # warning-level gates and drift of stages 01–07
    previous_run_id: str | None = None  # the run `changes` and `previous` compare with (`latest` before this run)
    parameter_changes: pd.DataFrame | None = None  # parameters whose value differs from the previous run's
    overrides: dict[str, Any] = field(default_factory=dict)  # parameters set for this run only (--set)


def stage_records(run_dir: Path) -> dict[str, dict]:
    """The `stages/*.json` each stage left; a missing one means the stage has not run."""
    out = {}
    for stage in STAGES:
        record = read_stage_record(run_dir, stage)
        if record is None:
            raise FileNotFoundError(
                f"08_customer_report: {Path(run_dir) / STAGE_RECORD_DIR / f'{stage}.json'} is missing: stage {stage} "
                f"has not run in {run_dir}. Run the earlier stages first (clientela run, or the earlier notebooks by hand)."
            )
        out[stage] = record
    return out


def run_warnings(run_dir: Path, stages: dict[str, dict]) -> list[dict[str, str]]:
    """The warnings of this run's earlier stages: the manifest's (gates and drift) when the runner
    wrote one, else those the stage records carry (a run of the notebooks by hand)."""
    manifest = Path(run_dir) / "run_manifest.json"
    if manifest.exists():
        return [w for w in read_json(manifest).get("warnings") or [] if w.get("stage") in stages]
    out, seen = [], set()
    for stage, record in stages.items():
        for w in record.get("warnings") or []:
            if (w.get("table"), w.get("expectation"), w.get("detail")) not in seen:  # a table gated twice
                seen.add((w.get("table"), w.get("expectation"), w.get("detail")))
                out.append({"stage": stage, **w})
    return out


def source_table(summary: pd.DataFrame, freshness: pd.DataFrame) -> pd.DataFrame:
    """One row per source: what it is, how much it gave, how old it is."""
    fresh = freshness.set_index("source")[["age_days", "allowed_age_days", "stale"]]
    table = summary.set_index("source")[["kind", "format", "rows_read", "rows_quarantined", "extracted_at", "cadence"]]
    table = table.join(fresh, how="left")
    table["extracted_at"] = pd.to_datetime(table["extracted_at"], utc=True)
    table = table.sort_values(["kind", "rows_read"], ascending=[True, False])
    table["kind"] = table["kind"].map(readable)  # "address changes", not the registry's code
    return table


def cleaning_table(clean: pd.DataFrame, stage02: dict | list[dict] | None) -> pd.DataFrame:
    """Per field: values given, share rewritten into standard form, share still invalid, and
    beside it the share that could not be checked (`unknown_share`: validity null, e.g. an
    identity number of a country without a checksum rule) — not known bad, so not invalid.

    Stage 02 records this table (`CleanRecord.change_summary`; given here as those records, or as stage
    02's whole record); runs from before it did are summarised again here (runs from before
    validity was three-valued have no unknown share: null)."""
    recorded = stage02.get("metrics", {}).get("change_summary") if isinstance(stage02, dict) else stage02
    table = pd.DataFrame(recorded).set_index("field") if recorded else change_summary(clean)
    shares = ["changed_share", "invalid_share", "unknown_share"]
    table = table.reindex(columns=["given", *shares]).astype({c: float for c in shares})
    corrected = int(clean["email_corrected"].eq(True).sum()) if "email_corrected" in clean else 0
    table["corrected"] = pd.Series({"email": corrected}).reindex(table.index).astype("Int64")
    return table[table["given"] > 0]


def clean_columns() -> list[str]:
    """The clean-record columns the report needs: raw, standardised and validity per field."""
    cols = {"record_key", "source", "email_corrected"}
    for raw, (std, valid) in CLEAN_FIELDS.items():
        cols |= {raw, std} | ({valid} if valid else set())
    for _, clean_col in KEY_FIELDS.values():
        cols.add(clean_col)
    cols |= {v for v in VALIDITY.values()}
    return sorted(cols)


def source_overlap(links: pd.DataFrame) -> pd.DataFrame:
    """Customers found in both sources of each pair (diagonal: customers in the source).

    A sparse person × source incidence matrix times its transpose: one pass, any number of
    sources, a couple of seconds for millions of records."""
    person, _ = pd.factorize(links["person_id"])
    source, names = pd.factorize(links["source"], sort=True)
    incidence = sparse.csr_matrix(
        (np.ones(len(person)), (person, source)), shape=(int(person.max()) + 1 if len(person) else 0, len(names))
    )
    incidence.data[:] = 1.0  # several records of a person in one source count once
    matrix = (incidence.T @ incidence).toarray().astype("int64")
    return pd.DataFrame(matrix, index=list(names), columns=list(names))


def masked_example(clean: pd.DataFrame, links: pd.DataFrame, golden: pd.DataFrame, seed: int) -> pd.DataFrame:
    """One customer assembled from several sources, every value masked (first letter, email
    domain, phone prefix): shows what matching does without showing who."""
    per_person = links.groupby("person_id")["source"].nunique()
    if per_person.empty:
        return pd.DataFrame()
    widest = per_person[per_person == per_person.max()].index.sort_values()
    person = pd.Series(widest).sample(1, random_state=seed).iloc[0]
    keys = links.loc[links["person_id"] == person, ["record_key", "source"]]
    rows = keys.merge(clean.drop(columns="source"), on="record_key").sort_values(["source", "record_key"]).head(8)
    gold = golden[golden["person_id"] == person]
    table = pd.DataFrame(
        {
            "record": rows["source"].to_numpy(),
            "first name": mask_name(rows["first_name"].fillna(rows["first_name_std"])).to_numpy(),
            "last name": mask_name(rows["last_name"].fillna(rows["last_name_std"])).to_numpy(),
            "email": mask_email(rows["email"]).to_numpy(),
            "phone": mask_phone(rows["phone_std"]).to_numpy(),
        }
    )
    golden_row = pd.DataFrame(
        {
            "record": ["→ golden customer"],
            "first name": mask_name(gold["first_name"]).to_numpy(),
            "last name": mask_name(gold["last_name"]).to_numpy(),
            "email": mask_email(gold["email"]).to_numpy(),
            "phone": mask_phone(gold["phone"]).to_numpy(),
        }
    )
    return pd.concat([table, golden_row], ignore_index=True).fillna("—")


ID_EVENTS = {  # the id counts of stages 03 and 05 (person_ids.counts, household counts) → the reader's words
    "carried_over": "kept their id",
    "new": "new",
    "merged": "merged into another",
    "split": "split off",
    "retired": "retired (no records left)",
}


def id_changes(persons: dict[str, int], households: dict[str, int]) -> pd.DataFrame:
    """Customers and households kept, new, merged, split and retired against the previous run,
    from the id counts stages 03 (`MatchRecord.person_ids`) and 05 (`HouseholdRecord.household_ids`) recorded."""
    return pd.DataFrame(
        {
            "customers": [persons.get(e) for e in ID_EVENTS],
            "households": [households.get(e) for e in ID_EVENTS],
        },
        index=pd.Index(list(ID_EVENTS.values()), name="since the previous run"),
    ).astype("Int64")


WORKLIST_LABELS = {
    "bounced_call": "email bounced: call for a new address",
    "profile_completion": "profile completion (contact details missing)",
    "unconfirmed": "details not confirmed for a long time",
}


def lists_table(sizes: dict[str, int], definitions: list[ListDefinition]) -> pd.DataFrame:
    """Campaign lists written this run, with the channel and description the analyst gave."""
    known = {d.name: d for d in definitions}
    rows = [
        {
            "list": name,
            "channel": known[name].channel if name in known else "—",
            "customers": int(n),
            "description": known[name].description if name in known else "",
        }
        for name, n in sizes.items()
    ]
    return pd.DataFrame(rows, columns=["list", "channel", "customers", "description"]).set_index("list")


def previous_run(processed_dir: Path, run_id: str) -> tuple[str, dict[str, dict], dict] | None:
    """The last good run (`latest`) when it is another run than this one: its id, its stage
    records and its manifest."""
    latest = previous_run_dir(processed_dir, run_id)
    if latest is None or not (latest / "run_manifest.json").exists():
        return None
    manifest = read_json(latest / "run_manifest.json")
    if manifest.get("run_id") == run_id:
        return None
    records = {stage: record for stage in STAGES if (record := read_stage_record(latest, stage)) is not None}
    return str(manifest.get("run_id")), records, manifest


def _show(value: Any) -> Any:
    """A compared figure as the table shows it: shares (0–1 floats) as percentages."""
    return f"{value:.1%}" if isinstance(value, float) else value


def comparison(stages: dict[str, dict], previous: tuple[str, dict[str, dict], dict] | None) -> pd.DataFrame | None:
    """Headline figures of this run beside the previous run's, read by name (`reads.headline_figures`)."""
    if previous is None:
        return None
    prev_id, prev = previous[0], previous[1]
    now, before = headline_figures(stages), headline_figures(prev)
    rows = [
        {"figure": label, f"previous run ({prev_id})": _show(before.get(label)), "this run": _show(value)}
        for label, value in now.items()
    ]
    return pd.DataFrame(rows).set_index("figure")


def parameter_changes(now: dict[str, Any] | None, before: dict[str, Any] | None) -> pd.DataFrame:
    """Parameters whose value differs between the previous run's manifest and this run's.

    A different threshold or model explains merges and splits that no data change caused; the
    report says so next to the id changes. Where a run's files go (`LOCATION_PARAMETERS`) is left out."""
    now, before = now or {}, before or {}
    keys = sorted((set(now) | set(before)) - LOCATION_PARAMETERS)
    rows = [
        {"parameter": k, "previous run": before.get(k), "this run": now.get(k)}
        for k in keys
        if before.get(k) != now.get(k)
    ]
    return pd.DataFrame(rows, columns=["parameter", "previous run", "this run"]).set_index("parameter")


def people_on_lists(exports_dir: Path, list_names: list[str]) -> int | None:
    """Distinct customers on the campaign lists written this run (a customer on two lists counts
    once), from the `person_id` column of each `exports/<list>.csv`.

    None when a list was written without a `person_id` column (its own `columns:`): then the
    lists cannot be told apart by customer and the report shows no total rather than a sum."""
    ids = []
    for name in list_names:
        path = Path(exports_dir) / f"{name}.csv"
        if not path.exists():
            raise FileNotFoundError(
                f"08_customer_report: stage 07 recorded the campaign list '{name}' but {path} "
                "is missing; re-run stage 07"
            )
        header = pd.read_csv(path, nrows=0).columns
        if "person_id" not in header:
            return None
        ids.append(pd.read_csv(path, usecols=["person_id"], dtype={"person_id": "string"})["person_id"])
    return int(pd.concat(ids).nunique()) if ids else 0


def collect_facts(
    run_dir: str | Path,
    processed_dir: str | Path,
    run_id: str,
    reference_date: date | None,
    list_definitions: list[ListDefinition] | None = None,
    seed: int = 42,
) -> ReportFacts:
    """Read the run folder and reduce it to the report's aggregates."""
    run_dir = Path(run_dir)
    stages = stage_records(run_dir)
    reads = stage_reads(stages, run_dir)  # every figure of the stage records, by name; refuses when one is missing
    manifest_path = run_dir / "run_manifest.json"
    manifest = read_json(manifest_path) if manifest_path.exists() else {}  # none for notebooks run by hand
    previous = previous_run(Path(processed_dir), run_id)

    def read(name: str, columns: list[str] | None = None) -> pd.DataFrame:
        path = run_dir / name
        if columns is not None:
            present = set(pq.read_schema(path).names)
            columns = [c for c in columns if c in present]
        return pd.read_parquet(path, columns=columns)

    summary = read(T.source_summary.file)
    sources = source_table(summary, read(T.freshness.file))
    clean = read(T.clean_records.file, clean_columns())
    links = read(T.record_links.file, ["record_key", "source", "person_id"])
    golden_cols = ["person_id", *[gold for gold, _ in KEY_FIELDS.values()], "first_name", "email", "phone"]
    golden = read(T.golden_customers.file, list(dict.fromkeys(golden_cols)))
    households = read(T.households.file, ["members", "children_present"])
    contact = read(T.contactability.file, ["person_id", "channel", "contactable", "reason"])
    interests = [c for c in pq.read_schema(run_dir / T.segments.file).names if c.startswith("interest_")]
    segments = read(T.segments.file, SEGMENT_COLUMNS + interests)
    rfm_names = [n for n in reads.rfm_segments if n != "(not scored)"]

    worklists = pd.Series(
        {
            "pairs for clerical review (matching)": reads.review_pairs,
            **{WORKLIST_LABELS.get(name, name.replace("_", " ")): n for name, n in reads.worklists.items()},
        },
        dtype="Int64",
        name="rows",
    )
    lists = lists_table(reads.list_sizes, list_definitions or [])
    reachable = wide(contact, "contactable").to_numpy(dtype=bool).any(axis=1)
    people = summary[summary["kind"] == "people"]
    records_per_person = links.groupby("person_id").size()
    numbers = {
        "sources": len(summary),
        "people_sources": len(people),
        "people_rows": int(people["rows_read"].sum()),
        "quarantined_ingest": int(summary["rows_quarantined"].sum()),
        "clean_records": len(clean),
        "quarantined_clean": reads.quarantined_clean,
        "customers": len(golden),
        "records_in_duplicates": float(records_per_person[records_per_person > 1].sum() / max(len(links), 1)),
        "households": len(households),
        "reachable_any": float(reachable.mean()) if len(reachable) else 0.0,
        "buyers": int((segments["frequency"].fillna(0) > 0).sum()),
        "people_on_lists": people_on_lists(run_dir / "exports", list(reads.list_sizes)),
    }
    changed = None
    if previous is not None and "parameters" in manifest and "parameters" in previous[2]:
        changed = parameter_changes(manifest["parameters"], previous[2]["parameters"])
    return ReportFacts(
        run_id=run_id,
        reference=reference_instant(reference_date),
        stages=stages,
        sources=sources,
        cleaning=cleaning_table(clean, reads.change_summary),
        completeness=completeness_gain(clean, golden),
        records_per_person=records_per_person.clip(upper=6).value_counts().sort_index(),
        source_overlap=source_overlap(links),
        households=composition_counts(households),
        contactable=contactable_shares(contact),
        reasons=reason_counts(contact),
        worklists=worklists,
        segment_sizes=segment_sizes(segments, rfm_names),
        rfm=segments[["r_score", "fm_score", "rfm_segment"]],
        lists=lists,
        changes=id_changes(reads.person_ids, reads.household_ids),
        previous=comparison(stages, previous),
        example=masked_example(clean, links, golden, seed),
        reads=reads,
        numbers=numbers,
        gate_warnings=run_warnings(run_dir, stages),
        previous_run_id=None if previous is None else previous[0],
        parameter_changes=changed,
        overrides=dict(manifest.get("overrides") or {}),
    )
