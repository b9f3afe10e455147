"""Stage 08: the shareable report's privacy scan, its aggregates and its masked example."""

from __future__ import annotations

import base64

import pandas as pd
import pytest

from helpers.report.facts import lists_table, masked_example, source_overlap
from helpers.report.leaks import (
    PersonalDataInReport,
    assert_shareable,
    collect_personal_values,
    find_personal_data,
)
from helpers.report.render import table_html
from helpers.segment.lists import ListDefinition

PEOPLE = pd.DataFrame(
    {
        "first_name": ["Rob", "María José", None],
        "last_name": ["Smith", "García López", "Rossi"],
        "full_name": [None, None, "Giulia Rossi"],
        "email": ["Rob.Smith@Example.com", "mjgarcia@gmail.com", None],
        "phone": ["+44 7700 900123", "612 34 56 78", "02 4647 7036"],
        "national_id": ["12345678Z", None, "RSSGLI64B54H501E"],
    }
)


@pytest.fixture(scope="module")
def values():
    return collect_personal_values([PEOPLE])


def page(body: str) -> str:
    return f"<html><body><p>{body}</p></body></html>"


def test_a_clean_report_passes(values):
    text = page("13,259 customers · 1,234,567 records · 2026-11-15 · r•••@example.com · +44••••••23 · Smith family")
    assert find_personal_data(text, values) == []
    assert_shareable(text, values, "test")  # no exception


@pytest.mark.parametrize(
    "leak, kind",
    [
        ("contact rob.smith@example.com today", "email"),  # case differs from the record
        ("call +44 7700 900123", "phone"),
        ("call 07700-900-123", "phone"),  # national form of the same number, other separators
        ("call (612) 345-678", "phone"),
        ("<td>12345678Z</td>", "id"),
        ("top customer <b>Rob</b> Smith", "name"),  # split by markup
        ("dear María José García López", "name"),
        ("giulia ROSSI", "name"),
    ],
)
def test_each_kind_of_personal_value_is_found(values, leak, kind):
    found = find_personal_data(page(leak), values)
    assert [f for f in found if f.startswith(kind + ":")], found


def test_html_entities_do_not_hide_a_value(values):
    assert find_personal_data(page("mjgarcia&#64;gmail.com"), values) == ["email: mjgarcia@gmail.com"]


def test_embedded_images_are_not_scanned_but_text_around_them_is(values):
    noise = base64.b64encode(b"447700900123" * 50).decode()
    text = page(f'<img src="data:image/png;base64,{noise}"> plain text')
    assert find_personal_data(text, values) == []
    assert find_personal_data(text.replace("plain text", "+447700900123"), values) == ["phone: 447700900123"]


def test_the_refusal_names_the_values_and_what_to_do(values):
    with pytest.raises(PersonalDataInReport) as err:
        assert_shareable(page("mjgarcia@gmail.com and Rob Smith"), values, "08_customer_report (run x)")
    message = str(err.value)
    # The values are named masked: the message itself goes to index.html, the stage page and the manifest.
    assert "08_customer_report (run x)" in message and "m***@g***.com" in message and "R*** S***" in message
    assert "mjgarcia" not in message.lower() and "smith" not in message.lower()
    assert "not written" in message and "masked" in message


@pytest.mark.parametrize(
    "finding, masked",
    [
        ("email: jose.garcia@gmail.com", "email: j***@g***.com"),
        ("phone: +34 612 345 678", "phone: +34 6** *** *78"),
        ("phone: 447700900123", "phone: 447*******23"),
        ("name: josé garcía lópez", "name: J*** G*** L***"),
        ("id: 12345678Z", "id: 1***Z"),
    ],
)
def test_findings_are_masked(finding, masked):
    from helpers.report.leaks import mask_finding

    assert mask_finding(finding) == masked


def test_table_html_escapes_text_from_data():
    html = table_html(pd.DataFrame({"description": ["<script>alert(1)</script>"]}, index=["list"]))
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_source_overlap_counts_customers_known_to_both_sources():
    links = pd.DataFrame(
        {
            "person_id": ["A", "A", "A", "B", "C", "C"],
            "source": ["crm", "crm", "shop", "crm", "shop", "web"],
        }
    )
    m = source_overlap(links)
    assert m.loc["crm", "crm"] == 2  # A and B, A counted once despite two crm records
    assert m.loc["crm", "shop"] == m.loc["shop", "crm"] == 1
    assert m.loc["shop", "web"] == 1 and m.loc["crm", "web"] == 0


def test_masked_example_shows_one_multi_source_customer_masked():
    clean = pd.DataFrame(
        {
            "record_key": ["k1", "k2", "k3"],
            "source": ["crm", "shop", "crm"],
            "first_name": ["Roberto", "Rob", "Ana"],
            "first_name_std": ["Roberto", "Rob", "Ana"],
            "last_name": ["Bianchi", "Bianchi", "Costa"],
            "last_name_std": ["Bianchi", "Bianchi", "Costa"],
            "email": ["roberto.b@libero.it", None, "ana@x.pt"],
            "phone_std": ["+393331234567", "+393331234567", None],
        }
    )
    links = pd.DataFrame(
        {"record_key": ["k1", "k2", "k3"], "source": ["crm", "shop", "crm"], "person_id": ["C1", "C1", "C2"]}
    )
    golden = pd.DataFrame(
        {
            "person_id": ["C1", "C2"],
            "first_name": ["Roberto", "Ana"],
            "last_name": ["Bianchi", "Costa"],
            "email": ["roberto.b@libero.it", "ana@x.pt"],
            "phone": ["+393331234567", None],
        }
    )
    example = masked_example(clean, links, golden, seed=1)
    assert list(example["record"]) == ["crm", "shop", "→ golden customer"]  # C2 has one source only
    text = example.to_string()
    for raw in ("Roberto", "Bianchi", "roberto.b", "3331234567"):
        assert raw not in text
    assert example.loc[0, "email"] == "r•••@libero.it" and example.loc[0, "first name"] == "R•••"
    values = collect_personal_values([clean, golden])
    assert find_personal_data(page(table_html(example.set_index("record"))), values) == []


def test_lists_table_carries_channel_and_description():
    definition = ListDefinition(name="winback", description="Lapsed, by email", channel="email", where="TRUE")
    table = lists_table({"winback": 12, "adhoc": 3}, [definition])
    assert table.loc["winback", "channel"] == "email" and table.loc["winback", "customers"] == 12
    assert table.loc["adhoc", "channel"] == "—"


def test_the_recorded_change_summary_is_json_and_read_back_as_computed():
    import json

    from helpers.clean.summary import change_summary_records
    from helpers.report.facts import cleaning_table

    changes = pd.DataFrame(
        {"given": [10, 4], "changed_share": [0.5, 0.25], "invalid_share": [0.1, float("nan")]},
        index=pd.Index(["email", "city"], name="field"),
    )
    records = json.loads(json.dumps(change_summary_records(changes), allow_nan=False))
    clean = pd.DataFrame({"email_corrected": [True, False, None]})
    table = cleaning_table(clean, {"metrics": {"change_summary": records}})
    assert table.loc["email", "invalid_share"] == 0.1 and pd.isna(table.loc["city", "invalid_share"])
    assert table.loc["email", "corrected"] == 1 and pd.isna(table.loc["city", "corrected"])
