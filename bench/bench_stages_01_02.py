"""Stages 01 + 02 on a large generated data set: wall time per step and peak memory.

    .venv/bin/python bench/bench_stages_01_02.py --persons 1000000 [--data /tmp/bench_1m]

Two measurements:
1. the stage logic in this process, step by step (ingest, profile, validity, gates, cleaning),
   with peak RSS of this process;
2. with --runner (or --runner-only, which skips 1), the real `clientela run --to 02` (Papermill,
   kernels, HTML): wall time, CPU, the peak RSS of the largest process, and the peak memory of
   the whole process tree (the kernels fork helpers for a second core: helpers/background.py).
Goal (issue 3): stages 01+02 under 90 s on 2 cores, peak memory under 6 GB.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def rss_gb(who: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024 / 1024


def _tree_pss_gb(root: int) -> float:
    """Proportional set size of a process and all its descendants: the physical memory the run
    holds, a page that a forked helper still shares with its kernel counted once.

    Reading smaps_rollup walks the page tables while holding the process's memory lock, which
    can slow the process measured; the sampler therefore waits SAMPLE_SECONDS between reads (a
    peak shorter than that can be missed).
    """
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, []))
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024 / 1024


SAMPLE_SECONDS = 2.0


class TreeMemory(threading.Thread):
    """Samples the PSS of a process tree every SAMPLE_SECONDS; `peak` is the largest total seen."""

    def __init__(self, root: int) -> None:
        super().__init__(daemon=True)
        self.root, self.peak, self.stop = root, 0.0, threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            self.peak = max(self.peak, _tree_pss_gb(self.root))
            self.stop.wait(SAMPLE_SECONDS)


def cpu_seconds() -> float:
    """User + system CPU of this process and its threads: unlike wall time, not inflated by
    other work on the machine (but it adds up the cores, so parallel steps show more CPU)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--data", type=Path, default=None, help="folder for the generated data (reused if present)")
    parser.add_argument("--runner", action="store_true", help="also time `clientela run --to 02`")
    parser.add_argument("--runner-only", action="store_true", help="only time `clientela run --to 02`")
    args = parser.parse_args()
    data = args.data or Path(tempfile.gettempdir()) / f"clientela_bench_{args.persons}_{args.seed}"
    registry_path = data / "sources.yaml"
    if not registry_path.exists():
        from helpers.generate import generate

        t = time.perf_counter()
        generate(args.persons, args.seed, data)
        print(f"generated {args.persons:,} persons in {time.perf_counter() - t:.1f} s → {data}")

    from helpers.clean.records import check_reconciliation, clean_people
    from helpers.gates import run_gate
    from helpers.ingest import ingest
    from helpers.profile import duplicates_by_source, freshness, invalid_shares, profile_columns
    from helpers.registry import load_registry

    ref = date(2026, 11, 15)
    out = Path(tempfile.mkdtemp(prefix="clientela_bench_"))
    if args.runner_only:
        time_runner(registry_path, ref, out)
        print(f"outputs in {out}")
        return
    steps: dict[str, float] = {}
    cpu: dict[str, float] = {}

    def step(name: str, fn):
        t, c = time.perf_counter(), cpu_seconds()
        value = fn()
        steps[name], cpu[name] = time.perf_counter() - t, cpu_seconds() - c
        print(
            f"  {name:<28} {steps[name]:7.1f} s wall {cpu[name]:7.1f} s CPU   peak RSS so far {rss_gb():.2f} GB",
            flush=True,
        )
        return value

    print(f"stage 01+02 logic on {registry_path}")
    registry = step("01 registry validation", lambda: load_registry(registry_path))
    result = step("01 ingest", lambda: ingest(registry))
    people = result.tables["people"]
    step("01 write tables", lambda: [t.to_parquet(out / f"{k}.parquet") for k, t in result.tables.items()])
    step("01 profile columns", lambda: profile_columns(people))
    step("01 duplicates + freshness", lambda: (duplicates_by_source(people), freshness(result.summary, ref)))
    step("01 validity (validators)", lambda: invalid_shares(people, result.summary, ref))
    step("01 raw gate (GX)", lambda: run_gate(people, "raw_records", ROOT / "expectations", out / "r01"))
    cleaned = step("02 clean_people", lambda: clean_people(people, result.summary, ref))
    check_reconciliation(cleaned.reconciliation)
    step("02 write clean_records", lambda: cleaned.clean.to_parquet(out / "clean_records.parquet"))
    step("02 clean gate (GX)", lambda: run_gate(cleaned.clean, "clean_records", ROOT / "expectations", out / "r02"))
    total = sum(steps.values())
    print(
        f"stage logic: {len(people):,} people records → {len(cleaned.clean):,} clean in {total:.1f} s "
        f"wall, {sum(cpu.values()):.1f} s CPU "
        f"({len(people) / total:,.0f} records/s), peak RSS {rss_gb():.2f} GB"
    )

    if args.runner:
        time_runner(registry_path, ref, out)
    print(f"outputs in {out}")


def time_runner(registry_path: Path, ref: date, out: Path) -> None:
    """`clientela run --to 02` as a user runs it: wall time, CPU and memory."""
    processed = out / "processed"
    cmd = [
        str(ROOT / ".venv" / "bin" / "clientela"),
        "run",
        "--sources",
        str(registry_path),
        "--run-id",
        "bench",
        "--to",
        "02",
        "--set",
        f"processed_dir={processed}",
        "--set",
        f"reports_dir={out / 'reports'}",
        "--set",
        f"reference_date={ref}",
    ]
    t, c = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    memory = TreeMemory(proc.pid)
    memory.start()
    code = proc.wait()
    memory.stop.set()
    memory.join()
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    child_cpu = after.ru_utime + after.ru_stime - c.ru_utime - c.ru_stime
    manifest = json.loads((processed / "bench" / "run_manifest.json").read_text())
    per_stage = ", ".join(f"{s['name']} {s['seconds']:.1f} s" for s in manifest["stages"])
    print(
        f"clientela run --to 02: exit {code}, {wall:.1f} s wall, {child_cpu:.1f} s CPU ({per_stage}); "
        f"peak RSS of the largest process {rss_gb(resource.RUSAGE_CHILDREN):.2f} GB; "
        f"peak memory of the whole process tree (PSS, sampled every {SAMPLE_SECONDS:g} s) {memory.peak:.2f} GB"
    )


if __name__ == "__main__":
    sys.exit(main())
