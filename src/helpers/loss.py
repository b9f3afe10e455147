"""Measures of data lost or garbled while reading, per source, for stage 01's loss gate.

A run must never pass while it silently lost data. Three things show a source was read badly
even when every row is accounted for:

- a large share of it quarantined (a wrong `encoding:` quarantines 41% of a CRM);
- far fewer rows than the same source gave in the previous good run (an export cut short, a
  workbook whose first sheet is an old copy);
- text that decodes but reads `JoÃ£o` (UTF-8 bytes declared as cp1252): mojibake.

`loss_measures` adds these as columns of the source summary; `expectations/source_summary.yaml`
holds the thresholds (warning and critical) and the gate names the sources that break them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from helpers.catalog import T, read_previous

# A UTF-8 lead byte read as a cp1252/latin-1 letter (Ã, Â, Å …) followed by a continuation byte read
# the same way (U+0080–U+00BF), or the cp1252 reading of a UTF-8 punctuation mark (â€™, â€œ).
MOJIBAKE = "[\u00c2-\u00c5\u00ce\u00cf\u00d0\u00d1][\u0080-\u00bf]|\u00e2\u20ac[\u0080-\u00bf\u2018-\u201e\u2122]"
TEXT_COLUMNS = (
    "first_name",
    "middle_name",
    "last_name",
    "full_name",
    "address_line1",
    "address_line2",
    "city",
    "region",
    "company",
    "job_title",
)


def mojibake_share(tables: dict[str, pd.DataFrame], sources: pd.Series) -> pd.Series:
    """Share of each source's rows with a mojibake sequence in a name, address or company field."""
    shares = {}
    for table in tables.values():
        columns = [c for c in TEXT_COLUMNS if c in table]
        if not len(table) or not columns:
            continue
        hit = np.zeros(len(table), dtype=bool)
        for c in columns:
            values = pa.array(table[c].to_numpy(dtype=object), type=pa.string(), from_pandas=True)
            hit |= pc.fill_null(pc.match_substring_regex(values, MOJIBAKE), False).to_numpy(zero_copy_only=False)
        per_source = pd.Series(hit).groupby(table["source"].to_numpy()).mean()
        shares.update(per_source.to_dict())
    return sources.map(shares).astype("float64").fillna(0.0).round(4)


def previous_summary(processed_dir: str | Path, run_id: str) -> pd.DataFrame | None:
    """The source summary of the previous good run (`latest`), if any."""
    return read_previous(processed_dir, run_id, T.source_summary, columns=["source", "rows_read"])


def encoding_hint(summary: pd.DataFrame, quarantine: pd.DataFrame) -> pd.Series:
    """What to change in the registry when the declared encoding looks wrong, per source."""
    undecodable = quarantine[quarantine["reason"].str.startswith("bytes that are not valid", na=False)]
    bad_bytes = undecodable.groupby("source").size()
    hints: list[str | None] = []
    for source, declared, mojibake in zip(
        summary["source"], summary.get("encoding", [None] * len(summary)), summary["mojibake_share"]
    ):
        declared = (declared or "utf-8").lower().replace("_", "-")
        if mojibake > 0 and declared not in ("utf-8", "utf8", "utf-8-sig"):
            hints.append(f"text reads like UTF-8 decoded as {declared}: try encoding: utf-8")
        elif bad_bytes.get(source, 0) and declared in ("utf-8", "utf8", "utf-8-sig"):
            hints.append("bytes that are not UTF-8: the file may be cp1252 or latin-1 (encoding: cp1252)")
        else:
            hints.append(None)
    return pd.Series(hints, index=summary.index, dtype=object)


def loss_measures(
    summary: pd.DataFrame,
    tables: dict[str, pd.DataFrame],
    quarantine: pd.DataFrame,
    previous: pd.DataFrame | None,
    min_rows: int = 30,
) -> pd.DataFrame:
    """The summary with `quarantined_share`, `rows_vs_previous`, `mojibake_share` and `encoding_hint`.

    Shares of a source with fewer than `min_rows` rows (now, or in the previous run) are left
    empty, which the gate does not judge: 2 bad rows of a 6-row test file say nothing about it.
    """
    out = summary.copy()
    total = out["rows_total"].where(out["rows_total"] >= max(min_rows, 1))
    out["quarantined_share"] = (out["rows_quarantined"] / total).astype("float64").round(4)
    before = previous.set_index("source")["rows_read"] if previous is not None else pd.Series(dtype="float64")
    before = out["source"].map(before).where(lambda v: v >= max(min_rows, 1))
    out["rows_vs_previous"] = (out["rows_read"] / before).astype("float64").round(4)
    out["mojibake_share"] = mojibake_share(tables, out["source"])
    out["encoding_hint"] = encoding_hint(out, quarantine)
    return out
