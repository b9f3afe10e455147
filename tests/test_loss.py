"""Stage 01's loss gate: a source read badly fails or warns, naming the source (issue 16, case 3)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from conftest import ROOT, edit_registry
from helpers.gates import GateFailed, run_gate
from helpers.ingest import ingest
from helpers.loss import loss_measures
from helpers.registry import load_registry

NAMES = ["João", "José", "Iñaki", "Müller", "Françoise", "Ana", "Luis", "Zoë", "Mário", "Inês"]


def _crm(mini_sources: Path, encoding_written: str, encoding_declared: str, rows: int = 60) -> Path:
    path = mini_sources.parent / "crm2.csv"
    lines = ["id,first_name,last_name,email"] + [f"{i},{NAMES[i % 10]},Silva{i},p{i}@mail.pt" for i in range(rows)]
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding_written))
    entry = {
        "name": "crm2",
        "path": path.name,
        "format": "csv",
        "kind": "people",
        "id_column": "id",
        "encoding": encoding_declared,
        "extracted_at": "2026-11-01T00:00:00Z",
        "columns": {"first_name": "first_name", "last_name": "last_name", "email": "email"},
    }
    edit_registry(mini_sources, lambda d: d.update(sources=[d["sources"][0], entry]))
    return mini_sources


def _gate(summary: pd.DataFrame, tmp_path: Path):
    return run_gate(summary, "source_summary", ROOT / "expectations", tmp_path / "report")


def _measured(mini_sources, previous=None) -> pd.DataFrame:
    result = ingest(load_registry(mini_sources))
    return loss_measures(result.summary, result.tables, result.quarantine, previous)


def test_cp1252_declared_as_utf8_stops_the_run_naming_the_source_and_the_fix(mini_sources, tmp_path):
    summary = _measured(_crm(mini_sources, "cp1252", "utf-8"))
    row = summary.set_index("source").loc["crm2"]
    assert row["quarantined_share"] == pytest.approx(0.8, abs=0.01)  # 8 of 10 names carry an accent
    assert "cp1252" in row["encoding_hint"]
    gate = _gate(summary, tmp_path)
    with pytest.raises(GateFailed, match=r"quarantined_share.*crm2"):
        gate.raise_if_failed()


def test_utf8_declared_as_cp1252_is_a_mojibake_warning_naming_the_source(mini_sources, tmp_path):
    summary = _measured(_crm(mini_sources, "utf-8", "cp1252"))
    row = summary.set_index("source").loc["crm2"]
    assert row["quarantined_share"] == 0 and row["mojibake_share"] > 0.5
    assert "utf-8" in row["encoding_hint"]
    gate = _gate(summary, tmp_path)
    assert gate.success
    assert any("mojibake_share" in w["expectation"] and "crm2" in w["detail"] for w in gate.warnings())


def test_a_source_that_shrank_to_a_fraction_of_the_previous_run_stops_the_run(mini_sources, tmp_path):
    previous = pd.DataFrame({"source": ["crm", "crm2"], "rows_read": [3, 65]})
    summary = _measured(_crm(mini_sources, "utf-8", "utf-8", rows=5), previous)
    assert summary.set_index("source").loc["crm2", "rows_vs_previous"] == pytest.approx(5 / 65, abs=1e-3)
    with pytest.raises(GateFailed, match=r"rows_vs_previous.*crm2"):
        _gate(summary, tmp_path).raise_if_failed()


def test_a_clean_source_passes_the_loss_gate(mini_sources, tmp_path):
    previous = pd.DataFrame({"source": ["crm2"], "rows_read": [60]})
    summary = _measured(_crm(mini_sources, "utf-8", "utf-8"), previous)
    gate = _gate(summary, tmp_path)
    assert gate.success and not [w for w in gate.warnings() if "crm2" in w["detail"]]
