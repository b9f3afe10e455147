"""The run catalog: every run table named once, the suites and the stages held to it."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from conftest import ROOT
from helpers.catalog import BY_FILE, TABLES, CatalogError, T, previous_run_dir, read_previous
from helpers.gates import _condition_columns, _value_columns, load_suite_spec
from helpers.run_context import StageContext
from helpers.stage_records import RECORD_BY_STAGE

EXPECTATIONS = ROOT / "expectations"
SUITES = sorted(p.stem for p in EXPECTATIONS.glob("*.yaml"))
LITERAL = re.compile(r"""["'](\w+)\.parquet["']""")


@pytest.mark.parametrize("suite", SUITES)
def test_every_suite_gates_a_catalog_table_and_names_only_its_columns(suite):
    table = BY_FILE.get(f"{suite}.parquet")
    assert table is not None, f"expectations/{suite}.yaml gates a table the catalog does not know"
    spec = load_suite_spec(suite, EXPECTATIONS)
    named = _value_columns(spec) | _condition_columns(spec)
    if table.open:  # configured columns may follow the fixed ones: only the fixed ones are known
        named = {c for c in named if not c.startswith(("interest_",))}
    unknown = sorted(named - set(table.columns))
    assert not unknown, f"expectations/{suite}.yaml names {unknown}, which catalog table {table.name} lacks"


def test_each_table_is_written_by_a_known_stage_and_named_once():
    assert len({t.file for t in TABLES}) == len(TABLES)
    assert {t.stage for t in TABLES} <= set(RECORD_BY_STAGE)
    assert all(getattr(T, t.name) is t for t in TABLES)


def _code_files() -> list[tuple[str, str]]:
    """(where, source) of every notebook code cell and every helpers module but the catalog and
    the demo generator (which writes source files, not run tables)."""
    out = []
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        out += [(f"{path.name} cell {i}", c.source) for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    for path in sorted((ROOT / "src" / "helpers").rglob("*.py")):
        if path.name == "catalog.py" or "generate" in path.parts:
            continue
        out.append((str(path.relative_to(ROOT)), path.read_text(encoding="utf-8")))
    return out


def test_no_stage_or_helper_spells_a_run_table_file_name():
    found = [
        f"{where}: {m.group(0)}"
        for where, source in _code_files()
        for m in LITERAL.finditer(source)
        if f"{m.group(1)}.parquet" in BY_FILE
    ]
    assert not found, "use the catalog (helpers.catalog.T) instead of a file name:\n" + "\n".join(found)


def test_writing_a_catalog_table_without_a_column_its_readers_need_fails_naming_it(tmp_path):
    ctx = StageContext(stage="03_match_customers", run_id="r", run_dir=tmp_path / "run", report_dir=tmp_path / "rep")
    links = pd.DataFrame({c: ["x"] for c in T.record_links.columns}).drop(columns=["person_id"])
    with pytest.raises(CatalogError, match=r"03_match_customers: record_links\.parquet .* without person_id"):
        ctx.write(links, T.record_links)
    assert not (tmp_path / "run" / "record_links.parquet").exists()
    ctx.write(links.assign(person_id="P1"), T.record_links)
    assert ctx.read(T.record_links)["person_id"].tolist() == ["P1"]
    assert ctx.outputs == [T.record_links.file]


def test_kind_problems_name_a_column_of_another_kind(tmp_path):
    frame = pd.DataFrame({c: ["x"] for c in T.person_ids.columns}).assign(first_run=[3])
    frame.to_parquet(tmp_path / "person_ids.parquet")
    assert T.person_ids.kind_problems(tmp_path / "person_ids.parquet") == [
        "person_ids.parquet: column first_run holds int, the catalog says str"
    ]


def test_the_previous_run_is_latest_unless_it_is_this_run(tmp_path):
    processed = tmp_path / "processed"
    assert previous_run_dir(processed, "r2") is None  # first run
    (processed / "r1").mkdir(parents=True)
    pd.DataFrame({"record_key": ["a"], "person_id": ["P1"]}).to_parquet(processed / "r1" / T.record_links.file)
    (processed / "latest").symlink_to(processed / "r1")
    assert previous_run_dir(processed, "r2") == processed / "latest"
    assert previous_run_dir(processed, "r1") is None  # re-running the stages of the run that is latest
    got = read_previous(processed, "r2", T.record_links, columns=["record_key", "person_id"])
    assert got is not None and got["person_id"].tolist() == ["P1"]
    assert read_previous(processed, "r2", T.person_ids) is None  # that run did not write it
    assert read_previous(processed, "r2", T.record_links, columns=["record_key", "cluster_id"]) is None


def check_run_against_catalog(run_dir: Path) -> list[str]:
    """Every problem of a run folder's tables against the catalog (used by the end-to-end test)."""
    problems = []
    for path in sorted(Path(run_dir).glob("*.parquet")):
        table = BY_FILE.get(path.name)
        if table is None:
            problems.append(f"{path.name}: not in the catalog")
            continue
        problems += table.kind_problems(path)
    problems += [f"{t.file}: missing" for t in TABLES if not t.optional and not (Path(run_dir) / t.file).exists()]
    return problems
