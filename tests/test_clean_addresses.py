"""Address standardiser: tidy lines, street/number/unit parsing and household keys."""

from __future__ import annotations

from functools import cache

import pandas as pd
import pytest

from helpers.standardise.addresses import OUTPUT_COLUMNS, standardise_addresses
from helpers.standardise.countries import standardise_countries
from helpers.standardise.postcodes import standardise_postcodes


def run(rows: list[tuple], index=None) -> pd.DataFrame:
    """rows of (line1, line2, country_std, postcode_std[, city])."""
    padded = [(*r, None) if len(r) == 4 else r for r in rows]
    df = pd.DataFrame(
        padded,
        columns=["address_line1", "address_line2", "country_std", "postcode_std", "city"],
        index=index,
        dtype=object,
    )
    df["region"] = None
    return standardise_addresses(df)


def one(line1, line2=None, country="ES", postcode="28013", city=None) -> pd.Series:
    return run([(line1, line2, country, postcode, city)]).iloc[0]


# ------------------------------------------------------------------------------ household keys


def test_same_flat_written_four_ways_shares_address_key() -> None:
    out = run(
        [
            ("C/ Mayor 5 3º2ª", None, "ES", "28013"),
            ("Calle Mayor, nº 5, piso 3, puerta 2", None, "ES", "28013"),
            ("CALLE MAYOR 5", "3º 2ª", "ES", "28013"),
            ("calle mayor 5 3 2", None, "ES", "28013"),
        ]
    )
    assert out["address_key"].tolist() == ["es|28013|calle mayor|5|3-2"] * 4
    assert out["building_key"].tolist() == ["es|28013|calle mayor|5"] * 4


def test_two_flats_of_one_building_share_building_key_only() -> None:
    out = run(
        [
            ("Calle Mayor 5, 3º 2ª", None, "ES", "28013"),
            ("Calle Mayor 5, 4º 1ª", None, "ES", "28013"),
            ("Flat 3, 12 High St", None, "GB", "SW1A 1AA"),
            ("12 High Street", "Flat 4", "GB", "SW1A 1AA"),
        ]
    )
    assert out.loc[0, "building_key"] == out.loc[1, "building_key"]
    assert out.loc[0, "address_key"] != out.loc[1, "address_key"]
    assert out.loc[2, "building_key"] == out.loc[3, "building_key"] == "gb|sw1a1aa|high street|12"
    assert out.loc[2, "address_key"] == "gb|sw1a1aa|high street|12|3"
    assert out.loc[3, "address_key"] == "gb|sw1a1aa|high street|12|4"


def test_street_type_and_name_variants_share_keys() -> None:
    out = run(
        [
            ("Calle Sta. Ana 5", None, "ES", "28012"),
            ("Calle de Santa Ana, 5", None, "ES", "28012"),
            ("C/ Dr. Fleming 3", None, "ES", "28036"),
            ("Calle del Doctor Fleming 3", None, "ES", "28036"),
            ("Rua S. Bento 12", None, "PT", "1200-109"),
            ("Rua de São Bento, 12", None, "PT", "1200-109"),
            ("350 Fifth Ave Apt 4B", None, "US", "10118"),
            ("350 5th Avenue, Apt. 4B", None, "US", "10118"),
            ("350 FIFTH AVENUE #4B", None, "US", "10118"),
            ("123 N Main St", None, "US", "02139"),
            ("123 North Main Street", None, "US", "02139"),
            ("Via XX Settembre 5", None, "IT", "00187"),
            ("Via 20 Settembre 5", None, "IT", "00187"),
        ]
    )
    keys = out["address_key"].tolist()
    assert keys[0] == keys[1] == "es|28012|calle s ana|5|"
    assert keys[2] == keys[3]
    assert keys[4] == keys[5]
    assert keys[6] == keys[7] == keys[8] == "us|10118|5 avenue|350|4b"
    assert keys[9] == keys[10] == "us|02139|n main street|123|"
    assert keys[11] == keys[12]


def test_street_types_differ_so_keys_differ() -> None:
    """Calle Mayor and Plaza Mayor, or Oak St and Oak Ave in one ZIP, are different places."""
    out = run(
        [
            ("Calle Mayor 1", None, "ES", "28012"),
            ("Pza. Mayor 1", None, "ES", "28012"),
            ("12 Oak St", None, "US", "02139"),
            ("12 Oak Ave", None, "US", "02139"),
        ]
    )
    assert out.loc[0, "building_key"] != out.loc[1, "building_key"]
    assert out.loc[2, "building_key"] != out.loc[3, "building_key"]


def test_missing_street_type_assumes_the_country_default() -> None:
    out = run([("Mayor 5", None, "ES", "28013"), ("Calle Mayor 5", None, "ES", "28013")])
    assert out.loc[0, "street_type"] is None  # not invented in the parsed columns …
    assert out.loc[0, "building_key"] == out.loc[1, "building_key"]  # … only assumed in the key


def test_postcode_part_every_writer_gives() -> None:
    """ZIP+4 is optional precision and PT's 4-digit code is still in use: neither splits a home."""
    out = run(
        [
            ("350 Fifth Ave Apt 4B", None, "US", "10118-0110"),
            ("350 5th Avenue #4B", None, "US", "10118"),
            ("Rua Augusta, 120, 3º Esq.", None, "PT", "1100-053"),
            ("Rua Augusta 120 3º Esq", None, "PT", "1100"),
        ]
    )
    assert out.loc[0, "address_key"] == out.loc[1, "address_key"] == "us|10118|5 avenue|350|4b"
    assert out.loc[2, "address_key"] == out.loc[3, "address_key"] == "pt|1100|rua augusta|120|3-esq"


def test_flat_vocabulary_per_country() -> None:
    out = run(
        [
            ("Via Roma 12, scala B int. 5", None, "IT", "00184"),
            ("Via Roma 12", "int. 5", "IT", "00184"),  # interno numbers are unique in the building
            ("Rua Augusta 120 2D", None, "PT", "1100-053"),  # D(ireito), as on Portuguese envelopes
            ("Rua Augusta, 120, 2º Dto.", None, "PT", "1100-053"),
            ("Av. Paulista, 1578", "bloco D apto 12", "BR", "01310-200"),  # a block D is not a side
            ("Av. Paulista, 1578", "bloco A apto 12", "BR", "01310-200"),  # apto 12 exists in each block
        ]
    )
    assert out["unit"].tolist() == ["B-5", "5", "2-dto", "2-dto", "D-12", "A-12"]
    assert out.loc[0, "address_key"] == out.loc[1, "address_key"]
    assert out.loc[2, "address_key"] == out.loc[3, "address_key"]
    assert out.loc[4, "address_key"] != out.loc[5, "address_key"]
    assert out.loc[4, "building_key"] == out.loc[5, "building_key"]


def test_keys_need_street_number_and_valid_postcode() -> None:
    out = run(
        [
            ("Calle Mayor 5", None, "ES", None, "Madrid"),  # no postcode
            ("Calle Mayor", None, "ES", "28013"),  # no number
            ("Calle Mayor 5", None, "ES", "99999"),  # invalid postcode
            ("Rose Cottage, Church Lane", None, "GB", "N1 1AA"),  # a named house
            ("PO Box 123", None, "US", "20500"),
            (None, None, "ES", "28013"),
        ]
    )
    assert out["address_key"].tolist() == [None] * 6
    assert out["building_key"].tolist() == [None] * 6
    assert out["address_valid"].tolist() == [True, False, False, False, False, False]


# ------------------------------------------------------------------------------ parsing


PARSE_CASES = [
    ("C/ Mayor, 5 - 3º B", None, "ES", "Calle", "Mayor", "5", "3-B"),
    ("C/Mayor,5,3ºB", None, "ES", "Calle", "Mayor", "5", "3-B"),
    ("Avda. de la Constitución 12, Bajo A", None, "ES", "Avenida", "de la Constitución", "12", "bajo-A"),
    ("Pº de la Castellana 100, 8º Izq.", None, "ES", "Paseo", "de la Castellana", "100", "8-izq"),
    ("Calle Mayor 5, Esc. B, 3º 2ª", None, "ES", "Calle", "Mayor", "5", "B-3-2"),
    ("Pza. Mayor 1", "Ático", "ES", "Plaza", "Mayor", "1", "atico"),
    ("CL MAYOR 5 PISO 3 PTA 2", None, "ES", "Calle", "Mayor", "5", "3-2"),
    ("Calle Mayor s/n", None, "ES", "Calle", "Mayor", "s/n", None),
    ("Calle 2 de Mayo 7", None, "ES", "Calle", "2 de Mayo", "7", None),
    ("Calle Mayor 5-7, 1º A", None, "ES", "Calle", "Mayor", "5-7", "1-A"),
    ("Ctra. de Toledo km 12,5", None, "ES", "Carretera", "de Toledo", "km 12,5", None),
    ("Calle Mayor, piso 3", None, "ES", "Calle", "Mayor", None, "3"),
    ("Via Roma 12, int. 5", None, "IT", "Via", "Roma", "12", "5"),
    ("V. Roma 12 scala B int. 3", None, "IT", "Via", "Roma", "12", "B-3"),
    ("Via della Scala 5", None, "IT", "Via", "della Scala", "5", None),
    ("Via Roma, 12/A", None, "IT", "Via", "Roma", "12A", None),
    ("C.so Vittorio Emanuele II 15", None, "IT", "Corso", "Vittorio Emanuele II", "15", None),
    ("Via 4 Novembre 12", None, "IT", "Via", "4 Novembre", "12", None),
    ("Viale Europa 5 piano 3 int. 8", None, "IT", "Viale", "Europa", "5", "3-8"),
    ("Rua Augusta, 120, 3º Esq.", None, "PT", "Rua", "Augusta", "120", "3-esq"),
    ("R. 25 de Abril 120 2º Dto", None, "PT", "Rua", "25 de Abril", "120", "2-dto"),
    ("Rua do Carmo 5 R/C Esq", None, "PT", "Rua", "do Carmo", "5", "rc-esq"),
    ("Rua Augusta, 1200 - apto 52", None, "BR", "Rua", "Augusta", "1200", "52"),
    ("Av. Paulista, 1578, ap 12", None, "BR", "Avenida", "Paulista", "1578", "12"),
    ("Av. Paulista, 1578", "Bloco B Apto 12", "BR", "Avenida", "Paulista", "1578", "B-12"),
    ("Flat 3, 12 High St", None, "GB", "Street", "High", "12", "3"),
    ("12a High Street", None, "GB", "Street", "High", "12A", None),
    ("12 St. John's Road", None, "GB", "Road", "St. John's", "12", None),
    ("12 St John's St", None, "GB", "Street", "St John's", "12", None),
    ("Ground Floor Flat, 5 Church Road", None, "GB", "Road", "Church", "5", "gf"),
    ("Flat 2/1, 12 Main St", None, "GB", "Street", "Main", "12", "2-1"),
    ("Rose Cottage, Church Lane", None, "GB", "Lane", "Church", None, None),
    ("350 Fifth Ave Apt 4B", None, "US", "Avenue", "Fifth", "350", "4B"),
    ("1 Infinite Loop Ste 200", None, "US", "Loop", "Infinite", "1", "200"),
    ("12 Elm Pl", None, "US", "Place", "Elm", "12", None),
    ("1600 Pennsylvania Ave NW", None, "US", "Avenue", "Pennsylvania NW", "1600", None),
    ("12 rue de la Paix, Bât. B, 3e étage", None, "FR", "Rue", "de la Paix", "12", "B-3"),
]


@cache
def parsed_cases() -> pd.DataFrame:
    """All parse cases in one call (as in production: one column, many countries)."""
    return run([(c[0], c[1], c[2], "28013") for c in PARSE_CASES])


@pytest.mark.parametrize("i", range(len(PARSE_CASES)), ids=[c[0] for c in PARSE_CASES])
def test_parse(i: int) -> None:
    street_type, street_name, house_number, unit = PARSE_CASES[i][3:]
    row = parsed_cases().iloc[i]
    assert (row["street_type"], row["street_name"], row["house_number"], row["unit"]) == (
        street_type,
        street_name,
        house_number,
        unit,
    )


def test_gb_st_is_street_after_the_name_and_saint_before_it() -> None:
    out = run(
        [
            ("12 High St", None, "GB", "SW1A 1AA"),
            ("12 High St.", None, "GB", "SW1A 1AA"),
            ("12 High Street", None, "GB", "SW1A 1AA"),
            ("3 St. Mary's Road", None, "GB", "SW1A 1AA"),
            ("3 Saint Marys Road", None, "GB", "SW1A 1AA"),
        ]
    )
    assert out["street_type"].tolist() == ["Street", "Street", "Street", "Road", "Road"]
    assert out.loc[0, "address_key"] == out.loc[1, "address_key"] == out.loc[2, "address_key"]
    assert out.loc[3, "address_key"] == out.loc[4, "address_key"] == "gb|sw1a1aa|st marys road|3|"


def test_post_directional_follows_the_type_in_the_key() -> None:
    row = one("1600 Pennsylvania Ave NW", country="US", postcode="20500")
    assert row["address_key"] == "us|20500|pennsylvania avenue nw|1600|"


# ------------------------------------------------------------------------------ tidy lines


LINE_CASES = [
    ("CALLE MAYOR 5, 3º 2ª", "ES", "Calle Mayor 5, 3º 2ª"),
    ("  avda.   de la  constitución 12 ,bajo a ", "ES", "Avda. de la Constitución 12, Bajo A"),
    ("CALLE MAYOR, Nº 5, PISO 3, PUERTA 2", "ES", "Calle Mayor, nº 5, piso 3, puerta 2"),
    ("AVENIDA LA FLORIDA 3", "ES", "Avenida La Florida 3"),
    ("VIA DELL'INDIPENDENZA 3", "IT", "Via dell'Indipendenza 3"),
    ("VIA XX SETTEMBRE 5, 3° PIANO", "IT", "Via XX Settembre 5, 3º piano"),
    ("rua de são bento 12", "PT", "Rua de São Bento 12"),
    ("RUA AUGUSTA, 1200 - APTO 52", "BR", "Rua Augusta, 1200 - apto 52"),
    ("12 ST JOHN'S ROAD", "GB", "12 St John's Road"),
    ("12 McDonald Road", "GB", "12 McDonald Road"),  # mixed case is the customer's own
    ("1600 PENNSYLVANIA AVE NW", "US", "1600 Pennsylvania Ave NW"),
    ("350 fifth ave apt 4b", "US", "350 Fifth Ave Apt 4B"),
]


@cache
def line_cases() -> pd.DataFrame:
    return run([(c[0], None, c[1], "28013") for c in LINE_CASES])


@pytest.mark.parametrize("i", range(len(LINE_CASES)), ids=[c[0] for c in LINE_CASES])
def test_line_std(i: int) -> None:
    out = line_cases()
    assert out.loc[i, "address_line1_std"] == LINE_CASES[i][2]
    assert out.loc[i, "address_line2_std"] is None


CITY_CASES = [
    ("sao paulo", "BR", "São Paulo"),
    ("MADRID", "ES", "Madrid"),
    ("Rome", "IT", "Roma"),
    ("NEWCASTLE UPON TYNE", "GB", "Newcastle upon Tyne"),
    ("rio de janeiro", "BR", "Rio de Janeiro"),
    ("VILLANUEVA DE LA CAÑADA", "ES", "Villanueva de la Cañada"),  # not in the list: cased only
    ("  ", "ES", None),
]


def test_city_std() -> None:
    out = run([("Calle Mayor 5", None, c[1], "28013", c[0]) for c in CITY_CASES])
    assert out["city_std"].tolist() == [c[2] for c in CITY_CASES]


# ------------------------------------------------------------------------------ contract


def test_index_preserved_raw_untouched_and_columns() -> None:
    df = pd.DataFrame(
        {
            "address_line1": ["C/ Mayor 5 3º2ª", None, "C/ Mayor 5 3º2ª", "Flat 3, 12 High St"],
            "address_line2": [None, None, None, None],
            "city": ["madrid", None, "madrid", "LONDON"],
            "region": [None, None, None, None],
            "postcode_std": ["28013", None, "28013", "SW1A 1AA"],
            "country_std": ["ES", None, "ES", "GB"],
        },
        index=pd.Index([42, 7, -3, 1000], name="row"),
        dtype=object,
    )
    before = df.copy()
    out = standardise_addresses(df)
    assert out.index.equals(df.index)
    assert list(out.columns) == OUTPUT_COLUMNS
    pd.testing.assert_frame_equal(df, before)
    assert out.loc[42, "address_key"] == out.loc[-3, "address_key"] == "es|28013|calle mayor|5|3-2"
    assert out.loc[7].drop("address_valid").isna().all() and not out.loc[7, "address_valid"]
    assert out.loc[1000, "city_std"] == "London"


def test_chain_from_raw_country_and_postcode() -> None:
    """The three standardisers as stage 02 chains them, on raw values."""
    raw = pd.DataFrame(
        {
            "address_line1": ["calle mayor 5, 3º 2ª", "C/ Mayor, nº 5, piso 3, puerta 2", "12 high st, flat 3"],
            "address_line2": [None, None, None],
            "city": ["Madrid", "MADRID", "london"],
            "region": [None, None, None],
            "postcode": ["28013", 28013.0, "sw1a1aa"],
            "country": ["España", None, "UK"],
        },
        dtype=object,
    )
    countries = standardise_countries(raw["country"], default="ES")
    postcodes = standardise_postcodes(raw["postcode"], countries["country_std"])
    df = raw.assign(
        country_std=countries["country_std"],
        postcode_std=postcodes["postcode_std"],
        postcode_valid=postcodes["postcode_valid"],
    )
    out = standardise_addresses(df)
    assert out["address_key"].tolist() == [
        "es|28013|calle mayor|5|3-2",
        "es|28013|calle mayor|5|3-2",
        "gb|sw1a1aa|high street|12|3",
    ]


def test_empty_frame() -> None:
    out = run([])
    assert len(out) == 0
    assert list(out.columns) == OUTPUT_COLUMNS
