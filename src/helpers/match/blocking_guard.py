"""A blocking rule that would compare too many pairs is left out before a single pair is built.

Why: a rule's cost is quadratic in its block sizes. A rule that is cheap and useful on one file
(occupation with a given-name initial) pairs almost everyone on another where the column is
nearly constant ("Private", "customer", one city for every record): at 100,000 records such a
rule alone builds billions of pairs and the run never ends. So before Splink builds any pair,
each plain rule's pairs are counted from its block sizes (one GROUP BY, no pairs built) and a
rule over `max_pairs_per_record` × records is left out, named with its count, like a rule whose
columns the data lacks. The bound is per record, so it scales with the file: a small file never
trips it, and the cost of matching stays linear in the number of records.

Rules written as mappings (`swapped`, `crossed`) join rare values by design and are not counted.
"""

from __future__ import annotations

from typing import Any

import duckdb
import pandas as pd

from helpers.match.model import _term_column, _term_sql, describe_rule


def rule_pairs(table: pd.DataFrame, rule: list[str]) -> int:
    """Pairs a plain rule (`[a, b:3]`: agree on a and on b's first 3 characters) would compare."""
    keys = [_term_sql(t) for t in rule]  # the same key SQL the Splink rule joins on
    where = " AND ".join(f"{k} IS NOT NULL AND CAST({k} AS VARCHAR) <> ''" for k in keys)
    columns = sorted({_term_column(t) for t in rule})
    sql = f"SELECT coalesce(sum(n * (n - 1) // 2), 0) FROM (SELECT count(*) AS n FROM frame WHERE {where} GROUP BY {', '.join(keys)})"
    with duckdb.connect() as con:
        con.register("frame", table[columns])
        row = con.execute(sql).fetchone()
    return int(row[0]) if row else 0


def oversized_rules(table: pd.DataFrame, rules: list[Any], max_pairs_per_record: float) -> list[tuple[Any, int]]:
    """The plain rules that would compare more than `max_pairs_per_record` × records pairs, with their counts."""
    limit = max_pairs_per_record * max(len(table), 1)
    out = []
    for rule in rules:
        if isinstance(rule, list):
            pairs = rule_pairs(table, rule)
            if pairs > limit:
                out.append((rule, pairs))
    return out


def left_out_message(rule: Any, pairs: int, records: int, max_pairs_per_record: float) -> str:
    return (
        f"blocking rule {describe_rule(rule)}: would compare {pairs:,} pairs ({pairs / max(records, 1):,.0f} per record, "
        f"more than {max_pairs_per_record:,.0f}); its columns are too uniform in this data to block on"
    )
