"""The decisions store: people's corrections, kept outside run folders and never rewritten.

Why a log and not a table: a decision is evidence about the customers (who said what, when,
why, looking at which run). Overwriting it would lose the history a later disagreement needs,
so every decision — from a review file, `clientela decide`, `merge` or `split` — is one more
line of `decisions.jsonl`; a later decision on the same pair wins when decisions are applied
(`helpers.decisions.resolve`), the earlier one stays in the log.

A batch (one review file, one command) is written with a single `write` on a file opened for
appending, under an exclusive lock: it is in the log whole or not at all, and two writers never
interleave. The line that records a review file as read (`"type": "file"`, with its SHA-256) is
part of the same batch, so a file is never half-applied nor applied twice.

The folder holds personal data (record keys, notes): it is created owner-only (0o700) and every
file in it is 0o600.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

LOG = "decisions.jsonl"
APPLIED = "applied"
KINDS = ("same", "different", "unsure")
RECORD_KEY = re.compile(r"^[^:\s][^:]*:.+$")
DECISION_COLUMNS = [
    "seq",
    "type",
    "decision",
    "record_a",
    "record_b",
    "by",
    "at",
    "note",
    "run_id",
    "origin",
    "match_probability",
]


class DecisionError(ValueError):
    """A decision (or a file of them) that cannot be accepted; the message says what to fix."""


def now_utc() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def check_record_key(value: Any, where: str) -> str:
    """A record key as the pipeline writes it: `SOURCE:ID` (the source's name, a colon, its record id)."""
    text = "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value).strip()
    if not RECORD_KEY.match(text):
        raise DecisionError(
            f"{where}: {text!r} is not a record key; write SOURCE:ID, e.g. crm:10234 "
            "(the source's name in sources.yaml, a colon, the record's id in that source)"
        )
    return text


def pair_key(a: str, b: str) -> tuple[str, str]:
    """A pair the same way round whichever record is named first."""
    return (a, b) if a <= b else (b, a)


@dataclass
class Decision:
    """One person's decision about two records."""

    decision: str  # same | different | unsure
    record_a: str
    record_b: str
    by: str
    note: str = ""
    run_id: str | None = None  # the run the person was looking at
    origin: str = "decide"  # decide | review file NAME row N | merge P1 P2 | split P
    match_probability: float | None = None  # the model's score when the person decided, if known
    at: str = field(default_factory=now_utc)

    def checked(self, where: str) -> Decision:
        kind = str(self.decision).strip().lower()
        if kind not in KINDS:
            raise DecisionError(f"{where}: decision {self.decision!r} is not one of {', '.join(KINDS)}")
        a = check_record_key(self.record_a, f"{where}, first record")
        b = check_record_key(self.record_b, f"{where}, second record")
        if a == b:
            raise DecisionError(f"{where}: both records are {a}; a decision is about two different records")
        if not str(self.by or "").strip():
            raise DecisionError(f"{where}: who decided is missing; give a name (reviewer column, or --by NAME)")
        self.decision, self.record_a, self.record_b, self.by = kind, a, b, str(self.by).strip()
        self.note = "" if self.note is None or (isinstance(self.note, float) and pd.isna(self.note)) else str(self.note)
        return self

    def line(self) -> dict[str, Any]:
        return {
            "type": "decision",
            "decision": self.decision,
            "record_a": self.record_a,
            "record_b": self.record_b,
            "by": self.by,
            "at": self.at,
            "note": self.note,
            "run_id": self.run_id,
            "origin": self.origin,
            "match_probability": self.match_probability,
        }


@dataclass
class DecisionStore:
    """The folder `decisions_dir` and its log."""

    folder: Path

    def __post_init__(self) -> None:
        self.folder = Path(self.folder)

    @property
    def log(self) -> Path:
        return self.folder / LOG

    def ensure(self) -> DecisionStore:
        """Create the folder owner-only; tighten it if it exists with wider rights."""
        self.folder.mkdir(parents=True, exist_ok=True)
        os.chmod(self.folder, 0o700)
        return self

    def append(self, decisions: Iterable[Decision], extra: Iterable[dict[str, Any]] = ()) -> int:
        """Add decisions (already checked) and any bookkeeping lines as one batch; returns decisions added."""
        lines = [d.line() for d in decisions]
        count = len(lines)
        lines += list(extra)
        if not lines:
            return 0
        self.ensure()
        payload = "".join(json.dumps(x, ensure_ascii=False, sort_keys=True) + "\n" for x in lines).encode("utf-8")
        fd = os.open(self.log, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            os.fchmod(fd, 0o600)
            _ensure_line_start(fd)
            written = os.write(fd, payload)
            if written != len(payload):  # a full disk: say so rather than leave a silent half batch
                raise OSError(f"{self.log}: only {written} of {len(payload)} bytes written; free space and retry")
            os.fsync(fd)
        finally:
            os.close(fd)  # closing releases the lock
        return count

    def lines(self) -> list[dict[str, Any]]:
        """Every line of the log, in order; a line that is not JSON (a hand edit) is refused by number."""
        if not self.log.exists():
            return []
        out = []
        with open(self.log, encoding="utf-8") as fh:
            for n, text in enumerate(fh, start=1):
                if not text.strip():
                    continue
                try:
                    item = json.loads(text)
                except json.JSONDecodeError as exc:
                    raise DecisionError(
                        f"{self.log} line {n} is not JSON ({exc.msg}); the log is written by clientela "
                        "only — restore the line from a backup or remove it by hand"
                    ) from exc
                item["seq"] = n
                out.append(item)
        return out

    def decisions(self) -> pd.DataFrame:
        """The decisions of the log as a table, oldest first (`seq` is the line number)."""
        rows = [x for x in self.lines() if x.get("type") == "decision"]
        frame = pd.DataFrame(rows, columns=DECISION_COLUMNS)
        return frame.sort_values("seq", ignore_index=True)

    def with_pending(self, pending: Iterable[Decision]) -> pd.DataFrame:
        """The log's decisions followed by decisions not (yet) kept, numbered after the log's lines."""
        logged = self.decisions()
        extra = [d.line() for d in pending]
        if not extra:
            return logged
        start = int(logged["seq"].max()) if len(logged) else len(self.lines())
        more = pd.DataFrame(extra).assign(seq=range(start + 1, start + 1 + len(extra)))
        return pd.concat([logged, more[DECISION_COLUMNS]], ignore_index=True)

    def files_read(self) -> dict[str, dict[str, Any]]:
        """SHA-256 → the log's record of each review file read."""
        return {x["sha256"]: x for x in self.lines() if x.get("type") == "file"}


def _ensure_line_start(fd: int) -> None:
    """If a previous writer died mid-line, start on a new line so no batch is glued to garbage."""
    size = os.fstat(fd).st_size
    if size == 0:
        return
    if os.pread(fd, 1, size - 1) != b"\n":
        os.write(fd, b"\n")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def resolve_store_dir(value: str | Path, start: Path | None = None) -> Path:
    """`decisions_dir` as an absolute path.

    The runner hands notebooks absolute paths; a relative one is read the way it is written:
    `../data/decisions` (a notebook's own default, relative to `notebooks/`) from the working
    directory, `data/decisions` (config/pipeline.yaml's style) from the project folder, found
    upwards from the working directory — so both a hand run and a scheduled run find one store.
    """
    path = Path(str(value)).expanduser()
    here = (start or Path.cwd()).resolve()
    if path.is_absolute():
        return path
    if path.parts and path.parts[0] == "..":
        return (here / path).resolve()
    from helpers.runner import RunError, find_project_root

    try:
        return find_project_root(here) / path
    except RunError:
        return here / path
