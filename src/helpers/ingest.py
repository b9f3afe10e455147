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
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import islice

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.json as pajson

from helpers.background import in_background
from helpers.catalog import TABLE_BY_KIND, T, Table
from helpers.frames import as_object, text_series
from helpers.registry import Registry, Source, _sheet_name, parse_timestamp
from helpers.schema import QUARANTINE_COLUMNS, columns_for

_SURROGATE = re.compile(r"[\udc80-\udcff]")
_EMPTY_LINE = re.compile(r"\n(?=[ \t\r]*\n)")  # the newline before an empty line
_BLANK_LINE = re.compile(r"(?m)^[ \t]+(?=\r?$)")  # the spaces of a whitespace-only line


class IngestError(RuntimeError):
    """A source could not be read at all (as opposed to a few unreadable rows)."""


@dataclass
class SourceRead:
    """What reading one source produced: its rows in source columns, and its rejects."""

    source: Source
    frame: pd.DataFrame  # the source's own columns, all text, plus `_row` (1-based record number)
    quarantine: pd.DataFrame  # QUARANTINE_COLUMNS
    lines: int | None = None  # physical data lines (CSV) or records (JSON lines, XLSX rows) in the file
    lines_accounted: int | None = None  # lines that ended in a row read, a multi-line value or a quarantine entry
    repaired: list[tuple[int, str]] = field(
        default_factory=list
    )  # (line, what was repaired) of rows read after a repair


def empty_quarantine() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in QUARANTINE_COLUMNS}).astype(
        {"source_row_number": "Int64"}
    )


def _quarantine(src: Source, rows: Sequence[tuple[int | None, str, str, str | None]]) -> pd.DataFrame:
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


def _lines_of(text: str, positions: list[int]) -> list[int]:
    """Line numbers of sorted positions, counting each stretch of text once."""
    lines, last, count = [], 0, 1
    for pos in positions:
        count += text.count("\n", last, pos)
        last = pos
        lines.append(count)
    return lines


def _decode(src: Source) -> str:
    """The whole file as text; undecodable bytes become lone surrogates so we can find them."""
    data = src.path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf") and src.encoding.lower().replace("-", "") in ("utf8", "utf8sig"):
        data = data[3:]
    return data.decode(src.encoding, errors="surrogateescape")


def _line_span(text: str, pos: int) -> tuple[int, int]:
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    return start, len(text) if end < 0 else end


def _has_surrogates(text: str) -> bool:
    """Whether decoding left any undecodable byte (a lone surrogate) in the text.

    A strict UTF-8 encode fails exactly when there is one and runs at memory speed, about three
    times faster than a regex scan; clean files, the usual case, then skip the scan.
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _split_off_bad_lines(src: Source, text: str, first_line: int) -> tuple[str, list]:
    """Blank out lines with undecodable bytes and empty lines (after the header), reporting each.

    Blanked lines are skipped by the parsers, so record numbering of the good rows is unchanged.
    Both searches scan for a character or a literal newline, never anchor a pattern at every
    position: a multi-line `^...$` search is quadratic in the line length on long lines.
    """
    rejects = []
    header_end = text.find("\n") + 1 if first_line > 1 else 0
    body = text[header_end:]
    spans: list[tuple[int, int]] = []
    for m in _SURROGATE.finditer(body) if _has_surrogates(body) else ():
        if spans and m.start() < spans[-1][1]:
            continue  # another bad byte on a line already reported
        spans.append(_line_span(body, m.start()))
    if spans:
        parts, last = [], 0
        for (start, end), line in zip(spans, _lines_of(body, [a for a, _ in spans])):
            raw_bytes = body[start:end].encode(src.encoding, errors="surrogateescape")
            rejects.append(
                (
                    line + first_line - 1,
                    f"bytes that are not valid {src.encoding}: the file's encoding may be wrong "
                    "or this line is corrupted",
                    raw_bytes.decode(src.encoding, errors="backslashreplace"),
                    None,
                )
            )
            parts.append(body[last:start])
            last = end
        parts.append(body[last:])
        body = "".join(parts)  # each bad line is now empty, keeping the line count
    blanked = {r[0] for r in rejects}
    content_end = len(body.rstrip("\n\r \t"))
    starts = [m.start() for m in _EMPTY_LINE.finditer("\n" + body[:content_end])]
    for line in _lines_of(body, starts):
        if line + first_line - 1 not in blanked:
            rejects.append((line + first_line - 1, "empty line", "", None))
    if starts:  # blank whitespace-only lines too, or the parser reports them a second time as bad rows
        body = _BLANK_LINE.sub("", body)
    return text[:header_end] + body, rejects


# Bytes per block of the CSV parser: blocks are parsed in parallel.
CSV_BLOCK_BYTES = 1 << 24


def _line_positions(text: str, lines: list[str]) -> list[int]:
    """Where each line starts in `text` (-1 if not found): matched as a whole line, and a line
    given twice at its next occurrence."""
    next_from: dict[str, int] = {}
    out = []
    for line in lines:
        pos = next_from.get(line, 0)
        while True:
            pos = text.find(line, pos)
            if pos < 0:
                break
            end = pos + len(line)
            if (pos == 0 or text[pos - 1] == "\n") and (end == len(text) or text[end] in "\r\n"):
                break
            pos += 1
        next_from[line] = pos + 1 if pos >= 0 else len(text)
        out.append(pos)
    return out


# --- readers, one per format: each returns the source's columns as text plus `_row` ----------


def _repair_stray_quotes(src: Source, text: str, n_fields: int) -> tuple[str, list, list]:
    """Find quotes that open a value which swallows the records after it, and repair them.

    CSV lets a quoted value run over several lines, so one stray `"` at the start of a name
    turns every following line — up to the next quote, or the end of the file — into a single
    value: hundreds of customers, or a whole opt-out list, vanish into one bad "row". A quote
    that opens a real multi-line value is followed by lines that are parts of that value; a
    stray one is followed by lines that are whole records (as many delimiters as a record has),
    or by no closing quote at all.

    Each stray line that splits into exactly the header's number of fields when its quotes are
    taken literally is rewritten so that the parser reads it as it stands (reported as repaired);
    any other stray line is blanked and quarantined, naming the line where the quote opened.
    Lines are counted with Arrow (no Python loop over a million lines); only the few lines with
    an odd number of quotes are looked at one by one.
    """
    if '"' not in text:
        return text, [], []
    lines = text.split("\n")
    arr = pa.array(lines, type=pa.large_string())
    quotes = pc.count_substring(arr, '"').to_numpy(zero_copy_only=False)
    odd = np.flatnonzero(quotes % 2 == 1)
    odd = odd[odd > 0]  # the header is the header
    if not len(odd):
        return text, [], []
    delimiters = pc.count_substring(arr, src.delimiter).to_numpy(zero_copy_only=False)

    def whole_record(k: int) -> bool:
        return len(lines[k].rstrip("\r").split(src.delimiter)) == n_fields

    stray: list[int] = []
    i = 0
    while i < len(odd):
        start = int(odd[i])
        close = int(odd[i + 1]) if i + 1 < len(odd) else None
        if close is None:
            # unclosed to the end: it swallows whatever follows (stops at the first non-blank line)
            swallowing = any(line.strip() for line in islice(lines, start + 1, None)) or whole_record(start)
        else:
            between = delimiters[start + 1 : close]
            swallowing = bool((between >= n_fields - 1).any()) or (whole_record(start) and whole_record(close))
        if swallowing:
            stray.append(start)
            i += 1  # the next odd line opens (or is) something of its own
        else:
            i += 2  # a real multi-line value: from here to its closing line
    repaired, rejects = [], []
    for k in stray:
        line = lines[k].rstrip("\r")
        fields = line.split(src.delimiter)
        if len(fields) == n_fields:
            out = io.StringIO()
            csv.writer(out, delimiter=src.delimiter, lineterminator="").writerow(fields)
            lines[k] = out.getvalue()
            repaired.append((k + 1, "a stray '\"' in the row: read with the quote as text"))
        else:
            lines[k] = ""
            rejects.append(
                (
                    k + 1,
                    f"unclosed quote: the '\"' on line {k + 1} opens a value that never closes, "
                    f"and without it the line has {len(fields)} fields (expected {n_fields})",
                    line,
                    None,
                )
            )
    return "\n".join(lines), repaired, rejects


def _lines_in_values(table: pa.Table) -> int:
    """Line breaks inside the values of a parsed table: the extra lines multi-line values take."""
    total = 0
    for column in table.columns:
        counts = pc.count_substring(column, "\n")
        total += int(pc.sum(counts).as_py() or 0)
    return total


def _data_lines(text: str) -> int:
    """Physical lines after the header, trailing blank lines not counted."""
    body = text[text.find("\n") + 1 :] if "\n" in text else ""
    body = body.rstrip("\r\n \t")
    return body.count("\n") + 1 if body else 0


def read_csv(src: Source) -> SourceRead:
    text = _decode(src)
    text, rejects = _split_off_bad_lines(src, text, first_line=2)
    header_line = text[: text.find("\n")] if "\n" in text else text
    header = next(csv.reader([header_line.rstrip("\r")], delimiter=src.delimiter))
    names = [h.strip() for h in header]
    id_index = names.index(src.id_column) if src.id_column in names else None
    text, repaired, stray_rejects = _repair_stray_quotes(src, text, len(names))
    rejects += stray_rejects

    invalid: list = []

    def on_invalid(row: pacsv.InvalidRow) -> str:
        invalid.append((row.text, row.expected_columns, row.actual_columns))
        return "skip"

    try:
        table = pacsv.read_csv(
            io.BytesIO(text.encode("utf-8", errors="surrogateescape")),
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1, block_size=CSV_BLOCK_BYTES),
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
    # Blocks of a large file are parsed in parallel, so invalid rows arrive in any order: each is
    # found as a whole line (a repeated line at its next occurrence), then all are put in file order.
    positions = _line_positions(text, [raw for raw, _, _ in invalid])
    order = sorted(range(len(invalid)), key=lambda i: (positions[i] < 0, positions[i], i))
    invalid, positions = [invalid[i] for i in order], [positions[i] for i in order]
    found = [p for p in positions if p >= 0]
    line_at = dict(zip(found, _lines_of(text, found)))
    for (raw, expected, actual), pos in zip(invalid, positions):
        fields = next(csv.reader([raw], delimiter=src.delimiter), [])
        rid = fields[id_index].strip() if id_index is not None and id_index < len(fields) else None
        rejects.append(
            (
                line_at.get(pos),
                f"wrong field count: expected {expected} fields, found {actual} "
                f"(an unquoted {src.delimiter!r} inside a value?)",
                raw,
                rid or None,
            )
        )
    frame = table.to_pandas()
    frame["_row"] = np.arange(1, len(frame) + 1)
    lines = _data_lines(text)
    quarantined_lines = sum(raw.count("\n") + 1 for _, _, raw, _ in rejects)
    accounted = len(frame) + _lines_in_values(table) + quarantined_lines
    return SourceRead(src, frame, _quarantine(src, rejects), lines, accounted, repaired)


def read_jsonl(src: Source) -> SourceRead:
    text = _decode(src)
    text, rejects = _split_off_bad_lines(src, text, first_line=1)
    data = text.encode("utf-8", errors="surrogateescape")
    try:
        table = _read_json_as_text(data)
    except pa.ArrowInvalid:
        # Only a broken file pays for line-by-line checks. Truncated or cut lines are nearly
        # always not shaped {...}: check those first, and every line only if that was not enough.
        lines = text.split("\n")
        for check_all in (False, True):
            bad = _bad_json_lines(lines, check_all)
            good = "\n".join(line for n, line in enumerate(lines) if n not in bad and line.strip())
            try:
                table = _read_json_as_text(good.encode("utf-8", errors="surrogateescape"))
                break
            except pa.ArrowInvalid:
                if check_all:
                    raise
        for n, reason in sorted(bad.items()):
            rid = _id_from_broken_json(lines[n], src.id_column)
            rejects.append((n + 1, f"invalid JSON ({reason}): truncated or corrupted line", lines[n], rid))
    frame = table.to_pandas()
    frame["_row"] = np.arange(1, len(frame) + 1)
    return SourceRead(src, frame, _quarantine(src, sorted(rejects, key=lambda r: r[0] or 0)))


def _bad_json_lines(lines: list[str], check_all: bool) -> dict[int, str]:
    """Line index -> parser message for the lines that are not a JSON object."""
    bad = {}
    for n, line in enumerate(lines):
        stripped = line.strip()
        if not stripped or (not check_all and stripped[0] == "{" and stripped[-1] == "}"):
            continue
        try:
            if not isinstance(json.loads(stripped), dict):
                bad[n] = "not a JSON object"
        except ValueError as exc:
            bad[n] = str(exc)
    return bad


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
        table = pajson.read_json(io.BytesIO(data), parse_options=pajson.ParseOptions(explicit_schema=fixed))
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
    sheet = wb.get_sheet_by_name(_sheet_name(wb.sheet_names, src.sheet))
    rows = _fill_merged_cells(sheet.to_python(skip_empty_area=False), sheet.merged_cell_ranges or [])
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


def _fill_merged_cells(rows: list[list], merged: list) -> list[list]:
    """Give every cell of a merged range the value of its top-left cell.

    A spreadsheet shows a merged range as one value for all the rows it spans (a city merged
    over five customers), but stores it only in the top-left cell; reading the rest as blank
    would silently take the value from four of the five.
    """
    for (r0, c0), (r1, c1) in merged:
        if r0 >= len(rows) or c0 >= len(rows[r0]):
            continue
        value = rows[r0][c0]
        for r in range(r0, min(r1, len(rows) - 1) + 1):
            for c in range(c0, min(c1, len(rows[r]) - 1) + 1):
                rows[r][c] = value
    return rows


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
        parts = src.source_columns(col)
        if parts and all(p in frame for p in parts):
            series = _text_column(frame[parts[0]]) if len(parts) == 1 else _joined_columns(frame, parts)
            if col in src.values:
                recoded = series.map(src.values[col])
                series = recoded.where(recoded.notna(), series)
            out[col] = series
        elif col in src.constants:
            out[col] = np.full(n, src.constants[col], dtype=object)
        else:
            out[col] = np.full(n, None, dtype=object)
    table = pd.DataFrame(out)
    table["source"] = src.name
    rows = frame["_row"].to_numpy().astype("int64") if n else np.array([], "int64")
    table["source_row_number"] = rows
    ids = _text_column(frame[src.id_column]) if src.id_column else pd.Series(np.full(n, None, dtype=object))
    ids = pd.Series(
        pc.utf8_trim_whitespace(pa.array(ids, type=pa.string(), from_pandas=True)).to_numpy(zero_copy_only=False)
    )
    missing = (ids.isna() | (ids == "")).to_numpy()
    if missing.any():  # a row without its id still gets a stable key: its record number in the file
        ids[missing] = ["row-" + str(r) for r in rows[missing]]
    table["source_record_id"] = ids.to_numpy()
    table["extracted_at"] = pd.Timestamp(resolve_extracted_at(src, frame))
    table, quarantine = table[columns_for(src.kind)], read.quarantine
    if src.kind == "suppressions":
        table, quarantine = recover_suppressions(src, table, quarantine)
    return table, quarantine


_EMAIL_IN_TEXT = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_PHONE_IN_TEXT = re.compile(r"(?<![\w@.])\+?\d[\d ().-]{5,18}\d(?![\w@])")


def recover_suppressions(
    src: Source, table: pd.DataFrame, quarantine: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read the email (and phone) out of suppression rows that could not be parsed.

    An opt-out list is the one input where a dropped row is a legal problem: an unsubscribe
    lost to a bad byte or an unquoted comma in the name leaves that person on every email list.
    The address is still findable in the raw text, so each unreadable row that holds one (or a
    phone, for a list that maps phones) becomes a suppression row with what could be read, the
    list's constants and lineage; the rest stays quarantined (and stops the run, see
    `check_suppressions_read`). Rows are few, so this loop over them is cheap.
    """
    if quarantine.empty:
        return table, quarantine
    want_email = bool(src.source_columns("email"))
    want_phone = bool(src.source_columns("phone"))
    rows, kept = [], []
    for i, q in enumerate(quarantine.itertuples(index=False)):
        raw = q.raw or ""
        emails = _EMAIL_IN_TEXT.findall(raw) if want_email else []
        phones = _PHONE_IN_TEXT.findall(raw) if want_phone and not emails else []
        if not emails and not phones:
            kept.append(i)
            continue
        row = {c: src.constants.get(c) for c in columns_for(src.kind)}
        row.update(
            source=src.name,
            source_record_id=q.source_record_id or f"line-{q.source_row_number}",
            source_row_number=q.source_row_number,
            email=emails[0] if emails else None,
            phone=phones[0].strip() if phones else None,
        )
        rows.append(row)
    if not rows:
        return table, quarantine
    recovered = pd.DataFrame(rows, columns=columns_for(src.kind))
    recovered["extracted_at"] = table["extracted_at"].iloc[0] if len(table) else pd.Timestamp(resolve_extracted_at(src))
    recovered["source_row_number"] = recovered["source_row_number"].astype("int64")
    return (
        pd.concat([table, recovered], ignore_index=True) if len(table) else recovered,
        quarantine.iloc[kept].reset_index(drop=True),
    )


def check_suppressions_read(quarantine: pd.DataFrame, summary: pd.DataFrame) -> None:
    """Stop when a row of a suppression list stayed unreadable: never drop an opt-out silently."""
    kinds = dict(zip(summary["source"], summary["kind"]))
    lost = quarantine[quarantine["source"].map(kinds).eq("suppressions") & (quarantine["reason"] != "empty line")]
    if len(lost):
        files = dict(zip(summary["source"], summary["file"]))
        each = "; ".join(
            f"{files.get(r.source, r.source)} (source '{r.source}') line {r.source_row_number}: {r.reason}"
            for r in lost.head(10).itertuples()
        )
        raise IngestError(
            f"{len(lost):,} row(s) of suppression lists could not be read, and an opt-out is never dropped: {each}. "
            "Fix these lines (or the registry's encoding/delimiter) and run again."
        )


def _joined_columns(frame: pd.DataFrame, parts: tuple[str, ...]) -> pd.Series:
    """Several source columns as one canonical value: the non-empty parts, trimmed, joined with a
    single space (a street number and a street name make an address line); none at all -> None.

    Done in Arrow over whole columns, so a million rows cost no Python loop. Missing parts become
    empty text joined by a unit separator, and runs of separators then one space: Arrow's own
    `null_handling="skip"` returns a short array when the last rows are all null (seen in pyarrow 26).
    """
    sep = "\x1f"
    arrays = [
        pc.fill_null(
            pc.utf8_trim_whitespace(pa.array(_text_column(frame[name]), type=pa.string(), from_pandas=True)), ""
        )
        for name in parts
    ]
    joined = pc.utf8_trim(pc.binary_join_element_wise(*arrays, sep), sep)
    joined = pc.replace_substring_regex(joined, sep + "+", " ")
    joined = pc.if_else(pc.equal(joined, ""), pa.scalar(None, pa.string()), joined)
    return pd.Series(joined.to_numpy(zero_copy_only=False), dtype=object)


def _text_column(series: pd.Series) -> pd.Series:
    """A source column as object text with None for missing, with a fresh RangeIndex."""
    series = series.reset_index(drop=True)
    if series.dtype != object:
        series = series.astype(object)
    return series.where(series.notna(), None) if series.hasnans else series


def resolve_extracted_at(src: Source, frame: pd.DataFrame | None = None) -> datetime:
    """When the source system exported the file, as an aware UTC datetime."""
    spec = src.extracted_at
    if spec == "file_mtime":
        return datetime.fromtimestamp(os.path.getmtime(src.path), tz=UTC)
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


def _read_sources(sources: list[Source]) -> list[tuple[pd.DataFrame, pd.DataFrame, float, dict]]:
    """Each source's canonical rows, its rejects, the seconds it took to read and its line counts."""
    out = []
    for src in sources:
        started = time.perf_counter()
        read = read_source(src)
        table, rejects = to_canonical(read)
        lines = {
            "lines": read.lines,
            "lines_accounted": read.lines_accounted,
            "rows_repaired": len(read.repaired),
            "repairs": json.dumps(read.repaired) if read.repaired else None,
        }
        out.append((table, rejects, time.perf_counter() - started, lines))
    return out


def _two_shares(sources: list[Source]) -> tuple[list[int], list[int]]:
    """Source positions split in two shares of about equal file size (largest first, each to
    the lighter share)."""
    sizes = [src.path.stat().st_size if src.path.exists() else 0 for src in sources]
    shares: tuple[list[int], list[int]] = ([], [])
    load = [0, 0]
    for i in sorted(range(len(sources)), key=lambda i: (-sizes[i], i)):
        lighter = 0 if load[0] <= load[1] else 1
        shares[lighter].append(i)
        load[lighter] += sizes[i]
    return sorted(shares[0]), sorted(shares[1])


def ingest(registry: Registry) -> IngestResult:
    """Read every source of the registry. The caller writes the tables (see save_ingest).

    Sources are read in two shares of about equal size, one on each core (the second in a
    forked process, `helpers.background`), and put together in registry order.
    """
    by_kind: dict[str, list[pd.DataFrame]] = {k: [] for k in TABLE_BY_KIND}
    quarantines, summary = [], []
    sources = list(registry.sources)
    mine, theirs = _two_shares(sources) if len(sources) > 1 else (list(range(len(sources))), [])
    side = in_background(_read_sources, [sources[i] for i in theirs]) if theirs else None
    done = dict(zip(mine, _read_sources([sources[i] for i in mine])))
    if side is not None:
        done.update(zip(theirs, side.result()))
    for i, src in enumerate(sources):
        table, rejects, seconds, lines = done[i]
        by_kind[src.kind].append(table)
        quarantines.append(rejects)
        summary.append(
            {
                "source": src.name,
                "kind": src.kind,
                "format": src.format,
                "file": src.path.name,
                "encoding": src.encoding,
                "rows_read": len(table),
                "rows_quarantined": len(rejects),
                "rows_total": len(table) + len(rejects),
                **lines,
                "columns_mapped": len(src.columns),
                "extracted_at": table["extracted_at"].iloc[0]
                if len(table)
                else pd.Timestamp(resolve_extracted_at(src)),
                "cadence": src.cadence,
                "default_country": src.country,
                "date_format": src.date_format,
                "date_formats": json.dumps(src.date_formats, sort_keys=True) if src.date_formats else None,
                "links_to": json.dumps(src.links_to) if src.links_to else None,
                "read_seconds": round(seconds, 3),
            }
        )
    tables = {}
    for kind, parts in by_kind.items():
        cols = columns_for(kind)
        parts = [p for p in parts if len(p)]
        tables[kind] = (
            pd.concat(parts, ignore_index=True) if parts else pd.DataFrame({c: pd.Series(dtype="object") for c in cols})
        )
        tables[kind]["extracted_at"] = pd.to_datetime(tables[kind]["extracted_at"], utc=True)
        tables[kind]["source_row_number"] = tables[kind]["source_row_number"].astype("int64")
    quarantine = pd.concat([q for q in quarantines if len(q)] or [empty_quarantine()], ignore_index=True)
    summary_frame = pd.DataFrame(summary)
    check_lines_accounted(summary_frame)
    check_suppressions_read(quarantine, summary_frame)
    return IngestResult(tables, quarantine, summary_frame)


def check_lines_accounted(summary: pd.DataFrame) -> None:
    """Stop when a file's physical lines did not all end as a row read or a quarantine entry.

    Reconciling parsed rows (read + quarantined) says nothing when one bad "row" swallowed
    four hundred lines; counting the file's own lines does. Fewer lines accounted for than the
    file has means records vanished, and a run must never pass while it lost data.
    """
    if "lines" not in summary:
        return
    known = summary[summary["lines"].notna() & summary["lines_accounted"].notna()]
    lost = known[known["lines_accounted"].astype("int64") < known["lines"].astype("int64")]
    if len(lost):
        each = "; ".join(
            f"source '{r.source}' ({r.file}): {int(r.lines):,} lines, {int(r.lines_accounted):,} read or quarantined"
            for r in lost.itertuples()
        )
        raise IngestError(f"lines lost while reading: {each}. Check the file's quoting and line endings.")


def date_format_per_row(source_summary: pd.DataFrame, sources: pd.Series, column: str) -> pd.Series:
    """The strftime hint for each row's value of one canonical date column: the column's own
    `date_formats` entry of its source, else the source's `date_format` (None without either).

    This is how a per-column format reaches the stages that parse dates: stage 01 writes both
    into `source_summary.parquet`, and a stage asks here instead of reading `date_format` alone.
    A summary written before `date_formats` existed has no such column and gives the default.
    """
    facts = source_summary.drop_duplicates("source").set_index("source")
    # As objects, None for missing: a summary read back under pandas 3 holds NaN in `str` columns.
    default = as_object(facts["date_format"]) if "date_format" in facts else text_series(None, index=facts.index)
    own = as_object(facts["date_formats"]) if "date_formats" in facts else text_series(None, index=facts.index)
    per_source = pd.Series(
        [json.loads(o).get(column, d) if isinstance(o, str) else d for o, d in zip(own, default)],
        index=facts.index,
        dtype=object,
    )  # one entry per source: the lookup below is vectorised over the rows
    return per_source.reindex(pd.Index(sources.to_numpy())).set_axis(sources.index).astype(object)


def ingest_tables(result: IngestResult) -> dict[Table, pd.DataFrame]:
    """Stage 01's tables as read, by catalog entry: one per kind (even when a kind has no source,
    so later stages can rely on it), the quarantine and the source summary. Keyed by catalog
    entry so that writing them checks the columns later stages read."""
    tables = {TABLE_BY_KIND[kind]: table for kind, table in result.tables.items()}
    tables[T.quarantine] = result.quarantine
    tables[T.source_summary] = result.summary
    return tables


def save_ingest(result: IngestResult, ctx) -> None:
    """Write stage 01's tables into the run folder: one per kind, even when a kind is absent.

    The writing runs on the second core while the stage profiles (`ctx.record` waits for it)."""
    ctx.write_in_background(ingest_tables(result))


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
