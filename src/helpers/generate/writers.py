"""Writing files the way the source systems export them, without a Python loop over rows.

CSV and JSON-lines text is assembled column-wise with Arrow string kernels into one string per
line; all lines are then written from the Arrow data buffer in one go. This keeps control over
every byte — which is the point, since some files must be *wrong* in specific ways (unquoted
delimiters, undecodable bytes, truncated JSON) — and is an order of magnitude faster than a
generic writer.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import text as T

# Placeholders for bytes that cp1252 cannot decode; swapped in after encoding.
BAD_BYTE_MARKERS = {"\x01": b"\x81", "\x02": b"\x8d", "\x03": b"\x8f", "\x04": b"\x90", "\x05": b"\x9d"}


def _may_contain(a: pa.Array, chars: str) -> bool:
    """Cheap pre-check on the raw data buffer: could any value contain one of these characters?

    Scanning the bytes once is far cheaper than a per-value regex, and most columns (ids, dates,
    names) never need quoting or escaping. False positives only cost the slow path.
    """
    a = T.arr(a)
    bufs = a.buffers()
    if len(bufs) < 3 or bufs[2] is None:
        return False
    lut = np.zeros(256, dtype=bool)
    lut[np.frombuffer(chars.encode("utf-8"), dtype=np.uint8)] = True
    return bool(lut[np.frombuffer(bufs[2], dtype=np.uint8)].any())


def csv_field(a: pa.Array, delimiter: str) -> pa.Array:
    """A column as CSV text: quoted (with doubled quotes) only when it has to be; nulls empty."""
    a = T.arr(pc.fill_null(T.arr(a).cast(pa.string()), ""))
    if not _may_contain(a, delimiter + '"\r\n'):
        return a
    special = "[" + "".join("\\" + c if c in "|\\^$.[]" else c for c in delimiter) + '"\r\n]'
    needs = pc.match_substring_regex(a, special)
    quoted = T.cat('"', pc.replace_substring(a, '"', '""'), '"')
    return T.arr(pc.if_else(needs, quoted, a))


def csv_lines(columns: list[pa.Array], delimiter: str = ",") -> pa.Array:
    """One CSV line (without line ending) per row."""
    fields = [csv_field(c, delimiter) for c in columns]
    return T.arr(pc.binary_join_element_wise(*fields, delimiter))


def header_line(names: list[str], delimiter: str = ",") -> str:
    return delimiter.join(f'"{n}"' if (delimiter in n or '"' in n) else n for n in names)


def join_lines(lines: pa.Array, newline: str = "\n") -> str:
    """All lines, each terminated by newline, as one Python string (one buffer copy)."""
    lines = T.arr(lines)
    if not len(lines):
        return ""
    full = T.arr(pc.binary_join_element_wise(lines, newline, "")).cast(pa.large_string())
    offsets = np.frombuffer(full.buffers()[1], dtype=np.int64)
    start, end = offsets[full.offset], offsets[full.offset + len(full)]
    return full.buffers()[2].to_pybytes()[start:end].decode("utf-8")


def write_text(
    path: Path,
    header: str | None,
    lines: pa.Array,
    encoding: str = "utf-8",
    newline: str = "\n",
    bad_byte_markers: bool = False,
) -> None:
    """Write a header and lines. With cp1252, characters it cannot hold become '?', like a legacy
    export would; marker characters become deliberately undecodable bytes."""
    body = (header + newline if header is not None else "") + join_lines(lines, newline)
    data = body.encode(encoding, errors="replace")
    if bad_byte_markers:
        for marker, byte in BAD_BYTE_MARKERS.items():
            data = data.replace(marker.encode(encoding), byte)
    Path(path).write_bytes(data)


# --- JSON --------------------------------------------------------------------------------------


def json_str(a: pa.Array) -> pa.Array:
    """JSON string literals ("..." with escapes), null for nulls."""
    a = T.arr(a)
    esc = a
    if _may_contain(a, '\\"\t\n\r'):
        esc = pc.replace_substring(esc, "\\", "\\\\")
        esc = pc.replace_substring(esc, '"', '\\"')
        esc = pc.replace_substring(esc, "\t", "\\t")
        esc = pc.replace_substring(esc, "\n", "\\n")
        esc = pc.replace_substring(esc, "\r", "\\r")
    return T.arr(pc.fill_null(pc.binary_join_element_wise('"', esc, '"', ""), "null"))


def json_raw(a: pa.Array) -> pa.Array:
    """Already-formatted JSON values (numbers, true/false); null for nulls."""
    return T.arr(pc.fill_null(T.arr(a), "null"))


def json_bool(m: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    """true/false per row (null where `null` is True)."""
    out = T.where(m, "true", "false")
    return T.arr(pc.if_else(T.mask(null), pa.scalar("null"), out)) if null is not None else out


def json_object(fields: list[tuple[str, pa.Array]]) -> pa.Array:
    """'{"k": v, ...}' per row from already-encoded JSON values."""
    parts: list = []
    for i, (k, v) in enumerate(fields):
        parts.append(("{" if i == 0 else ", ") + f'"{k}": ')
        parts.append(v)
    parts.append("}")
    return T.cat(*parts)


# --- Excel -------------------------------------------------------------------------------------


def write_xlsx(
    path: Path,
    sheet: str,
    header: list[str],
    columns: list[list],
    cell_formats: list[list] | None,
    created: dt.datetime,
) -> None:
    """A hand-made-looking workbook. Values are str, float or None; cell_formats (parallel lists)
    name a format per cell ('date' or None). The document creation time is pinned so the
    file is byte-identical on rerun (xlsxwriter otherwise stamps the wall clock)."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(
        str(path),
        {"constant_memory": False, "strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False},
    )
    wb.set_properties({"created": created, "author": "Events team", "title": "Leads"})
    fmt = {"date": wb.add_format({"num_format": "dd/mm/yyyy"}), "bold": wb.add_format({"bold": True})}
    ws = wb.add_worksheet(sheet)
    for j, h in enumerate(header):
        ws.write_string(0, j, h, fmt["bold"])
    # per column: xlsxwriter has no bulk API, so this is one call per cell (the file is capped at
    # a few tens of thousands of rows)
    for j, col in enumerate(columns):
        fcol = cell_formats[j] if cell_formats else None
        for i, v in enumerate(col, start=1):
            if v is None:
                continue
            if isinstance(v, str):
                ws.write_string(i, j, v)
            elif fcol is not None and fcol[i - 1] == "date":
                ws.write_number(i, j, v, fmt["date"])
            else:
                ws.write_number(i, j, v)
    ws.set_column(0, len(header) - 1, 18)
    wb.close()
