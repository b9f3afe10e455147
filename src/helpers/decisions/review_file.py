"""The clerical-review worklist as a spreadsheet a person works in, and reading it back.

Stage 03 writes `review/review_pairs.xlsx` and `.csv` in the run folder (personal data: the run
folder only). One row per pair: the reviewer's columns first (`decision`, `reviewer`, `note`),
then the score and the evidence in words — what agreed and what differed, from the labels of
the model's comparison levels — then both records side by side, field by field.

A filled-in copy dropped into the decisions store is read by the next run (`ingest_dropped`):
every row with a decision is checked first; a file with any bad row is refused whole, naming
the row and what to write, and nothing of it is applied. A file read is remembered by its
SHA-256 (a line of the log, written in the same batch as its decisions) and moved to
`applied/`, so it is never applied twice.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.decisions.resolve import ordered_pairs
from helpers.decisions.store import KINDS, Decision, DecisionError, DecisionStore, now_utc, sha256_of
from helpers.sheets import write_for_people
from helpers.storage import atomic_path

REVIEW_STEM = "review_pairs"
PERSON_COLUMNS = ["decision", "reviewer", "note"]
FIELDS = {  # column of the sheet → clean-record columns, first filled wins
    "source": ["source"],
    "id": ["source_record_id"],
    "name": ["_name"],
    "birth_date": ["_birth_date"],
    "email": ["email_std", "email"],
    "phone": ["phone_std", "phone"],
    "address": ["_address"],
    "postcode": ["postcode_std", "postcode"],
    "city": ["city_std", "city"],
    "country": ["country_std", "country"],
    "national_id": ["national_id_std", "national_id"],
}
CLEAN_FOR_REVIEW = [
    "record_key",
    "source",
    "source_record_id",
    "title",
    "first_name_std",
    "middle_name_std",
    "last_name_std",
    "full_name",
    "first_name",
    "last_name",
    "date_of_birth_std",
    "date_of_birth",
    "email_std",
    "email",
    "phone_std",
    "phone",
    "address_line1_std",
    "address_line1",
    "address_line2_std",
    "address_line2",
    "postcode_std",
    "postcode",
    "city_std",
    "city",
    "country_std",
    "country",
    "national_id_std",
    "national_id",
]
READABLE = {
    "first_name": "given name",
    "last_name": "surname",
    "date_of_birth": "birth date",
    "national_id": "national id",
    "job_title": "job title",
}


def _words(label: str) -> str:
    """A comparison level's chart label as a reviewer reads it."""
    if label.startswith("Exact match"):
        return "same"
    if label == "All other comparisons":
        return "different"
    return label[:1].lower() + label[1:]


def evidence_in_words(pairs: pd.DataFrame, model: dict) -> tuple[pd.Series, pd.Series]:
    """What counted for and against each pair: 'birth date: same; email: same' / 'phone: different'.

    From each comparison's level (`gamma_<c>`) and its match weight (`mw_<c>`, the sign says
    for or against); a comparison without values on one side says nothing and is left out.
    One vectorised pass per comparison.
    """
    n = len(pairs)
    plus = np.full(n, "", dtype=object)
    minus = np.full(n, "", dtype=object)
    for comp in model.get("comparisons", []):
        name = comp["output_column_name"]
        if f"gamma_{name}" not in pairs:
            continue
        levels = [lv for lv in comp["comparison_levels"] if not lv.get("is_null_level")]
        words = np.array(
            [
                f"{READABLE.get(name, name.replace('_', ' '))}: {_words(lv.get('label_for_charts', ''))}"
                for lv in reversed(levels)
            ],
            dtype=object,
        )  # gamma 0 = the last level
        gamma = pairs[f"gamma_{name}"].to_numpy(dtype="int64")
        known = gamma >= 0
        text = np.where(known, words[np.clip(gamma, 0, len(words) - 1)], "")
        weight = (
            pairs[f"mw_{name}"].to_numpy(dtype="float64") if f"mw_{name}" in pairs else np.where(gamma > 0, 1.0, -1.0)
        )
        for target, side in ((plus, known & (weight > 0)), (minus, known & (weight < 0))):
            target[side] = np.where(target[side] == "", text[side], target[side] + "; " + text[side])
    return pd.Series(plus, index=pairs.index), pd.Series(minus, index=pairs.index)


def readable_records(clean: pd.DataFrame) -> pd.DataFrame:
    """One row per record key with the fields a reviewer compares, as the customer gave them (standardised)."""

    def col(name: str) -> pd.Series:
        return clean[name].astype("object") if name in clean else pd.Series(None, index=clean.index, dtype=object)

    def either(first: pd.Series, second: pd.Series) -> pd.Series:
        return first.where(first.notna(), second)

    def join(*parts: pd.Series) -> pd.Series:
        text = parts[0].astype("string").str.cat([p.astype("string") for p in parts[1:]], sep=" ", na_rep="")
        return text.str.split().str.join(" ").replace("", None).astype(object)

    out = clean[["record_key"]].copy()
    name = join(
        either(col("first_name_std"), col("first_name")),
        col("middle_name_std"),
        either(col("last_name_std"), col("last_name")),
    )
    out["_name"] = either(name.astype(object), col("full_name"))
    dob = pd.to_datetime(col("date_of_birth_std"), errors="coerce")
    out["_birth_date"] = (
        pd.Series(dob.dt.strftime("%Y-%m-%d"), index=clean.index)
        .astype(object)
        .where(dob.notna(), col("date_of_birth"))
    )
    out["_address"] = join(
        either(col("address_line1_std"), col("address_line1")), either(col("address_line2_std"), col("address_line2"))
    ).astype(object)
    for field_name, sources in FIELDS.items():
        value = pd.Series(None, index=clean.index, dtype=object)
        for s in sources:
            value = either(value, out[s] if s in out else col(s))
        out[field_name] = value
    return out.set_index("record_key")[list(FIELDS)]


def review_sheet(
    worklist: pd.DataFrame,
    pairs: pd.DataFrame,
    clean: pd.DataFrame,
    model: dict,
    run_id: str,
    history: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The worklist as the sheet people fill in (see the module's docstring).

    `worklist` gives the pairs and their order (unique_id_l/_r, match_probability, reason);
    `pairs` the levels and weights; `clean` the records (CLEAN_FOR_REVIEW columns);
    `history` earlier `unsure` words on a pair (record_a, record_b, by, at, note), shown.
    """
    keys = ["unique_id_l", "unique_id_r"]
    scored = worklist[[*keys, "match_probability", "reason"]].merge(
        pairs.drop(columns=["match_probability"], errors="ignore"), on=keys, how="left"
    )
    plus, minus = evidence_in_words(scored.fillna({c: -1 for c in scored if c.startswith("gamma_")}), model)
    records = readable_records(clean)
    sheet = pd.DataFrame(
        {
            "decision": "",
            "reviewer": "",
            "note": "",
            "match_probability": scored["match_probability"].round(4).to_numpy(),
            "why_listed": scored["reason"].to_numpy(),
            "agreed": plus.to_numpy(),
            "differed": minus.to_numpy(),
            "record_a": scored["unique_id_l"].to_numpy(),
            "record_b": scored["unique_id_r"].to_numpy(),
        }
    )
    a = records.reindex(sheet["record_a"]).reset_index(drop=True)
    b = records.reindex(sheet["record_b"]).reset_index(drop=True)
    for f in FIELDS:
        sheet[f"{f}_a"] = a[f].to_numpy()
        sheet[f"{f}_b"] = b[f].to_numpy()
    if history is not None and len(history):
        said = (
            history["by"].astype(str)
            + " ("
            + history["at"].astype(str).str[:10]
            + "): unsure"
            + np.where(history["note"].fillna("").astype(str) != "", " — " + history["note"].fillna("").astype(str), "")
        )
        lookup = pd.Series(said.to_numpy(), index=pd.MultiIndex.from_arrays([history["record_a"], history["record_b"]]))
        lo, hi = ordered_pairs(sheet["record_a"], sheet["record_b"])
        sheet["earlier"] = lookup.reindex(pd.MultiIndex.from_arrays([lo, hi])).to_numpy()
    else:
        sheet["earlier"] = None
    sheet["run_id"] = run_id
    return sheet


def write_review_file(sheet: pd.DataFrame, folder: Path) -> tuple[Path, Path]:
    """`review_pairs.csv` and `.xlsx` (owner-only folder), with a drop-down on `decision`."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    csv_path, xlsx_path = write_for_people(sheet, folder / REVIEW_STEM, sheet="review")
    _add_dropdown(xlsx_path, len(sheet))
    return csv_path, xlsx_path


def _add_dropdown(path: Path, rows: int) -> None:
    """A list of same / different / unsure on the decision column (column A), for every pair row."""
    from openpyxl import load_workbook
    from openpyxl.worksheet.datavalidation import DataValidation

    book = load_workbook(path)
    sheet = book.active
    rule = DataValidation(
        type="list",
        formula1='"' + ",".join(KINDS) + '"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="decision",
        error="Choose same, different or unsure (or leave it empty)",
    )
    rule.add(f"A2:A{max(rows, 1) + 1}")
    sheet.add_data_validation(rule)
    with atomic_path(path) as tmp:
        book.save(tmp)


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return ""
    text = str(value).strip()
    # the sheet writer neutralises formula-like text with a leading apostrophe; take it back off
    return text[1:] if text.startswith("'") and text[1:2] in ("=", "+", "-", "@") else text


def read_review_file(path: Path, run_id_default: str | None = None) -> tuple[list[Decision], int]:
    """The decisions of a filled-in review file, and how many rows it left undecided.

    Every row is checked before anything is returned: any problem raises `DecisionError`
    naming the file, the row (as the spreadsheet numbers it, header = row 1) and what to write.
    """
    path = Path(path)
    try:
        if path.suffix.lower() == ".xlsx":
            frame = pd.read_excel(path, dtype=str, keep_default_na=False)
        elif path.suffix.lower() == ".csv":
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        else:
            raise DecisionError(f"{path.name}: not a review file (.xlsx or .csv)")
    except DecisionError:
        raise
    except Exception as exc:  # noqa: BLE001 - any unreadable file is refused with the reader's reason
        raise DecisionError(
            f"{path.name}: cannot be read as {path.suffix.lstrip('.')} ({exc}); "
            "save it again from the spreadsheet as .xlsx or UTF-8 .csv"
        ) from exc
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    missing = [c for c in ("decision", "record_a", "record_b") if c not in frame.columns]
    if missing:
        raise DecisionError(
            f"{path.name}: column(s) {', '.join(missing)} missing; keep the columns of the review file "
            "stage 03 wrote (review/review_pairs.xlsx) and fill in decision, reviewer, note"
        )
    decisions: list[Decision] = []
    undecided = 0
    seen: dict[tuple[str, ...], tuple[int, str]] = {}
    for i, row in enumerate(frame.to_dict("records")):
        where = f"{path.name} row {i + 2}"
        kind = _text(row.get("decision")).lower()
        if not kind:
            undecided += 1
            continue
        if kind not in KINDS:
            raise DecisionError(
                f"{where}: decision {row.get('decision')!r} is not one of {', '.join(KINDS)}; "
                "write one of them or leave the cell empty"
            )
        prob = pd.to_numeric(pd.Series([_text(row.get("match_probability"))]), errors="coerce").iloc[0]
        d = Decision(
            kind,
            _text(row.get("record_a")),
            _text(row.get("record_b")),
            _text(row.get("reviewer")),
            note=_text(row.get("note")),
            run_id=_text(row.get("run_id")) or run_id_default,
            origin=f"review file {path.name} row {i + 2}",
            match_probability=None if pd.isna(prob) else float(prob),
        ).checked(where)
        pair = tuple(sorted((d.record_a, d.record_b)))
        if pair in seen and seen[pair][1] != d.decision:
            raise DecisionError(
                f"{where}: the pair {pair[0]} / {pair[1]} is also on row {seen[pair][0]} with "
                f"'{seen[pair][1]}'; keep one answer per pair"
            )
        seen[pair] = (i + 2, d.decision)
        decisions.append(d)
    return decisions, undecided


@dataclass
class IngestReport:
    read: list[dict] = field(default_factory=list)  # file, decisions, undecided rows, moved to
    refused: list[dict] = field(default_factory=list)  # file, why
    already_read: list[str] = field(default_factory=list)  # files whose content was applied before (moved now)
    pending: list[Decision] = field(default_factory=list)  # read but not kept (a hand run): apply in memory only

    @property
    def decisions(self) -> int:
        return sum(r["decisions"] for r in self.read)


def dropped_files(store: DecisionStore) -> list[Path]:
    """Review files waiting at the top of the store (spreadsheet lock files `~$…` and hidden files skipped)."""
    if not store.folder.is_dir():
        return []
    return sorted(
        p
        for p in store.folder.iterdir()
        if p.is_file() and p.suffix.lower() in (".xlsx", ".csv") and not p.name.startswith(("~$", "."))
    )


def ingest_dropped(store: DecisionStore, run_id: str | None = None, keep: bool = True) -> IngestReport:
    """Read every review file dropped into the store once; refuse bad ones whole (left in place).

    `keep=False` (a notebook run by hand) checks the files and returns their decisions in
    `pending` without writing the log or moving anything: a scheduled run keeps them.
    """
    report = IngestReport()
    files = dropped_files(store)
    if not files:
        return report
    known = store.files_read()
    for path in files:
        digest = sha256_of(path)
        if not keep:
            if digest not in known:
                try:
                    report.pending += read_review_file(path, run_id)[0]
                except DecisionError as exc:
                    report.refused.append({"file": path.name, "why": str(exc)})
            continue
        store.ensure()
        if digest in known:
            _move_applied(store, path)
            report.already_read.append(path.name)
            continue
        try:
            decisions, undecided = read_review_file(path, run_id)
        except DecisionError as exc:
            report.refused.append({"file": path.name, "why": str(exc)})
            continue
        modified = pd.Timestamp(path.stat().st_mtime, unit="s", tz="UTC").isoformat(timespec="seconds")
        receipt = {
            "type": "file",
            "sha256": digest,
            "file": path.name,
            "read_at": now_utc(),
            "run_id": run_id,
            "file_modified_at": modified,
            "decisions": len(decisions),
            "undecided_rows": undecided,
        }
        store.append(decisions, [receipt])
        known[digest] = receipt
        moved = _move_applied(store, path)
        report.read.append(
            {
                "file": path.name,
                "decisions": len(decisions),
                "undecided_rows": undecided,
                "moved_to": str(moved.relative_to(store.folder)),
            }
        )
    return report


def _move_applied(store: DecisionStore, path: Path) -> Path:
    folder = store.folder / "applied"
    folder.mkdir(exist_ok=True)
    os.chmod(folder, 0o700)
    target = folder / f"{now_utc().replace(':', '').replace('+0000', 'Z')}_{path.name}"
    n = 1
    while target.exists():
        n += 1
        target = target.with_name(f"{target.stem}-{n}{target.suffix}")
    shutil.move(str(path), target)
    os.chmod(target, 0o600)
    return target


def load_review_records(path: Path, keys: pd.Series) -> pd.DataFrame:
    """The clean records a review sheet shows: only the worklist's records, only the columns it needs."""
    import pyarrow.parquet as pq

    names = set(pq.read_schema(path).names)
    wanted = sorted(set(keys.astype(str)))
    columns = [c for c in CLEAN_FOR_REVIEW if c in names]
    if not wanted:
        return pd.DataFrame(columns=columns)
    return pd.read_parquet(path, columns=columns, filters=[("record_key", "in", wanted)])
