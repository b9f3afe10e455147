"""Registry validation: a bad registry stops the run before any work, naming source and column."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import edit_registry
from helpers.registry import RegistryError, load_registry


def problems(path) -> str:
    with pytest.raises(RegistryError) as info:
        load_registry(path)
    return str(info.value)


def test_valid_registry_loads_with_paths_resolved(mini_sources):
    reg = load_registry(mini_sources)
    assert [s.name for s in reg.sources] == ["crm", "shop", "leads", "shop_orders", "unsubscribes"]
    crm = reg.get("crm")
    assert crm.path == (mini_sources.parent / "crm.csv").resolve()
    assert crm.encoding == "cp1252" and crm.delimiter == ";" and crm.country == "ES"
    # the suppression shorthand `channel: email` becomes a constant
    assert reg.get("unsubscribes").constants == {"channel": "email", "reason": "unsubscribe"}
    assert [s.name for s in reg.of_kind("people")] == ["crm", "shop", "leads"]


def test_missing_file_is_named(mini_sources):
    (mini_sources.parent / "leads.xlsx").unlink()
    msg = problems(mini_sources)
    assert "source 'leads'" in msg and "file not found" in msg


def test_mapped_column_that_does_not_exist_names_source_and_column(mini_sources):
    edit_registry(mini_sources, lambda d: d["sources"][0]["columns"].update(email="E_MAIL"))
    msg = problems(mini_sources)
    assert "source 'crm'" in msg and "'E_MAIL'" in msg and "'email'" in msg
    assert "EMAIL" in msg  # lists the file's real columns so the user can fix it


def test_close_column_name_gets_a_hint(mini_sources):
    edit_registry(mini_sources, lambda d: d["sources"][2]["columns"].update(email="e-mail"))
    assert "did you mean 'E-mail'" in problems(mini_sources)


def test_nested_json_column_is_checked(mini_sources):
    edit_registry(mini_sources, lambda d: d["sources"][1]["columns"].update(postcode="address.postcode"))
    msg = problems(mini_sources)
    assert "source 'shop'" in msg and "address.postcode" in msg


def test_unknown_kind(mini_sources):
    edit_registry(mini_sources, lambda d: d["sources"][3].update(kind="orders"))
    msg = problems(mini_sources)
    assert "source 'shop_orders'" in msg and "unknown kind 'orders'" in msg


def test_unknown_canonical_column_and_format(mini_sources):
    def change(d):
        d["sources"][0]["columns"]["surname"] = "LAST_NAME"
        d["sources"][1]["format"] = "json"

    edit_registry(mini_sources, change)
    msg = problems(mini_sources)
    assert "'surname' is not a canonical column of kind 'people'" in msg
    assert "unknown format 'json'" in msg
    assert "2 problem(s)" in msg  # all problems at once, not one per run


def test_bad_values_in_entry(mini_sources):
    def change(d):
        d["sources"][0]["encoding"] = "cp9999"
        d["sources"][0]["cadence"] = "sometimes"
        d["sources"][0]["country"] = "Spain"
        d["sources"][4]["channel"] = "pigeon"
        d["sources"][3]["links_to"] = {"source": "nowhere"}

    edit_registry(mini_sources, change)
    msg = problems(mini_sources)
    for text in (
        "unknown encoding 'cp9999'",
        "unknown cadence 'sometimes'",
        "ISO 3166",
        "channel 'pigeon'",
        "links_to.source 'nowhere'",
    ):
        assert text in msg


def test_duplicate_names_and_missing_keys(mini_sources):
    def change(d):
        d["sources"][1]["name"] = "crm"
        del d["sources"][2]["path"]

    edit_registry(mini_sources, change)
    msg = problems(mini_sources)
    assert "used twice" in msg and "missing required key 'path'" in msg


def test_missing_extracted_at_explains_the_options(mini_sources):
    edit_registry(mini_sources, lambda d: d["sources"][0].pop("extracted_at"))
    assert "file_mtime" in problems(mini_sources)


def test_registry_without_people(mini_sources):
    edit_registry(mini_sources, lambda d: d.update(sources=d["sources"][3:]))
    assert "no source has kind 'people'" in problems(mini_sources)


def test_not_a_registry(tmp_path):
    path = tmp_path / "sources.yaml"
    path.write_text("just: text\n")
    assert "top-level 'sources:' list" in problems(path)
    assert "does not exist" in problems(tmp_path / "nope.yaml")


# --- composed columns and per-column date formats --------------------------------------------


def test_composed_column_loads_and_each_part_is_checked(mini_sources):
    def change(d):
        d["sources"][0]["columns"]["address_line1"] = ["TOWN", "NO_SUCH"]
        d["sources"][1]["columns"]["address_line1"] = ["address.line1", "address.city"]
        d["sources"][2]["columns"]["full_name"] = ["Name"]  # a list of one is just that column

    edit_registry(mini_sources, change)
    msg = problems(mini_sources)
    assert "1 problem(s)" in msg
    assert "source 'crm'" in msg and "column 'NO_SUCH' mapped to 'address_line1'" in msg
    edit_registry(mini_sources, lambda d: d["sources"][0]["columns"].pop("address_line1"))
    reg = load_registry(mini_sources)
    assert reg.get("shop").columns["address_line1"] == ("address.line1", "address.city")
    assert reg.get("leads").columns["full_name"] == "Name"


def test_composed_column_must_list_column_names(mini_sources):
    edit_registry(mini_sources, lambda d: d["sources"][0]["columns"].update(address_line1=[]))
    assert "'address_line1' must map to a column name (text) or a list" in problems(mini_sources)


def test_per_column_date_formats(mini_sources):
    edit_registry(mini_sources, lambda d: d["sources"][0].update(date_formats={"date_of_birth": "%Y%m%d"}))
    crm = load_registry(mini_sources).get("crm")
    assert crm.date_format_of("date_of_birth") == "%Y%m%d"
    assert crm.date_format_of("record_updated_at") == "%d/%m/%Y"  # the source default


def test_date_formats_refuses_unknown_unmapped_and_bad_formats(mini_sources):
    def change(d):
        d["sources"][0]["date_formats"] = {"email": "%Y", "signup_date": "%d.%m.%Y", "date_of_birth": "yyyymmdd"}
        d["sources"][3]["date_formats"] = {"date_of_birth": "%Y"}

    edit_registry(mini_sources, change)
    msg = problems(mini_sources)
    assert "source 'crm': date_formats gives a format for 'email', which is not a date column of kind 'people'" in msg
    assert "'signup_date', which is not mapped in 'columns'" in msg
    assert "date_formats.date_of_birth 'yyyymmdd' is not a strftime format" in msg
    assert "source 'shop_orders': date_formats gives a format for 'date_of_birth'" in msg
    assert "['transaction_at']" in msg


def _csv_source(mini_sources, filename: str, data: bytes, **extra):
    (mini_sources.parent / filename).write_bytes(data)
    entry = {
        "name": "extra",
        "path": filename,
        "format": "csv",
        "kind": "people",
        "id_column": "id",
        "extracted_at": "2026-11-01T00:00:00Z",
        "columns": {"first_name": "name", "email": "email"},
        **extra,
    }
    edit_registry(mini_sources, lambda d: d.update(sources=[d["sources"][0], entry]))
    return mini_sources


def test_small_registry_mistakes_get_a_clear_message(mini_sources):
    """Issue 16 case 7: each refused with a message naming the source and what to do."""
    from helpers.registry import RegistryError, load_registry

    cases = {
        "the file is empty (0 bytes)": b"",
        "the header names ['email'] more than once": b"id,name,email,email\n1,Ana,a@b.es,c@d.es\n",
    }
    for expected, data in cases.items():
        with pytest.raises(RegistryError, match=re.escape(expected)):
            load_registry(_csv_source(mini_sources, "extra.csv", data))
    # a byte-order mark under utf-8 is read, not refused
    registry = load_registry(_csv_source(mini_sources, "extra.csv", b"\xef\xbb\xbfid,name,email\n1,Ana,a@b.es\n"))
    assert registry.get("extra").path.name == "extra.csv"


def test_registry_paths_stay_in_the_registry_folder_unless_allowed(mini_sources, tmp_path):
    from helpers.registry import RegistryError, load_registry

    outside = tmp_path.parent / "elsewhere.csv"
    outside.write_text("id,name,email\n1,Ana,a@b.es\n", encoding="utf-8")
    entry = {
        "name": "far",
        "path": str(Path("..") / ".." / outside.relative_to(tmp_path.parent)),
        "format": "csv",
        "kind": "people",
        "id_column": "id",
        "extracted_at": "2026-11-01T00:00:00Z",
        "columns": {"first_name": "name", "email": "email"},
    }
    edit_registry(mini_sources, lambda d: d.update(sources=[d["sources"][0], entry]))
    with pytest.raises(RegistryError, match="leads outside"):
        load_registry(mini_sources)
    edit_registry(mini_sources, lambda d: d["sources"][1].update(allow_outside=True, path=str(outside)))
    assert load_registry(mini_sources).get("far").path == outside.resolve()
