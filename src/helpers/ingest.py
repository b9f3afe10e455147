"""Read every registered source into its canonical table, keeping lineage and quarantining rows
that cannot be read.

Real exports are broken in a few predictable ways: a field with an unquoted delimiter (wrong
field count), bytes the declared encoding cannot decode, blank lines, a truncated JSON line. None
of these may vanish silently: each such row goes to the quarantine with the reason and its raw
text, so the counts of every file reconcile. All values are kept as text exactly as the source
wrote them (stage 02 standardises); only `extracted_at` is a timestamp.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from dataclasses import dataclass
from datetime import datetime, timezone

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.json as pajson

from helpers.registry import Registry, Source, _sheet_name, parse_timestamp
from helpers.schema import QUARANTINE_COLUMNS, TABLE_BY_KIND, columns_for

_BAD_BYTES_LINE = re.compile(r"^[^\n]*[\udc80-\udcff][^\n]*$", re.MULTILINE)
_SURROGATE = re.compile(r"[\udc80-\udcff]")
_EMPTY_LINE = re.compile(r"^[ \t\r]*$", re.MULTILINE)


class IngestError(RuntimeError):
    """A source could not be read at all (as opposed to a few unreadable rows)."""


@dataclass
class SourceRead:
    """What reading one source produced: its rows in source columns, and its rejects."""

    source: Source
    frame: pd.DataFrame  # the source's own columns, all text, plus `_row` (1-based record number)
    quarantine: pd.DataFrame  # QUARANTINE_COLUMNS


def empty_quarantine() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in QUARANTINE_COLUMNS}).astype(
        {"source_row_number": "Int64"}
    )


def _quarantine(src: Source, rows: list[tuple[int | None, str, str, str | None]]) -> pd.DataFrame:
    """rows: (line number, reason, raw text, source_record_id if known)."""
    if not rows:
        return empty_quarantine()
    line, reason, raw, rid = zip(*rows)
    return pd.DataFrame(
        {
            "source": src.name,
            "source_record_id": list(rid),
            "source_row_number": pd.array(line, dtype="Int64"),
            "stage": "01_ingest_profile",
            "reason": list(reason),
            "raw": list(raw),
        }
    )


def _line_of(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def _decode(src: Source) -> str:
    """The whole file as text; undecodable bytes become lone surrogates so we can find them."""
    data = src.path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf") and src.encoding.lower().replace("-", "") in ("utf8", "utf8sig"):
        data = data[3:]
    return data.decode(src.encoding, errors="surrogateescape")


def _split_off_bad_lines(src: Source, text: str, first_line: int) -> tuple[str, list]:
    """Blank out lines with undecodable bytes and empty lines (after the header), reporting each.

    Blanked lines are skipped by the parsers, so record numbering of the good rows is unchanged.
    """
    rejects = []
    header_end = text.find("\n") + 1 if first_line > 1 else 0
    body = text[header_end:]
    if _SURROGATE.search(body):
        for m in _BAD_BYTES_LINE.finditer(body):
            raw_bytes = m.group(0).encode(src.encoding, errors="surrogateescape")
            rejects.append(
                (
                    _line_of(body, m.start()) + first_line - 1,
                    f"bytes that are not valid {src.encoding}: the file's encoding may be wrong "
                    "or this line is corrupted",
                    raw_bytes.decode(src.encoding, errors="backslashreplace"),
                    None,
                )
            )
        body = _BAD_BYTES_LINE.sub("", body)
    trailing = len(body) - len(body.rstrip("\n\r \t"))
    for m in _EMPTY_LINE.finditer(body, 0, len(body) - trailing):
        line = _line_of(body, m.start()) + first_line - 1
        if not any(r[0] == line for r in rejects):  # a blanked bad line is already reported
            rejects.append((line, "empty line", "", None))
    return text[:header_end] + body, rejects


# --- readers, one per format: each returns the source's columns as text plus `_row` ----------


def read_csv(src: Source) -> SourceRead:
    text = _decode(src)
    text, rejects = _split_off_bad_lines(src, text, first_line=2)
    header_line = text[: text.find("\n")] if "\n" in text else text
    header = next(csv.reader([header_line.rstrip("\r")], delimiter=src.delimiter))
    names = [h.strip() for h in header]
    id_index = names.index(src.id_column) if src.id_column in names else None

    invalid: list = []

    def on_invalid(row: pacsv.InvalidRow) -> str:
        invalid.append((row.text, row.expected_columns, row.actual_columns))
        return "skip"

    try:
        table = pacsv.read_csv(
            io.BytesIO(text.encode("utf-8", errors="surrogateescape")),
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1, block_size=1 << 24),
            parse_options=pacsv.ParseOptions(
                delimiter=src.delimiter, newlines_in_values=True, invalid_row_handler=on_invalid
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in names},
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
                null_values=[""],
            ),
        )
    except pa.ArrowInvalid as exc:
        raise IngestError(f"{src.label}: cannot be parsed as CSV with delimiter {src.delimiter!r}: {exc}") from exc
    for raw, expected, actual in invalid:
        pos = text.find(raw)
        fields = next(csv.reader([raw], delimiter=src.delimiter), [])
        rid = fields[id_index].strip() if id_index is not None and id_index < len(fields) else None
        rejects.append(
            (
                _line_of(text, pos) if pos >= 0 else None,
                f"wrong field count: expected {expected} fields, found {actual} "
                f"(an unquoted {src.delimiter!r} inside a value?)",
                raw,
                rid or None,
            )
        )
    frame = table.to_pandas()
    frame["_row"] = np.arange(1, len(frame) + 1)
    return SourceRead(src, frame, _quarantine(src, rejects))


def read_jsonl(src: Source) -> SourceRead:
    text = _decode(src)
    text, rejects = _split_off_bad_lines(src, text, first_line=1)
    data = text.encode("utf-8", errors="surrogateescape")
    try:
        table = _read_json_as_text(data)
    except pa.ArrowInvalid:
        # Only a broken file pays for line-by-line parsing; the clean path stays vectorised.
        good = []
        for n, line in enumerate(text.split("\n"), start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
                if not isinstance(obj, dict):
                    raise ValueError("not a JSON object")
                good.append(line)
            except ValueError as exc:
                rid = _id_from_broken_json(line, src.id_column)
                rejects.append((n, f"invalid JSON ({exc}): truncated or corrupted line", line, rid))
        table = _read_json_as_text("\n".join(good).encode("utf-8", errors="surrogateescape"))
    frame = table.to_pandas()
    frame["_row"] = np.arange(1, len(frame) + 1)
    return SourceRead(src, frame, _quarantine(src, sorted(rejects, key=lambda r: r[0] or 0)))


def _id_from_broken_json(line: str, id_column: str | None) -> str | None:
    if not id_column:
        return None
    m = re.search(r'"' + re.escape(id_column) + r'"\s*:\s*"?([^",}]+)', line)
    return m.group(1) if m else None


def _read_json_as_text(data: bytes) -> pa.Table:
    """Parse JSON lines, flatten nested objects to dotted names, and turn every value into text.

    Arrow infers ISO dates as timestamps, which would lose the text as written (time zone
    included), so a second pass reads those fields as strings.
    """
    if not data.strip():
        return pa.table({})
    table = pajson.read_json(io.BytesIO(data))
    fixed = _strings_for_timestamps(table.schema)
    if fixed is not None:
        table = pajson.read_json(
            io.BytesIO(data), parse_options=pajson.ParseOptions(explicit_schema=fixed)
        )
    while any(pa.types.is_struct(f.type) for f in table.schema):
        table = table.flatten()
    cols = {}
    for name, col in zip(table.column_names, table.columns):
        if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
            cols[name] = col
        elif pa.types.is_boolean(col.type):
            cols[name] = pa.compute.if_else(col, "true", "false")
        elif pa.types.is_null(col.type):
            cols[name] = pa.nulls(len(col), pa.string())
        elif pa.types.is_list(col.type) or pa.types.is_large_list(col.type):
            cols[name] = pa.compute.binary_join(pa.compute.cast(col, pa.list_(pa.string())), ";")
        else:
            cols[name] = pa.compute.cast(col, pa.string())
    return pa.table(cols)


def _strings_for_timestamps(schema: pa.Schema) -> pa.Schema | None:
    def fix(t: pa.DataType) -> pa.DataType:
        if pa.types.is_timestamp(t) or pa.types.is_date(t):
            return pa.string()
        if pa.types.is_struct(t):
            return pa.struct([pa.field(f.name, fix(f.type)) for f in t])
        return t

    new = pa.schema([pa.field(f.name, fix(f.type)) for f in schema])
    return None if new.equals(schema) else new


def read_xlsx(src: Source) -> SourceRead:
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(src.path))
    rows = wb.get_sheet_by_name(_sheet_name(wb.sheet_names, src.sheet)).to_python(skip_empty_area=False)
    if not rows:
        return SourceRead(src, pd.DataFrame({"_row": []}), empty_quarantine())
    header = [str(c).strip() for c in rows[0]]
    body = pd.DataFrame(rows[1:], columns=header, dtype="object")
    blank = body.map(lambda v: v is None or (isinstance(v, str) and not v.strip())).all(axis=1)
    rejects = [(int(i) + 2, "empty row", "", None) for i in np.flatnonzero(blank.to_numpy())]
    body = body.loc[~blank.to_numpy()]
    frame = pd.DataFrame({c: _cells_as_text(body[c]) for c in header})
    frame["_row"] = np.flatnonzero(~blank.to_numpy()) + 1
    return SourceRead(src, frame.reset_index(drop=True), _quarantine(src, rejects))


def _cells_as_text(cells: pd.Series) -> pd.Series:
    """Spreadsheet cells as the text a person would read: dates ISO, whole numbers without .0.

    Numbers stay numbers in text form (an Excel serial date typed as a number stays '31048'),
    so stage 02 can tell a serial from a typed date.
    """

    def one(v: object) -> str | None:
        if v is None or v == "":
            return None
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, float):
            return str(int(v)) if v.is_integer() else repr(v)
        if isinstance(v, datetime):
            return v.isoformat(sep=" ") if (v.hour, v.minute, v.second) != (0, 0, 0) else v.date().isoformat()
        if hasattr(v, "isoformat"):
            return v.isoformat()
        return str(v)

    # Hand-typed sheets are small (Excel stops at 1,048,576 rows), and each distinct cell
    # value is converted once.
    uniques = pd.unique(cells.to_numpy())
    mapping = {u: one(u) for u in uniques}
    return pd.Series([mapping[v] for v in cells.to_numpy()], index=cells.index, dtype="object")


def read_parquet(src: Source) -> SourceRead:
    import pyarrow.parquet as pq

    table = pq.read_table(src.path)
    cols = {}
    for name, col in zip(table.column_names, table.columns):
        cols[name] = col if pa.types.is_string(col.type) else pa.compute.cast(col, pa.string())
    frame = pa.table(cols).to_pandas()
    frame["_row"] = np.arange(1, len(frame) + 1)
    return SourceRead(src, frame, empty_quarantine())


READERS = {"csv": read_csv, "jsonl": read_jsonl, "xlsx": read_xlsx, "parquet": read_parquet}


def read_source(src: Source) -> SourceRead:
    try:
        return READERS[src.format](src)
    except IngestError:
        raise
    except Exception as exc:  # noqa: BLE001 - name the file and the source, keep the cause
        raise IngestError(f"{src.label}: could not be read as {src.format}: {type(exc).__name__}: {exc}") from exc


# --- mapping to the canonical schema ----------------------------------------------------------


def to_canonical(read: SourceRead) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Map one source's rows to its kind's canonical table, with lineage columns.

    Returns the canonical rows and the quarantine (the reader's rejects).
    """
    src, frame = read.source, read.frame
    n = len(frame)
    out: dict[str, object] = {}
    for col in columns_for(src.kind):
        if col in src.columns:
            series = frame[src.columns[col]] if src.columns[col] in frame else pd.Series([None] * n)
            series = series.reset_index(drop=True).astype("object")
            if col in src.values:
                recoded = series.map(src.values[col])
                series = recoded.where(recoded.notna(), series)
            out[col] = series.where(series.notna(), None)
        elif col in src.constants:
            out[col] = pd.Series([src.constants[col]] * n, dtype="object")
        else:
            out[col] = pd.Series([None] * n, dtype="object")
    table = pd.DataFrame(out)
    table["source"] = src.name
    table["source_row_number"] = frame["_row"].to_numpy().astype("int64") if n else np.array([], "int64")
    if src.id_column:
        ids = frame[src.id_column].astype("object").reset_index(drop=True)
        ids = ids.where(ids.isna(), ids.astype(str).str.strip())
        missing = ids.isna() | (ids == "")
        # A row without its id still gets a stable key: the record number in the file.
        ids = ids.where(~missing, "row-" + table["source_row_number"].astype(str))
        table["source_record_id"] = ids.astype(str)
    else:
        table["source_record_id"] = "row-" + table["source_row_number"].astype(str)
    table["extracted_at"] = pd.Timestamp(resolve_extracted_at(src, frame))
    return table[columns_for(src.kind)], read.quarantine


def resolve_extracted_at(src: Source, frame: pd.DataFrame | None = None) -> datetime:
    """When the source system exported the file, as an aware UTC datetime."""
    spec = src.extracted_at
    if spec == "file_mtime":
        return datetime.fromtimestamp(os.path.getmtime(src.path), tz=timezone.utc)
    if isinstance(spec, dict):
        col = spec["column"]
        if frame is None or col not in frame:
            raise IngestError(f"{src.label}: extracted_at column '{col}' is not in the file")
        values = pd.to_datetime(frame[col], errors="coerce", utc=True, format="mixed")
        if values.notna().sum() == 0:
            raise IngestError(
                f"{src.label}: extracted_at column '{col}' holds no readable timestamp; "
                "give extracted_at as a literal timestamp in the registry instead"
            )
        return values.max().to_pydatetime()
    return parse_timestamp(spec)


@dataclass
class IngestResult:
    tables: dict[str, pd.DataFrame]  # kind -> canonical table
    quarantine: pd.DataFrame
    summary: pd.DataFrame  # one row per source


def ingest(registry: Registry) -> IngestResult:
    """Read every source of the registry. The caller writes the tables (see write_ingest)."""
    by_kind: dict[str, list[pd.DataFrame]] = {k: [] for k in TABLE_BY_KIND}
    quarantines, summary = [], []
    for src in registry.sources:
        started = datetime.now(timezone.utc)
        read = read_source(src)
        table, rejects = to_canonical(read)
        by_kind[src.kind].append(table)
        quarantines.append(rejects)
        summary.append(
            {
                "source": src.name,
                "kind": src.kind,
                "format": src.format,
                "file": src.path.name,
                "rows_read": len(table),
                "rows_quarantined": len(rejects),
                "rows_total": len(table) + len(rejects),
                "columns_mapped": len(src.columns),
                "extracted_at": table["extracted_at"].iloc[0] if len(table) else pd.Timestamp(resolve_extracted_at(src)),
                "cadence": src.cadence,
                "default_country": src.country,
                "date_format": src.date_format,
                "links_to": json.dumps(src.links_to) if src.links_to else None,
                "read_seconds": round((datetime.now(timezone.utc) - started).total_seconds(), 3),
            }
        )
    tables = {}
    for kind, parts in by_kind.items():
        cols = columns_for(kind)
        parts = [p for p in parts if len(p)]
        tables[kind] = (
            pd.concat(parts, ignore_index=True)
            if parts
            else pd.DataFrame({c: pd.Series(dtype="object") for c in cols})
        )
        tables[kind]["extracted_at"] = pd.to_datetime(tables[kind]["extracted_at"], utc=True)
        tables[kind]["source_row_number"] = tables[kind]["source_row_number"].astype("int64")
    quarantine = pd.concat([q for q in quarantines if len(q)] or [empty_quarantine()], ignore_index=True)
    return IngestResult(tables, quarantine, pd.DataFrame(summary))


def save_ingest(result: IngestResult, ctx) -> None:
    """Write stage 01's tables into the run folder: one per kind, even when a kind is absent."""
    for kind, table in result.tables.items():
        ctx.write(table, TABLE_BY_KIND[kind])
    ctx.write(result.quarantine, "quarantine.parquet")
    ctx.write(result.summary, "source_summary.parquet")


def summary_for_display(summary: pd.DataFrame, reference_date) -> pd.DataFrame:
    """The per-source table a reader wants: what was read, what was set aside, how old it is."""
    ref = pd.Timestamp(reference_date, tz="UTC") + pd.Timedelta(days=1)  # end of the reference day
    age = (ref - pd.to_datetime(summary["extracted_at"], utc=True)).dt.total_seconds() / 86400
    return pd.DataFrame(
        {
            "source": summary["source"],
            "kind": summary["kind"],
            "format": summary["format"],
            "rows read": summary["rows_read"],
            "quarantined": summary["rows_quarantined"],
            "extracted at": pd.to_datetime(summary["extracted_at"], utc=True).dt.strftime("%Y-%m-%d %H:%M"),
            "age (days)": age.round(1),
            "cadence": summary["cadence"],
        }
    ).set_index("source")


def quarantine_reasons(quarantine: pd.DataFrame) -> pd.DataFrame:
    """Counts by source and reason family (the reason text without its row-specific details)."""
    if quarantine.empty:
        return pd.DataFrame(columns=["source", "reason", "rows"])
    family = quarantine["reason"].str.replace(r"\s*[:(].*$", "", regex=True)
    return (
        quarantine.assign(reason=family)
        .groupby(["source", "reason"], as_index=False)
        .size()
        .rename(columns={"size": "rows"})
    )


def stale_sources(fresh: pd.DataFrame) -> list[str]:
    return fresh.loc[fresh["stale"], "source"].tolist()
