"""Who may read what: a run's pages for readers follow the user's umask, everything holding
personal data is owner-only, and a stage page that shows a personal value is not published."""

from __future__ import annotations

import copy
import io
import json
import os
import stat
from pathlib import Path

import pytest

from conftest import FAILING_NOTEBOOK
from helpers.runner import RunOptions, run
from helpers.storage import (
    private_umask,
    seal_run_folders,
    shareable_file_mode,
    write_parquet,
    write_shareable_text,
    write_text,
)


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def umask_022():
    """The common desktop umask, whatever the test machine has; restored afterwards."""
    previous = os.umask(0o022)
    saved = os.environ.pop("CLIENTELA_USER_UMASK", None)
    yield
    os.umask(previous)
    if saved is not None:
        os.environ["CLIENTELA_USER_UMASK"] = saved
    else:
        os.environ.pop("CLIENTELA_USER_UMASK", None)


def test_writers_are_private_unless_shareable(tmp_path, umask_022):
    import pandas as pd

    assert mode(write_text("x", tmp_path / "a.json")) == 0o600
    assert mode(write_parquet(pd.DataFrame({"a": [1]}), tmp_path / "t.parquet")) == 0o600
    assert mode(write_shareable_text("x", tmp_path / "index.html")) == 0o644
    os.umask(0o027)
    assert mode(write_shareable_text("x", tmp_path / "index.html")) == 0o640  # the user's umask is honoured


def test_under_the_private_umask_shareable_still_means_the_users_umask(tmp_path, umask_022):
    with private_umask():
        (tmp_path / "by_a_library.html").write_text("x")  # Papermill, GX, Splink write like this
        assert mode(tmp_path / "by_a_library.html") == 0o600
        assert shareable_file_mode() == 0o644
    assert os.umask(0o022) == 0o022  # restored


def test_seal_sorts_a_report_folder_by_audience(tmp_path, umask_022):
    run_dir, report_dir = tmp_path / "processed" / "r", tmp_path / "reports" / "r"
    (run_dir / "exports").mkdir(parents=True)
    (run_dir / "exports" / "list.csv").write_text("email\n")
    (report_dir / "gx").mkdir(parents=True)
    (report_dir / "analyst_only").mkdir()
    for name in (
        "index.html",
        "customer_report.html",
        "03_match_customers.html",
        "03_match_customers.ipynb",
        "gx/index.html",
        "analyst_only/cluster_studio.html",
        "notes.txt",
    ):
        (report_dir / name).write_text("x")
    os.chmod(report_dir / "index.html", 0o600)
    seal_run_folders(run_dir, report_dir)
    assert mode(run_dir) == 0o700 and mode(run_dir / "exports") == 0o700 and mode(run_dir / "exports/list.csv") == 0o600
    assert mode(report_dir) == 0o755
    for name in ("index.html", "customer_report.html", "03_match_customers.html"):
        assert mode(report_dir / name) == 0o644, name
    for name in ("03_match_customers.ipynb", "notes.txt", "gx/index.html", "analyst_only/cluster_studio.html"):
        assert mode(report_dir / name) == 0o600, name
    assert mode(report_dir / "gx") == 0o700 and mode(report_dir / "analyst_only") == 0o700


def _notebook(source: str) -> dict:
    nb = copy.deepcopy(FAILING_NOTEBOOK)
    nb["cells"][0]["source"] = 'run_id = "interactive"\nprocessed_dir = "../data/processed"\nreports_dir = "../reports"'
    nb["cells"][1]["source"] = source
    return nb


DASHBOARD = (
    "from helpers.run_context import stage_context\n"
    "ctx = stage_context('02_dashboard', run_id, processed_dir, reports_dir)\n"
    "(ctx.analyst_dir / 'cluster_studio.html').write_text('<html><body><p>records</p></body></html>')\n"
    "ctx.record(rows_in=0, rows_out=0)"
)


def test_a_small_run_writes_each_file_with_the_mode_of_its_audience(mini_project, umask_022):
    (mini_project / "notebooks" / "02_dashboard.ipynb").write_text(json.dumps(_notebook(DASHBOARD)))
    out = io.StringIO()
    assert run(mini_project, RunOptions(run_id="r1"), out=out) == 0, out.getvalue()
    run_dir, report_dir = mini_project / "data/processed/r1", mini_project / "reports/r1"
    assert mode(run_dir) == 0o700
    files = [p for p in run_dir.rglob("*") if p.is_file()]
    assert any(p.name == "raw_records.parquet" for p in files) and any(p.name == "run_manifest.json" for p in files)
    assert {p.name: mode(p) for p in files if mode(p) != 0o600} == {}
    assert {p.name: mode(p) for p in run_dir.rglob("*") if p.is_dir() and mode(p) != 0o700} == {}
    assert mode(report_dir) == 0o755 and mode(report_dir.parent) == 0o755  # readers can reach the index
    for page in ("index.html", "01_ingest_profile.html", "02_dashboard.html"):
        assert mode(report_dir / page) == 0o644, page
    for private in ("01_ingest_profile.ipynb", "02_dashboard.ipynb"):
        assert mode(report_dir / private) == 0o600, private
    for p in report_dir.rglob("*"):
        if p.parent != report_dir:  # Data Docs, the analysts' dashboards
            assert mode(p) == (0o700 if p.is_dir() else 0o600), p
    dashboard = report_dir / "analyst_only" / "cluster_studio.html"
    assert "ANALYSTS ONLY" in dashboard.read_text()[:600]  # marked at the top
    assert "analyst_only" not in (report_dir / "index.html").read_text().split("<table")[1].split("</table>")[0]


LEAK = (
    "from helpers.run_context import stage_context\n"
    "import pandas as pd\n"
    "ctx = stage_context('02_leaky', run_id, processed_dir, reports_dir)\n"
    "raw = ctx.read('raw_records.parquet')\n"
    "print(raw.loc[raw['email'].eq('kate.jones@outlook.com'), ['first_name', 'last_name', 'email']].to_string())\n"
    "ctx.record(rows_in=len(raw), rows_out=len(raw))"
)


def test_a_stage_page_showing_a_personal_value_stops_the_run_naming_it_masked(mini_project, umask_022):
    (mini_project / "notebooks" / "02_leaky.ipynb").write_text(json.dumps(_notebook(LEAK)))
    out = io.StringIO()
    assert run(mini_project, RunOptions(run_id="leak"), out=out) == 1
    text = out.getvalue()
    assert "02_leaky FAILED" in text and "k***@o***.com" in text and "K*** J***" in text
    report_dir = mini_project / "reports/leak"
    assert not (report_dir / "02_leaky.html").exists()  # not published
    assert mode(report_dir / "02_leaky.ipynb") == 0o600  # kept for the analyst
    manifest = (mini_project / "data/processed/leak/run_manifest.json").read_text()
    for where in (text, manifest, (report_dir / "index.html").read_text()):
        assert "kate.jones" not in where.lower() and "kate jones" not in where.lower()
    assert not (mini_project / "data/processed/latest").exists()


# -- stage 01's profile: top values only where they cannot be personal ---------------------------


def test_profile_top_values_never_show_free_text_or_a_typed_email():
    import pandas as pd

    from helpers.profile import profile_columns

    n = 60
    people = pd.DataFrame(
        {
            "source": ["web"] * n,
            "referral_source": ["friend"] * 40 + ["tv"] * 10 + ["ana.lopez@gmail.com"] * 4 + ["radio"] * 6,
            "country": ["ES"] * 59 + ["BR"],
            "job_title": ["Engineer"] * n,
            "city": [f"Town {i}" for i in range(n)],  # every value different: free text, not a category
        }
    )
    prof = profile_columns(people, columns=["referral_source", "country", "job_title", "city"]).set_index("column")
    referral = dict(json.loads(prof.loc["referral_source", "top_values"]))
    assert referral["friend"] == 40 and "a***@g***.com" in referral  # typed email masked
    assert "ana.lopez@gmail.com" not in prof.loc["referral_source", "top_values"]
    assert dict(json.loads(prof.loc["country", "top_values"])) == {"ES": 59, "BR": 1}  # closed vocabulary
    assert prof.loc["job_title", "top_values"] is None  # may name a person (sole traders)
    assert prof.loc["city", "top_values"] is None  # 60 distinct of 60: free text
