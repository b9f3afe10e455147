"""Registry validation: a bad registry stops the run before any work, naming source and column."""

from __future__ import annotations

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
    for text in ("unknown encoding 'cp9999'", "unknown cadence 'sometimes'", "ISO 3166", "channel 'pigeon'",
                 "links_to.source 'nowhere'"):
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
