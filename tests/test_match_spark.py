"""backend=spark gives the same clusters as DuckDB (Splink's Spark backend, local mode).

Needs the spark extra (pyspark) and Java; `make test` installs the extra. Without Java the
test is skipped and says why.
"""

from __future__ import annotations

import shutil
from datetime import date

import pandas as pd
import pytest

from conftest import ROOT
from helpers.clean.records import clean_people
from helpers.generate import generate
from helpers.ingest import ingest
from helpers.match.model import load_spec
from helpers.match.stage import fit, link, prepare
from helpers.registry import load_registry

pytest.importorskip("pyspark", reason="the spark extra is not installed (pip install -e '.[spark]')")
pytestmark = pytest.mark.skipif(shutil.which("java") is None, reason="Spark needs a Java runtime (java not on PATH)")


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    base = tmp_path_factory.mktemp("spark")
    generate(persons=500, seed=5, out=base / "raw")
    result = ingest(load_registry(base / "raw" / "sources.yaml"))
    return clean_people(result.tables["people"], result.summary, date(2026, 11, 15)).clean


def test_spark_gives_the_same_clusters_and_scores_as_duckdb(clean):
    spec = load_spec(ROOT / "config" / "matching.yaml")
    runs = {}
    for backend in ("duckdb", "spark"):
        prep = prepare(clean, spec, backend)
        runs[backend] = link(prep, fit(prep, spec, seed=42), spec, clean, 0.9, 0.5)
    duck, spark = runs["duckdb"], runs["spark"]
    assert type(spark.linker._db_api).__name__ == "SparkAPI"
    pd.testing.assert_frame_equal(spark.links, duck.links)
    pairs = duck.pairs.merge(spark.pairs, on=["unique_id_l", "unique_id_r"], how="outer", indicator=True)
    assert (pairs["_merge"] == "both").all()
    assert (pairs["match_probability_x"] - pairs["match_probability_y"]).abs().max() < 1e-9
