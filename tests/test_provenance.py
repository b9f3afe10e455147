"""Run provenance: input-file hashes, the git commit, the key packages' versions."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
from pathlib import Path

import pytest

from helpers.provenance import git_commit, package_versions, sha256_file
from helpers.registry import load_registry
from helpers.runner import RunOptions, run


def test_sha256_is_streamed_and_matches_hashlib(tmp_path):
    data = b"x" * (3 * (1 << 20) + 17)  # more than one chunk, not a multiple of it
    path = tmp_path / "export.csv"
    path.write_bytes(data)
    assert sha256_file(path) == hashlib.sha256(data).hexdigest()


def test_git_commit_of_a_checkout_and_of_a_plain_folder(tmp_path):
    assert git_commit(tmp_path) is None  # not a checkout: tolerated
    try:
        subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
        (tmp_path / "f").write_text("1")
        subprocess.run(["git", "-C", str(tmp_path), "add", "f"], check=True)
        subprocess.run(
            ["git", "-C", str(tmp_path), "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "m"], check=True
        )
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("git not available")
    head = subprocess.run(
        ["git", "-C", str(tmp_path), "rev-parse", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    assert git_commit(tmp_path) == {"commit": head, "dirty": False}
    (tmp_path / "f").write_text("2")
    assert git_commit(tmp_path)["dirty"] is True


def test_package_versions_name_the_key_packages():
    versions = package_versions()
    for name in ("python", "pandas", "pyarrow", "duckdb", "splink", "great_expectations", "papermill"):
        assert versions[name], name


def test_the_manifest_records_every_input_file(mini_project, mini_sources):
    out = io.StringIO()
    assert run(mini_project, RunOptions(run_id="p"), out=out) == 0, out.getvalue()
    manifest = json.loads((mini_project / "data/processed/p/run_manifest.json").read_text())
    inputs = {i["name"]: i for i in manifest["provenance"]["inputs"]}
    registry = load_registry(mini_sources)
    assert set(inputs) == {"(registry)"} | {s.name for s in registry.sources}
    for source in registry.sources:
        assert inputs[source.name]["sha256"] == hashlib.sha256(Path(source.path).read_bytes()).hexdigest()
        assert inputs[source.name]["bytes"] == Path(source.path).stat().st_size
    assert manifest["provenance"]["packages"]["splink"]
    assert "git" in manifest["provenance"]  # None: the test project is not a checkout
