"""What a run was made from: input-file hashes, the code's git commit, the package versions.

A number in a report is only trustworthy when one can say which files and which code produced
it. The manifest's `provenance` answers that months later: the sha256 of every file in the
registry (streamed in 1 MB chunks, so a file of gigabytes costs disk speed, not memory), the
commit of the project checkout (and whether it had uncommitted changes), and the versions of
the packages whose behaviour shapes the results.
"""

from __future__ import annotations

import hashlib
import platform
import subprocess
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

KEY_PACKAGES = ("clientela", "pandas", "pyarrow", "duckdb", "splink", "great_expectations", "papermill")
CHUNK = 1 << 20


def sha256_file(path: str | Path) -> str:
    """The file's sha256, read in 1 MB chunks (hashlib releases the GIL while it hashes)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def file_record(path: str | Path, name: str | None = None) -> dict[str, Any]:
    """Name, path, size, modification time and sha256 of one input; a missing file says so."""
    path = Path(path)
    record: dict[str, Any] = {"name": name, "path": str(path)}
    try:
        info = path.stat()
        record.update(
            bytes=info.st_size,
            modified_at=datetime.fromtimestamp(info.st_mtime, UTC).isoformat(timespec="seconds"),
            sha256=sha256_file(path),
        )
    except OSError as exc:
        record.update(bytes=None, modified_at=None, sha256=None, error=f"{type(exc).__name__}: {exc.strerror or exc}")
    return record


def input_hashes(registry: Any) -> list[dict[str, Any]]:
    """One record per source of the registry, plus the registry file itself."""
    records = [file_record(registry.path, "(registry)")]
    records += [file_record(source.path, source.name) for source in registry.sources]
    return records


def git_commit(folder: str | Path) -> dict[str, Any] | None:
    """The checkout's commit and whether it has uncommitted changes to tracked files; None when
    the folder is not in a git checkout or git is not installed."""

    def git(*args: str) -> str:
        done = subprocess.run(["git", "-C", str(folder), *args], capture_output=True, text=True, timeout=20, check=True)
        return done.stdout.strip()

    try:
        commit = git("rev-parse", "HEAD")
        dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
    except (OSError, subprocess.SubprocessError):
        return None
    return {"commit": commit, "dirty": dirty}


def package_versions(names: tuple[str, ...] = KEY_PACKAGES) -> dict[str, str | None]:
    """Python's and the key packages' versions (None for a package that is not installed)."""
    versions: dict[str, str | None] = {"python": platform.python_version()}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def provenance(registry: Any, project: str | Path) -> dict[str, Any]:
    return {"inputs": input_hashes(registry), "git": git_commit(project), "packages": package_versions()}


def provenance_in_background(registry: Any, project: str | Path) -> Future:
    """Hash the inputs on a thread while the first stage runs (hashing is I/O and C code that
    releases the GIL); the runner collects the result before it writes the final manifest."""
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="clientela-provenance")
    future = pool.submit(provenance, registry, project)
    pool.shutdown(wait=False)
    return future
