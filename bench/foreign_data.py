"""Data sets this project did not generate, laid out as a user would bring them.

Each data set becomes a folder with a registry (`sources.yaml`) that maps the file's columns to
the canonical schema, written as a new user would write it (no tuning), and a truth file in the
project's truth format (`source, source_record_id, person_truth_id`) that only the evaluation
reads. Used by `bench/bench_foreign.py` (full size) and by the end-to-end tests (samples).

The files live in `../shared/benchmarks/` beside the project (see its README).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS = ROOT.parent / "shared" / "benchmarks"


@dataclass(frozen=True)
class DataSet:
    name: str
    file: str  # relative to BENCHMARKS
    source: dict[str, Any]  # the registry entry, without name and path
    truth: Callable[[Path], pd.DataFrame]  # file → record id, person truth id


def _truth_from_column(id_column: str, cluster_column: str) -> Callable[[Path], pd.DataFrame]:
    def read(path: Path) -> pd.DataFrame:
        df = _read(path, [id_column, cluster_column])
        return pd.DataFrame(
            {"source_record_id": df[id_column].astype(str), "person_truth_id": df[cluster_column].astype(str)}
        )

    return read


def _truth_from_file(truth_file: str) -> Callable[[Path], pd.DataFrame]:
    def read(path: Path) -> pd.DataFrame:
        df = pd.read_csv(path.parent / truth_file, dtype=str)
        return pd.DataFrame({"source_record_id": df["record_id"], "person_truth_id": df["master_id"]})

    return read


def _read(path: Path, columns: list[str] | None = None) -> pd.DataFrame:
    if path.suffix == ".parquet":
        return pd.read_parquet(path, columns=columns)
    return pd.read_csv(path, usecols=columns, dtype=str, keep_default_na=False, na_values=[""])


DATA_SETS: dict[str, DataSet] = {
    "fake_1000": DataSet(
        "fake_1000",
        "fake_1000.csv",
        {
            "format": "csv",
            "kind": "people",
            "id_column": "unique_id",
            "date_format": "%Y-%m-%d",
            "extracted_at": "file_mtime",
            "columns": {
                "first_name": "first_name",
                "last_name": "surname",
                "date_of_birth": "dob",
                "city": "city",
                "email": "email",
            },
        },
        _truth_from_column("unique_id", "cluster"),
    ),
    "historical_50k": DataSet(
        "historical_50k",
        "historical_50k.parquet",
        {
            "format": "parquet",
            "kind": "people",
            "id_column": "unique_id",
            "date_format": "%Y-%m-%d",
            "extracted_at": "file_mtime",
            "country": "GB",
            "columns": {
                "first_name": "first_name",
                "last_name": "surname",
                "date_of_birth": "dob",
                "city": "birth_place",
                "postcode": "postcode_fake",
                "gender": "gender",
                "job_title": "occupation",
            },
        },
        _truth_from_column("unique_id", "cluster"),
    ),
    "kyc_es_hell": DataSet(
        "kyc_es_hell",
        "foreign/dupehell_kyc_es_hell.parquet",
        {
            "format": "parquet",
            "kind": "people",
            "id_column": "record_id",
            "date_format": "%Y-%m-%d",
            "extracted_at": "file_mtime",
            "columns": {
                "first_name": "given_name",
                "middle_name": "middle_name",
                "last_name": "family_name",
                "date_of_birth": "birth_date",
                "email": "email_address",
                "phone": "mobile_phone",
                "national_id": "personal_administrative_number",
                "address_line1": "residential_address_line1",
                "city": "residential_city",
                "postcode": "residential_postal_code",
                "region": "residential_state",
                "country": "residential_country",
                "job_title": "occupation",
            },
        },
        _truth_from_file("dupehell_kyc_es_hell_truth.csv"),
    ),
    "crm_it_medium": DataSet(
        "crm_it_medium",
        "foreign/dupehell_crm_it_medium.parquet",
        {
            "format": "parquet",
            "kind": "people",
            "id_column": "record_id",
            "extracted_at": "file_mtime",
            "columns": {
                "first_name": "first_name",
                "last_name": "last_name",
                "email": "email",
                "phone": "phone",
                "job_title": "job_title",
                "company": "company_name",
                "city": "city",
                "region": "state_code",
                "country": "country_code",
                "signup_date": "created_at",
            },
        },
        _truth_from_file("dupehell_crm_it_medium_truth.csv"),
    ),
}


def prepare(name: str, out: Path, size: int | None = None, benchmarks: Path = BENCHMARKS) -> tuple[Path, Path]:
    """Write `out/sources.yaml` and `out/truth.csv` for data set `name`; return both paths.

    With `size`, a sample of about that many records (whole persons) is written beside the
    registry as parquet and the registry points to it; otherwise the registry points to the
    shared file itself.
    """
    ds = DATA_SETS[name]
    path = (benchmarks / ds.file).resolve()
    out.mkdir(parents=True, exist_ok=True)
    truth = ds.truth(path)
    # The shared file is outside the registry's folder: said explicitly, as a user would.
    entry = {"name": ds.name, "path": str(path), "allow_outside": True, **ds.source}
    if size is not None:
        records = _read(path)
        id_column = ds.source["id_column"]
        persons = truth["person_truth_id"].drop_duplicates().sample(frac=1.0, random_state=7)
        counts = truth.groupby("person_truth_id").size().reindex(persons)
        chosen = counts.index[counts.cumsum() <= size]
        truth = truth[truth["person_truth_id"].isin(set(chosen))]
        records = records[records[id_column].astype(str).isin(set(truth["source_record_id"]))]
        sample = out / f"{ds.name}_sample.parquet"
        records.to_parquet(sample, index=False)
        entry.update(path=sample.name, format="parquet")
        del entry["allow_outside"]
    registry = out / "sources.yaml"
    registry.write_text(yaml.safe_dump({"sources": [entry]}, sort_keys=False, allow_unicode=True), encoding="utf-8")
    truth_path = out / "truth.csv"
    truth.assign(source=ds.name)[["source", "source_record_id", "person_truth_id"]].to_csv(truth_path, index=False)
    return registry, truth_path
