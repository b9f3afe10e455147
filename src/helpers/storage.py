"""Reading and writing run tables so that a crash never leaves a half-written file behind.

A scheduler may kill a run at any moment; readers of a run folder must see either the old file
or the new one, never a truncated parquet. Every write goes to a temporary file in the same
folder and is renamed into place (an atomic operation on POSIX file systems).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd


def _atomic_target(path: Path) -> tuple[int, str]:
    path.parent.mkdir(parents=True, exist_ok=True)
    return tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """A temporary file name beside `path` for a writer that needs a path (Excel, DuckDB); it is
    renamed onto `path` when the block ends, and removed if the block fails.

    The temporary file does not exist when the block starts: some writers (DuckDB) refuse to
    open an empty file they did not create. The result is readable by its owner only, like
    every file the other writers here leave (mkstemp's mode): run files hold personal data.
    """
    path = Path(path)
    fd, tmp = _atomic_target(path)
    os.close(fd)
    os.unlink(tmp)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_parquet(df: pd.DataFrame, path: str | Path) -> Path:
    path = Path(path)
    fd, tmp = _atomic_target(path)
    os.close(fd)
    try:
        df.to_parquet(tmp, index=False)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def write_text(text: str, path: str | Path) -> Path:
    path = Path(path)
    fd, tmp = _atomic_target(path)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def write_json(obj: Any, path: str | Path) -> Path:
    return write_text(json.dumps(obj, indent=2, default=str, ensure_ascii=False) + "\n", path)


def read_json(path: str | Path) -> Any:
    return json.loads(Path(path).read_text(encoding="utf-8"))
