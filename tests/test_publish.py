"""`clientela publish`: the manager's copy holds the customer report and the index, nothing else."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from helpers.cli import main as cli
from helpers.publish import PublishError, publish, unlink_pages

INDEX = (
    '<html><body><a href="customer_report.html"><b>Customer report</b></a>'
    '<a href="03_match_customers.html">03_match_customers</a>'
    '<a href="analyst_only/comparison_viewer.html">viewer</a></body></html>'
)


def _run(tmp_path, status="passed", report="<html><body><p>13,224 customers</p></body></html>"):
    processed, reports = tmp_path / "processed", tmp_path / "reports"
    run_dir, report_dir = processed / "r1", reports / "r1"
    run_dir.mkdir(parents=True)
    (report_dir / "analyst_only").mkdir(parents=True)
    (run_dir / "run_manifest.json").write_text(json.dumps({"run_id": "r1", "status": status}))
    pd.DataFrame({"email": ["jose.garcia@gmail.com"], "phone": ["+34612345678"]}).to_parquet(
        run_dir / "raw_records.parquet"
    )
    (report_dir / "index.html").write_text(INDEX)
    (report_dir / "customer_report.html").write_text(report)
    (report_dir / "03_match_customers.html").write_text("<p>stage</p>")
    (report_dir / "analyst_only" / "comparison_viewer.html").write_text("jose.garcia@gmail.com")
    (processed / "latest").symlink_to("r1")
    return processed, reports


def test_only_the_report_and_the_index_are_copied_and_other_links_become_text(tmp_path):
    processed, reports = _run(tmp_path)
    done = publish(processed, reports, "latest", tmp_path / "out")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["customer_report.html", "index.html"]
    index = (tmp_path / "out" / "index.html").read_text()
    assert 'href="customer_report.html"' in index
    assert "analyst_only" not in index and 'href="03_' not in index and "03_match_customers" in index
    assert done.run_id == "r1" and done.links_removed == 2


def test_a_failed_run_or_a_page_with_a_personal_value_is_not_published(tmp_path):
    processed, reports = _run(tmp_path, status="failed")
    with pytest.raises(PublishError, match="only a run that passed"):
        publish(processed, reports, "r1", tmp_path / "out")
    processed, reports = _run(tmp_path / "b", report="<p>Write to jose.garcia@gmail.com</p>")
    with pytest.raises(PublishError, match="personal data") as err:
        publish(processed, reports, "r1", tmp_path / "out2")
    assert "jose.garcia@gmail.com" not in str(err.value)  # named masked, never copied into a message
    assert not (tmp_path / "out2").exists() or not any((tmp_path / "out2").iterdir())


def test_unlink_pages_keeps_anchors_within_kept_pages():
    html, n = unlink_pages('<a href="index.html#top">up</a> <a href="x.html">x</a>', {"index.html"})
    assert html == '<a href="index.html#top">up</a> x' and n == 1


def test_the_command_says_why_it_refuses(tmp_path, capsys):
    processed, reports = _run(tmp_path, status="failed")
    code = cli(
        [
            "publish",
            "r1",
            "--to",
            str(tmp_path / "out"),
            "--set",
            f"processed_dir={processed}",
            "--set",
            f"reports_dir={reports}",
        ]
    )
    assert code == 2 and "only a run that passed" in capsys.readouterr().err
