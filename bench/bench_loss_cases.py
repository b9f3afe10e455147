"""The reading faults of issue 16, each made in a small file, read by stage 01: what was lost?

    .venv/bin/python bench/bench_loss_cases.py [--src PATH_TO_ANOTHER_CHECKOUT/src]

For each case it prints the rows the file holds, the rows read, the rows quarantined, the
rows recorded nowhere (lost silently) and what stage 01 said (an error stops the run). With
`--src` it imports the reading code of another checkout (e.g. the commit before a change), so
the same faults can be measured before and after. Uses only `load_registry` and `ingest`.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import yaml


def _write(folder: Path, name: str, data: bytes, source: dict) -> Path:
    (folder / name).write_bytes(data)
    registry = folder / f"{name}.yaml"
    entries = [{"name": "s", "path": name, "extracted_at": "2026-11-01T00:00:00Z", **source}]
    if source["kind"] != "people":  # a registry needs a people source
        (folder / "people0.csv").write_text("id,first_name\n1,Ana\n", encoding="utf-8")
        entries.append(
            {
                "name": "people0",
                "path": "people0.csv",
                "format": "csv",
                "kind": "people",
                "id_column": "id",
                "extracted_at": "2026-11-01T00:00:00Z",
                "columns": {"first_name": "first_name"},
            }
        )
    registry.write_text(yaml.safe_dump({"sources": entries}), encoding="utf-8")
    return registry


def cases(folder: Path) -> dict[str, tuple[Path, int, str]]:
    """case → (registry, rows the file holds, the table they belong to)."""
    people = {
        "format": "csv",
        "kind": "people",
        "id_column": "id",
        "columns": {"first_name": "first_name", "last_name": "last_name", "email": "email"},
    }
    unsubs = {**people, "kind": "suppressions", "channel": "email", "reason": "unsubscribe"}
    header = b"id,first_name,last_name,email\n"
    rows = [f"{i},Ana{i},Lopez{i},ana{i}@mail.es\n".encode() for i in range(1, 74)]
    out = {}
    stray = list(rows)
    stray[4] = b'5,"Ana5,Lopez5,ana5@mail.es\n'
    out["1 stray quote in an unsubscribe list"] = (
        _write(folder, "u1.csv", header + b"".join(stray), unsubs),
        73,
        "suppressions",
    )
    latin = list(rows)
    latin[10] = "11,Jos\xe9,Lopez11,ana11@mail.es\n".encode("latin-1")
    out["1 latin-1 byte in an unsubscribe list"] = (
        _write(folder, "u2.csv", header + b"".join(latin), unsubs),
        73,
        "suppressions",
    )
    comma = list(rows)
    comma[20] = b"21,Ana,Maria,Lopez21,ana21@mail.es\n"
    out["1 unquoted comma in an unsubscribe list"] = (
        _write(folder, "u3.csv", header + b"".join(comma), unsubs),
        73,
        "suppressions",
    )
    many = [f"{i},Name{i},Surname{i},p{i}@mail.es\n".encode() for i in range(1, 471)]
    many[49] = b'50,"Name50,Surname50,p50@mail.es\n'
    out["2 unclosed quote in a people file"] = (_write(folder, "p.csv", header + b"".join(many), people), 470, "people")
    names = ["João", "José", "Iñaki", "Müller", "Françoise", "Ana", "Luis", "Zoë", "Mário", "Inês"]
    crm = "".join(f"{i},{names[i % 10]},Silva{i},p{i}@mail.pt\n" for i in range(200))
    out["3 cp1252 file declared utf-8"] = (
        _write(folder, "e1.csv", header + crm.encode("cp1252"), people),
        200,
        "people",
    )
    out["3 utf-8 file declared cp1252"] = (
        _write(folder, "e2.csv", header + crm.encode("utf-8"), {**people, "encoding": "cp1252"}),
        200,
        "people",
    )
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(folder / "book.xlsx"))
    for sheet, n in (("Old copy", 5), ("Customers", 65)):
        ws = wb.add_worksheet(sheet)
        ws.write_row(0, 0, ["id", "first_name", "last_name", "email"])
        for i in range(n):
            ws.write_row(i + 1, 0, [i + 1, f"Ana{i}", f"Lopez{i}", f"ana{i}@mail.es"])
    wb.close()
    out["4 workbook whose first sheet is an old copy"] = (
        _write(folder, "book.xlsx", (folder / "book.xlsx").read_bytes(), {**people, "format": "xlsx"}),
        65,
        "people",
    )
    out["7 whitespace-only line"] = (
        _write(folder, "w.csv", header + b"".join(rows[:10]) + b"   \n" + b"".join(rows[10:20]), people),
        20,
        "people",
    )
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--src", type=Path, default=Path(__file__).resolve().parents[1] / "src")
    args = parser.parse_args()
    sys.path.insert(0, str(args.src.resolve()))
    from helpers.ingest import ingest
    from helpers.registry import load_registry

    try:
        from helpers.loss import loss_measures
    except ImportError:  # a checkout from before the loss gate
        loss_measures = None

    with tempfile.TemporaryDirectory() as tmp:
        print(f"{'case':46} {'rows':>5} {'read':>5} {'quar.':>5} {'lost':>5}  what stage 01 said")
        for name, (registry, total, table) in cases(Path(tmp)).items():
            try:
                result = ingest(load_registry(registry))
            except Exception as exc:  # noqa: BLE001 - a refusal is an outcome here
                print(
                    f"{name:46} {total:>5} {'—':>5} {'—':>5} {'—':>5}  stopped: {type(exc).__name__}: "
                    f"{[line for line in str(exc).splitlines() if line.strip()][1 if 'problem' in str(exc) else 0].strip()[:120]}"
                )
                continue
            read = len(result.tables[table].query("source == 's'"))
            quarantined = len(result.quarantine.query("source == 's'").query("reason != 'empty line'"))
            said = "read"
            if "rows_repaired" in result.summary and int(result.summary["rows_repaired"].sum()):
                said += f", {int(result.summary['rows_repaired'].sum())} repaired"
            if loss_measures is not None:
                m = loss_measures(result.summary, result.tables, result.quarantine, None).iloc[0]
                if m["encoding_hint"]:
                    said += f"; loss gate: {m['encoding_hint']}"
                if m["quarantined_share"] and m["quarantined_share"] > 0.25:
                    said += f"; loss gate STOPS the run ({m['quarantined_share']:.0%} quarantined)"
            print(f"{name:46} {total:>5} {read:>5} {quarantined:>5} {max(total - read - quarantined, 0):>5}  {said}")


if __name__ == "__main__":
    main()
