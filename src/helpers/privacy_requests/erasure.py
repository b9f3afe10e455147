"""Erasure: remove an erased person from every table of a run folder, and keep them out.

A request arrives two ways: as a row with reason `erasure` in a suppression list (read by stage
01, applied at the start of stage 04) or as `clientela forget EMAIL|PHONE|ID|PERSON_ID`
(applied at once to `latest` and to every kept run folder). Either way it becomes a tombstone
in the decisions store (`tombstones.py`), and every later run applies all tombstones at the
start of stage 04: a person who reappears in next month's export is recognised by the hashes
of their identifiers and removed before golden records, households, contactability, segments,
exports, the analysts' database and the report are built. Stages 04–08 never see them.

The person is known only after matching, so a tombstone names records (`match_tombstones`),
the links of stage 03 turn those into persons, and every record of those persons goes. What
is removed is counted per table (`erasure_counts.parquet`, counts only) and per source
(`rows_erased` in `source_summary.parquet`), so the row accounting of the run still adds up:
an input row ends in the golden data, in a quarantine with its reason, or erased.

Per table:
- people records (raw, clean, set-aside duplicates), links, match and review pairs: removed;
- stage 01's quarantine (unreadable lines): the line stays counted, its raw text is blanked
  and its reason says it was erased;
- transactions linked to the person: kept as anonymous sales (`customer_ref` removed), so
  revenue figures stay true; interactions (complaints, service cases) linked to them: removed;
- suppression rows: an erasure request keeps only its source, id, reason, channel and date
  (the hashes are in the store); another opt-out whose email or phone no remaining customer
  carries, or a mail preference under their name at their postcode, loses its identifiers too,
  while one still carried by a remaining customer (a shared household email) is kept whole — an
  opt-out is never dropped for someone it still protects;
- change-of-address requests with the person's name and old postcode: removed;
- person id register: the id stays (ids are never reused) with status `erased`; its change
  log rows go;
- tables of later stages in kept runs (golden records, households, contactability, segments,
  exports, `customers.duckdb`): rows of the person removed, the database rebuilt from the
  purged tables; a failed run's database under `failed/` is deleted; Splink's analyst
  dashboards of the run (which show records) are deleted.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from helpers.catalog import T
from helpers.contact.suppressions import normalise_reasons
from helpers.privacy_requests import tombstones as tb
from helpers.storage import atomic_path, write_parquet

COUNTS_TABLE = T.erasure_counts.file
ERASED_REASON = "erased at the data subject's request"
SUPPRESSION_IDENTITY = ["email", "phone", "first_name", "last_name", "full_name", "address_line1", "postcode", "city"]
EMAIL_IN_TEXT = r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}"
ANALYST_FOLDERS = ("analyst_only", "analyst")  # Splink's dashboards (storage.ANALYST_DIR; older runs: analyst)


@dataclass
class ErasureResult:
    """What one application of the tombstones did to one run folder (counts only)."""

    run_dir: Path
    persons: int = 0
    records: int = 0
    requests_recorded: int = 0
    requests_in_lists: int = 0
    requests_without_identifier: int = 0
    extensions_recorded: int = 0
    tables: list[dict[str, Any]] = field(default_factory=list)  # table, removed, anonymised
    notes: list[str] = field(default_factory=list)

    def count(self, table: str, removed: int = 0, anonymised: int = 0) -> None:
        if removed or anonymised:
            self.tables.append({"table": table, "removed": int(removed), "anonymised": int(anonymised)})

    def figures(self) -> dict[str, Any]:
        """The stage record's `erasure` metrics (and the report's 'erasures applied')."""
        return {
            "persons_erased": self.persons,
            "records_erased": self.records,
            "requests_recorded": self.requests_recorded,
            "requests_in_lists": self.requests_in_lists,
            "requests_without_identifier": self.requests_without_identifier,
            "tables": {t["table"]: {"removed": t["removed"], "anonymised": t["anonymised"]} for t in self.tables},
            "notes": list(self.notes),
        }


def decisions_folder(value: str | Path) -> Path:
    """The decisions store as an absolute path, read as the decisions store reads it: the
    runner's absolute path as is; `../data/decisions` (a notebook's default) from the working
    directory; `data/decisions` (config/pipeline.yaml's style) from the project folder."""
    path = Path(str(value)).expanduser()
    if path.is_absolute():
        return path
    if path.parts and path.parts[0] == "..":
        return path.resolve()
    from helpers.runner import RunError, find_project_root

    try:
        return find_project_root() / path
    except RunError:
        return path.resolve()


# --------------------------------------------------------------------------- stage 04


def apply_erasures(
    run_dir: str | Path, decisions_dir: str | Path, run_id: str, report_dir: str | Path | None = None
) -> ErasureResult:
    """Record the erasure requests of this run's suppression lists, then purge the run folder of
    everyone the store's tombstones name. Called at the start of stage 04.

    Requests are recorded before anything is rewritten, so a crash in between leaves the
    tombstones to be applied again by the next run. When this run recorded a new request (or
    found an erased person with new identifiers), the kept run folders beside it are purged
    too (`purge_kept_runs`): backups never keep someone who asked to be forgotten.
    """
    run_dir, decisions_dir = Path(run_dir), Path(decisions_dir)
    result = ErasureResult(run_dir)
    requests = list_requests(run_dir)
    result.requests_in_lists = len(requests)
    entries = tb.read_store(decisions_dir)
    if not entries and requests.empty:
        # nothing asked, nothing stored: no key is made; the summary still says 0 erased per source
        summary = _read(run_dir, T.source_summary.file)
        _finish(run_dir, result, summary, {})
        return result
    key = tb.require_key(decisions_dir)
    if len(requests):
        new_entries, without = request_entries(requests, key, run_id, _default_country(run_dir, requests["source"]))
        result.requests_without_identifier = without
        result.requests_recorded = tb.append_entries(decisions_dir, new_entries)
        entries = tb.read_store(decisions_dir)
    purged, extensions = purge_run(
        run_dir,
        tb.tombstone_table(entries),
        key,
        report_dir=report_dir,
        erase_request_rows=True,
        via=f"run {run_id}",
        run_id=run_id,
    )
    purged.requests_recorded, purged.requests_in_lists = result.requests_recorded, result.requests_in_lists
    purged.requests_without_identifier = result.requests_without_identifier
    purged.extensions_recorded = tb.append_entries(decisions_dir, extensions)
    if purged.requests_recorded or purged.extensions_recorded:
        stones = tb.tombstone_table(tb.read_store(decisions_dir))
        reports = Path(report_dir).parent if report_dir is not None else None
        kept = purge_kept_runs(
            run_dir.parent, reports, stones, key, decisions_dir, skip={run_dir.name}, via=f"run {run_id}"
        )
        purged.notes.extend(f"kept run {name}: {r.persons} persons erased" for name, r in kept.items() if r.persons)
    return purged


def purge_kept_runs(
    processed_dir: Path,
    reports_dir: Path | None,
    stones: pd.DataFrame,
    key: bytes,
    decisions_dir: Path,
    skip: frozenset[str] | set[str] = frozenset(),
    via: str = "",
    persons_in: dict[str, set[str]] | None = None,
) -> dict[str, ErasureResult]:
    """Apply the tombstones to every run folder of `processed_dir` (kept good runs, failed
    runs, the interactive folder) but those in `skip`; extensions found go to the store."""
    out = {}
    for folder in run_folders(processed_dir):
        if folder.name in skip:
            continue
        report = Path(reports_dir) / folder.name if reports_dir is not None else None
        result, extensions = purge_run(
            folder, stones, key, report_dir=report, via=via, persons=(persons_in or {}).get(folder.name)
        )
        tb.append_entries(decisions_dir, extensions)
        out[folder.name] = result
    return out


def list_requests(run_dir: Path) -> pd.DataFrame:
    """The rows of the run's suppression lists whose reason is an erasure (any wording)."""
    path = run_dir / T.suppressions.file
    if not path.exists():
        return pd.DataFrame()
    sup = pd.read_parquet(path)
    if "reason" not in sup.columns or sup.empty:
        return sup.iloc[0:0]
    return sup[(normalise_reasons(sup["reason"]) == "erasure").to_numpy()]


def _default_country(run_dir: Path, sources: pd.Series) -> pd.Series:
    path = run_dir / T.source_summary.file
    if not path.exists():
        return pd.Series(None, index=sources.index, dtype=object)
    summary = pd.read_parquet(path, columns=["source", "default_country"]).drop_duplicates("source")
    return sources.map(summary.set_index("source")["default_country"]).astype(object)


def request_entries(
    requests: pd.DataFrame, key: bytes, run_id: str | None, default_country: pd.Series | None = None
) -> tuple[list[dict], int]:
    """One store entry per erasure row of a list (rows repeated in later exports give the same
    entry, recorded once), and how many rows carry no usable identifier at all.

    `default_country`: per row, its source's `country:` (to read national phone numbers)."""
    rows = requests.reset_index(drop=True)
    if default_country is not None:
        default_country = pd.Series(default_country.to_numpy(), index=rows.index, dtype=object)
    identity = tb.standardise_identity(rows, default_country)
    hashed = tb.hashed_identifiers(identity, key)
    entries, without = [], 0
    for position, group in hashed.groupby("row", sort=True):  # one entry per request row (few)
        hashes = tb.hashes_by_kind(group)
        if not any(hashes[k] for k in tb.IDENTIFYING):
            continue
        source = str(rows.loc[position, "source"]) if "source" in rows.columns else "?"
        entries.append(tb.make_entry(hashes, via=f"suppression list {source}", run_id=run_id, requested_by=None))
    identified = set(hashed.loc[hashed["kind"].isin(tb.IDENTIFYING), "row"])
    without = len(rows) - len(identified)
    return entries, without


# --------------------------------------------------------------------------- one run folder


def _read(run_dir: Path, name: str) -> pd.DataFrame | None:
    path = run_dir / name
    return pd.read_parquet(path) if path.exists() else None


def _write(run_dir: Path, name: str, frame: pd.DataFrame) -> None:
    write_parquet(frame.reset_index(drop=True), run_dir / name)


def _raw_value_pattern(raw: pd.DataFrame) -> str | None:
    """A case-insensitive alternation of the erased records' identifiers as written (emails,
    phones, ids, cards), to find them inside unparsed lines of text."""
    values: set[str] = set()
    for column in ("email", "phone", "national_id", "loyalty_card"):
        if column in raw.columns:
            values |= {str(v).strip() for v in raw[column].dropna() if len(str(v).strip()) >= 5}
    if not values:
        return None
    return "|".join(re.escape(v) for v in sorted(values, key=len, reverse=True))


def _text_hits(text: pd.Series, pattern: str | None, key: bytes, stones: pd.DataFrame) -> np.ndarray:
    """Lines of text holding an erased value: one of the records' own values as written, or an
    email whose hash is a tombstone (a reappearing person's line that could not be parsed)."""
    hit = np.zeros(len(text), dtype=bool)
    given = text.notna().to_numpy()
    if not given.any():
        return hit
    t = text.astype("string")
    if pattern:
        hit |= t.str.contains(pattern, case=False, regex=True).fillna(False).to_numpy(bool)
    emails = t.str.extractall(f"({EMAIL_IN_TEXT})")
    if len(emails) and len(stones):
        found = emails[0].rename("email").reset_index(level=1, drop=True)
        keys = tb.standardise_identity(found.to_frame().reset_index(drop=True))["email_key"]
        hashes = tb.keyed_hashes(keys, "email", key)
        bad = set(stones.loc[stones["kind"] == "email", "hash"])
        positions = found.index.to_numpy()[hashes.isin(bad).to_numpy()]
        hit |= text.index.isin(positions)
    return hit


def purge_run(
    run_dir: str | Path,
    stones: pd.DataFrame,
    key: bytes,
    report_dir: str | Path | None = None,
    erase_request_rows: bool = True,
    via: str = "",
    run_id: str | None = None,
    persons: set[str] | None = None,
) -> tuple[ErasureResult, list[dict]]:
    """Rewrite the run folder's tables without everyone the tombstones (or `persons`) name.

    Returns the counts and the store `extension` entries for identifiers the erased persons
    carry in this run that their tombstone did not yet hold (a new phone, another email).
    """
    run_dir = Path(run_dir)
    result = ErasureResult(run_dir)
    extensions: list[dict] = []
    clean = _read(run_dir, T.clean_records.file)
    links = _read(run_dir, T.record_links.file)
    raw = _read(run_dir, T.raw_records.file)
    summary = _read(run_dir, T.source_summary.file)
    persons = set(persons or ())
    erased_keys: set[str] = set()
    person_of_erasure = pd.DataFrame(columns=["person_id", "erasure_id"])
    hashed = None  # (row, kind, hash) of every clean record: computed once, used three times
    if clean is not None and len(clean) and len(stones):
        clean = clean.reset_index(drop=True)
        hashed = tb.hashed_identifiers(clean, key)
        hits = tb.match_tombstones(hashed, stones)
        hit_keys = clean["record_key"].to_numpy()[hits["row"].to_numpy()]
        if links is not None:
            person_of = links.drop_duplicates("record_key").set_index("record_key")["person_id"]
            person_of_erasure = (
                pd.DataFrame(
                    {"person_id": person_of.reindex(hit_keys).to_numpy(), "erasure_id": hits["erasure_id"].to_numpy()}
                )
                .dropna()
                .drop_duplicates()
            )
            persons |= set(person_of_erasure["person_id"])
        else:  # a run stopped before matching: the records themselves
            erased_keys |= set(hit_keys)
    if links is not None and persons:
        erased_keys |= set(links.loc[links["person_id"].isin(persons), "record_key"])
    if not erased_keys and not persons:
        _text_only_purge(run_dir, result, key, stones)
        _finish(run_dir, result, summary, {})
        return result, extensions

    # Extensions: identifiers of the erased persons' records their tombstone lacks.
    if clean is not None and hashed is not None and len(person_of_erasure) and links is not None:
        keyed = links[["record_key", "person_id"]].merge(person_of_erasure, on="person_id")
        rows = clean.reset_index(names="_row").merge(keyed, on="record_key")[["_row", "erasure_id"]]
        theirs = hashed.merge(rows.rename(columns={"_row": "row"}), on="row")
        known = stones[["erasure_id", "kind", "hash"]].assign(_known=True)
        fresh = theirs.merge(known, on=["erasure_id", "kind", "hash"], how="left")
        fresh = fresh[fresh["_known"].isna()]
        for eid, group in fresh.groupby("erasure_id", sort=True):  # one per erasure: a few
            hashes = tb.hashes_by_kind(group)
            if any(hashes[k] for k in tb.IDENTIFYING):
                extensions.append(tb.make_entry(hashes, via=via or "purge", run_id=run_id, kind="extension", of=eid))

    per_source: dict[str, int] = {}
    erased_rows = pd.DataFrame({"source": pd.Series(dtype=str), "source_row_number": pd.Series(dtype="int64")})
    if clean is not None:
        gone = clean["record_key"].isin(erased_keys).to_numpy()
        erased_rows = clean.loc[gone, ["source", "source_row_number"]].astype(
            {"source": str, "source_row_number": "int64"}
        )
        result.count(T.clean_records.file, removed=int(gone.sum()))
        _write(run_dir, T.clean_records.file, clean[~gone])
    erased_raw = (
        raw.merge(erased_rows.drop_duplicates(), on=["source", "source_row_number"]) if raw is not None else None
    )
    pattern = _raw_value_pattern(erased_raw) if erased_raw is not None else None

    cq = _read(run_dir, T.clean_quarantine.file)
    if cq is not None and len(cq):
        ref = pd.to_numeric(cq["reason"].astype("string").str.extract(r"at row (\d+)$")[0], errors="coerce")
        dup_of = pd.MultiIndex.from_arrays([cq["source"].astype(str), ref.astype("Int64")])
        erased_index = pd.MultiIndex.from_arrays(
            [erased_rows["source"].astype(str), pd.Series(erased_rows["source_row_number"]).astype("Int64")]
        )
        gone = dup_of.isin(erased_index) | _text_hits(cq["raw"], pattern, key, stones)
        if gone.any():
            more = cq.loc[gone, ["source", "source_row_number"]].astype({"source": str, "source_row_number": "int64"})
            erased_rows = pd.concat([erased_rows, more], ignore_index=True)
            result.count(T.clean_quarantine.file, removed=int(gone.sum()))
            _write(run_dir, T.clean_quarantine.file, cq[~gone])
    if raw is not None:
        index = pd.MultiIndex.from_frame(
            raw[["source", "source_row_number"]].astype({"source": str, "source_row_number": "int64"})
        )
        gone = index.isin(pd.MultiIndex.from_frame(erased_rows)) if len(erased_rows) else np.zeros(len(raw), dtype=bool)
        per_source = raw.loc[gone, "source"].value_counts().to_dict()
        result.records = int(gone.sum())
        result.count(T.raw_records.file, removed=int(gone.sum()))
        _write(run_dir, T.raw_records.file, raw[~gone])
    _purge_quarantine(run_dir, result, pattern, key, stones)

    if links is not None:
        gone = links["record_key"].isin(erased_keys).to_numpy()
        result.count(T.record_links.file, removed=int(gone.sum()))
        _write(run_dir, T.record_links.file, links[~gone])
    for name in (T.match_pairs.file, T.review_pairs.file):
        pairs = _read(run_dir, name)
        if pairs is not None and {"unique_id_l", "unique_id_r"} <= set(pairs.columns):
            gone = (pairs["unique_id_l"].isin(erased_keys) | pairs["unique_id_r"].isin(erased_keys)).to_numpy()
            if gone.any():
                result.count(name, removed=int(gone.sum()))
                _write(run_dir, name, pairs[~gone])
    register = _read(run_dir, T.person_ids.file)
    if register is not None and persons:
        hit = register["person_id"].isin(persons)
        register.loc[hit, "status"] = "erased"
        if "merged_into" in register.columns:
            register.loc[hit, "merged_into"] = None
        result.count(T.person_ids.file, anonymised=int(hit.sum()))
        _write(run_dir, T.person_ids.file, register)
    changes = _read(run_dir, T.person_id_changes.file)
    if changes is not None and len(changes):
        gone = changes["person_id"].isin(persons) | changes.get("other_person_id", pd.Series(False)).isin(persons)
        if gone.any():
            result.count(T.person_id_changes.file, removed=int(gone.sum()))
            _write(run_dir, T.person_id_changes.file, changes[~gone.to_numpy()])

    if links is not None and summary is not None and persons:
        _purge_events(run_dir, result, summary, links, clean, persons, per_source)
    kept_raw = None  # the raw rows left, set-aside duplicates of the erased excluded
    if raw is not None:
        where = pd.MultiIndex.from_frame(
            raw[["source", "source_row_number"]].astype({"source": str, "source_row_number": "int64"})
        )
        kept_raw = raw[~where.isin(pd.MultiIndex.from_frame(erased_rows))] if len(erased_rows) else raw
    _purge_suppressions(
        run_dir, result, key, stones, erase_request_rows, clean, hashed, erased_keys, erased_raw, kept_raw
    )
    if erased_raw is not None and len(erased_raw):
        _purge_address_changes(run_dir, result, erased_raw, per_source)
    _purge_later_stages(run_dir, result, persons, erased_keys, report_dir)
    result.persons = len(persons)
    _finish(run_dir, result, summary, per_source)
    return result, extensions


def _text_only_purge(run_dir: Path, result: ErasureResult, key: bytes, stones: pd.DataFrame) -> None:
    """No erased person among this run's records: their lines may still sit unparsed in a quarantine."""
    if len(stones):
        _purge_quarantine(run_dir, result, None, key, stones)


def _purge_quarantine(
    run_dir: Path, result: ErasureResult, pattern: str | None, key: bytes, stones: pd.DataFrame
) -> None:
    q = _read(run_dir, T.quarantine.file)
    if q is None or not len(q) or "raw" not in q.columns:
        return
    hit = _text_hits(q["raw"], pattern, key, stones) & (q["reason"] != ERASED_REASON).to_numpy()
    if hit.any():
        q.loc[hit, "raw"] = None
        q.loc[hit, "source_record_id"] = None
        q.loc[hit, "reason"] = ERASED_REASON
        result.count(T.quarantine.file, anonymised=int(hit.sum()))
        _write(run_dir, T.quarantine.file, q)


def _purge_events(
    run_dir: Path,
    result: ErasureResult,
    summary: pd.DataFrame,
    links: pd.DataFrame,
    clean: pd.DataFrame | None,
    persons: set[str],
    per_source: dict[str, int],
) -> None:
    """Sales of the erased become anonymous sales; their service cases and complaints go."""
    from helpers.transactions import link_to_persons

    for name, drop in ((T.transactions.file, False), (T.interactions.file, True)):
        events = _read(run_dir, name)
        if events is None or not len(events) or "customer_ref" not in events.columns:
            continue
        try:
            linked = link_to_persons(events, summary, links, clean)
        except ValueError as exc:  # a links_to field the records lack: stage 07 names it
            result.notes.append(f"{name}: not linked ({exc})")
            continue
        hit = linked["person_id"].isin(persons).to_numpy()
        if not hit.any():
            continue
        if drop:
            for source, n in events.loc[hit, "source"].value_counts().items():
                per_source[source] = per_source.get(source, 0) + int(n)
            result.count(name, removed=int(hit.sum()))
            _write(run_dir, name, events[~hit])
        else:
            events.loc[hit, "customer_ref"] = None
            result.count(name, anonymised=int(hit.sum()))
            _write(run_dir, name, events)


def _purge_suppressions(
    run_dir: Path,
    result: ErasureResult,
    key: bytes,
    stones: pd.DataFrame,
    erase_request_rows: bool,
    clean: pd.DataFrame | None,
    clean_hashed: pd.DataFrame | None,
    erased_keys: set[str],
    erased_raw: pd.DataFrame | None = None,
    kept_raw: pd.DataFrame | None = None,
) -> None:
    sup = _read(run_dir, T.suppressions.file)
    if sup is None or not len(sup):
        return
    sup = sup.reset_index(drop=True)
    identity = tb.standardise_identity(sup, _default_country(run_dir, sup["source"]))
    hashed = tb.hashed_identifiers(identity[["email_key", "phone_std"]], key)
    erased_hashes = set(stones.loc[stones["kind"].isin(tb.IDENTIFYING), "hash"])
    kept_hashes: set[str] = set()
    if clean is not None and clean_hashed is not None and len(clean):
        gone = clean["record_key"].isin(erased_keys).to_numpy()
        of_erased = gone[clean_hashed["row"].to_numpy()]
        erased_hashes |= set(clean_hashed.loc[of_erased, "hash"])
        kept_hashes = set(
            clean_hashed.loc[~of_erased & clean_hashed["kind"].isin(["email", "phone"]).to_numpy(), "hash"]
        )
    hashed["erased"] = hashed["hash"].isin(erased_hashes) & ~hashed["hash"].isin(kept_hashes)
    by_row = hashed.groupby("row")["erased"].all()  # every identifier of the row belongs only to the erased
    hit = np.zeros(len(sup), dtype=bool)
    hit[by_row.index[by_row.to_numpy()].to_numpy(dtype=np.int64)] = True
    if erased_raw is not None and len(erased_raw):  # a mail preference: a name at a postcode, theirs alone
        theirs = _name_postcodes(erased_raw, "postcode") - (
            _name_postcodes(kept_raw, "postcode") if kept_raw is not None else set()
        )
        named = pd.Series(
            list(
                zip(
                    _name_keys(_col(sup, "first_name"), _col(sup, "last_name"), _col(sup, "full_name")),
                    _postcode(_col(sup, "postcode")),
                )
            ),
            index=sup.index,
        )
        hit |= named.isin(theirs).to_numpy() & (_postcode(_col(sup, "postcode")) != "").to_numpy()
    if erase_request_rows and "reason" in sup.columns:
        hit |= (normalise_reasons(sup["reason"]) == "erasure").fillna(False).to_numpy(bool)
    columns = [c for c in SUPPRESSION_IDENTITY if c in sup.columns]
    has_identity = sup[columns].notna().any(axis=1).to_numpy() if columns else np.zeros(len(sup), dtype=bool)
    hit &= has_identity
    if hit.any():
        sup.loc[hit, columns] = None
        result.count(T.suppressions.file, anonymised=int(hit.sum()))
        _write(run_dir, T.suppressions.file, sup)


def _col(frame: pd.DataFrame, name: str) -> pd.Series:
    return frame[name] if name in frame.columns else pd.Series(None, index=frame.index, dtype=object)


def _postcode(values: pd.Series) -> pd.Series:
    return values.fillna("").astype(str).str.upper().str.replace(r"[\s\-]", "", regex=True)


def _name_postcodes(frame: pd.DataFrame, postcode_column: str) -> set[tuple[str, str]]:
    """(name, postcode) of each row, both written loosely ('Ana  LÓPEZ', '28-001'), empty names left out."""
    names = _name_keys(_col(frame, "first_name"), _col(frame, "last_name"), _col(frame, "full_name"))
    return {(n, c) for n, c in zip(names, _postcode(_col(frame, postcode_column))) if n and c}


def _name_keys(first: pd.Series, last: pd.Series, full: pd.Series) -> pd.Series:
    text = (first.fillna("").astype(str) + " " + last.fillna("").astype(str)).str.strip()
    text = text.where(text.str.len() > 0, full.fillna("").astype(str))
    return text.str.lower().str.replace(r"[^\w]+", " ", regex=True).str.strip()


def _purge_address_changes(
    run_dir: Path, result: ErasureResult, erased_raw: pd.DataFrame, per_source: dict[str, int]
) -> None:
    """Change-of-address requests under an erased person's name at their old postcode."""
    moves = _read(run_dir, T.address_changes.file)
    if moves is None or not len(moves):
        return

    theirs = _name_postcodes(erased_raw, "postcode")
    keys = pd.Series(
        list(
            zip(
                _name_keys(_col(moves, "first_name"), _col(moves, "last_name"), _col(moves, "full_name")),
                _postcode(_col(moves, "old_postcode")),
            )
        ),
        index=moves.index,
    )
    hit = keys.isin(theirs).to_numpy() & (_postcode(_col(moves, "old_postcode")) != "").to_numpy()
    if hit.any():
        for source, n in moves.loc[hit, "source"].value_counts().items():
            per_source[source] = per_source.get(source, 0) + int(n)
        result.count(T.address_changes.file, removed=int(hit.sum()))
        _write(run_dir, T.address_changes.file, moves[~hit])


def _purge_later_stages(
    run_dir: Path, result: ErasureResult, persons: set[str], erased_keys: set[str], report_dir: str | Path | None
) -> None:
    """Tables of stages 04–08 (kept runs): rows of the erased go, exports and database follow."""
    handled = {
        T.clean_records.file,
        T.record_links.file,
        T.raw_records.file,
        T.clean_quarantine.file,
        T.person_ids.file,
        T.person_id_changes.file,
        T.transactions.file,
        T.interactions.file,
        T.suppressions.file,
        T.address_changes.file,
        T.quarantine.file,
        COUNTS_TABLE,
    }
    changed = False
    contacts: set[str] = set()
    for path in sorted(run_dir.glob("*.parquet")):
        names = set(pq.read_schema(path).names)
        if path.name in handled or not names & {"person_id", "primary_person_id", "record_key"}:
            continue  # a table about no one in particular (profiles, pairs handled above): not even read
        frame = pd.read_parquet(path)
        hit = np.zeros(len(frame), dtype=bool)
        for column in ("person_id", "primary_person_id"):
            if column in frame.columns:
                hit |= frame[column].isin(persons).to_numpy()
        if "record_key" in frame.columns:
            hit |= frame["record_key"].isin(erased_keys).to_numpy()
        if not hit.any():
            continue
        if "contact" in frame.columns:
            contacts |= {str(v) for v in frame.loc[hit, "contact"].dropna()}
        if path.name == T.transactions_linked.file:  # sales stay, as anonymous ones
            for column in ("person_id", "customer_ref"):
                if column in frame.columns:
                    frame.loc[hit, column] = None
            if "link_status" in frame.columns:
                frame.loc[hit, "link_status"] = "anonymous"
            result.count(path.name, anonymised=int(hit.sum()))
        elif path.name == T.households.file and "members" in frame.columns:
            alone = hit & (pd.to_numeric(frame["members"], errors="coerce").fillna(1) <= 1).to_numpy()
            frame.loc[hit & ~alone, "primary_person_id"] = None  # the others keep their household
            result.count(path.name, removed=int(alone.sum()), anonymised=int((hit & ~alone).sum()))
            frame = frame[~alone]
        else:
            result.count(path.name, removed=int(hit.sum()))
            frame = frame[~hit]
        _write(run_dir, path.name, frame)
        changed = True
    for folder in (run_dir / "exports", run_dir / "failed" / "exports"):
        changed |= _purge_exports(folder, result, persons, contacts)
    if (run_dir / "customers.duckdb").exists() and changed:
        from helpers.segment.database import build_customer_database

        build_customer_database(run_dir)
        result.count("customers.duckdb", anonymised=1)
    failed_db = run_dir / "failed" / "customers.duckdb"
    if failed_db.exists() and persons:
        failed_db.unlink()
        result.notes.append("failed/customers.duckdb deleted (a failed run's database is not rebuilt)")
    if report_dir is not None and persons:
        for name in ANALYST_FOLDERS:
            analyst = Path(report_dir) / name
            if analyst.is_dir():
                shutil.rmtree(analyst)
                result.notes.append(f"{analyst} deleted: Splink's dashboards show the erased person's records")


def _purge_exports(folder: Path, result: ErasureResult, persons: set[str], contacts: set[str]) -> bool:
    changed = False
    for csv in sorted(folder.glob("*.csv")) if folder.is_dir() else []:
        frame = pd.read_csv(csv, dtype=str, keep_default_na=False, encoding="utf-8")
        if "person_id" in frame.columns:
            hit = frame["person_id"].isin(persons).to_numpy()
        else:  # a list exported without ids: its contact values
            hit = frame.isin(contacts).any(axis=1).to_numpy() if contacts else np.zeros(len(frame), dtype=bool)
        if not hit.any():
            continue
        kept = frame[~hit].reset_index(drop=True)
        with atomic_path(csv) as tmp:
            kept.to_csv(tmp, index=False, encoding="utf-8", lineterminator="\r\n")
        xlsx = csv.with_suffix(".xlsx")
        if xlsx.exists():
            from helpers.sheets import XLSX_OPTIONS

            with atomic_path(xlsx) as tmp:
                with pd.ExcelWriter(tmp, engine="xlsxwriter", engine_kwargs={"options": XLSX_OPTIONS}) as writer:
                    kept.to_excel(writer, index=False, sheet_name=csv.stem[:31])
        result.count(f"exports/{csv.name}", removed=int(hit.sum()))
        changed = True
    return changed


def _finish(run_dir: Path, result: ErasureResult, summary: pd.DataFrame | None, per_source: dict[str, int]) -> None:
    """Per-source `rows_erased` in the source summary and the run's erasure count log."""
    if summary is not None:
        had = "rows_erased" in summary.columns
        before = summary["rows_erased"] if had else pd.Series(0, index=summary.index)
        add = summary["source"].map(per_source).fillna(0)
        summary["rows_erased"] = (before.fillna(0) + add).astype("int64")
        if per_source or not had:  # the column is always there once erasures were looked for
            _write(run_dir, T.source_summary.file, summary)
    if not result.tables:
        return
    log = _read(run_dir, COUNTS_TABLE)
    rows = pd.DataFrame(result.tables).assign(
        applied_at=datetime.now(UTC).isoformat(timespec="seconds"), persons=result.persons
    )
    _write(run_dir, COUNTS_TABLE, pd.concat([log, rows], ignore_index=True) if log is not None else rows)


# --------------------------------------------------------------------------- clientela forget


class AmbiguousRequest(ValueError):
    """An identifier typed for `forget` names several persons."""


@dataclass
class ForgetOutcome:
    erasure_ids: list[str]
    persons: int
    runs: dict[str, ErasureResult]


def identify(request: str, country: str | None = None) -> pd.DataFrame:
    """A request typed on the command line as a one-row raw identity (email, phone or national id)."""
    text = request.strip()
    if "@" in text:
        return pd.DataFrame({"email": [text]})
    digits = re.sub(r"[\s().\-/]", "", text)
    if re.fullmatch(r"\+?\d{6,15}", digits):
        return pd.DataFrame({"phone": [text], "country": [country]})
    return pd.DataFrame({"national_id": [text], "country": [country]})


def run_folders(processed_dir: str | Path) -> list[Path]:
    """Every run folder holding tables (kept good runs, failed runs, `interactive`), real folders only."""
    base = Path(processed_dir)
    if not base.is_dir():
        return []
    return sorted(d for d in base.iterdir() if d.is_dir() and not d.is_symlink() and any(d.glob("*.parquet")))


def forget(
    requests: list[str],
    processed_dir: str | Path,
    reports_dir: str | Path | None,
    decisions_dir: str | Path,
    country: str | None = None,
    note: str | None = None,
) -> ForgetOutcome:
    """Erase people now: record their tombstones, then purge `latest` and every kept run folder.

    A request is an email, a phone (E.164, or national with `country`), a national id, or a
    person id of `latest` (`C000000123`). The tombstone holds the hashes of every identifier
    the person's records carry in `latest`, so a new email or phone of theirs is caught as well.
    A request that names nobody in `latest` is still recorded: they are kept out if they come.
    """
    processed_dir, decisions_dir = Path(processed_dir), Path(decisions_dir)
    key = tb.require_key(decisions_dir)
    latest = processed_dir / "latest"
    clean = pd.read_parquet(latest / T.clean_records.file) if (latest / T.clean_records.file).exists() else None
    links = pd.read_parquet(latest / T.record_links.file) if (latest / T.record_links.file).exists() else None
    entries, person_ids = [], set()
    for request in requests:
        person = None
        if clean is not None and links is not None and links["person_id"].eq(request.strip()).any():
            person = request.strip()
            theirs = clean[clean["record_key"].isin(links.loc[links["person_id"] == person, "record_key"])]
            hashed = tb.hashed_identifiers(theirs.reset_index(drop=True), key)
        else:
            identity = tb.standardise_identity(identify(request, country))
            hashed = tb.hashed_identifiers(identity, key)
            if not len(hashed[hashed["kind"].isin(tb.IDENTIFYING)]):
                raise ValueError(
                    f"'{request}' is not a usable email, phone, national id or person id of "
                    f"{latest}; a national phone number needs --country"
                )
            if clean is not None and links is not None:
                stones = hashed.rename(columns={"row": "erasure_id"}).astype({"erasure_id": str})
                rec = tb.hashed_identifiers(clean.reset_index(drop=True), key)
                rec = rec[rec["kind"].isin(tb.IDENTIFYING)]  # typed alone: no name to confirm with
                rows = rec.merge(stones[stones["kind"].isin(tb.IDENTIFYING)], on=["kind", "hash"])["row"]
                keys = clean["record_key"].to_numpy()[rows.unique()]
                if links is not None and len(keys):
                    found = set(links.loc[links["record_key"].isin(keys), "person_id"])
                    if len(found) > 1:  # a shared household email or landline: say whom
                        raise AmbiguousRequest(
                            f"'{request}' is on the records of {len(found)} persons in {latest} "
                            f"({', '.join(sorted(found))}); give the person id of the one to forget"
                        )
                    person_ids |= found
                    all_keys = links.loc[links["person_id"].isin(found), "record_key"]
                    theirs = clean[clean["record_key"].isin(all_keys)].reset_index(drop=True)
                    hashed = pd.concat([hashed, tb.hashed_identifiers(theirs, key)], ignore_index=True)
        if person:
            person_ids.add(person)
        entries.append(tb.make_entry(tb.hashes_by_kind(hashed), via="clientela forget", run_id=None, note=note))
    tb.append_entries(decisions_dir, entries)
    stones = tb.tombstone_table(tb.read_store(decisions_dir))
    latest_name = latest.resolve().name if latest.exists() else None
    runs = purge_kept_runs(
        processed_dir,
        Path(reports_dir) if reports_dir else None,
        stones,
        key,
        decisions_dir,
        via="clientela forget",
        persons_in={latest_name: person_ids} if latest_name else None,
    )
    return ForgetOutcome([e["erasure_id"] for e in entries], len(person_ids), runs)
