"""Accent folding written once (helpers/text.py), the same for one value and for a column."""

from __future__ import annotations

import re

import pyarrow as pa
import pytest

from conftest import ROOT
from helpers.text import ascii_words, fold, fold_text, read_data_csv, read_data_lines, strip_accents

SAMPLES = [
    "José Núñez",
    "Straße",
    "STRASSE",
    "Ærø Łódź",
    "Øster Đurđević",
    "ﬁnca",
    "Çağrı",
    "plain ascii",
    "",
    "Þór Guðmundsdóttir",
    "日本",
]


@pytest.mark.parametrize(
    ("text", "folded"),
    [("José Núñez", "jose nunez"), ("Straße", "strasse"), ("ÆRØ", "aero"), ("Łódź", "lodz"), ("Þór", "thor")],
)
def test_fold_text_spells_every_letter_plainly(text, folded):
    assert fold_text(text) == folded


def test_strip_accents_keeps_case_and_ascii_untouched():
    assert strip_accents("José ÆRØ") == "Jose AERO"
    same = "O'Brien-Smith"
    assert strip_accents(same) is same


def test_a_column_folds_exactly_as_each_of_its_values():
    column = pa.array([*SAMPLES, None])
    got = fold(column).to_pylist()
    assert got[:-1] == [fold_text(s) for s in SAMPLES] and got[-1] is None


def test_ascii_words_drop_what_has_no_ascii_form():
    assert ascii_words("Código_Postal ß 日本") == "codigo_postal ss "


def test_data_files_read_without_notes_or_blank_lines():
    lines = read_data_lines("names_particles.txt")
    assert lines and not [ln for ln in lines if not ln or ln.startswith("#") or ln != ln.strip()]
    codes = read_data_csv("country_codes.csv")
    assert len(codes) > 200 and not codes.isna().any().any()


def test_accent_folding_is_written_only_in_helpers_text():
    """A second copy drifts: one dropped 'ß' where the others spelled it 'ss'."""
    pattern = re.compile(r"normalize\(\s*[\"']NFK?D[\"']|utf8_normalize\(")
    copies = [
        str(path.relative_to(ROOT))
        for path in sorted((ROOT / "src" / "helpers").rglob("*.py"))
        if path.name != "text.py" and "generate" not in path.parts and pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert not copies, f"accent folding written again in {copies}; use helpers.text"
