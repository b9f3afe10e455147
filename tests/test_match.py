"""Stage 03: the matching table, the model spec, the training guard, and a small end-to-end match
with known truth (generated people through the real ingest, cleaning and Splink)."""

from __future__ import annotations

import copy
from datetime import date

import pandas as pd
import pytest

from conftest import ROOT
from helpers.clean.records import clean_people
from helpers.generate import generate
from helpers.ingest import ingest
from helpers.match.evaluate import load_truth, pairwise_scores, threshold_curve
from helpers.match.features import FEATURES, matching_table, present_features
from helpers.match.linking import cluster_records, record_links, review_worklist
from helpers.match.model import ModelSpecError, load_spec, resolve
from helpers.match.stage import fit, link, prepare
from helpers.match.training import DegenerateModel, assert_sane, check_model, em_sessions
from helpers.registry import load_registry

SPEC_PATH = ROOT / "config" / "matching.yaml"
REF = date(2026, 11, 15)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """400 generated persons through stages 01–02 logic, with the truth."""
    base = tmp_path_factory.mktemp("match")
    generate(persons=400, seed=11, out=base / "raw")
    result = ingest(load_registry(base / "raw" / "sources.yaml"))
    clean = clean_people(result.tables["people"], result.summary, REF).clean
    return {"clean": clean, "truth": load_truth(base / "raw" / "truth" / "records.csv")}


@pytest.fixture(scope="module")
def matched(demo):
    spec = load_spec(SPEC_PATH)
    prep = prepare(demo["clean"], spec, "duckdb")
    fitted = fit(prep, spec, seed=42)
    linked = link(prep, fitted, spec, demo["clean"], match_threshold=0.9, review_threshold=0.5)
    return {"spec": spec, "prep": prep, "fitted": fitted, "linked": linked}


# --- matching table -----------------------------------------------------------------------------


def test_matching_table_keeps_only_values_fit_to_be_evidence(demo):
    clean = demo["clean"].head(50).copy()
    clean.loc[clean.index[0], ["email_valid", "email_role"]] = [False, False]
    clean.loc[clean.index[1], ["email_valid", "email_role"]] = [True, True]  # info@… shared by an office
    clean.loc[clean.index[2], "date_of_birth_issue"] = "future"  # a typo; an old date would still count
    clean.loc[clean.index[3], "phone_valid"] = False
    table = matching_table(clean)
    assert table["unique_id"].tolist() == clean["record_key"].tolist()
    assert table.loc[0, "email_key"] is None and table.loc[1, "email_key"] is None
    assert table.loc[2, "date_of_birth"] is None and table.loc[3, "phone"] is None


def test_present_features_drops_empty_columns(demo):
    table = matching_table(demo["clean"])
    table["phone"] = None
    assert "phone" not in present_features(table)
    assert "first_name_key" in present_features(table)


# --- model spec -----------------------------------------------------------------------------------


def test_committed_model_loads_and_resolves_on_the_demo(demo):
    spec = load_spec(SPEC_PATH)
    resolved = resolve(spec, present_features(matching_table(demo["clean"])))
    names = {c["name"] for c in resolved.comparisons}
    assert {"first_name", "last_name", "date_of_birth", "email", "phone", "address"} <= names
    assert "comparison job_title: no job_title in the data" in resolved.left_out


def test_model_without_dates_emails_or_phones_uses_what_is_there():
    spec = load_spec(SPEC_PATH)
    resolved = resolve(spec, ["first_name_key", "first_name_canonical", "last_name_key", "postcode", "city"])
    assert [c["name"] for c in resolved.comparisons] == ["first_name", "last_name", "address"]
    assert all(
        "email_key" not in r and "date_of_birth" not in r for r in resolved.blocking_rules if isinstance(r, list)
    )
    assert ["first_name_canonical", "last_name_key"] in resolved.blocking_rules


def test_spec_problems_are_all_reported(tmp_path):
    text = SPEC_PATH.read_text(encoding="utf-8")
    text = text.replace("kind: given_name", "kind: fuzzy_name").replace("- [email_key]\n", "- [shoe_size]\n", 1)
    text = text.replace("when_different: first_name", "when_different: nickname")
    path = tmp_path / "matching.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ModelSpecError) as err:
        load_spec(path)
    message = str(err.value)
    assert "fuzzy_name" in message and "shoe_size" in message and "when_different" in message


def test_em_sessions_estimate_every_comparison(demo):
    spec = load_spec(SPEC_PATH)
    resolved = resolve(spec, present_features(matching_table(demo["clean"])))
    blocks = em_sessions(resolved)
    for comp in resolved.comparisons:
        from helpers.match.model import comparison_columns

        trained_in = [b for b in blocks if not set(comparison_columns(comp)) & set(b)]
        assert trained_in, f"{comp['name']} is never estimated"


# --- the sanity guard --------------------------------------------------------------------------------


def test_trained_model_on_demo_passes_the_guard(matched):
    assert check_model(matched["fitted"].model, matched["spec"].sanity) == []


def _set_level(model: dict, comparison: str, position: int, m: float | None = None, u: float | None = None) -> dict:
    model = copy.deepcopy(model)
    comp = next(c for c in model["comparisons"] if c["output_column_name"] == comparison)
    levels = [lv for lv in comp["comparison_levels"] if not lv.get("is_null_level")]
    if m is not None:
        levels[position]["m_probability"] = m
    if u is not None:
        levels[position]["u_probability"] = u
    return model


def test_guard_refuses_a_collapsed_date_of_birth(matched):
    """The EM failure seen with correlated fields: exact dob agreement stops counting."""
    model = _set_level(matched["fitted"].model, "date_of_birth", 0, m=0.0001)
    model = _set_level(model, "date_of_birth", -1, m=0.9)
    with pytest.raises(DegenerateModel) as err:
        assert_sane(model, matched["spec"].sanity)
    assert "date_of_birth" in str(err.value) and "em_blocks" in str(err.value)


def test_guard_refuses_a_field_random_pairs_always_agree_on(matched):
    model = _set_level(matched["fitted"].model, "gender", 0, u=0.99)
    findings = check_model(model, matched["spec"].sanity)
    assert {f.comparison for f in findings} == {"gender"}
    assert any("random pairs agree exactly 99%" in f.problem for f in findings)


def test_guard_refuses_untrained_levels(matched):
    model = copy.deepcopy(matched["fitted"].model)
    comp = next(c for c in model["comparisons"] if c["output_column_name"] == "email")
    for lv in comp["comparison_levels"]:
        lv.pop("m_probability", None)
    assert any("untrained" in f.problem for f in check_model(model))


# --- the end-to-end match ------------------------------------------------------------------------------


def test_every_clean_record_gets_exactly_one_cluster(matched, demo):
    links = matched["linked"].links
    assert len(links) == len(demo["clean"])
    assert links["record_key"].is_unique and links["cluster_id"].notna().all()
    assert (links.groupby("cluster_id")["record_key"].transform("size") == links["cluster_size"]).all()
    alone = links["cluster_size"] == 1
    assert links.loc[alone, "match_probability_to_cluster"].isna().all()
    assert (links.loc[~alone, "match_probability_to_cluster"] >= 0.9).all()


def test_clusters_find_the_truth(matched, demo):
    scores = pairwise_scores(matched["linked"].links, demo["truth"])
    assert scores["records_evaluated"] == len(demo["clean"])
    assert scores["precision"] >= 0.95 and scores["recall"] >= 0.9, scores


def test_vetoed_pairs_are_never_in_one_cluster_by_their_own_link(matched, demo):
    # Household pairs (shared address, email, landline) score below the review band on this small
    # demo — places are weighed within their country — so the whole score range is listed here.
    linked = link(matched["prep"], matched["fitted"], matched["spec"], demo["clean"], 0.9, 0.001)
    pairs, links = linked.pairs, linked.links
    vetoed = pairs[pairs["vetoed"]]
    assert len(vetoed), "the demo has households sharing contacts: some pairs must be vetoed"
    assert (vetoed["gamma_first_name"] == 0).all()
    cluster = links.set_index("record_key")["cluster_id"]
    strong = vetoed[vetoed["match_probability"] >= 0.9]
    alone = strong["unique_id_l"].map(cluster) != strong["unique_id_r"].map(cluster)
    assert alone.all() or len(strong) == 0


def test_review_worklist_is_the_band_and_the_vetoed(matched):
    pairs = matched["linked"].pairs
    work = review_worklist(pairs, 0.9, matched["prep"].table)
    expected = int(((pairs["match_probability"] < 0.9) | pairs["vetoed"]).sum())
    assert len(work) == expected
    assert {"first_name_key_l", "first_name_key_r"} <= set(work.columns)


def test_threshold_curve_matches_the_run_at_its_threshold(matched, demo):
    curve = threshold_curve(matched["prep"].table["unique_id"], matched["linked"].pairs, demo["truth"], [0.9])
    run = pairwise_scores(matched["linked"].links, demo["truth"])
    assert curve.loc[0, "f1"] == pytest.approx(run["f1"])


def test_same_inputs_same_clusters(matched, demo):
    spec = matched["spec"]
    prep = prepare(demo["clean"], spec, "duckdb")
    again = link(prep, fit(prep, spec, seed=42), spec, demo["clean"], 0.9, 0.5)
    pd.testing.assert_frame_equal(again.links, matched["linked"].links)


def test_a_saved_model_is_reused_without_training(matched, demo, tmp_path):
    import json

    path = tmp_path / "model.json"
    path.write_text(json.dumps(matched["fitted"].model), encoding="utf-8")
    spec = matched["spec"]
    prep = prepare(demo["clean"], spec, "duckdb")
    fitted = fit(prep, spec, seed=1, model_path=str(path))
    assert fitted.em_blocks == [] and fitted.reused_from == str(path)
    again = link(prep, fitted, spec, demo["clean"], 0.9, 0.5)
    pd.testing.assert_frame_equal(again.links, matched["linked"].links)


def test_a_saved_model_needing_missing_columns_is_refused(matched, demo, tmp_path):
    import json

    path = tmp_path / "model.json"
    path.write_text(json.dumps(matched["fitted"].model), encoding="utf-8")
    clean = demo["clean"].assign(phone_valid=False)
    prep = prepare(clean, matched["spec"], "duckdb")
    with pytest.raises(DegenerateModel, match="phone"):
        fit(prep, matched["spec"], seed=1, model_path=str(path))


def test_one_source_without_dates_or_phones_still_matches(demo):
    clean = demo["clean"][demo["clean"]["source"] == "crm"].copy()
    clean["date_of_birth_std"] = pd.NaT
    clean["phone_valid"] = False
    spec = load_spec(SPEC_PATH)
    prep = prepare(clean, spec, "duckdb")
    assert "date_of_birth" not in prep.present and "phone" not in prep.present
    linked = link(prep, fit(prep, spec, seed=42), spec, clean, 0.9, 0.5)
    assert len(linked.links) == len(clean)
    assert pairwise_scores(linked.links, demo["truth"])["f1"] > 0.8


def test_veto_holds_on_the_demo_and_is_lifted_when_names_are_garbled(matched):
    from helpers.match.linking import active_vetoes, veto_condition

    spec, model = matched["spec"], matched["fitted"].model
    active, lifted = active_vetoes(model, spec.vetoes)
    assert [v["when_different"] for v in active] == ["first_name"] and lifted == []
    assert "gamma_first_name = 0" in veto_condition(model, spec.vetoes)
    garbled = _set_level(model, "first_name", -1, m=0.2)
    active, lifted = active_vetoes(garbled, spec.vetoes)
    assert active == [] and "20.0% of true matches" in lifted[0]
    assert veto_condition(garbled, spec.vetoes) == "false"


def test_names_typed_across_fields_still_agree(demo):
    from helpers.match.features import matching_table

    clean = demo["clean"].head(2).copy()
    clean["first_name_key"] = ["perez", "mayte"]
    clean["last_name_key"] = ["urena mayte", "perez urena"]
    table = matching_table(clean)
    assert [list(w) for w in table["name_words"]] == [["mayte", "perez", "urena"], ["mayte", "perez", "urena"]]


def test_exact_u_too_rare_to_sample_is_computed_from_value_counts(matched):
    from helpers.match.training import fill_exact_u

    model = copy.deepcopy(matched["fitted"].model)
    comp = next(c for c in model["comparisons"] if c["output_column_name"] == "phone")
    exact = [lv for lv in comp["comparison_levels"] if not lv.get("is_null_level")][0]
    exact.pop("u_probability")
    table = pd.DataFrame({"phone": ["+1", "+1", "+2", "+3", None]})
    model, filled = fill_exact_u(model, table, matched["prep"].resolved.comparisons)
    assert filled == ["phone: Exact match on phone"]
    assert exact["u_probability"] == pytest.approx(2 / 12)  # one agreeing pair of 4·3/2 = 6


# --- features and levels added for the accuracy work of issue 4 ------------------------------------


def test_a_zip_plus_four_is_compared_as_its_zip(demo):
    clean = demo["clean"].head(3).copy()
    clean["country_std"] = ["US", "US", "BR"]
    clean["postcode_std"] = ["10160-4378", "10160", "30857-589"]  # a Brazilian CEP keeps its suffix
    clean["postcode_valid"] = True
    assert matching_table(clean)["postcode"].tolist() == ["10160", "10160", "30857-589"]


def test_place_frequencies_are_counted_within_the_country():
    from helpers.match.features import frequencies_within

    table = pd.DataFrame(
        {
            "postcode": ["08001", "08001", "08002", "08003", "SW1", "SW2", "SW3", "SW4", "SW5", "SW6", "X1", None],
            "country": ["ES", "ES", "ES", "ES", "GB", "GB", "GB", "GB", "GB", "GB", None, "GB"],
        }
    )
    tf = frequencies_within(table, ["postcode"], "country")["postcode"].set_index("postcode")["tf_postcode"]
    assert tf["08001"] == pytest.approx(2 / 4)  # 2 of the 4 Spanish records with a postcode
    assert tf["SW1"] == pytest.approx(1 / 6)
    assert tf["X1"] == pytest.approx(1 / 11)  # no country: measured against every record, as Splink does


def test_lone_names_and_sound_keys(demo):
    clean = demo["clean"].head(3).copy()
    clean["first_name_key"] = ["stinehewer", "s", "john"]
    clean["last_name_key"] = [None, "stonehewer", "stonehewer"]
    clean["surname_1_key"] = [None, "stonehewer", "stonehewer"]
    table = matching_table(clean)
    assert table["lone_name"].tolist() == ["stinehewer", None, None]
    assert table.loc[0, "lone_name_sound"] == table.loc[1, "surname_sound"] == "S356"
    assert table["uncommon_surname_sound"].tolist() == [None, "S356", "S356"]


def test_a_common_surname_has_no_uncommon_sound_key(demo):
    from helpers.match.features import UNCOMMON_SURNAME

    n = UNCOMMON_SURNAME + 1
    clean = pd.concat([demo["clean"].head(1)] * n, ignore_index=True)
    clean["record_key"] = [f"k{i}" for i in range(n)]
    clean["surname_1_key"] = clean["last_name_key"] = "garcia"
    assert matching_table(clean)["uncommon_surname_sound"].isna().all()


def test_a_crossed_rule_joins_both_ways_and_bad_rules_are_refused(tmp_path):
    from helpers.match.model import splink_blocking_rules

    joins = splink_blocking_rules({"crossed": ["lone_name_sound", "surname_sound"], "same": ["city", "postcode:3"]})
    assert [sql for _, sql in joins] == [
        "l.lone_name_sound = r.surname_sound AND l.city = r.city AND substr(l.postcode, 1, 3) = substr(r.postcode, 1, 3)",
        "l.surname_sound = r.lone_name_sound AND l.city = r.city AND substr(l.postcode, 1, 3) = substr(r.postcode, 1, 3)",
    ]
    text = SPEC_PATH.read_text(encoding="utf-8").replace(
        "crossed: [lone_name_sound, uncommon_surname_sound]", "crossed: [lone_name_sound]"
    )
    path = tmp_path / "matching.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ModelSpecError, match="crossed"):
        load_spec(path)


@pytest.fixture(scope="module")
def every_level(matched):
    """The committed model with every matching column present (the demo lacks lone names, so its
    trained model leaves those levels out): a linker that says which level a pair falls in."""
    from helpers.match.backends import database_api
    from helpers.match.features import FEATURES
    from helpers.match.linking import new_linker
    from helpers.match.model import splink_settings

    present = list(FEATURES)
    settings = splink_settings(resolve(matched["spec"], present), present)
    records = database_api("duckdb").register(matched["prep"].table, dataset_display_name="every_column")
    return {"linker": new_linker(records, settings), "model": settings.create_settings_dict("duckdb")}


def _levels(every_level, left: dict, right: dict) -> dict[str, str]:
    """Score one hand-made pair: comparison → label of the level it falls in."""
    from helpers.match.model import find_comparison, scored_levels

    model = every_level["model"]
    base = {c: None for c in FEATURES}
    records = []
    for uid, values in (("left", left), ("right", right)):
        rec = {**base, "unique_id": uid, "source": "test", **values}
        first, last = rec.get("first_name_key"), rec.get("last_name_key")
        rec.setdefault("first_name_canonical", first)
        rec["first_name_canonical"] = rec["first_name_canonical"] or first
        rec["first_name_token"] = first.split(" ")[0] if first else None
        parts = (last or "").split(" ")
        rec["surname_1_key"] = parts[0] or None
        rec["surname_2_key"] = parts[1] if len(parts) > 1 else None
        rec["name_words"] = sorted(set(f"{first or ''} {last or ''}".split())) or None
        rec["lone_name"] = first if last is None else None
        records.append({k: v for k, v in rec.items() if k in base or k in ("unique_id", "source")})
    out = every_level["linker"].inference.score_pair(*records).as_pandas_dataframe().iloc[0]
    labels = {}
    for comp in model["comparisons"]:
        name = comp["output_column_name"]
        gamma = int(out[f"gamma_{name}"])
        levels = scored_levels(find_comparison(model, name))
        labels[name] = "null" if gamma == -1 else levels[len(levels) - 1 - gamma]["label_for_charts"]
    return labels


def test_given_names_written_short_are_not_a_complete_disagreement(every_level):
    """M. Pilar = María Pilar and Dani = Daniel: neither falls to 'all other' (which the veto keeps apart)."""
    both = {"last_name_key": "aguilo"}
    assert _levels(every_level, {"first_name_key": "maria pilar", **both}, {"first_name_key": "m pilar", **both})[
        "first_name"
    ] == ("A given-name word in common")
    assert _levels(every_level, {"first_name_key": "daniel", **both}, {"first_name_key": "dani", **both})[
        "first_name"
    ].startswith("One name the start of the other")
    assert _levels(every_level, {"first_name_key": "jo", **both}, {"first_name_key": "jose", **both})["first_name"] != (
        "One name the start of the other (Dani = Daniel)"
    )  # two letters are too few to call a name cut short


def test_a_misspelt_surname_of_a_double_surname_still_counts(every_level):
    levels = _levels(
        every_level,
        {"first_name_key": "mariana", "last_name_key": "goncalves lopes"},
        {"first_name_key": "mariana", "last_name_key": "lopea"},
    )
    assert levels["last_name"] == "One surname in common, with a typo"


def test_swapped_names_are_counted_once(every_level):
    levels = _levels(
        every_level,
        {"first_name_key": "sean", "last_name_key": "hudson"},
        {"first_name_key": "hudson", "last_name_key": "sean"},
    )
    assert levels["first_name"] == "Given name and surname swapped"
    assert levels["last_name"] == "null"  # no disagreement to cancel the swap, no second agreement


def test_a_lone_name_is_compared_with_the_surname(every_level):
    """A record whose only name is in the given-name field: that name against the other's surname."""
    full = {"first_name_key": "s", "last_name_key": "stonehewer"}
    exact = _levels(every_level, {"first_name_key": "stonehewer"}, full)
    assert exact["first_name"] == "null"  # no given name to compare: not a false "initial agrees"
    assert exact["last_name"] == "Lone name is this surname"
    assert (
        _levels(every_level, {"first_name_key": "stinehewer"}, full)["last_name"]
        == "Lone name is this surname, with typos"
    )
    # two lone names: no surname on either side is no evidence (SQL null logic must not make it 'all other')
    assert _levels(every_level, {"first_name_key": "dunn"}, {"first_name_key": "dunb"})["last_name"] == "null"
    # a lone name that is not the other's surname leaves the given names to be compared as usual
    assert _levels(every_level, {"first_name_key": "john"}, {"first_name_key": "john", "last_name_key": "hayes"})[
        "first_name"
    ] == ("Exact match on first_name_key")


def test_clusters_are_the_linked_components_named_by_their_smallest_key():
    keys = pd.Series(["s:9", "s:10", "s:2", "s:3", "s:4", "s:5", "s:6"])
    pairs = pd.DataFrame(
        {
            "unique_id_l": ["s:9", "s:2", "s:3", "s:4", "s:5"],
            "unique_id_r": ["s:10", "s:3", "s:4", "s:5", "s:6"],
            "match_probability": [0.95, 0.99, 0.91, 0.5, 0.97],  # s:4–s:5 below the threshold
            "vetoed": [False, False, False, False, True],  # s:5–s:6 vetoed
        }
    )
    clusters = cluster_records(keys, pairs, 0.9).set_index("unique_id")["cluster_id"]
    # smallest key as text: "s:10" < "s:9"
    assert clusters.to_dict() == {
        "s:10": "s:10",
        "s:9": "s:10",
        "s:2": "s:2",
        "s:3": "s:2",
        "s:4": "s:2",
        "s:5": "s:5",
        "s:6": "s:6",
    }
    clean = pd.DataFrame({"record_key": keys, "source": "s", "source_record_id": keys.str[2:]})
    links = record_links(clean, cluster_records(keys, pairs, 0.9), pairs, 0.9).set_index("record_key")
    assert links.index.tolist() == keys.tolist()  # the clean records' order
    assert links["cluster_size"].to_dict() == {"s:9": 2, "s:10": 2, "s:2": 3, "s:3": 3, "s:4": 3, "s:5": 1, "s:6": 1}
    # the best linking score of each record; alone: none
    assert links.loc["s:3", "match_probability_to_cluster"] == 0.99
    assert links.loc["s:4", "match_probability_to_cluster"] == 0.91
    assert links[["match_probability_to_cluster"]].loc[["s:5", "s:6"]].isna().all().all()


def test_a_pair_naming_an_unknown_record_is_an_error():
    pairs = pd.DataFrame({"unique_id_l": ["a"], "unique_id_r": ["zz"], "match_probability": [0.99], "vetoed": [False]})
    with pytest.raises(RuntimeError, match="not among the clean records"):
        cluster_records(pd.Series(["a", "b"]), pairs, 0.9)
