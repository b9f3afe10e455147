"""Subject access: everything the latest good run holds about one person, in one file.

`clientela subject-access EMAIL|PHONE|ID|PERSON_ID --out FILE` answers a GDPR art. 15 / LGPD
art. 18 request from `latest` (the last run whose every gate passed): every source record of
the person as the source wrote it, the golden record, the household, contactability per
channel with the deciding reason, segments, the campaign lists they are on, the opt-outs that
name them, their purchases and service cases, their address moves, their person-id history,
pairs of their records awaiting clerical review, and the decisions about them in the decisions
store (`decisions.jsonl`, when that store exists).

An identifier that several persons share (a household's email or landline) is refused with
their person ids: answering it would disclose one person's data to another. The file is
written owner-only (0o600): it is personal data.
"""

from __future__ import annotations

import html
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from helpers.catalog import T
from helpers.privacy_requests import tombstones as tb
from helpers.privacy_requests.erasure import AmbiguousRequest, identify
from helpers.storage import write_text

DECISIONS_FILE = "decisions.jsonl"
IDENTITY_COLUMNS = ("email_key", "phone_std", "national_id_std")


class PersonNotFound(LookupError):
    """No person of `latest` carries the identifier."""


def find_person(run_dir: Path, request: str, country: str | None = None) -> str:
    """The person id of `latest` that the request names (a person id, email, phone or national id)."""
    links = pd.read_parquet(run_dir / T.record_links.file, columns=["record_key", "person_id"])
    text = request.strip()
    if links["person_id"].eq(text).any():
        return text
    identity = tb.standardise_identity(identify(text, country))
    clean = pd.read_parquet(run_dir / T.clean_records.file, columns=["record_key", *IDENTITY_COLUMNS])
    hit = pd.Series(False, index=clean.index)
    for column in IDENTITY_COLUMNS:
        value = identity[column].iloc[0]
        if pd.notna(value):
            hit |= clean[column].eq(value).fillna(False)
    found = sorted(set(links.loc[links["record_key"].isin(clean.loc[hit, "record_key"]), "person_id"]))
    if not found:
        raise PersonNotFound(
            f"no person of {run_dir} carries '{request}' (a national phone number needs "
            "--country; an erased person is not held any more)"
        )
    if len(found) > 1:
        raise AmbiguousRequest(
            f"'{request}' is on the records of {len(found)} persons ({', '.join(found)}); "
            "give the person id of the one asking"
        )
    return found[0]


def _table(run_dir: Path, name: str) -> pd.DataFrame | None:
    path = run_dir / name
    return pd.read_parquet(path) if path.exists() else None


def _rows(frame: pd.DataFrame | None, mask: Any = None, drop: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """JSON-ready rows: dates as ISO text, NaN/NaT as null, arrays as lists."""
    if frame is None:
        return []
    part = frame[mask] if mask is not None else frame
    part = part.drop(columns=[c for c in drop if c in part.columns])
    return json.loads(part.to_json(orient="records", date_format="iso", default_handler=str))


def subject_access(
    processed_dir: str | Path, request: str, decisions_dir: str | Path | None = None, country: str | None = None
) -> dict[str, Any]:
    """Everything `latest` and the decisions store hold about the person the request names."""
    latest = Path(processed_dir) / "latest"
    if not (latest / T.record_links.file).exists():
        raise PersonNotFound(f"{latest} has no good run with matched persons yet: run the pipeline first")
    run_dir = latest.resolve()
    person = find_person(run_dir, request, country)
    links = pd.read_parquet(run_dir / T.record_links.file)
    keys = set(links.loc[links["person_id"] == person, "record_key"])
    clean = pd.read_parquet(run_dir / T.clean_records.file)
    theirs = clean[clean["record_key"].isin(keys)]
    raw = _table(run_dir, T.raw_records.file)
    rows = set(zip(theirs["source"].astype(str), theirs["source_row_number"].astype("int64")))
    raw_mask = (
        pd.Series(list(zip(raw["source"].astype(str), raw["source_row_number"].astype("int64"))), index=raw.index).isin(
            rows
        )
        if raw is not None
        else None
    )
    golden = _table(run_dir, T.golden_customers.file)
    if golden is None:
        golden = _table(run_dir, T.golden_records.file)
    members = _table(run_dir, T.household_members.file)
    household_ids = (
        set(members.loc[members["person_id"] == person, "household_id"])
        if members is not None and "household_id" in members.columns
        else set()
    )
    households = _table(run_dir, T.households.file)

    def person_rows(name: str, column: str = "person_id", drop: tuple[str, ...] = ()) -> list[dict[str, Any]]:
        frame = _table(run_dir, name)
        if frame is None or column not in frame.columns:
            return []
        return _rows(frame, frame[column] == person, drop)

    pairs = _table(run_dir, T.review_pairs.file)
    answer: dict[str, Any] = {
        "request": {
            "asked_for": request,
            "person_id": person,
            "run_id": run_dir.name,
            "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "note": "Everything the latest good run and the decisions store hold about this person.",
        },
        "source_records": _rows(raw, raw_mask),
        "standardised_records": _rows(theirs),
        "golden_record": person_rows(golden_name(run_dir)),
        "household": {
            "membership": person_rows(T.household_members.file),
            "households": _rows(households, households["household_id"].isin(household_ids), drop=("primary_person_id",))
            if households is not None
            else [],
        },
        "contactability": person_rows(T.contactability.file),
        "segments": person_rows(T.segments.file),
        "campaign_lists": _lists(run_dir, person),
        "suppressions_matched": person_rows(T.suppression_matches.file),
        "transactions": person_rows(T.transactions_linked.file),
        "interactions": _interactions(run_dir, links, clean, person),
        "address_moves": person_rows(T.address_moves.file),
        "address_history": person_rows(T.address_history.file),
        "person_id_history": person_rows(T.person_ids.file) + person_rows(T.person_id_changes.file),
        "pending_review_pairs": _rows(pairs, pairs["unique_id_l"].isin(keys) | pairs["unique_id_r"].isin(keys))
        if pairs is not None and "unique_id_l" in pairs.columns
        else [],
        "decisions": _decisions(decisions_dir, person, keys),
    }
    return answer


def golden_name(run_dir: Path) -> str:
    return T.golden_customers.file if (run_dir / T.golden_customers.file).exists() else T.golden_records.file


def _lists(run_dir: Path, person: str) -> list[dict[str, Any]]:
    """The campaign lists exported with this person on them, and the row they are on."""
    out = []
    folder = run_dir / "exports"
    for csv in sorted(folder.glob("*.csv")) if folder.is_dir() else []:
        frame = pd.read_csv(csv, dtype=str, keep_default_na=False, encoding="utf-8")
        if "person_id" in frame.columns and frame["person_id"].eq(person).any():
            out.append({"list": csv.stem, "rows": _rows(frame, frame["person_id"] == person)})
    return out


def _interactions(run_dir: Path, links: pd.DataFrame, clean: pd.DataFrame, person: str) -> list[dict[str, Any]]:
    events, summary = _table(run_dir, T.interactions.file), _table(run_dir, T.source_summary.file)
    if events is None or summary is None or not len(events) or "links_to" not in summary.columns:
        return []
    from helpers.transactions import link_to_persons

    try:
        linked = link_to_persons(events, summary, links, clean)
    except ValueError:
        return []
    return _rows(events, (linked["person_id"] == person).to_numpy())


def _decisions(decisions_dir: str | Path | None, person: str, keys: set[str]) -> list[dict[str, Any]]:
    """Entries of the decisions store that name the person or one of their records (absent: none)."""
    if decisions_dir is None:
        return []
    path = Path(decisions_dir) / DECISIONS_FILE
    if not path.exists():
        return []
    wanted = {person, *keys}
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue
        if _mentions(entry, wanted):
            out.append(entry)
    return out


def _mentions(value: Any, wanted: set[str]) -> bool:
    if isinstance(value, str):
        return value in wanted
    if isinstance(value, dict):
        return any(_mentions(v, wanted) for v in value.values())
    if isinstance(value, list):
        return any(_mentions(v, wanted) for v in value)
    return False


def render_markdown(answer: dict[str, Any]) -> str:
    """A readable version of the answer: one section per part, one table per list of rows."""
    lines = [
        f"# What we hold about you — person {answer['request']['person_id']}",
        f"Run {answer['request']['run_id']}, written {answer['request']['generated_at']}.",
        "",
    ]

    def section(title: str, value: Any, depth: int = 2) -> None:
        lines.append(f"{'#' * depth} {title.replace('_', ' ').capitalize()}")
        if isinstance(value, dict) and value and all(isinstance(v, list) for v in value.values()):
            for k, v in value.items():
                section(k, v, depth + 1)
            return
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            if all("rows" in v for v in value):
                for v in value:
                    section(str(v.get("list", "")), v["rows"], depth + 1)
                return
            frame = pd.DataFrame(value).dropna(axis=1, how="all")
            lines.append(
                frame.to_markdown(index=False)
                if hasattr(frame, "to_markdown") and _has_tabulate()
                else "\n".join(f"- {json.dumps(v, ensure_ascii=False, default=str)}" for v in value)
            )
        elif isinstance(value, dict):
            lines.extend(f"- **{k}**: {v}" for k, v in value.items())
        else:
            lines.append("None held.")
        lines.append("")

    for title, value in answer.items():
        section(title, value)
    return "\n".join(lines)


def _has_tabulate() -> bool:
    try:
        import tabulate  # noqa: F401
    except ImportError:
        return False
    return True


def render_html(answer: dict[str, Any]) -> str:
    """The answer as one self-contained HTML page (no scripts)."""
    parts = [f"<h1>What we hold about you — person {html.escape(answer['request']['person_id'])}</h1>"]
    for title, value in answer.items():
        parts.append(f"<h2>{html.escape(title.replace('_', ' ').capitalize())}</h2>")
        blocks = (
            value.items()
            if isinstance(value, dict) and all(isinstance(v, list) for v in value.values())
            else [("", value)]
        )
        for sub, rows in blocks:
            if sub:
                parts.append(f"<h3>{html.escape(sub.replace('_', ' '))}</h3>")
            if isinstance(rows, list) and rows and all(isinstance(r, dict) for r in rows):
                if all("rows" in r for r in rows):
                    for r in rows:
                        parts.append(f"<h3>{html.escape(str(r.get('list')))}</h3>")
                        parts.append(pd.DataFrame(r["rows"]).to_html(index=False, na_rep=""))
                else:
                    parts.append(pd.DataFrame(rows).dropna(axis=1, how="all").to_html(index=False, na_rep=""))
            elif isinstance(rows, dict):
                parts.append(
                    "<ul>"
                    + "".join(f"<li><b>{html.escape(str(k))}</b>: {html.escape(str(v))}</li>" for k, v in rows.items())
                    + "</ul>"
                )
            else:
                parts.append("<p>None held.</p>")
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>Subject access</title></head><body>"
        + "\n".join(parts)
        + "</body></html>\n"
    )


def write_answer(answer: dict[str, Any], out: str | Path) -> Path:
    """Write the answer owner-only (0o600): JSON, or Markdown / HTML by the file's suffix."""
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix in (".md", ".markdown"):
        text = render_markdown(answer)
    elif suffix in (".html", ".htm"):
        text = render_html(answer)
    else:
        text = json.dumps(answer, indent=2, ensure_ascii=False, default=str) + "\n"
    out.parent.mkdir(parents=True, exist_ok=True)
    write_text(text, out)
    os.chmod(out, 0o600)
    return out
