"""Data this project did not generate, through a full default `clientela run`, as a user would.

    .venv/bin/python bench/bench_foreign.py [--only NAME ...] [--size N] [--out DIR]

For each data set of `bench/foreign_data.py` (fake_1000, historical_50k, the two files of
`../shared/benchmarks/foreign/`): a registry mapping its columns, then `clientela run` with the
shipped configuration and suites, every stage, no `--to`, the truth file given only as
`truth_path` (evaluation). Prints one row per data set: records, pairwise precision / recall /
F1 of persons from stage 03's record, the warnings the gates raised, the exit code and the
wall time. A run that fails prints its reason.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from foreign_data import DATA_SETS, ROOT, prepare  # noqa: E402


def clientela_command() -> str:
    beside = Path(sys.executable).with_name("clientela")
    return str(beside if beside.exists() else ROOT / ".venv" / "bin" / "clientela")


def run_one(name: str, out: Path, size: int | None) -> dict:
    registry, truth = prepare(name, out, size)
    run_id = "bench"
    cmd = [
        clientela_command(),
        "run",
        "--sources",
        str(registry),
        "--run-id",
        run_id,
        "--set",
        f"processed_dir={out / 'processed'}",
        "--set",
        f"reports_dir={out / 'reports'}",
        "--set",
        f"decisions_dir={out / 'decisions'}",
        "--set",
        f"truth_path={truth}",
    ]
    started = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    row: dict = {"data set": name, "exit": proc.returncode, "seconds": round(seconds)}
    manifest = out / "processed" / run_id / "run_manifest.json"
    stage03 = out / "processed" / run_id / "stages" / "03_match_customers.json"
    if stage03.exists():
        e = json.loads(stage03.read_text())["metrics"].get("evaluation") or {}
        row.update(records=e.get("records_evaluated"), P=e.get("precision"), R=e.get("recall"), F1=e.get("f1"))
    if manifest.exists():
        m = json.loads(manifest.read_text())
        row["warnings"] = [
            w.get("expectation", str(w)) if isinstance(w, dict) else str(w) for w in m.get("warnings", [])
        ]
    if proc.returncode != 0:
        row["failure"] = next(
            (line for line in proc.stdout.splitlines() if "FAILED" in line or "did not start" in line),
            proc.stdout[-300:],
        )[:400]
    return row


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", nargs="*", default=list(DATA_SETS))
    parser.add_argument("--size", type=int, default=None, help="sample about N records (whole persons)")
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "clientela_foreign")
    args = parser.parse_args()
    rows = []
    for name in args.only:
        out = args.out / name
        if (out / "processed").exists():
            subprocess.run(["rm", "-rf", str(out / "processed"), str(out / "reports")], check=True)
        row = run_one(name, out, args.size)
        rows.append(row)
        fmt = lambda v: "—" if v is None else f"{v:.4f}"  # noqa: E731
        print(
            f"{name:16} records {row.get('records') or '—':>6}  P {fmt(row.get('P'))}  R {fmt(row.get('R'))}  "
            f"F1 {fmt(row.get('F1'))}  exit {row['exit']}  {row['seconds']} s",
            flush=True,
        )
        for w in row.get("warnings", []):
            print(f"    warning: {w}")
        if "failure" in row:
            print(f"    FAILED: {row['failure']}")
    (args.out / "results.json").write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
