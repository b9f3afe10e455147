"""`customers.duckdb`: the analysts' database, built from the run folder's parquet tables.

Analysts query one file with DuckDB (CLI, Python, DBeaver) instead of a folder of parquet
files. The database is a copy, rebuilt by each run from that run's tables; a table whose parquet
is not in the run folder (e.g. households before stage 05 exists) is skipped with a note rather
than failing the run. The file is written under a temporary name and renamed into place, so a
reader never opens a half-built database.

`transactions` is the stage 07 table tied to persons (`transactions_linked.parquet`: person_id,
purchased_on, amount_reporting …) when it exists, else stage 01's all-text canonical table.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from helpers.catalog import T
from helpers.storage import atomic_path

DATABASE = "customers.duckdb"
# table -> the run-folder files it can be built from, first existing one wins
TABLES: dict[str, tuple[str, ...]] = {
    "golden_customers": (T.golden_customers.file,),
    "households": (T.households.file,),
    "transactions": (T.transactions_linked.file, T.transactions.file),
    "contactability": (T.contactability.file,),
    "segments": (T.segments.file,),
    "record_links": (T.record_links.file,),
    "clean_records": (T.clean_records.file,),
}

# Shown in the README; tests run each against a small database.
EXAMPLE_QUERIES: dict[str, str] = {
    "segment_sizes": """
        -- How many customers each RFM segment holds, and what they are worth (reporting currency)
        SELECT rfm_segment, count(*) AS customers, round(avg(monetary), 2) AS avg_value,
               round(sum(monetary), 2) AS total_value
        FROM segments
        WHERE rfm_segment IS NOT NULL
        GROUP BY rfm_segment
        ORDER BY total_value DESC
    """,
    "monthly_revenue_by_channel": """
        -- Revenue per month and sales channel, and the share of it from anonymous sales
        SELECT date_trunc('month', purchased_on) AS month, channel,
               round(sum(amount_reporting), 2) AS revenue,
               round(sum(amount_reporting) FILTER (WHERE link_status = 'anonymous')
                     / nullif(sum(amount_reporting), 0), 3) AS anonymous_share
        FROM transactions
        WHERE usable
        GROUP BY ALL
        ORDER BY month, channel
    """,
    "contactable_lapsed_by_channel": """
        -- Lapsed customers we may contact, per channel and country: the win-back audience
        SELECT c.channel, s.country, count(*) AS customers
        FROM segments AS s
        JOIN contactability AS c USING (person_id)
        WHERE s.lifecycle = 'lapsed' AND c.contactable
        GROUP BY ALL
        ORDER BY c.channel, customers DESC
    """,
}


def build_customer_database(
    run_dir: str | Path, name: str = DATABASE, fallback_dir: str | Path | None = None
) -> tuple[Path, list[str]]:
    """(path of the database, notes on what was skipped or substituted).

    `fallback_dir` is for hand runs (the `latest` good run, `StageContext.fallback_dir`): a table
    the interactive folder does not have is loaded from there, as the notebooks read it, and noted;
    a scheduled run gives none and is built from its own folder only.
    """
    run_dir = Path(run_dir)
    target = run_dir / name
    notes: list[str] = []
    with atomic_path(target) as tmp:
        con = duckdb.connect(str(tmp))
        try:
            for table, files in TABLES.items():
                found = next((run_dir / f for f in files if (run_dir / f).exists()), None)
                if found is None and fallback_dir is not None:
                    found = next((Path(fallback_dir) / f for f in files if (Path(fallback_dir) / f).exists()), None)
                    if found is not None:
                        notes.append(f"{table}: from the latest good run ({found.name} is not in this run folder)")
                if found is None:
                    notes.append(f"{table}: skipped, {' or '.join(files)} is not in the run folder")
                    continue
                if found.name != files[0]:
                    notes.append(f"{table}: built from {found.name} ({files[0]} is not in the run folder)")
                con.execute(f'CREATE TABLE "{table}" AS SELECT * FROM read_parquet(?)', [str(found)])
            con.execute("CHECKPOINT")
        finally:
            con.close()
        wal = Path(str(tmp) + ".wal")
        if wal.exists():  # closed cleanly after a checkpoint: nothing left to replay
            wal.unlink()
    return target, notes


def run_example_queries(database: str | Path) -> dict[str, pd.DataFrame]:
    """Each example query's result as a DataFrame (read-only connection)."""
    con = duckdb.connect(str(database), read_only=True)
    try:
        return {name: con.execute(sql).df() for name, sql in EXAMPLE_QUERIES.items()}
    finally:
        con.close()
