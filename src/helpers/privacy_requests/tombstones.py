"""Tombstones: what remains of a person after erasure, so that they are never rebuilt.

An erased person's data is removed from every table, but a company keeps receiving exports
that may still hold them (next month's CRM dump, a partner's list). To suppress them at once
without keeping who they were, each erasure leaves a *tombstone*: keyed hashes
(HMAC-SHA256) of the identifiers their records carried, normalised the way stage 02 does it —

- `email`: the email matching key (case, Gmail dots and +tags folded);
- `phone`: the E.164 number;
- `national_id`: the standardised identity number;
- `name`: the given-name key and its nickname canonical. Not an identifier on its own: an
  email or phone often belongs to a household, so an email or phone hash counts only when the
  record's given name agrees too (or either side has none). A national id needs no name.

The key is random, made once, and kept owner-only (0o600) as `<decisions_dir>/.erasure_key`:
without it a hash cannot be recomputed from a guessed email, so the store alone discloses
nobody. Losing the key makes the tombstones useless (back it up with the store).

The store is `<decisions_dir>/erasures.jsonl`, append-only, one JSON object per line: an
erasure `request` or an `extension` (identifiers an erased person turned up with later), with
when, through what and in which run — never a raw identifier, never a person id.
"""

from __future__ import annotations

import fcntl
import getpass
import hashlib
import hmac
import json
import os
import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from helpers.standardise.countries import standardise_countries
from helpers.standardise.emails import standardise_emails
from helpers.standardise.names import standardise_names
from helpers.standardise.national_ids import standardise_national_ids
from helpers.standardise.phones import standardise_phones

KEY_FILE = ".erasure_key"
STORE_FILE = "erasures.jsonl"
KINDS = ("email", "phone", "national_id", "name")
IDENTIFYING = ("email", "phone", "national_id")  # `name` only confirms an email or phone hit
# clean_records columns that give each kind (stage 02's standardised values)
CLEAN_COLUMNS: dict[str, tuple[str, ...]] = {
    "email": ("email_key",),
    "phone": ("phone_std",),
    "national_id": ("national_id_std",),
    "name": ("first_name_key", "first_name_canonical"),
}


class ErasureKeyError(RuntimeError):
    """The erasure key is missing or unreadable while tombstones exist."""


def _owner_only_file(path: Path, data: bytes) -> None:
    """Create `path` readable by its owner only, refusing to overwrite (O_EXCL)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def load_key(decisions_dir: str | Path, create: bool = False) -> bytes | None:
    """The HMAC key of this decisions store; made (owner-only) when `create` and absent.

    A store that holds tombstones but has lost its key cannot recognise anyone: that stops
    the caller rather than silently letting erased people back in.
    """
    folder = Path(decisions_dir)
    path = folder / KEY_FILE
    if path.exists():
        text = path.read_text(encoding="ascii").strip()
        if len(text) < 64:
            raise ErasureKeyError(
                f"{path} is not a valid erasure key (expected 64 hex characters); "
                "restore it from the backup of the decisions store"
            )
        return bytes.fromhex(text)
    if (folder / STORE_FILE).exists() and read_store(folder):
        raise ErasureKeyError(
            f"{folder / STORE_FILE} holds erasure tombstones but {path} is missing: without it erased "
            "people cannot be recognised. Restore the key from the backup of the decisions store."
        )
    if not create:
        return None
    _private_folder(folder)
    try:
        _owner_only_file(path, secrets.token_hex(32).encode("ascii") + b"\n")
    except FileExistsError:  # made meanwhile by another process: use theirs
        pass
    return load_key(folder)


def require_key(decisions_dir: str | Path) -> bytes:
    """The store's key, made on first use (for writers: a request is about to be recorded)."""
    key = load_key(decisions_dir, create=True)
    assert key is not None  # load_key(create=True) makes one or raises
    return key


def _private_folder(folder: Path) -> None:
    """The decisions store folder, made owner-only (0o700) when this makes it."""
    if not folder.exists():
        folder.mkdir(parents=True, mode=0o700)
        os.chmod(folder, 0o700)


def keyed_hashes(values: pd.Series, kind: str, key: bytes) -> pd.Series:
    """HMAC-SHA256 hex of `kind:value` for each value (None where null or empty).

    Once per distinct value (`factorize`), from a copy of one keyed state rather than a new
    HMAC each time: a million records' identifiers hash in seconds.
    """
    text = values.astype(object)
    given = (text.notna() & (text.astype(str).str.len() > 0)).to_numpy()
    codes, distinct = pd.factorize(text[given].astype(str), sort=False)
    keyed = hmac.new(key, digestmod=hashlib.sha256)
    prefix = f"{kind}:".encode()

    def one(value: str) -> str:
        h = keyed.copy()
        h.update(prefix + value.encode("utf-8"))
        return h.hexdigest()

    hashes = np.array([one(v) for v in distinct], dtype=object)  # a loop over distinct values only
    out = np.full(len(text), None, dtype=object)
    out[given] = hashes[codes] if len(codes) else []
    return pd.Series(out, index=values.index, dtype=object)


def identifiers_of_clean(records: pd.DataFrame) -> pd.DataFrame:
    """(row, kind, value) for every identifier of clean records (stage 02 columns), row = position."""
    parts = []
    for kind, columns in CLEAN_COLUMNS.items():
        for column in columns:
            if column not in records.columns:
                continue
            values = records[column].astype(object).to_numpy()
            given = pd.notna(values)
            parts.append(pd.DataFrame({"row": np.flatnonzero(given), "kind": kind, "value": values[given]}))
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["row", "kind", "value"])
    out["value"] = out["value"].astype(str)
    out = out[out["value"].str.len() > 0]
    return out.drop_duplicates(ignore_index=True)


def standardise_identity(frame: pd.DataFrame, default_country: pd.Series | str | None = None) -> pd.DataFrame:
    """Stage 02's standardised identifiers for rows given as raw text (a suppression row, a
    request typed on the command line): email_key, phone_std, national_id_std, name keys.

    `frame` may hold any of email, phone, national_id, country, first_name, last_name, full_name.
    """

    def column(name: str) -> pd.Series:
        return frame[name].astype(object) if name in frame.columns else pd.Series(None, index=frame.index, dtype=object)

    if isinstance(default_country, str) or default_country is None:
        default_country = pd.Series(default_country, index=frame.index, dtype=object)
    country = standardise_countries(column("country"), default=default_country)["country_std"]
    out = pd.DataFrame(index=frame.index)
    out["email_key"] = standardise_emails(column("email"))["email_key"]
    out["phone_std"] = standardise_phones(column("phone"), country)["phone_std"]
    out["national_id_std"] = standardise_national_ids(column("national_id"), country)["national_id_std"]
    names = standardise_names(pd.DataFrame({c: column(c) for c in ("first_name", "last_name", "full_name")}), country)
    out["first_name_key"] = names["first_name_key"]
    out["first_name_canonical"] = names["first_name_canonical"]
    return out


def hashed_identifiers(records: pd.DataFrame, key: bytes) -> pd.DataFrame:
    """(row, kind, hash) for the identifiers of standardised records (clean-record columns)."""
    idents = identifiers_of_clean(records)
    hashes = [keyed_hashes(part["value"], kind, key) for kind, part in idents.groupby("kind", sort=False)]
    idents["hash"] = pd.concat(hashes).reindex(idents.index) if hashes else pd.Series(dtype=object)
    return idents[["row", "kind", "hash"]]


def hashes_by_kind(hashed: pd.DataFrame) -> dict[str, list[str]]:
    """Sorted distinct hashes per kind (the JSON shape of a store entry)."""
    return {kind: sorted(set(hashed.loc[hashed["kind"] == kind, "hash"].dropna())) for kind in KINDS}


def erasure_id(hashes: dict[str, list[str]]) -> str:
    """A stable id of a request from its identifying hashes: the same request in next month's
    list is the same erasure, recorded once."""
    text = "|".join(f"{k}={','.join(sorted(hashes.get(k, [])))}" for k in IDENTIFYING)
    return "E-" + hashlib.sha256(text.encode("ascii")).hexdigest()[:16]


def make_entry(
    hashes: dict[str, list[str]],
    via: str,
    run_id: str | None,
    kind: str = "request",
    of: str | None = None,
    requested_by: str | None = None,
    note: str | None = None,
) -> dict[str, Any]:
    """One store line: a request (of = None) or an extension of erasure `of`."""
    eid = of or erasure_id(hashes)
    body = json.dumps({"erasure_id": eid, "kind": kind, "hashes": hashes}, sort_keys=True)
    return {
        "entry_id": hashlib.sha256(body.encode("ascii")).hexdigest()[:16],
        "erasure_id": eid,
        "kind": kind,
        "reason": "erasure",
        "recorded_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "requested_via": via,
        "requested_by": requested_by if requested_by is not None else _user(),
        "run_id": run_id,
        "note": note,
        "hashes": {k: list(v) for k, v in hashes.items() if v},
    }


def _user() -> str | None:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name in some containers
        return None


def read_store(decisions_dir: str | Path) -> list[dict[str, Any]]:
    """Every entry of the store, oldest first (an absent store is an empty one)."""
    path = Path(decisions_dir) / STORE_FILE
    if not path.exists():
        return []
    entries = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            entries.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise ValueError(
                f"{path} line {number} is not JSON ({exc.msg}); repair that line — "
                "the store is append-only, nothing else rewrites it"
            ) from None
    return entries


def append_entries(decisions_dir: str | Path, entries: list[dict[str, Any]]) -> int:
    """Append the entries not yet in the store (by entry_id); the file is owner-only. Returns how many."""
    folder = Path(decisions_dir)
    wanted = [e for e in entries if any(e["hashes"].get(k) for k in IDENTIFYING)]
    if not wanted:
        return 0
    _private_folder(folder)
    path = folder / STORE_FILE
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)  # two writers (a run, a forget) never interleave
        known = {e.get("entry_id") for e in read_store(folder)}
        new, seen = [], set()
        for e in wanted:
            if e["entry_id"] not in known and e["entry_id"] not in seen:
                new.append(e)
                seen.add(e["entry_id"])
        if new:  # one write: the batch is in the store whole or not at all
            fh.write("".join(json.dumps(e, ensure_ascii=True, sort_keys=True) + "\n" for e in new))
            fh.flush()
            os.fsync(fh.fileno())
    return len(new)


def tombstone_table(entries: list[dict[str, Any]]) -> pd.DataFrame:
    """(erasure_id, kind, hash) for every hash of every entry: extensions join their erasure."""
    rows = [(e["erasure_id"], kind, h) for e in entries for kind, hs in e.get("hashes", {}).items() for h in hs]
    return pd.DataFrame(rows, columns=["erasure_id", "kind", "hash"]).drop_duplicates(ignore_index=True)


def match_tombstones(hashed: pd.DataFrame, tombstones: pd.DataFrame) -> pd.DataFrame:
    """(row, erasure_id) for every record that a tombstone names.

    A national id hash names a record alone. An email or phone hash names it when the same
    erasure also holds a hash of the record's given name, or when the record or the erasure
    has no given name: people of one household share a landline and often an email, and
    erasing one of them must not erase the others.
    """
    empty = pd.DataFrame({"row": pd.Series(dtype="int64"), "erasure_id": pd.Series(dtype=object)})
    if hashed.empty or tombstones.empty:
        return empty
    ident = hashed[hashed["kind"].isin(IDENTIFYING)]
    hits = ident.merge(tombstones[tombstones["kind"].isin(IDENTIFYING)], on=["kind", "hash"])[
        ["row", "kind", "erasure_id"]
    ]
    if hits.empty:
        return empty
    strong = hits.loc[hits["kind"] == "national_id", ["row", "erasure_id"]]
    weak = hits.loc[hits["kind"] != "national_id", ["row", "erasure_id"]].drop_duplicates()
    names = hashed.loc[hashed["kind"] == "name", ["row", "hash"]]
    stone_names = tombstones.loc[tombstones["kind"] == "name", ["erasure_id", "hash"]]
    agree = weak.merge(names, on="row").merge(stone_names, on=["erasure_id", "hash"])[["row", "erasure_id"]]
    unnamed_row = ~weak["row"].isin(names["row"])
    unnamed_stone = ~weak["erasure_id"].isin(stone_names["erasure_id"])
    out = pd.concat([strong, agree, weak[unnamed_row.to_numpy() | unnamed_stone.to_numpy()]], ignore_index=True)
    return out.drop_duplicates().sort_values(["row", "erasure_id"], ignore_index=True).astype({"row": "int64"})
