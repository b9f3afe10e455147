"""Stage 03 in three steps the notebook tells one by one — prepare, fit, link — and that tests
and benchmarks call the same way."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from helpers.decisions.constrain import Constrained, constrain
from helpers.decisions.resolve import Resolved
from helpers.drift import share_true
from helpers.match.backends import database_api
from helpers.match.blocking_guard import left_out_message, oversized_rules
from helpers.match.features import frequencies_within, matching_table, present_features
from helpers.match.linking import blocking_counts, cluster_records, new_linker, quiet_splink, record_links, score_pairs
from helpers.match.model import (
    NO_PAIRS,
    ModelSpec,
    ResolvedModel,
    describe_rule,
    frequency_columns,
    resolve,
    splink_settings,
)
from helpers.match.training import (
    TrainingOutcome,
    apply_defaults,
    assert_sane,
    check_model,
    check_model_fits,
    drop_small_term_frequencies,
    fill_exact_u,
    load_model,
    neutralise_unobserved,
    refine_prior,
    train,
)
from helpers.stage_records import MatchRecord


@dataclass
class Prepared:
    table: pd.DataFrame  # the matching table (one row per clean record)
    present: list[str]  # matching columns filled enough to compare
    resolved: ResolvedModel  # the model cut to those columns
    backend: str
    db_api: Any  # Splink's database API for the scoring backend
    records: Any  # the table registered with the scoring backend
    training_records: Any  # the table registered with DuckDB, where training runs
    frequencies: dict[str, pd.DataFrame] = field(
        default_factory=dict
    )  # term frequencies counted within a scope (country)


@dataclass
class Fitted:
    model: dict  # the Splink model (settings + m/u), as saved to JSON
    em_blocks: list[list[str]]  # EM sessions used ([] when the model was reused)
    neutral: list[str]  # levels never observed among training matches, given a bounded weight
    reused_from: str | None
    computed_u: list[str]  # exact levels whose u came from value counts (too rare to sample)
    skipped_blocks: list[str] = field(
        default_factory=list
    )  # training blocks not used, each with why (too few pairs, EM failed)
    default_m: list[str] = field(
        default_factory=list
    )  # comparisons no training block could estimate: shipped default m
    default_u: bool = False  # too few records to sample u: shipped default u for every level
    prior: str = ""  # how the prior (probability two random records match) was obtained
    no_term_frequencies: list[str] = field(
        default_factory=list
    )  # exact levels too common in this small file for term frequencies


@dataclass
class Linked:
    pairs: pd.DataFrame  # scored pairs ≥ review threshold, with levels, weights and `vetoed`
    predictions: Any  # Splink's predictions table (for the dashboards)
    clusters: pd.DataFrame  # unique_id, cluster_id
    links: pd.DataFrame  # one row per clean record: lineage, cluster, size, probability to cluster
    linker: Any
    constrained: Constrained | None = None  # people's decisions applied (must/cannot-links, cuts), when any


def leave_out_oversized_rules(table: pd.DataFrame, resolved: ResolvedModel, max_pairs_per_record: float) -> None:
    """Drop the blocking rules that would compare too many pairs (see match/blocking_guard.py)."""
    for rule, pairs in oversized_rules(table, resolved.blocking_rules, max_pairs_per_record):
        resolved.blocking_rules.remove(rule)
        resolved.left_out.append(left_out_message(rule, pairs, len(table), max_pairs_per_record))
    if not resolved.blocking_rules:
        resolved.blocking_rules.append(NO_PAIRS)


def prepare(clean: pd.DataFrame, spec: ModelSpec, backend: str) -> Prepared:
    quiet_splink()
    table = matching_table(clean)
    present = present_features(table)
    resolved = resolve(spec, present)
    leave_out_oversized_rules(table, resolved, spec.max_pairs_per_record)
    training_api = database_api("duckdb")
    # Splink copies what it is given into every blocked pair it builds: columns the data leaves
    # (nearly) empty are not handed over (at a million records, a few hundred MB of peak memory).
    splink_table = table[["unique_id", "source", *present]]
    training_records = training_api.register(splink_table, dataset_display_name="clean_records")
    if backend == "duckdb":
        db_api, records = training_api, training_records
    else:
        db_api = database_api(backend)
        records = db_api.register(splink_table, dataset_display_name=f"clean_records_{uuid.uuid4().hex[:8]}")
    frequencies: dict[str, pd.DataFrame] = {}
    for comp in resolved.comparisons:
        cols = frequency_columns(comp, present)
        if cols:
            frequencies.update(frequencies_within(table, cols, comp["frequency_within"]))
    return Prepared(table, present, resolved, backend, db_api, records, training_records, frequencies)


def fit(prep: Prepared, spec: ModelSpec, seed: int, model_path: str | None = None) -> Fitted:
    """Train (or reuse a saved model), fill what the data could not give, refuse a degenerate model.

    What training could not estimate — u on a tiny file, m of a comparison no training block
    could estimate — comes from the shipped defaults and is listed in the result (`default_u`,
    `default_m`, `skipped_blocks`), so the report says how much of the model is this data's own.
    """
    if model_path:
        model = load_model(model_path)
        check_model_fits(model, prep.present, model_path)
        outcome = TrainingOutcome()
    else:
        trainer = new_linker(prep.training_records, splink_settings(prep.resolved, prep.present))
        outcome = train(trainer, prep.training_records, prep.table, spec, prep.resolved, seed)
        model = apply_defaults(
            trainer.misc.save_model_to_json(), spec.limits.default_parameters, outcome.default_m, outcome.default_u
        )
        model["probability_two_random_records_match"] = outcome.prior_value
    model, computed_u = fill_exact_u(model, prep.table, prep.resolved.comparisons)
    model, neutral = neutralise_unobserved(model)
    model, plain_u = drop_small_term_frequencies(
        model, prep.table, None if outcome.default_u else identifier_columns(prep.resolved)
    )
    if not model_path:
        model, replaced = replace_implausible_m(model, spec)
        outcome.default_m += replaced
        model, outcome.prior = refine_prior(
            model,
            prep.table,
            prep.resolved.deterministic_rules,
            outcome.deterministic_pairs,
            spec.limits,
            spec.deterministic_recall,
        )
    assert_sane(model, spec.sanity, spec.path)
    return Fitted(
        model,
        outcome.em_blocks,
        neutral,
        model_path,
        computed_u,
        skipped_blocks=outcome.skipped_blocks,
        default_m=outcome.default_m,
        default_u=outcome.default_u,
        prior=outcome.prior,
        no_term_frequencies=plain_u,
    )


IDENTIFIER_KINDS = ("email", "identifier")


def identifier_columns(resolved: ResolvedModel) -> set[str]:
    """Columns of the comparisons whose values are meant to belong to one person (email, phone, national id)."""
    return {c["column"] for c in resolved.comparisons if c["kind"] in IDENTIFIER_KINDS and "column" in c}


def replace_implausible_m(model: dict, spec: ModelSpec) -> tuple[dict, list[str]]:
    """Comparisons whose estimated m fails the sanity check get the shipped default m; returns their names and why.

    EM on data it cannot read (a field that never agrees among the pairs of any block, a block
    whose fields drive each other) can leave a comparison untrained or collapsed. One such
    comparison should not stop the run when the defaults measured on other data can stand in:
    it is listed (`Fitted.default_m`) with the finding, and the whole model still passes
    `assert_sane` afterwards, so a model that remains degenerate is refused.
    """
    findings: dict[str, list[str]] = {}
    for f in check_model(model, spec.sanity):
        findings.setdefault(f.comparison, []).append(f.problem)
    if not findings:
        return model, []
    model = apply_defaults(model, spec.limits.default_parameters, list(findings), all_u=False)
    return model, [f"{name} (estimate implausible: {'; '.join(problems)})" for name, problems in findings.items()]


def for_dialect(model: dict, settings: Any, sql_dialect: str) -> dict:
    """A trained model (DuckDB SQL) re-expressed for another engine, parameters copied level by level.

    A model JSON holds SQL of the engine it was trained on; Spark cannot read DuckDB's. The
    settings are rebuilt for the target from the same engine-neutral definition and the
    trained m/u values carried across, checking that every comparison and level lines up.
    """
    target = settings.create_settings_dict(sql_dialect)
    target["probability_two_random_records_match"] = model["probability_two_random_records_match"]
    if [c["output_column_name"] for c in target["comparisons"]] != [
        c["output_column_name"] for c in model["comparisons"]
    ]:
        raise ValueError("the model's comparisons do not match this run's model definition; retrain (model_path: null)")
    for to, frm in zip(target["comparisons"], model["comparisons"]):
        labels_to = [lv.get("label_for_charts") for lv in to["comparison_levels"]]
        labels_from = [lv.get("label_for_charts") for lv in frm["comparison_levels"]]
        if labels_to != labels_from:
            raise ValueError(f"comparison {to['output_column_name']}: levels differ from the saved model; retrain")
        for lt, lf in zip(to["comparison_levels"], frm["comparison_levels"]):
            for key in ("m_probability", "u_probability"):
                if key in lf:
                    lt[key] = lf[key]
            if not lf.get("tf_adjustment_column"):  # switched off for this data (drop_small_term_frequencies)
                lt.pop("tf_adjustment_column", None)
                lt.pop("tf_adjustment_weight", None)
    return target


def link(
    prep: Prepared,
    fitted: Fitted,
    spec: ModelSpec,
    clean: pd.DataFrame,
    match_threshold: float,
    review_threshold: float,
    decisions: Resolved | None = None,
) -> Linked:
    """Score, veto, apply people's decisions, cluster: one cluster per person, one row per clean record.

    `decisions` (the decisions in force, `helpers.decisions.resolve`) act between scoring and
    clustering: a must-link joins whatever the score, a cannot-link cuts a cluster at its
    weakest links (`helpers.decisions.constrain`).
    """
    if not 0 < review_threshold <= match_threshold < 1:
        raise ValueError(
            f"thresholds must satisfy 0 < review_threshold ({review_threshold}) ≤ match_threshold ({match_threshold}) < 1"
        )
    model = fitted.model
    if prep.backend != "duckdb":
        model = for_dialect(model, splink_settings(prep.resolved, prep.present), prep.backend)
    linker = new_linker(prep.records, model)
    for col, lookup in prep.frequencies.items():
        registered = prep.db_api.register(lookup, dataset_display_name=f"tf_{col}_{uuid.uuid4().hex[:8]}")
        linker.table_management.register_term_frequency_lookup(registered, col)
    pairs, predictions = score_pairs(linker, model, review_threshold, spec.vetoes)
    constrained = None
    edges = pairs
    if decisions is not None and not decisions.empty:
        constrained = constrain(prep.table["unique_id"], pairs, match_threshold, decisions)
        edges = constrained.edges
    clusters = cluster_records(prep.table["unique_id"], edges, match_threshold)
    links = record_links(clean, clusters, edges, match_threshold)
    return Linked(pairs, predictions, clusters, links, linker, constrained)


# Above this many records, the pairs each blocking rule adds are estimated on a 10% sample of
# records (exact counting costs a self-join per rule; the estimate is shown as such).
EXACT_PAIR_COUNT_UP_TO = 300_000


def pairs_per_rule(prep: Prepared) -> pd.DataFrame:
    """The pairs each blocking rule adds and the running total (the model's cost), counted
    exactly up to EXACT_PAIR_COUNT_UP_TO records and estimated from a sample above."""
    sample = 1.0 if len(prep.table) <= EXACT_PAIR_COUNT_UP_TO else 0.1
    return blocking_counts(prep.training_records, prep.resolved.blocking_rules, sample=sample)


def check_one_person_per_record(links: pd.DataFrame, clean_rows: int) -> None:
    """The stage's contract: every clean record has exactly one person. Stops the run otherwise."""
    if len(links) != clean_rows or links["record_key"].duplicated().any():
        raise RuntimeError(
            f"record_links has {len(links):,} rows for {clean_rows:,} clean records: every record needs exactly one person"
        )


def decision_figures(
    logged: int, in_force: Resolved, files_read: list, files_refused: list, constrained: Constrained | None
) -> dict[str, Any]:
    """What people's review decisions did this run, for the stage record and the report."""
    return {
        "in_log": logged,
        "same": len(in_force.must),
        "different": len(in_force.cannot),
        "unsure": len(in_force.unsure),
        "conflicts": len(in_force.conflicts),
        "files_read": files_read,
        "files_refused": files_refused,
        "outcomes": constrained.report["outcome"].value_counts().to_dict() if constrained is not None else {},
        "effect": constrained.effect if constrained is not None else {},
    }


def match_record(
    *,
    clean_rows: int,
    linked: Linked,
    links: pd.DataFrame,
    fitted: Fitted,
    resolved: ResolvedModel,
    blocking: pd.DataFrame,
    review_pairs: int,
    person_ids: dict[str, int],
    evaluation: dict[str, Any] | None,
    decisions: dict[str, Any],
    accuracy_from_reviews: dict[str, Any] | None,
    model_source: str,
    match_threshold: float,
    vetoes_lifted: list[str],
) -> MatchRecord:
    """Stage 03's record: the headline a reader sees and every figure the report and the
    manifest read."""
    pairs = linked.pairs
    linked_pairs = int(((pairs["match_probability"] >= match_threshold) & ~pairs["vetoed"]).sum())
    with_duplicates = links["cluster_size"] > 1
    headline: dict[str, Any] = {
        "persons": int(links["person_id"].nunique()),
        "records with duplicates": f"{with_duplicates.mean():.1%}",
        "pairs to review": review_pairs,
    }
    if linked.constrained is not None:
        headline["decisions applied"] = len(linked.constrained.report)
    if accuracy_from_reviews:
        headline["precision (from reviews)"] = accuracy_from_reviews["precision_estimated"]
    if evaluation:
        headline["pairwise F1"] = evaluation["f1"]
    return MatchRecord(
        rows_in=clean_rows,
        rows_out=len(links),
        headline=headline,
        shares={"records with duplicates": share_true(with_duplicates)},
        model_source=model_source,
        training={
            "em_blocks": [describe_rule(b) for b in fitted.em_blocks],
            "skipped_blocks": fitted.skipped_blocks,
            "default_m": fitted.default_m,
            "default_u": fitted.default_u,
            "no_term_frequencies": fitted.no_term_frequencies,
            "prior": fitted.prior,
            "probability_two_random_records_match": fitted.model["probability_two_random_records_match"],
        },
        comparisons=[c["name"] for c in resolved.comparisons],
        left_out=resolved.left_out,
        pairs_scored=int(blocking["cumulative_pairs"].iloc[-1]) if len(blocking) else 0,
        pairs_linked=linked_pairs,
        pairs_vetoed=int(pairs["vetoed"].sum()),
        vetoes_lifted=vetoes_lifted,
        person_ids=person_ids,
        evaluation=evaluation,
        decisions=decisions,
        accuracy_from_reviews=accuracy_from_reviews,
    )
