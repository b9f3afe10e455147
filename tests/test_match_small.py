"""Stage 03 adapts to whatever data it is given: from 2 records to a few hundred, with any subset
of the matching columns. Hand-made clean records (the columns stage 03 reads, as stage 02 leaves
them) go through the real prepare / fit / link; training must never fail on Splink or
arithmetic errors, and must say what it skipped and where it used the shipped defaults."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from conftest import ROOT
from helpers.match.features import CLEAN_COLUMNS
from helpers.match.model import load_spec
from helpers.match.stage import fit, link, prepare
from helpers.match.training import DegenerateModel, TrainingLimits, apply_defaults, block_pairs, estimate_prior

SPEC = load_spec(ROOT / "config" / "matching.yaml")
GIVEN = [
    "ana",
    "luis",
    "marta",
    "pablo",
    "irene",
    "jorge",
    "elena",
    "raul",
    "sara",
    "hugo",
    "clara",
    "diego",
    "lucia",
    "mario",
    "nuria",
    "oscar",
    "paula",
    "ramon",
    "silvia",
    "tomas",
]
SURNAMES = ["garcia", "lopez", "martin", "sanchez", "perez", "gomez", "ruiz", "diaz", "moreno", "alonso"]


def clean_frame(rows: list[dict]) -> pd.DataFrame:
    """Clean records as stage 02 leaves them, for the columns stage 03 reads; a key left out is empty.

    Give `first`, `last`, `dob` (ISO), `email`, `phone`, `postcode`, `city`; keys and validity
    flags are derived the way stage 02 derives them for clean values.
    """
    out = []
    for i, r in enumerate(rows):
        last = r.get("last")
        rec = {c: None for c in CLEAN_COLUMNS}
        rec.update(
            record_key=f"crm:{i}",
            source="crm",
            source_record_id=str(i),
            first_name_key=r.get("first"),
            first_name_canonical=r.get("first"),
            last_name_key=last,
            surname_1_key=last.split(" ")[0] if last else None,
            surname_2_key=last.split(" ")[1] if last and " " in last else None,
            date_of_birth_std=pd.Timestamp(r["dob"]) if r.get("dob") else pd.NaT,
            email_key=r.get("email"),
            email_valid=r.get("email") is not None,
            email_role=False,
            phone_std=r.get("phone"),
            phone_valid=r.get("phone") is not None,
            national_id_valid=False,
            postcode_std=r.get("postcode"),
            postcode_valid=r.get("postcode") is not None,
            country_std="ES",
            city_std=r.get("city"),
            address_key=f"ES|{r['postcode']}|mayor|{i % 7}|" if r.get("postcode") else None,
        )
        rec["building_key"] = rec["address_key"]
        out.append(rec)
    frame = pd.DataFrame(out, columns=CLEAN_COLUMNS)
    frame["date_of_birth_std"] = pd.to_datetime(frame["date_of_birth_std"])
    return frame


def people(n: int, seed: int = 3) -> list[dict]:
    """n different people: distinct name pairs, dates of birth, emails, phones and postcodes."""
    rng = np.random.default_rng(seed)
    names = [(g, s) for s in SURNAMES for g in GIVEN]
    picks = rng.choice(len(names), size=n, replace=False)
    days = rng.choice(np.arange(-15000, 12000), size=n, replace=False)
    rows = []
    for k, (i, d) in enumerate(zip(picks, days)):
        first, last = names[i]
        rows.append(
            {
                "first": first,
                "last": last,
                "dob": str(np.datetime64("1970-01-01") + int(d)),
                "email": f"{first}.{last}{k}@mail.es",
                "phone": f"+346{k:08d}",
                "postcode": f"{28000 + k % 40:05d}",
                "city": "madrid",
            }
        )
    return rows


def keep(rows: list[dict], fields: set[str]) -> list[dict]:
    return [{k: v for k, v in r.items() if k in fields} for r in rows]


def run(rows: list[dict]):
    clean = clean_frame(rows)
    prep = prepare(clean, SPEC, "duckdb")
    fitted = fit(prep, SPEC, seed=42)
    linked = link(prep, fitted, SPEC, clean, match_threshold=0.9, review_threshold=0.5)
    assert len(linked.links) == len(clean) and linked.links["record_key"].is_unique
    return prep, fitted, linked


def together(linked, a: int, b: int) -> bool:
    cluster = linked.links.set_index("record_key")["cluster_id"]
    return cluster[f"crm:{a}"] == cluster[f"crm:{b}"]


def test_two_records_of_one_person_are_linked_with_default_parameters():
    rec = people(1)[0]
    prep, fitted, linked = run([rec, dict(rec)])
    assert together(linked, 0, 1)
    assert fitted.default_u, "two records cannot show how often strangers agree"
    assert set(fitted.default_m) >= {"first_name", "last_name", "date_of_birth", "email"}
    assert fitted.em_blocks == [] and fitted.skipped_blocks  # every training block named as skipped
    assert 0 < fitted.model["probability_two_random_records_match"] < 1


def test_two_different_people_stay_apart():
    _, _, linked = run(people(2))
    assert not together(linked, 0, 1)


def test_six_records_three_people_twice():
    base = people(4)
    rows = [base[0], dict(base[0]), base[1], {**base[1], "email": None, "first": "marta"}, base[2], base[3]]
    rows[3]["first"] = rows[2]["first"]  # same person, email missing in one record
    _, fitted, linked = run(rows)
    assert together(linked, 0, 1) and together(linked, 2, 3)
    assert linked.links["cluster_id"].nunique() == 4
    assert fitted.default_u


def test_two_hundred_records_none_sharing_an_email():
    """The file that once failed with EMTrainingException (no pair for the email training block)."""
    rows = people(200)
    rows += [dict(rows[0], email="other.address@mail.es"), dict(rows[1], email=None)]  # two duplicates, no shared email
    _, fitted, linked = run(rows)
    assert not fitted.default_u
    assert any(s.startswith("email_key:") for s in fitted.skipped_blocks), fitted.skipped_blocks
    assert together(linked, 0, 200) and together(linked, 1, 201)
    assert linked.links["cluster_id"].nunique() == 200


@pytest.mark.parametrize(
    "fields, comparisons",
    [
        ({"first", "last", "email"}, {"first_name", "last_name", "email"}),
        ({"first", "last", "phone"}, {"first_name", "last_name", "phone"}),
        ({"email"}, {"email"}),
        (
            {"first", "last", "email", "phone", "postcode", "city"},
            {"first_name", "last_name", "email", "phone", "address"},
        ),
        ({"first", "last", "dob", "email", "phone"}, {"first_name", "last_name", "date_of_birth", "email", "phone"}),
    ],
    ids=["names+email", "full name+phone", "email only", "no dates", "no addresses"],
)
def test_any_subset_of_columns_runs_and_finds_the_duplicates(fields, comparisons):
    rows = keep(people(60), fields)
    rows += [dict(rows[5]), dict(rows[9])]
    prep, fitted, linked = run(rows)
    assert {c["name"] for c in prep.resolved.comparisons} == comparisons
    assert fitted.prior  # the report says where the prior came from
    if fields == {"email"}:
        assert set(fitted.default_m) == {"email"}
        # no configured deterministic rule fits: a shared email alone sets the prior
        assert prep.resolved.deterministic_rules == [["email_key"]]
    assert together(linked, 5, 60) and together(linked, 9, 61)
    assert linked.links["cluster_id"].nunique() == 60


def test_the_clean_demo_sized_file_that_broke_the_prior():
    """200 clean records with names, email, birth date and postcode: once `math domain error`."""
    rows = keep(people(200), {"first", "last", "email", "dob", "postcode"})
    _, fitted, linked = run(rows)
    assert linked.links["cluster_id"].nunique() == 200
    assert 0 < fitted.model["probability_two_random_records_match"] < 1


# --- the pieces --------------------------------------------------------------------------------------


def test_block_pairs_counts_pairs_from_value_counts():
    table = pd.DataFrame({"a": ["x", "x", "x", "y", "y", None], "b": ["p1", "p2", "q", "p2", "p2", "p"]})
    assert block_pairs(table, ["a"]) == 3 + 1
    assert block_pairs(table, ["a", "b"]) == 0 + 1
    assert block_pairs(table, ["a", "b:1"]) == 1 + 1  # x: p1, p2 agree on their first letter
    assert block_pairs(table, ["missing_column"]) == 0


def test_prior_is_clamped_and_defaults_without_deterministic_pairs():
    limits = TrainingLimits(prior_bounds=(1e-6, 0.5), default_matches_per_record=0.1)
    prior, how = estimate_prior(None, 1000, [], 0.6, limits)  # no rule: nothing counted
    assert prior == pytest.approx(0.1 * 1000 / 2 / (1000 * 999 / 2)) and how.startswith("default")
    prior, _ = estimate_prior(None, 10**7, [], 0.6, limits)
    assert prior == 1e-6  # clamped up


def test_defaults_fill_and_rescale_m():
    model = {
        "comparisons": [
            {
                "output_column_name": "email",
                "comparison_levels": [
                    {"sql_condition": "null", "is_null_level": True},
                    {"sql_condition": "=", "label_for_charts": "Exact match on email_key", "u_probability": 0.001},
                    {"sql_condition": "levenshtein", "label_for_charts": "Not in the defaults", "u_probability": 0.01},
                    {"sql_condition": "ELSE", "label_for_charts": "All other comparisons", "u_probability": 0.989},
                ],
            }
        ]
    }
    out = apply_defaults(
        model,
        {"email": {"Exact match on email_key": [0.8, 0.001], "All other comparisons": [0.2, 0.999]}},
        ["email"],
        all_u=False,
    )
    ms = [lv["m_probability"] for lv in out["comparisons"][0]["comparison_levels"][1:]]
    assert sum(ms) == pytest.approx(1.0)
    assert ms[0] / ms[2] == pytest.approx(4.0)  # the defaults' ratio kept
    assert ms[1] == pytest.approx(0.01 / 1.01)  # a level not in the defaults: m = u (no evidence), rescaled


def test_a_degenerate_saved_model_is_still_refused_naming_the_field(tmp_path):
    rows = people(80)
    prep, fitted, _ = run(rows + [dict(rows[0])])
    model = json.loads(json.dumps(fitted.model))
    comp = next(c for c in model["comparisons"] if c["output_column_name"] == "date_of_birth")
    levels = [lv for lv in comp["comparison_levels"] if not lv.get("is_null_level")]
    levels[0]["m_probability"], levels[-1]["m_probability"] = 0.0001, 0.9
    path = tmp_path / "model.json"
    path.write_text(json.dumps(model), encoding="utf-8")
    with pytest.raises(DegenerateModel, match="date_of_birth") as err:
        fit(prep, SPEC, seed=1, model_path=str(path))
    assert "em_blocks" in str(err.value) or "model_path" in str(err.value)


def test_a_failed_em_session_is_named_and_leaves_the_model_whole():
    """Splink's EM session edits the linker's own comparisons; one that fails midway must not
    leave the model without them (seen: names lost after an m underflow on a name block)."""
    from helpers.match.linking import new_linker
    from helpers.match.model import splink_settings
    from helpers.match.training import TrainingOutcome, _run_em

    rows = people(120)
    prep = prepare(clean_frame(rows), SPEC, "duckdb")
    linker = new_linker(prep.training_records, splink_settings(prep.resolved, prep.present))
    before = [c.output_column_name for c in linker._settings_obj.comparisons]

    def broken(*args, **kwargs):
        linker._settings_obj.core_model_settings.comparisons = linker._settings_obj.comparisons[:1]
        raise ValueError("m_probability value 0.0 is below the minimum allowed value of 1e-300")

    linker.training.estimate_parameters_using_expectation_maximisation = broken
    out = TrainingOutcome()
    assert _run_em(linker, [["email_key"]], SPEC, out) == []
    assert [c.output_column_name for c in linker._settings_obj.comparisons] == before
    assert out.skipped_blocks == [
        "email_key: EM failed (ValueError: m_probability value 0.0 is below the minimum allowed value of 1e-300)"
    ]


def test_an_email_at_a_placeholder_domain_still_identifies_its_user():
    from helpers.match.features import matching_table

    clean = clean_frame(people(5))
    clean["email_std"] = [
        "maria.rossi1957@example.com",
        "noemail@example.com",
        "info@example.it",
        "luis+shop@example.org",
        "ana@gmail.com",
    ]
    clean["email_issue"] = ["placeholder", "placeholder", "placeholder", "placeholder", None]
    clean["email_valid"] = [False, False, False, False, True]
    clean["email_role"] = [False, False, True, False, False]
    clean["email_key"] = [None, None, None, None, "ana@gmail.com"]
    clean = clean[CLEAN_COLUMNS]  # what the notebook reads: the columns this needs must be among them
    assert matching_table(clean)["email_key"].tolist() == [
        "maria.rossi1957@example.com",  # a real user name at a reserved domain: evidence of identity
        None,  # a placeholder user name names nobody
        None,  # a role mailbox names an office
        "luis@example.org",  # the +tag dropped, as for any address
        "ana@gmail.com",
    ]


def test_the_prior_follows_the_recall_the_model_implies():
    """Rules on fields that true matches often garble find few of them: the prior must grow to match."""
    from helpers.match.training import rule_recall

    def comp(col: str, m_exact: float) -> dict:
        return {
            "output_column_name": col,
            "comparison_levels": [
                {"sql_condition": f'"{col}_l" IS NULL OR "{col}_r" IS NULL', "is_null_level": True},
                {"sql_condition": f'"{col}_l" = "{col}_r"', "m_probability": m_exact, "u_probability": 0.01},
                {"sql_condition": "ELSE", "m_probability": 1 - m_exact, "u_probability": 0.99},
            ],
        }

    model = {"comparisons": [comp("a", 0.5), comp("b", 0.8)]}
    table = pd.DataFrame({"a": ["x", "y"], "b": ["p", None]})  # b filled on half the records
    assert rule_recall(model, table, [["a"]]) == pytest.approx(0.5)
    assert rule_recall(model, table, [["a", "b"]]) == pytest.approx(0.5 * 0.8 * 0.25)
    assert rule_recall(model, table, [["a"], ["b"]]) == pytest.approx(1 - 0.5 * (1 - 0.2))
    assert rule_recall(model, table, [["c"]]) is None  # a column the model does not compare: configured recall


# --- shapes of file that once stopped or sent everything to review ----------------------------------


def test_an_email_only_file_links_identical_emails_and_nothing_else():
    """An identical normalised email is the only evidence such a file has: it links (it once went to
    review at p 0.5, because u counted the duplicates themselves as strangers sharing an address)."""
    rows = keep(people(80), {"email"})
    rows += [dict(rows[3]), dict(rows[3]), dict(rows[40])]  # a person three times, another twice
    prep, fitted, linked = run(rows)
    assert together(linked, 3, 80) and together(linked, 3, 81) and together(linked, 40, 82)
    assert linked.links["cluster_id"].nunique() == 80
    assert "without the deterministic pairs" in fitted.prior  # the report says u was corrected
    assert (linked.pairs["match_probability"] >= 0.9).sum() == 4  # 3 pairs of one person + 1


def test_a_given_name_only_file_runs_and_says_it_cannot_match():
    rows = keep(people(40), {"first"})
    rows += [dict(rows[2])]  # same given name: no evidence it is the same person
    prep, fitted, linked = run(rows)
    assert linked.links["cluster_id"].nunique() == len(rows)  # every record its own person
    assert linked.pairs.empty
    assert any("no pair of records is compared" in line for line in prep.resolved.left_out), prep.resolved.left_out


def test_a_mistyped_birth_year_keeps_day_and_month_as_evidence():
    rows = keep(people(150), {"first", "last", "dob", "postcode"})
    dup = dict(rows[7])
    dup["dob"] = str(int(dup["dob"][:4]) + 10) + dup["dob"][4:]  # 1975-03-16 -> 1985-03-16
    rows.append(dup)
    _, fitted, linked = run(rows)
    comp = next(c for c in fitted.model["comparisons"] if c["output_column_name"] == "date_of_birth")
    labels = [lv.get("label_for_charts") for lv in comp["comparison_levels"] if not lv.get("is_null_level")]
    ids = linked.pairs[["unique_id_l", "unique_id_r"]]
    pair = linked.pairs[ids.isin(["crm:7", "crm:150"]).all(axis=1)]
    assert len(pair) == 1
    assert labels[len(labels) - 1 - int(pair["gamma_date_of_birth"].iloc[0])] == "Same day and month, year mistyped"
