"""Shared fixtures: a tiny, hand-written set of exports with the faults real files have."""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]

CRM_ROWS = [
    "CUST_NO;SALUTATION;FIRST_NAME;LAST_NAME;DOB;EMAIL;PHONE;TOWN;COUNTRY;LAST_UPDATED",
    "C001;Sr.;José;García López;04/03/1985;jose.garcia@gmail.com;612 345 678;Madrid;ES;01/02/2024",
    "C002;Sra.;María;Pérez;;MARIA.P@HOTMIAL.COM;+34 699 111 222;Sevilla;ES;",
    "",  # an empty line in the middle of the file
    "C003;Mr;Rob;Smith;12/11/1970;rob.smith@btinternet.com;07700 900123;Calle Mayor; 5;GB;03/03/2023",  # unquoted ;
    "C004;;Ana;Souza;01/01/1990;ana@uol.com.br;11 98765-4321;São Paulo;BR;05/05/2025",
]


def write_crm(path: Path) -> None:
    body = "\r\n".join(CRM_ROWS) + "\r\n"
    data = body.encode("cp1252")
    # A line with a byte cp1252 cannot decode (0x81), as a corrupted export has.
    data += b"C005;Sr.;Jo\x81o;Silva;02/02/1980;joao@sapo.pt;912345678;Lisboa;PT;\r\n"
    data += "C006;Dott.;Giuseppe;Rossi;05/06/1975;beppe@libero.it;06 1234 5678;Roma;IT;\r\n".encode("cp1252")
    path.write_bytes(data)


def write_shop(path: Path) -> None:
    rows = [
        {
            "customer_id": "E1",
            "email": "jose.garcia@gmail.com",
            "first_name": "Pepe",
            "last_name": "Garcia",
            "created_at": "2024-01-02T10:00:00+01:00",
            "accepts_marketing": True,
            "address": {"line1": "Calle Mayor 5", "city": "Madrid", "zip": "28013", "country_code": "ES"},
        },
        {
            "customer_id": "E2",
            "email": "kate.jones@outlook.com",
            "first_name": "Kate",
            "last_name": "Jones",
            "created_at": "2025-05-06T11:00:00+00:00",
            "accepts_marketing": False,
            "address": {"line1": "1 High St", "city": "London", "zip": "SW1A 1AA", "country_code": "GB"},
        },
    ]
    lines = [json.dumps(r, ensure_ascii=False) for r in rows]
    lines.insert(1, '{"customer_id": "E9", "email": "trunc')  # a truncated line
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_leads(path: Path) -> None:
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Leads")
    ws.write_row(0, 0, ["Lead #", "Name", "E-mail", "Birthday"])
    ws.write_row(1, 0, [1, "GARCIA, José", "jose.garcia@gmail.com", 31110])  # Excel serial of 1985-03-04
    ws.write_row(2, 0, [2, "Kate Jones", "kate.jones@outlook.com", "3/4/1985"])
    ws.write_row(4, 0, [3, "Bill Gates", "bill.gates@yahoo.com", None])  # row 4 left empty on purpose
    wb.close()


def write_unsubscribes(path: Path) -> None:
    path.write_text("email,unsubscribed_at\nKATE.JONES@outlook.com,2026-01-01\n", encoding="utf-8")


def write_orders(path: Path) -> None:
    path.write_text(
        "order_id,customer_id,created_at,total,currency\nO1,E1,2026-01-03,19.90,EUR\nO2,,2026-02-01,5.00,EUR\n",
        encoding="utf-8",
    )


REGISTRY = {
    "sources": [
        {
            "name": "crm",
            "path": "crm.csv",
            "format": "csv",
            "encoding": "cp1252",
            "delimiter": ";",
            "date_format": "%d/%m/%Y",
            "kind": "people",
            "id_column": "CUST_NO",
            "extracted_at": "2026-11-01T02:00:00+00:00",
            "cadence": "weekly",
            "country": "ES",
            "columns": {
                "title": "SALUTATION",
                "first_name": "FIRST_NAME",
                "last_name": "LAST_NAME",
                "date_of_birth": "DOB",
                "email": "EMAIL",
                "phone": "PHONE",
                "city": "TOWN",
                "country": "COUNTRY",
                "record_updated_at": "LAST_UPDATED",
            },
        },
        {
            "name": "shop",
            "path": "shop.jsonl",
            "format": "jsonl",
            "kind": "people",
            "id_column": "customer_id",
            "extracted_at": {"column": "created_at"},
            "cadence": "hourly",
            "columns": {
                "first_name": "first_name",
                "last_name": "last_name",
                "email": "email",
                "address_line1": "address.line1",
                "city": "address.city",
                "postcode": "address.zip",
                "country": "address.country_code",
                "email_opt_in": "accepts_marketing",
                "signup_date": "created_at",
            },
        },
        {
            "name": "leads",
            "path": "leads.xlsx",
            "format": "xlsx",
            "kind": "people",
            "id_column": "Lead #",
            "extracted_at": "2026-10-01T00:00:00Z",
            "cadence": "monthly",
            "columns": {"full_name": "Name", "email": "E-mail", "date_of_birth": "Birthday"},
        },
        {
            "name": "shop_orders",
            "path": "orders.csv",
            "format": "csv",
            "kind": "transactions",
            "extracted_at": "2026-11-14T23:00:00+00:00",
            "cadence": "daily",
            "links_to": {"source": "shop"},
            "columns": {
                "transaction_id": "order_id",
                "customer_ref": "customer_id",
                "transaction_at": "created_at",
                "amount": "total",
                "currency": "currency",
            },
        },
        {
            "name": "unsubscribes",
            "path": "unsubscribes.csv",
            "format": "csv",
            "kind": "suppressions",
            "extracted_at": "2026-11-14T06:00:00+00:00",
            "cadence": "daily",
            "channel": "email",
            "reason": "unsubscribe",
            "columns": {"email": "email", "event_at": "unsubscribed_at"},
        },
    ]
}


@pytest.fixture
def mini_sources(tmp_path: Path) -> Path:
    """A folder with five small exports and their registry; returns the registry path."""
    folder = tmp_path / "raw"
    folder.mkdir()
    write_crm(folder / "crm.csv")
    write_shop(folder / "shop.jsonl")
    write_leads(folder / "leads.xlsx")
    write_orders(folder / "orders.csv")
    write_unsubscribes(folder / "unsubscribes.csv")
    path = folder / "sources.yaml"
    path.write_text(yaml.safe_dump(REGISTRY, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def edit_registry(path: Path, change) -> Path:
    """Apply `change(doc)` to a registry file in place; returns the path."""
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(doc)
    path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture
def mini_project(tmp_path: Path, mini_sources: Path) -> Path:
    """A project folder (config + the real stage-01 notebook) running on the mini sources."""
    project = tmp_path / "project"
    (project / "config").mkdir(parents=True)
    (project / "notebooks").mkdir()
    shutil.copy(ROOT / "notebooks" / "01_ingest_profile.ipynb", project / "notebooks")
    (project / "config" / "pipeline.yaml").write_text(
        textwrap.dedent(
            f"""\
            sources: {mini_sources}
            processed_dir: data/processed
            reports_dir: reports
            reference_date: 2026-11-15
            truth_path: null
            backend: duckdb
            seed: 42
            keep_runs: 3
            expectations_dir: {ROOT / "expectations"}
            stale_after_cadences: 2
            """
        ),
        encoding="utf-8",
    )
    return project


FAILING_NOTEBOOK = {
    "cells": [
        {
            "id": "params",
            "cell_type": "code",
            "metadata": {"tags": ["parameters"]},
            "execution_count": None,
            "outputs": [],
            "source": 'run_id = "interactive"\nprocessed_dir = "../data/processed"',
        },
        {
            "id": "boom",
            "cell_type": "code",
            "metadata": {},
            "execution_count": None,
            "outputs": [],
            "source": 'raise ValueError("gate clean_records failed: expect_column_values_to_not_be_null(email)")',
        },
    ],
    "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    "nbformat": 4,
    "nbformat_minor": 5,
}


def add_failing_stage(project: Path, name: str = "02_broken_stage") -> Path:
    path = project / "notebooks" / f"{name}.ipynb"
    path.write_text(json.dumps(FAILING_NOTEBOOK), encoding="utf-8")
    return path
