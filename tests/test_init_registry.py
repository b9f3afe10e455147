"""`clientela init`: a proposed registry from the files alone, reviewable and valid as written."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
import yaml

from helpers.cli import main
from helpers.ingest import ingest
from helpers.init_registry import (
    propose_registry,
    read_sample,
    sniff_delimiter,
    sniff_encoding,
)
from helpers.registry import load_registry

TODAY = date(2026, 11, 15)
BENCHMARK = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "fake_1000.csv"


def spanish_crm(path: Path) -> Path:
    """A cp1252 ';' export with Spanish headers, two surname columns, a street and its number,
    day-first dates and a sign-up date written with dots."""
    rows = [
        "codigo_cliente;Nombre;Apellido1;Apellido2;Correo;Teléfono;Calle;Número;CP;Población;"
        "Fecha nacimiento;Fecha alta;Fecha modificación",
        "C1;José;García;López;jose@gmail.com;612 345 678;Calle Mayor;5;28013;Madrid;24/03/1985;01.02.2020;03/04/2024",
        "C2;María;Núñez;;maria@hotmail.es;699 111 222;Avenida Sol;12;41001;Sevilla;13/11/1990;15.06.2021;21/05/2024",
        "C3;Iñaki;Ortiz;Ruiz;;+34 944 123 456;Gran Vía;;48001;Bilbao;02/01/1975;30.12.2019;",
    ]
    path.write_bytes(("\r\n".join(rows) + "\r\n").encode("cp1252"))
    return path


def portuguese_shop(path: Path) -> Path:
    """JSON lines with Portuguese names, nested objects and month-first birth dates."""
    rows = [
        {
            "id": "P1",
            "nome": "João",
            "sobrenome": "Silva",
            "nascimento": "12/31/1980",
            "contato": {"email": "joao@sapo.pt", "telefone": "+351 912 345 678"},
            "endereco": {"rua": "Rua Augusta 10", "cidade": "Lisboa", "cep": "1100-048"},
            "criado_em": "2024-01-02T10:00:00Z",
        },
        {
            "id": "P2",
            "nome": "Ana",
            "sobrenome": "Costa",
            "nascimento": "02/14/1992",
            "contato": {"email": "ana@uol.com.br", "telefone": "+55 11 98765-4321"},
            "endereco": {"rua": "Rua Oscar Freire 5", "cidade": "São Paulo", "cep": "01426-001"},
            "criado_em": "2024-03-05T11:00:00Z",
        },
    ]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    return path


def italian_leads(path: Path) -> Path:
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Contatti")
    ws.write_row(0, 0, ["Nome", "Cognome", "Via", "Civico", "CAP", "Città", "Cellulare", "x1", "Note"])
    ws.write_row(
        1, 0, ["Giuseppe", "Rossi", "Via Roma", "3", "00184", "Roma", "340 123 4567", "beppe@libero.it", "VIP"]
    )
    ws.write_row(2, 0, ["Lucia", "Bianchi", "Corso Italia", "", "20122", "Milano", "347 765 4321", "lucia@tim.it", ""])
    wb.close()
    return path


def unsubscribes(path: Path) -> Path:
    path.write_text("email,fecha\nana@x.com,2026-01-01\nbob@y.org,2026-02-03\n", encoding="utf-8")
    return path


def orders(path: Path) -> Path:
    pd.DataFrame(
        {
            "pedido": ["O1", "O2", "O3"],
            "cliente": ["C1", None, "C2"],
            "fecha": ["2026-01-03", "2026-01-04", "2026-02-01"],
            "importe": ["19.90", "5.00", "7.25"],
            "moneda": ["EUR", "EUR", "EUR"],
        }
    ).to_parquet(path)
    return path


@pytest.fixture
def files(tmp_path: Path) -> list[Path]:
    raw = tmp_path / "raw"
    raw.mkdir()
    return [
        spanish_crm(raw / "clientes.csv"),
        portuguese_shop(raw / "loja.jsonl"),
        italian_leads(raw / "contatti.xlsx"),
        unsubscribes(raw / "bajas_newsletter.csv"),
        orders(raw / "pedidos.parquet"),
    ]


@pytest.fixture
def proposed(files, tmp_path):
    out = tmp_path / "config" / "sources.yaml"
    text, _ = propose_registry(files, out, today=TODAY)
    out.parent.mkdir()
    out.write_text(text, encoding="utf-8")
    return out, {s["name"]: s for s in yaml.safe_load(text)["sources"]}, text


def test_the_proposal_validates_and_ingests_as_written(proposed):
    out, _, _ = proposed
    registry = load_registry(out)  # every mapped column exists, every setting is valid
    result = ingest(registry)
    assert result.summary["rows_read"].tolist() == [3, 2, 2, 2, 3]
    assert result.quarantine.empty


def test_csv_settings_spanish_headers_composed_columns_and_date_formats(proposed):
    _, src, text = proposed
    crm = src["clientes"]
    assert (crm["format"], crm["encoding"], crm["delimiter"], crm["kind"]) == ("csv", "cp1252", ";", "people")
    assert crm["id_column"] == "codigo_cliente"
    assert crm["columns"] == {
        "first_name": "Nombre",
        "last_name": ["Apellido1", "Apellido2"],
        "email": "Correo",
        "phone": "Teléfono",
        "address_line1": ["Calle", "Número"],
        "city": "Población",
        "postcode": "CP",
        "date_of_birth": "Fecha nacimiento",
        "signup_date": "Fecha alta",
        "record_updated_at": "Fecha modificación",
    }
    assert crm["date_format"] == "%d/%m/%Y"
    assert crm["date_formats"] == {"signup_date": "%d.%m.%Y"}
    assert "day first" in text  # every guess says why


def test_composed_and_per_column_dates_reach_stage_01(proposed):
    out, _, _ = proposed
    people = ingest(load_registry(out)).tables["people"].query("source == 'clientes'")
    assert people["last_name"].tolist() == ["García López", "Núñez", "Ortiz Ruiz"]
    assert people["address_line1"].tolist() == ["Calle Mayor 5", "Avenida Sol 12", "Gran Vía"]


def test_jsonl_nested_portuguese_and_month_first_dates(proposed):
    _, src, _ = proposed
    shop = src["loja"]
    assert shop["format"] == "jsonl" and shop["kind"] == "people" and shop["id_column"] == "id"
    assert shop["columns"] == {
        "first_name": "nome",
        "last_name": "sobrenome",
        "date_of_birth": "nascimento",
        "email": "contato.email",
        "phone": "contato.telefone",
        "address_line1": "endereco.rua",
        "city": "endereco.cidade",
        "postcode": "endereco.cep",
        "signup_date": "criado_em",
    }
    assert shop["date_format"] == "%m/%d/%Y"  # 31 and 14 in second place: month first


def test_xlsx_italian_headers_values_and_unplaced_columns(proposed):
    _, src, text = proposed
    leads = src["contatti"]
    assert leads["format"] == "xlsx" and "id_column" not in leads
    assert leads["columns"] == {
        "first_name": "Nome",
        "last_name": "Cognome",
        "address_line1": ["Via", "Civico"],
        "postcode": "CAP",
        "city": "Città",
        "phone": "Cellulare",
        "email": "x1",  # x1 placed by its values alone
    }
    assert '# ?: "Note"' in text  # what it cannot place is listed, commented out
    assert "100% of values look like emails" in text


def test_suppression_and_transaction_files(proposed):
    _, src, text = proposed
    bajas = src["bajas_newsletter"]
    assert bajas["kind"] == "suppressions"
    assert bajas["constants"] == {"channel": "email", "reason": "unsubscribe"}
    assert bajas["columns"] == {"email": "email", "event_at": "fecha"}
    sales = src["pedidos"]
    assert sales["kind"] == "transactions" and sales["id_column"] == "pedido"
    assert sales["columns"] == {
        "transaction_id": "pedido",
        "customer_ref": "cliente",
        "transaction_at": "fecha",
        "amount": "importe",
        "currency": "moneda",
    }
    assert "# links_to: {source: NAME}" in text


def test_sniffing_encoding_and_delimiter():
    assert sniff_encoding("año".encode())[0] == "utf-8"
    assert sniff_encoding("año".encode()[:-1] + b"")[0] == "utf-8"
    assert sniff_encoding(b"\xef\xbb\xbfname")[0] == "utf-8-sig"
    assert sniff_encoding("año €".encode("cp1252"))[0] == "cp1252"
    assert sniff_delimiter(["a;b;c", "1;2;3", '"x,y";2;3'])[0] == ";"
    assert sniff_delimiter(["a\tb", "1\t2"])[0] == "\t"
    assert sniff_delimiter(["a,b", "1,2", "3,4"])[0] == ","


def test_samples_at_most_a_few_thousand_rows(tmp_path):
    path = tmp_path / "big.csv"
    path.write_text("id,email\n" + "".join(f"{i},p{i}@x.com\n" for i in range(5000)), encoding="utf-8")
    assert len(read_sample(path).frame) == 2000


def test_cli_writes_refuses_to_overwrite_and_says_it_validates(files, tmp_path, capsys):
    out = tmp_path / "proposed.yaml"
    assert main(["init", *map(str, files), "--out", str(out)]) == 0
    said = capsys.readouterr().out
    assert "proposed 5 source(s)" in said and "passes `clientela validate" in said
    assert main(["init", str(files[0]), "--out", str(out)]) == 2
    assert "exists" in capsys.readouterr().err
    assert main(["init", str(tmp_path / "nope.csv"), "--out", str(tmp_path / "x.yaml")]) == 2


@pytest.mark.skipif(not BENCHMARK.exists(), reason="the shared benchmarks are not here")
def test_public_benchmark_file(tmp_path):
    out = tmp_path / "sources.yaml"
    text, _ = propose_registry([BENCHMARK], out, today=TODAY)
    out.write_text(text, encoding="utf-8")
    src = load_registry(out).sources[0]
    assert src.id_column == "unique_id"
    assert src.columns == {
        "first_name": "first_name",
        "last_name": "surname",
        "date_of_birth": "dob",
        "email": "email",
        "city": "city",
    }
    assert '# ?: "cluster"' in text  # the truth column is never mapped


def test_address_change_file_maps_old_and_new_sides(tmp_path):
    path = tmp_path / "mudanzas.csv"
    path.write_text(
        "nombre,apellidos,direccion_anterior,cp_anterior,direccion_nueva,cp_nuevo,ciudad_nueva,fecha\n"
        "Ana,Ruiz,Calle Sol 1,28001,Calle Luna 2,28002,Madrid,2026-01-05\n",
        encoding="utf-8",
    )
    text, (prop,) = propose_registry([path], tmp_path / "sources.yaml", today=TODAY)
    assert prop.kind == "address_changes"
    assert prop.columns == {
        "first_name": ["nombre"],
        "last_name": ["apellidos"],
        "old_address_line1": ["direccion_anterior"],
        "old_postcode": ["cp_anterior"],
        "new_address_line1": ["direccion_nueva"],
        "new_postcode": ["cp_nuevo"],
        "new_city": ["ciudad_nueva"],
        "effective_date": ["fecha"],
    }
