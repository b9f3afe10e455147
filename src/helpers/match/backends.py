"""The engine Splink runs on: DuckDB in this process, or Spark when one machine is not enough.

One parameter (`backend`) chooses. Spark runs in local mode on this machine unless a Spark
session already exists (e.g. inside a cluster job or a Databricks notebook), in which case
that session — and its cluster — is used.
"""

from __future__ import annotations

import os
import tempfile
from typing import Any

BACKENDS = ("duckdb", "spark")


class BackendError(RuntimeError):
    pass


def spark_session(app_name: str = "clientela-matching") -> Any:
    """The active Spark session, or a local one sized for this machine."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:  # pragma: no cover - depends on the optional extra
        raise BackendError(
            "backend=spark needs pyspark: install the project with the spark extra "
            "(pip install -e '.[spark]') and Java 17, or use backend=duckdb"
        ) from exc
    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    cores = os.cpu_count() or 2
    checkpoints = tempfile.mkdtemp(prefix="clientela_spark_")
    session = (
        SparkSession.builder.appName(app_name)
        .master(os.environ.get("CLIENTELA_SPARK_MASTER", f"local[{cores}]"))
        .config("spark.driver.memory", os.environ.get("CLIENTELA_SPARK_DRIVER_MEMORY", "6g"))
        .config("spark.sql.shuffle.partitions", str(max(4, cores * 2)))
        .config("spark.default.parallelism", str(max(4, cores * 2)))
        .config("spark.ui.enabled", "false")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.driver.extraJavaOptions", "-Dlog4j2.level=ERROR")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    session.sparkContext.setCheckpointDir(checkpoints)
    return session


def database_api(backend: str) -> Any:
    """A Splink database API for the chosen backend."""
    if backend == "duckdb":
        from splink import DuckDBAPI

        return DuckDBAPI()
    if backend == "spark":
        from splink import SparkAPI

        return SparkAPI(spark_session=spark_session(), num_partitions_on_repartition=8)
    raise BackendError(f"backend {backend!r} is not one of {', '.join(BACKENDS)} (config/pipeline.yaml or --set backend=…)")
