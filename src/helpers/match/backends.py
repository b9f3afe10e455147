"""The engine Splink scores and clusters on: DuckDB in this process, or Spark.

One parameter (`backend`) chooses. Training always runs on DuckDB: it works on samples
(random pairs for u, capped blocks for EM) that fit one machine at any data size, and it makes
the trained model — hence the clusters — the same whichever engine scores. Scoring and
clustering, the work that grows with the data, run on the chosen backend.

Spark runs in local mode on this machine unless a Spark session already exists (a cluster
job, Databricks) — then that session is used as it is — or CLIENTELA_SPARK_MASTER names a
master URL (spark://host:7077, yarn).
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

BACKENDS = ("duckdb", "spark")

# Spark's own log, errors only. One "error" is not one: when a stage's generated Java method
# would pass the JVM's 64 KB limit (the scoring query of a model with many comparison levels
# can), Spark logs the compiler's stack trace at ERROR and runs that stage without whole-stage
# code generation (spark.sql.codegen.fallback, on by default) — same results, checked against
# DuckDB by tests/test_match_spark.py. That logger is silenced so the trace does not read as a
# failure in the stage report.
LOG4J2_QUIET = """\
rootLogger.level = error
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n
logger.pygw.name = org.apache.spark.api.python.PythonGatewayServer
logger.pygw.level = error
logger.codegen.name = org.apache.spark.sql.catalyst.expressions.codegen.CodeGenerator
logger.codegen.level = off
"""


class BackendError(RuntimeError):
    pass


def spark_session(app_name: str = "clientela-matching") -> Any:
    """The active Spark session, or a new one sized for this machine (quiet, temp files in one place)."""
    try:
        from pyspark.sql import SparkSession
        from splink.backends.spark import similarity_jar_location
    except ImportError as exc:
        raise BackendError(
            "backend=spark needs pyspark: install the project with the spark extra "
            "(.venv/bin/pip install -c constraints.txt -e '.[spark]') and Java 17, or use backend=duckdb"
        ) from exc
    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    root = Path(tempfile.mkdtemp(prefix="clientela_spark_"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    (root / "log4j2.properties").write_text(LOG4J2_QUIET, encoding="utf-8")
    cores = os.cpu_count() or 2
    partitions = str(max(4, 2 * cores))
    session = (
        SparkSession.builder.appName(app_name)
        .master(os.environ.get("CLIENTELA_SPARK_MASTER", f"local[{cores}]"))
        .config("spark.driver.memory", os.environ.get("CLIENTELA_SPARK_DRIVER_MEMORY", "6g"))
        .config("spark.sql.shuffle.partitions", partitions)
        .config("spark.default.parallelism", partitions)
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.local.dir", str(root / "local"))
        .config("spark.sql.warehouse.dir", str(root / "warehouse"))
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.jars", similarity_jar_location())
        .config("spark.driver.extraJavaOptions", f"-Dlog4j2.configurationFile=file:{root / 'log4j2.properties'}")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    session.sparkContext.setCheckpointDir(os.environ.get("CLIENTELA_SPARK_CHECKPOINT_DIR", str(root / "checkpoints")))
    return session


def database_api(backend: str) -> Any:
    """A Splink database API for the chosen backend."""
    if backend == "duckdb":
        from splink import DuckDBAPI

        return DuckDBAPI()
    if backend == "spark":
        from splink.backends.spark import SparkAPI

        session = spark_session()
        partitions = int(session.conf.get("spark.sql.shuffle.partitions"))
        return SparkAPI(spark_session=session, break_lineage_method="parquet", num_partitions_on_repartition=partitions)
    raise BackendError(
        f"backend {backend!r} is not one of {', '.join(BACKENDS)} (config/pipeline.yaml or --set backend=…)"
    )


def dialect(backend: str) -> str:
    return {"duckdb": "duckdb", "spark": "spark"}[backend]
