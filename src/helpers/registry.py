"""The source registry: how a user tells Clientela what their exports are and how they map.

Everything a user can get wrong in `sources.yaml` is checked here, before any stage runs, so a
scheduled run fails in a second with a message naming the source and the column instead of
failing half an hour later inside a notebook. All problems are collected and reported together.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from helpers.schema import (
    CADENCES,
    COLUMNS_BY_KIND,
    CONSTANT_ALLOWED,
    FORMATS,
    SUPPRESSION_CHANNELS,
    SUPPRESSION_REASONS,
)

KNOWN_KEYS = {
    "name",
    "path",
    "format",
    "encoding",
    "delimiter",
    "date_format",
    "date_formats",
    "kind",
    "id_column",
    "extracted_at",
    "cadence",
    "country",
    "columns",
    "constants",
    "values",
    "links_to",
    "sheet",
    "channel",
    "reason",
    "description",
    "allow_outside",
}
# Lineage a registry may map from a source column, besides the kind's canonical columns.
MAPPABLE_LINEAGE = {"record_updated_at"}
# The columns stage 02 and later read as dates, per kind: the only keys `date_formats` may give a
# format for (a format on a name or an email column would be a typo, never an intention).
DATE_COLUMNS: dict[str, set[str]] = {
    "people": {"date_of_birth", "signup_date", "record_updated_at"},
    "transactions": {"transaction_at"},
    "interactions": {"interaction_at"},
    "suppressions": {"event_at"},
    "address_changes": {"effective_date"},
}
NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")


class RegistryError(ValueError):
    """The registry cannot be used as written. The message lists every problem found."""

    def __init__(self, registry_path: Path | str, problems: list[str]):
        self.registry_path = str(registry_path)
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(
            f"Source registry {registry_path} has {len(problems)} problem(s):\n{lines}\n"
            "Fix the registry (see README, 'Bring your own data') and run again."
        )


@dataclass(frozen=True)
class Source:
    """One entry of the registry, validated and with its path resolved."""

    name: str
    path: Path
    format: str
    kind: str
    # canonical name -> the source's column, or the columns joined with a space to make it
    # (`address_line1: [street_number, street_name]`)
    columns: dict[str, str | tuple[str, ...]]
    encoding: str = "utf-8"
    delimiter: str = ","
    date_format: str | None = None
    date_formats: dict[str, str] = field(default_factory=dict)  # canonical date column -> its own format
    id_column: str | None = None
    extracted_at: Any = None
    cadence: str | None = None
    country: str | None = None
    constants: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    links_to: dict[str, str] | None = None
    sheet: str | int | None = None

    @property
    def label(self) -> str:
        return f"source '{self.name}' ({self.path.name})"

    def source_columns(self, canon: str) -> tuple[str, ...]:
        """The source column(s) mapped to a canonical column; () when it is not mapped."""
        col = self.columns.get(canon)
        return () if col is None else (col,) if isinstance(col, str) else tuple(col)

    def date_format_of(self, canon: str) -> str | None:
        """The format a canonical date column is written in: its own, else the source's."""
        return self.date_formats.get(canon, self.date_format)


@dataclass(frozen=True)
class Registry:
    path: Path
    sources: list[Source]

    def of_kind(self, kind: str) -> list[Source]:
        return [s for s in self.sources if s.kind == kind]

    def get(self, name: str) -> Source:
        for s in self.sources:
            if s.name == name:
                return s
        raise KeyError(name)


def load_registry(path: str | Path, check_files: bool = True) -> Registry:
    """Read and validate a registry; raise RegistryError listing every problem found."""
    path = Path(path)
    if not path.exists():
        raise RegistryError(path, [f"the registry file {path} does not exist"])
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise RegistryError(path, [f"it is not valid YAML: {exc}"]) from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("sources"), list) or not doc["sources"]:
        raise RegistryError(path, ["it needs a top-level 'sources:' list with at least one entry"])

    problems: list[str] = []
    sources: list[Source] = []
    seen: set[str] = set()
    for i, entry in enumerate(doc["sources"], start=1):
        src, errs = _parse_entry(entry, i, path.parent, seen)
        problems += errs
        if src is not None:
            seen.add(src.name)
            if check_files and not errs:
                problems += _check_file(src)
            sources.append(src)

    # Judge links by what each entry declares, so one broken entry does not cascade.
    declared = {e.get("name"): e.get("kind") for e in doc["sources"] if isinstance(e, dict)}
    for s in sources:
        if s.links_to and "source" in s.links_to:
            if declared.get(s.links_to["source"]) != "people":
                problems.append(
                    f"source '{s.name}': links_to.source '{s.links_to['source']}' is not a people "
                    "source of this registry"
                )
    if "people" not in declared.values():
        problems.append("no source has kind 'people': there is nobody to build customers from")
    if problems:
        raise RegistryError(path, problems)
    return Registry(path=path, sources=sources)


def _parse_entry(entry: Any, index: int, base: Path, seen: set[str]) -> tuple[Source | None, list[str]]:
    if not isinstance(entry, dict):
        return None, [f"entry #{index} is not a mapping of keys to values"]
    name = entry.get("name")
    where = f"source '{name}'" if name else f"entry #{index}"
    errs: list[str] = []
    if not name or not isinstance(name, str) or not NAME_RE.match(name):
        errs.append(f"{where}: 'name' must be a short snake_case name (letters, digits, _)")
    elif name in seen:
        errs.append(f"{where}: the name is used twice; source names must be unique")
    unknown = set(entry) - KNOWN_KEYS
    if unknown:
        errs.append(f"{where}: unknown key(s) {sorted(unknown)}; known keys: {sorted(KNOWN_KEYS)}")
    for key in ("path", "format", "kind", "columns"):
        if key not in entry:
            errs.append(f"{where}: missing required key '{key}'")
    if errs and any("missing" in e for e in errs):
        return None, errs

    kind = entry["kind"]
    if kind not in COLUMNS_BY_KIND:
        errs.append(f"{where}: unknown kind '{kind}'; use one of {sorted(COLUMNS_BY_KIND)}")
        return None, errs
    fmt = str(entry["format"]).lower()
    if fmt not in FORMATS:
        errs.append(f"{where}: unknown format '{entry['format']}'; use one of {sorted(FORMATS)}")

    columns = entry["columns"] or {}
    if not isinstance(columns, dict):
        errs.append(f"{where}: 'columns' must map canonical names to the source's column names")
        columns = {}
    allowed = set(COLUMNS_BY_KIND[kind]) | MAPPABLE_LINEAGE
    for canon, col in columns.items():
        if canon not in allowed:
            errs.append(f"{where}: '{canon}' is not a canonical column of kind '{kind}'; use one of {sorted(allowed)}")
        parts = col if isinstance(col, list) else [col]
        if not parts or not all(isinstance(c, str) and c for c in parts):
            errs.append(
                f"{where}: '{canon}' must map to a column name (text) or a list of column names "
                f"to join with a space, got {col!r}"
            )

    constants = dict(entry.get("constants") or {})
    for key in ("channel", "reason"):  # the shorthand `channel: email` of suppression lists
        if key in entry:
            constants[key] = entry[key]
    for canon in constants:
        if canon not in CONSTANT_ALLOWED.get(kind, set()):
            errs.append(
                f"{where}: '{canon}' cannot be fixed for a whole file of kind '{kind}'; "
                f"allowed: {sorted(CONSTANT_ALLOWED.get(kind, set()))}"
            )
        elif canon in columns:
            errs.append(f"{where}: '{canon}' is both mapped to a column and fixed as a constant")
    if kind == "suppressions":
        errs += _check_suppression_constants(where, constants, entry.get("values") or {})

    values = entry.get("values") or {}
    if not isinstance(values, dict) or not all(isinstance(v, dict) for v in values.values()):
        errs.append(f"{where}: 'values' must map a canonical column to {{raw value: canonical value}}")
        values = {}
    for canon in values:
        if canon not in columns:
            errs.append(f"{where}: 'values' recodes '{canon}', which is not mapped in 'columns'")

    encoding = entry.get("encoding", "utf-8")
    try:
        codecs.lookup(encoding)
    except LookupError:
        errs.append(f"{where}: unknown encoding '{encoding}' (e.g. utf-8, cp1252, latin-1)")
    delimiter = entry.get("delimiter", ",")
    if fmt == "csv" and (not isinstance(delimiter, str) or len(delimiter) != 1):
        errs.append(f"{where}: 'delimiter' must be one character, got {delimiter!r}")

    date_format = entry.get("date_format")
    if date_format is not None and not _is_strftime(date_format):
        errs.append(f"{where}: 'date_format' {date_format!r} is not a strftime format like %d/%m/%Y")
    date_formats = entry.get("date_formats") or {}
    errs += _check_date_formats(where, kind, date_formats, columns)

    cadence = entry.get("cadence")
    if cadence is not None and cadence not in CADENCES:
        errs.append(f"{where}: unknown cadence '{cadence}'; use one of {list(CADENCES)}")

    country = entry.get("country")
    if country is not None and not (isinstance(country, str) and re.fullmatch(r"[A-Z]{2}", country)):
        errs.append(f"{where}: 'country' must be an ISO 3166 alpha-2 code like ES, got {country!r}")

    extracted_at = entry.get("extracted_at")
    errs += _check_extracted_at(where, extracted_at)

    links_to = entry.get("links_to")
    if links_to is not None:
        if kind not in ("transactions", "interactions"):
            errs.append(f"{where}: 'links_to' only applies to transactions and interactions")
        elif not isinstance(links_to, dict) or len(links_to) != 1 or not (set(links_to) <= {"source", "field"}):
            errs.append(f"{where}: 'links_to' must be {{source: NAME}} or {{field: CANONICAL_FIELD}}")
        elif "field" in links_to and links_to["field"] not in COLUMNS_BY_KIND["people"]:
            errs.append(f"{where}: links_to.field '{links_to['field']}' is not a canonical people column")
        elif "customer_ref" not in columns:
            errs.append(f"{where}: 'links_to' is given but no column is mapped to 'customer_ref'")

    path = (base / str(entry["path"])).resolve()
    if entry.get("allow_outside") is not True and not is_within_allowed_tree(path, base):
        errs.append(
            f"{where}: path {entry['path']!r} leads outside {allowed_tree(base)}; "
            "move the file under it, or add allow_outside: true to this source if that is meant"
        )
    if errs:
        return None, errs
    assert isinstance(name, str)  # a name that is not text was reported in errs above
    return (
        Source(
            name=name,
            path=path,
            format=fmt,
            kind=kind,
            columns={k: _column_spec(v) for k, v in columns.items()},
            encoding=encoding,
            delimiter=delimiter,
            date_format=date_format,
            date_formats={str(k): str(v) for k, v in date_formats.items()},
            id_column=entry.get("id_column"),
            extracted_at=extracted_at,
            cadence=cadence,
            country=country,
            constants={k: str(v) for k, v in constants.items()},
            values={k: {str(a): str(b) for a, b in v.items()} for k, v in values.items()},
            links_to=links_to,
            sheet=entry.get("sheet"),
        ),
        [],
    )


def _column_spec(value: str | list) -> str | tuple[str, ...]:
    """A mapped column as the Source keeps it: a name, or a tuple of two or more names."""
    if isinstance(value, list):
        return str(value[0]) if len(value) == 1 else tuple(str(v) for v in value)
    return str(value)


def _is_strftime(fmt: Any) -> bool:
    """Whether a registry date format is a strftime pattern (text holding at least one %-code)."""
    if not isinstance(fmt, str) or "%" not in fmt:
        return False
    try:
        datetime(2001, 2, 3).strftime(fmt)
    except ValueError:
        return False
    return True


def _check_date_formats(where: str, kind: str, date_formats: Any, columns: dict) -> list[str]:
    """`date_formats: {column: format}`: for files whose date columns are written differently
    (a birth date '19850304' beside a sign-up '04.03.2021'). Only a mapped date column of the
    kind may have one, so a misspelt key is caught instead of silently doing nothing."""
    if not isinstance(date_formats, dict):
        return [f"{where}: 'date_formats' must map a date column to its format, e.g. {{date_of_birth: '%Y%m%d'}}"]
    errs = []
    dated = DATE_COLUMNS[kind]
    for canon, fmt in date_formats.items():
        if canon not in dated:
            errs.append(
                f"{where}: date_formats gives a format for '{canon}', which is not a date column of "
                f"kind '{kind}'; date columns: {sorted(dated)}"
            )
        elif canon not in columns:
            errs.append(f"{where}: date_formats gives a format for '{canon}', which is not mapped in 'columns'")
        if not _is_strftime(fmt):
            errs.append(f"{where}: date_formats.{canon} {fmt!r} is not a strftime format like %d/%m/%Y")
    return errs


def _check_suppression_constants(where: str, constants: dict, values: dict) -> list[str]:
    errs = []
    channel = constants.get("channel")
    if channel is not None and channel not in SUPPRESSION_CHANNELS:
        errs.append(f"{where}: channel '{channel}' is not one of {sorted(SUPPRESSION_CHANNELS)}")
    reason = constants.get("reason")
    if reason is not None and reason not in SUPPRESSION_REASONS:
        errs.append(f"{where}: reason '{reason}' is not one of {sorted(SUPPRESSION_REASONS)}")
    for canon, allowed in (("reason", SUPPRESSION_REASONS), ("channel", SUPPRESSION_CHANNELS)):
        bad = sorted(set(map(str, (values.get(canon) or {}).values())) - allowed)
        if bad:
            errs.append(f"{where}: values.{canon} maps to {bad}, which are not in {sorted(allowed)}")
    return errs


def _check_extracted_at(where: str, value: Any) -> list[str]:
    """extracted_at: a timestamp, {column: NAME} (latest value of a column), or 'file_mtime'."""
    if value is None:
        return [
            f"{where}: missing 'extracted_at' (a timestamp like 2026-11-15T02:00:00+00:00, "
            "{column: NAME} to take the latest value of a column, or file_mtime)"
        ]
    if value == "file_mtime" or (isinstance(value, dict) and set(value) == {"column"}):
        return []
    if isinstance(value, datetime):
        return []
    try:
        datetime.fromisoformat(str(value))
    except ValueError:
        return [f"{where}: extracted_at {value!r} is not an ISO timestamp, {{column: NAME}} or file_mtime"]
    return []


def parse_timestamp(value: Any) -> datetime:
    """An ISO timestamp or datetime as an aware UTC datetime (naive values are taken as UTC)."""
    ts = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)


# --- file checks: exists, readable, mapped columns present ------------------------------------


def _check_file(src: Source) -> list[str]:
    if not src.path.exists():
        return [f"{src.label}: file not found at {src.path}"]
    try:
        header = read_header(src)
    except Exception as exc:  # noqa: BLE001 - any reader error becomes a registry problem
        return [f"{src.label}: cannot read the file as {src.format}: {exc}"]
    errs = []
    repeated = sorted({h for h in header if header.count(h) > 1 and h})
    if repeated:
        errs.append(
            f"{src.label}: the header names {repeated} more than once; rename the repeats in the file "
            "so that each column can be mapped"
        )
    wanted = [(canon, col) for canon in src.columns for col in src.source_columns(canon)]
    if src.id_column:
        wanted.append(("id_column", src.id_column))
    if isinstance(src.extracted_at, dict):
        wanted.append(("extracted_at", src.extracted_at["column"]))
    for canon, col in wanted:
        if col not in header:
            close = [h for h in header if h.lower().replace(" ", "") == col.lower().replace(" ", "")]
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            errs.append(
                f"{src.label}: column '{col}' mapped to '{canon}' does not exist in the file{hint}; "
                f"its columns are {header[:30]}"
            )
    return errs


def read_header(src: Source) -> list[str]:
    """The column names of a source file, reading as little of it as possible."""
    if src.format in ("csv", "jsonl") and src.path.stat().st_size == 0:
        raise ValueError("the file is empty (0 bytes): the export did not write anything")
    if src.format == "csv":
        with open(src.path, encoding=src.encoding, errors="replace", newline="") as fh:
            first = fh.readline().lstrip("\ufeff")  # a byte-order mark is not part of the first name
        if not first.strip():
            raise ValueError("the first line is empty: a CSV needs its header on line 1")
        return [h.strip() for h in next(csv.reader(io.StringIO(first), delimiter=src.delimiter))]
    if src.format == "jsonl":
        keys: dict[str, None] = {}
        with open(src.path, encoding=src.encoding, errors="replace") as fh:
            for n, line in enumerate(fh):
                if n >= 200:
                    break
                try:
                    obj = json.loads(line)
                except ValueError:
                    continue
                if isinstance(obj, dict):
                    keys.update(dict.fromkeys(_flatten_keys(obj)))
        return list(keys)
    if src.format == "xlsx":
        from python_calamine import CalamineWorkbook

        wb = CalamineWorkbook.from_path(str(src.path))
        if src.sheet is None:
            same = sheets_with_first_header(wb)
            if len(same) > 1:
                raise ValueError(
                    f"the workbook has {len(same)} sheets with the same header ({', '.join(same)}); "
                    f'say which one to read with sheet: (e.g. sheet: "{same[0]}")'
                )
        sheet = _sheet_name(wb.sheet_names, src.sheet)
        rows = wb.get_sheet_by_name(sheet).to_python(nrows=1)
        return [str(c).strip() for c in rows[0]] if rows else []
    if src.format == "parquet":
        import pyarrow.parquet as pq

        return list(pq.read_schema(src.path).names)
    raise ValueError(f"unknown format {src.format}")


def allowed_tree(registry_folder: Path) -> Path:
    """Where a registry's files may live: the Clientela project holding the registry (its
    `config/sources.yaml` points to `../data/raw/…`), else the registry's own folder.

    A registry is often written by someone other than the person running it; a path like
    `../../../../etc/passwd` must not make `validate` print a system file's first line.
    """
    here = Path(registry_folder).resolve()
    for folder in (here, *here.parents):
        if (folder / "config" / "pipeline.yaml").exists() and (folder / "notebooks").is_dir():
            return folder
    return here


def is_within_allowed_tree(path: Path, registry_folder: Path) -> bool:
    return Path(path).resolve().is_relative_to(allowed_tree(registry_folder))


def sheets_with_first_header(wb: Any) -> list[str]:
    """The sheets whose header row is the first sheet's (the first one included).

    Reading the first sheet is right for a one-sheet export; when another sheet has the very
    same header (last month's copy, a backup tab), which one holds the customers is a guess.
    """
    names = wb.sheet_names
    if len(names) < 2:
        return names[:1]
    headers = {n: [str(c).strip() for c in (wb.get_sheet_by_name(n).to_python(nrows=1) or [[]])[0]] for n in names}
    first = headers[names[0]]
    return [n for n in names if any(first) and headers[n] == first]


def _sheet_name(names: list[str], wanted: str | int | None) -> str:
    if wanted is None:
        return names[0]
    if isinstance(wanted, int):
        return names[wanted]
    if wanted not in names:
        raise ValueError(f"sheet '{wanted}' not found; sheets are {names}")
    return wanted


def _flatten_keys(obj: dict, prefix: str = "") -> list[str]:
    out = []
    for k, v in obj.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out += _flatten_keys(v, key + ".")
        else:
            out.append(key)
    return out
