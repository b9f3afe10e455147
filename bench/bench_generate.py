"""Benchmark the synthetic data generator: wall time, rows per file, peak memory.

    python bench/bench_generate.py --persons 1000000 --seed 42 [--out DIR]

Without --out the files go to a temporary directory that is removed afterwards.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import sys
import tempfile
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out", type=Path, default=None, help="output directory (default: a temp dir)")
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=None)
    args = parser.parse_args(argv)

    from helpers.generate import DEFAULT_AS_OF, generate

    tmp = None
    out = args.out
    if out is None:
        tmp = tempfile.TemporaryDirectory(prefix="clientela-bench-")
        out = Path(tmp.name)
    try:
        t0 = time.perf_counter()
        summary = generate(args.persons, args.seed, out, as_of=args.as_of or DEFAULT_AS_OF)
        wall = time.perf_counter() - t0
        peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
        print(f"persons          {summary['persons']:>12,}")
        print(f"households       {summary['households']:>12,}")
        print(f"people records   {summary['people_records']:>12,}")
        print(f"wall time        {wall:>12.1f} s")
        print(f"peak RSS         {peak_kib / 1024:>12.0f} MiB")
        print("rows per file:")
        total_bytes = 0
        for name, rows in summary["files"].items():
            size = (out / name).stat().st_size
            total_bytes += size
            print(f"  {name:<28} {rows:>12,} rows {size / 1e6:>9.1f} MB")
        print(f"  {'total':<28} {'':>17} {total_bytes / 1e6:>9.1f} MB")
    finally:
        if tmp is not None:
            tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
