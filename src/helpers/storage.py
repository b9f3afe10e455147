"""Reading and writing run tables so that a crash never leaves a half-written file behind.

A scheduler may kill a run at any moment; readers of a run folder must see either the old file
or the new one, never a truncated parquet. Every write goes to a temporary file in the same
folder and is renamed into place (an atomic operation on POSIX file systems).

Who may read what is decided here too, once for every writer. A run's files hold personal data
(tables, the analysts' database, exports, dashboards, executed notebooks), so they are private
by default: files 0o600, folders 0o700. Only the pages meant for readers — the run's
`index.html`, the customer report and stage pages that passed the leak scan — are made
shareable, with the mode any document the user writes gets (0o666 less the user's umask).
Files written by other libraries (Papermill, Great Expectations, Splink, DuckDB) follow the
process umask, so a run works under `private_umask()` and `seal_run_folders` enforces the policy
after each stage.
"""

from __future__ import annotations

import json
import os
import re
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700
# The user's own umask, kept while a run works under a private one (inherited by the kernels).
USER_UMASK_ENV = "CLIENTELA_USER_UMASK"
# Pages of reports/<run>/ meant for readers: the index, the customer report, the stage pages
# (`NN_name.html`, written only after the leak scan found nothing). Everything else is private.
SHAREABLE_PAGE = re.compile(r"^(index|customer_report|\d\d_[a-z0-9_]+)\.html$")
ANALYST_DIR = "analyst_only"


def user_umask() -> int:
    """The umask the user works with (not the private one a run sets for itself)."""
    saved = os.environ.get(USER_UMASK_ENV)
    if saved:
        return int(saved, 8)
    current = os.umask(0o077)
    os.umask(current)
    return current


def shareable_file_mode() -> int:
    """The mode any document the user writes gets: 0o666 less the user's umask."""
    return 0o666 & ~user_umask()


def shareable_dir_mode() -> int:
    return 0o777 & ~user_umask()


def set_private_umask() -> int:
    """Make every file this process (and the kernels it starts) creates private; returns the
    previous umask. The user's umask is kept in the environment for `shareable_file_mode`."""
    previous = os.umask(0o077)
    os.environ.setdefault(USER_UMASK_ENV, format(previous, "o"))
    return previous


@contextmanager
def private_umask() -> Iterator[None]:
    """Run a block under umask 0o077: files other libraries write are private from the start
    (no window in which a half-written dashboard is world-readable)."""
    had_env = USER_UMASK_ENV in os.environ
    previous = set_private_umask()
    try:
        yield
    finally:
        os.umask(previous)
        if not had_env:
            os.environ.pop(USER_UMASK_ENV, None)


def private_dir(path: str | Path) -> Path:
    """A folder only its owner may enter (0o700), made if missing."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, PRIVATE_DIR)
    return path


def shareable_dir(path: str | Path) -> Path:
    """A folder readers may enter (the user's umask), for reports/<run>/ and its index page.
    Folders made on the way (a new `reports/`) get the same mode, so readers can reach it."""
    path = Path(path)
    missing = [p for p in (path, *path.parents) if not p.exists()]
    path.mkdir(parents=True, exist_ok=True)
    for folder in [path, *missing]:
        os.chmod(folder, shareable_dir_mode())
    return path


def make_private(path: str | Path) -> None:
    path = Path(path)
    if path.is_symlink():
        return
    os.chmod(path, PRIVATE_DIR if path.is_dir() else PRIVATE_FILE)


def make_shareable(path: str | Path) -> None:
    os.chmod(path, shareable_file_mode())


def private_tree(root: str | Path) -> None:
    """Everything under `root` (and `root` itself) owner-only; symbolic links are left alone."""
    root = Path(root)
    if not root.exists() or root.is_symlink():
        return
    make_private(root)
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            make_private(Path(folder) / name)


def seal_run_folders(run_dir: str | Path, report_dir: str | Path) -> None:
    """Apply the policy to a run's two folders: the run folder wholly private; in the report
    folder, the pages for readers shareable and everything else (executed notebooks, Data
    Docs, analyst dashboards, failed pages) private. Called by the runner after each stage, so
    files written by any library end with the right mode whatever the umask was."""
    private_tree(run_dir)
    report_dir = Path(report_dir)
    if not report_dir.is_dir():
        return
    os.chmod(report_dir, shareable_dir_mode())
    for entry in report_dir.iterdir():
        if entry.is_symlink():
            continue
        if entry.is_dir():
            private_tree(entry)
        elif SHAREABLE_PAGE.match(entry.name):
            make_shareable(entry)
        else:
            make_private(entry)


def file_mode(path: str | Path) -> int:
    """The permission bits of a file (for checks and tests)."""
    return stat.S_IMODE(os.stat(path).st_mode)


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
        os.chmod(tmp, PRIVATE_FILE)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def write_text(text: str, path: str | Path, shareable: bool = False) -> Path:
    """Write atomically; private (0o600) unless `shareable` (a page for readers)."""
    path = Path(path)
    fd, tmp = _atomic_target(path)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, shareable_file_mode() if shareable else PRIVATE_FILE)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def write_shareable_text(text: str, path: str | Path) -> Path:
    """A page for readers (index, customer report, a stage page that passed the leak scan):
    readable like any document the user writes."""
    return write_text(text, path, shareable=True)


def write_json(obj: Any, path: str | Path) -> Path:
    return write_text(json.dumps(obj, indent=2, default=str, ensure_ascii=False) + "\n", path)


def read_json(path: str | Path) -> Any:
    return json.loads(Path(path).read_text(encoding="utf-8"))
