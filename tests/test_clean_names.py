"""Names: honorifics, casing, particles, double surnames, full-name splits, keys, nicknames."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.standardise.names import OUTPUT_COLUMNS, standardise_names

RAW = ["title", "first_name", "middle_name", "last_name", "full_name"]


def std(country: str | None = None, **raw: str | None) -> dict:
    """Standardise one row given as keyword raw columns; returns the output row as a dict."""
    row = {c: raw.get(c) for c in RAW}
    df = pd.DataFrame([row], dtype=object)
    return standardise_names(df, pd.Series([country], dtype=object)).iloc[0].to_dict()


def split(full_name: str, country: str | None) -> tuple:
    out = std(country, full_name=full_name)
    assert out["name_source"] == "full_name"
    return out["title_std"], out["first_name_std"], out["middle_name_std"], out["last_name_std"]


# --- fields --------------------------------------------------------------------------------


def test_spanish_fields_all_caps_double_surname():
    out = std("ES", title="Sr.", first_name="JOSÉ", last_name="GARCIA LOPEZ")
    assert out["title_std"] == "Sr."
    assert out["first_name_std"] == "José"
    assert out["last_name_std"] == "Garcia Lopez"
    assert (out["first_name_key"], out["last_name_key"]) == ("jose", "garcia lopez")
    assert (out["surname_1_key"], out["surname_2_key"]) == ("garcia", "lopez")
    assert out["name_source"] == "fields"


def test_keys_are_accent_free_lower_letters_only():
    out = std("ES", first_name="  josé   MARÍA ", last_name="Núñez-O'Ryan")
    assert out["first_name_std"] == "José María"
    assert out["first_name_key"] == "jose maria"
    assert out["last_name_std"] == "Núñez-O'Ryan"
    assert out["last_name_key"] == "nunez oryan"
    assert (out["surname_1_key"], out["surname_2_key"]) == ("nunez", "oryan")


@pytest.mark.parametrize(
    "raw, country, expected",
    [
        ("DE LA FUENTE", "ES", "de la Fuente"),
        ("da silva santos", "BR", "da Silva Santos"),
        ("DI MAIO", "IT", "Di Maio"),  # Italian registry spelling keeps the capital
        ("van der berg", "GB", "van der Berg"),
        ("o'brien", "GB", "O'Brien"),
        ("MCDONALD", "US", "McDonald"),
        ("d'angelo", "IT", "D'Angelo"),
        ("smith-jones", "GB", "Smith-Jones"),
        ("GARCIA Y LOPEZ", "ES", "Garcia y Lopez"),
        ("DeVito", "US", "DeVito"),  # mixed case typed by the customer is trusted
    ],
)
def test_surname_casing_with_particles(raw, country, expected):
    assert std(country, first_name="X", last_name=raw)["last_name_std"] == expected


@pytest.mark.parametrize(
    "last, s1, s2",
    [
        ("García López", "garcia", "lopez"),
        ("García y López", "garcia", "lopez"),
        ("Silva-Santos", "silva", "santos"),
        ("de la Fuente García", "fuente", "garcia"),
        ("San Martín Pérez", "san martin", "perez"),
        ("Rossi", "rossi", None),
    ],
)
def test_surname_units(last, s1, s2):
    out = std("ES", first_name="Ana", last_name=last)
    assert (out["surname_1_key"], out["surname_2_key"]) == (s1, s2)


def test_honorifics_from_title_column_and_glued_to_names():
    assert std("GB", title="MRS", first_name="Ann", last_name="Jones")["title_std"] == "Mrs"
    assert std("IT", title="dott.ssa", first_name="Maria", last_name="Rossi")["title_std"] == "Dott.ssa"
    glued = std("ES", first_name="Sr. Juan", last_name="Pérez")
    assert (glued["title_std"], glued["first_name_std"]) == ("Sr.", "Juan")
    no_space = std("ES", first_name="Sra.María", last_name="Pérez")
    assert (no_space["title_std"], no_space["first_name_std"]) == ("Sra.", "María")
    in_last = std("GB", last_name="MRS JONES")
    assert (in_last["title_std"], in_last["first_name_std"], in_last["last_name_std"]) == ("Mrs", None, "Jones")
    # The title column wins over an honorific glued to the name.
    assert std("ES", title="Dra.", first_name="Sra. Ana", last_name="Ruiz")["title_std"] == "Dra."


def test_spanish_abbreviated_given_names():
    out = std("ES", first_name="Mª José", last_name="Pérez")
    assert (out["first_name_std"], out["first_name_key"]) == ("María José", "maria jose")
    assert std("ES", full_name="Fco. Javier Ruiz Gil")["first_name_std"] == "Francisco Javier"
    assert std("ES", full_name="Fco. Javier Ruiz Gil")["last_name_std"] == "Ruiz Gil"


def test_english_don_is_a_name_spanish_don_is_an_honorific():
    assert std("US", first_name="Don", last_name="Johnson")["first_name_std"] == "Don"
    assert std("US", first_name="Don", last_name="Johnson")["title_std"] is None
    es = std("ES", first_name="Don Juan", last_name="Tenorio")
    assert (es["title_std"], es["first_name_std"]) == ("D.", "Juan")


# --- full names ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "full, country, expected",
    [
        ("José García López", "ES", (None, "José", None, "García López")),
        ("María José García López", "ES", (None, "María José", None, "García López")),
        ("GARCIA LOPEZ, José", "ES", (None, "José", None, "Garcia Lopez")),
        ("García López, José María", "MX", (None, "José María", None, "García López")),
        ("João da Silva Santos", "BR", (None, "João", None, "da Silva Santos")),
        ("Maria do Carmo Souza Lima", "BR", (None, "Maria do Carmo", None, "Souza Lima")),
        ("María del Carmen de la Fuente García", "ES", (None, "María del Carmen", None, "de la Fuente García")),
        ("Ana Martín García", "ES", (None, "Ana", None, "Martín García")),
        ("GARCÍA LÓPEZ José", "ES", (None, "José", None, "García López")),
        ("José da SILVA", "PT", (None, "José", None, "da Silva")),
        ("Maria Rossi", "IT", (None, "Maria", None, "Rossi")),
        ("ROSSI MARIO", "IT", (None, "Mario", None, "Rossi")),
        ("Dott.ssa Maria Grazia Bianchi", "IT", ("Dott.ssa", "Maria Grazia", None, "Bianchi")),
        ("Mary Ann Smith", "GB", (None, "Mary", "Ann", "Smith")),
        ("John Paul Smith", "US", (None, "John", "Paul", "Smith")),
        ("john f. kennedy jr.", "US", (None, "John", "F.", "Kennedy")),
        ("Smith, John Paul", "US", (None, "John", "Paul", "Smith")),
        ("MRS JONES", "GB", ("Mrs", None, None, "Jones")),
        ("Sr. D. Juan Pérez", "ES", ("D.", "Juan", None, "Pérez")),
        ("  PATRICK   O'BRIEN  ", "GB", (None, "Patrick", None, "O'Brien")),
        ("Ludwig van Beethoven", None, (None, "Ludwig", None, "van Beethoven")),
    ],
)
def test_full_name_split(full, country, expected):
    assert split(full, country) == expected


def test_fields_win_over_full_name_and_empty_fields_fall_back_to_it():
    both = std("ES", first_name="Ana", last_name="Ruiz", full_name="Something Else")
    assert (both["first_name_std"], both["name_source"]) == ("Ana", "fields")
    blank = std("ES", first_name="   ", last_name=None, full_name="Ana Ruiz")
    assert (blank["first_name_std"], blank["last_name_std"], blank["name_source"]) == ("Ana", "Ruiz", "full_name")


# --- nicknames -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "country, nick, canonical",
    [
        ("US", "Rob", "robert"),
        ("US", "Bob", "robert"),
        ("GB", "Robbie", "robert"),
        ("US", "Bill", "william"),
        ("GB", "Will", "william"),
        ("US", "Liz", "elizabeth"),
        ("US", "Alex", "alexander"),  # ambiguous (Alexandra too): the documented single choice
        ("US", "Robert", "robert"),
        ("US", "Jane", "jane"),
        ("GB", "Erin", "erin"),
        ("ES", "Pepe", "jose"),
        ("ES", "Paco", "francisco"),
        ("ES", "Lola", "dolores"),
        ("ES", "Concha", "concepcion"),
        ("ES", "Nacho", "ignacio"),
        ("ES", "Chema", "jose maria"),
        ("ES", "Manolo", "manuel"),
        ("ES", "Quique", "enrique"),
        ("ES", "Mari Carmen", "maria del carmen"),
        ("IT", "Beppe", "giuseppe"),
        ("IT", "Pino", "giuseppe"),
        ("IT", "Gigi", "luigi"),
        ("IT", "Sandro", "alessandro"),
        ("IT", "Betta", "elisabetta"),
        ("BR", "Zé", "jose"),
        ("PT", "Chico", "francisco"),
        ("BR", "Tonho", "antonio"),
        ("BR", "Guto", "augusto"),
        ("ES", "Manu", "manuel"),
        ("IT", "Manu", "emanuele"),  # same nickname, language decides
        ("US", "Paco", "francisco"),  # Romance hypocorisms abroad
        ("ES", "Rosa", "rosa"),
        ("ES", "Stella", "stella"),  # never remapped by the English table
    ],
)
def test_first_name_canonical(country, nick, canonical):
    assert std(country, first_name=nick, last_name="X")["first_name_canonical"] == canonical


def test_compound_first_name_canonical_word_by_word():
    assert std("US", first_name="Bob Bill", last_name="X")["first_name_canonical"] == "robert william"


# --- contract ------------------------------------------------------------------------------


def test_missing_values_stay_missing():
    out = std("ES")
    assert all(out[c] is None for c in OUTPUT_COLUMNS), out
    out = std(None, first_name="", last_name="  ", full_name=None)
    assert out["name_source"] is None and out["first_name_std"] is None


def test_index_kept_raw_untouched_and_only_std_columns_returned():
    df = pd.DataFrame(
        {
            "title": ["Sr.", None, "MRS"],
            "first_name": ["JOSÉ", None, "ann"],
            "middle_name": [None, None, None],
            "last_name": ["GARCIA LOPEZ", None, "JONES"],
            "full_name": [None, "GARCIA LOPEZ, José", None],
        },
        index=pd.Index(["c9", "c2", "c5"], name="rid"),
        dtype=object,
    )
    before = df.copy(deep=True)
    country = pd.Series(["ES", "ES", "GB"], index=df.index)
    out = standardise_names(df, country)
    pd.testing.assert_frame_equal(df, before)
    assert out.index.equals(df.index)
    assert list(out.columns) == OUTPUT_COLUMNS
    assert not set(out.columns) & set(RAW)
    assert out.loc["c2", "first_name_std"] == "José" and out.loc["c2", "name_source"] == "full_name"
    assert out.loc["c5", "first_name_std"] == "Ann" and out.loc["c5", "title_std"] == "Mrs"


def test_duplicate_index_and_missing_columns():
    df = pd.DataFrame({"full_name": ["Ana Ruiz", "ROSSI MARIO"]}, index=[7, 7], dtype=object)
    out = standardise_names(df, pd.Series(["ES", "IT"], index=[7, 7]))
    assert list(out["first_name_std"]) == ["Ana", "Mario"]
    assert list(out["last_name_std"]) == ["Ruiz", "Rossi"]


# --- peerage titles, post-nominals and ordinals typed as names ------------------------------


@pytest.mark.parametrize(
    "first, last, title, first_std, last_std",
    [
        ("sir", "baronet", "Sir", None, None),  # "Sir X, Baronet" split into the two fields
        ("1st", "bt.", None, None, None),  # "1st ... Bt." : ordinal and post-nominal only
        ("2nd", "Smith", None, None, "Smith"),
        ("bt.", None, None, None, None),
        ("John", "Smith Bt", None, "John", "Smith"),
        ("John", "Smith, 3rd Baronet", None, "John", "Smith"),
        ("Jane", "Doe OBE", None, "Jane", "Doe"),
        ("John", "Sr.", None, "John", None),
        ("countess", "Spencer", "Countess", None, "Spencer"),
        ("Viscount", "Melbourne", "Viscount", None, "Melbourne"),
        ("J0hn", "Smith", None, "J0hn", "Smith"),  # a stray digit is noise, not an ordinal
    ],
)
def test_titles_and_post_nominals_are_not_name_keys(first, last, title, first_std, last_std):
    out = std("GB", first_name=first, last_name=last)
    assert (out["title_std"], out["first_name_std"], out["last_name_std"]) == (title, first_std, last_std)
    if last_std is None:
        assert out["surname_1_key"] is None and out["last_name_key"] is None


def test_two_baronets_share_no_name_key():
    a = std("GB", first_name="1st", last_name="Bt.")
    b = std("GB", first_name="3rd", last_name="Baronet")
    keys = ("first_name_key", "last_name_key", "surname_1_key", "first_name_canonical")
    assert all(a[k] is None and b[k] is None for k in keys)


@pytest.mark.parametrize(
    "country, first, last, title, first_std, last_std",
    [
        # A title that is also a name (Earl, Conte, Marques, Duque) is never taken from a name
        # field: Earl Smith keeps his name, Giuseppe Conte and Iván Duque theirs, and a surname
        # typed into the first-name field (swapped fields) stays a name.
        ("GB", "Earl", "Smith", None, "Earl", "Smith"),
        ("IT", "Conte", "Rossi", None, "Conte", "Rossi"),
        ("BR", "Marques", "Gustavo", None, "Marques", "Gustavo"),
        ("IT", "Giuseppe", "Conte", None, "Giuseppe", "Conte"),
        ("ES", "Iván", "Duque Márquez", None, "Iván", "Duque Márquez"),
        ("ES", "Condesa", "de Pardo Bazán", "Condesa", None, "de Pardo Bazán"),
        ("PT", "Ana", "Marques Silva", None, "Ana", "Marques Silva"),
        ("GB", "Kate", "Lord", None, "Kate", "Lord"),
        ("GB", "Sir Walter", "Scott", "Sir", "Walter", "Scott"),
    ],
)
def test_peerage_titles_in_name_fields(country, first, last, title, first_std, last_std):
    out = std(country, first_name=first, last_name=last)
    assert (out["title_std"], out["first_name_std"], out["last_name_std"]) == (title, first_std, last_std)


@pytest.mark.parametrize(
    "full, country, expected",
    [
        ("Sir Edmund Loder, 2nd Baronet", "GB", ("Sir", "Edmund", None, "Loder")),
        ("Jane Doe OBE", "GB", (None, "Jane", None, "Doe")),
        ("Viscount Melbourne", "GB", ("Viscount", None, None, "Melbourne")),
        ("CONTE GIUSEPPE", "IT", (None, "Giuseppe", None, "Conte")),
        ("Duque García, Ana", "ES", (None, "Ana", None, "Duque García")),
    ],
)
def test_full_name_titles_post_nominals_and_name_like_titles(full, country, expected):
    assert split(full, country) == expected


def test_title_column_takes_name_like_titles():
    assert std("IT", title="Conte", first_name="Mario", last_name="Rossi")["title_std"] == "Conte"
    assert std("GB", title="Earl", first_name="John", last_name="Spencer")["title_std"] == "Earl"
