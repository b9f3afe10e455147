"""Stage 03 in three steps the notebook tells one by one — prepare, fit, link — and that tests
and benchmarks call the same way."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from helpers.match.backends import database_api
from helpers.match.features import frequencies_within, matching_table, present_features
from helpers.match.linking import cluster_records, new_linker, quiet_splink, record_links, score_pairs
from helpers.match.model import ModelSpec, ResolvedModel, frequency_columns, resolve, splink_settings
from helpers.match.training import (
    assert_sane,
    check_model_fits,
    fill_exact_u,
    load_model,
    neutralise_unobserved,
    train,
)


@dataclass
class Prepared:
    table: pd.DataFrame  # the matching table (one row per clean record)
    present: list[str]  # matching columns filled enough to compare
    resolved: ResolvedModel  # the model cut to those columns
    backend: str
    db_api: Any  # Splink's database API for the scoring backend
    records: Any  # the table registered with the scoring backend
    training_records: Any  # the table registered with DuckDB, where training runs
    frequencies: dict[str, pd.DataFrame] = field(default_factory=dict)  # term frequencies counted within a scope (country)


@dataclass
class Fitted:
    model: dict  # the Splink model (settings + m/u), as saved to JSON
    em_blocks: list[list[str]]  # EM sessions used ([] when the model was reused)
    neutral: list[str]  # levels never observed among training matches, given a bounded weight
    reused_from: str | None
    computed_u: list[str]  # exact levels whose u came from value counts (too rare to sample)


@dataclass
class Linked:
    pairs: pd.DataFrame  # scored pairs ≥ review threshold, with levels, weights and `vetoed`
    predictions: Any  # Splink's predictions table (for the dashboards)
    clusters: pd.DataFrame  # unique_id, cluster_id
    links: pd.DataFrame  # one row per clean record: lineage, cluster, size, probability to cluster
    linker: Any


def prepare(clean: pd.DataFrame, spec: ModelSpec, backend: str) -> Prepared:
    quiet_splink()
    table = matching_table(clean)
    present = present_features(table)
    resolved = resolve(spec, present)
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
    """Train (or reuse a saved model), neutralise unobserved levels, refuse a degenerate model."""
    if model_path:
        model = load_model(model_path)
        check_model_fits(model, prep.present, model_path)
        blocks: list[list[str]] = []
    else:
        trainer = new_linker(prep.training_records, splink_settings(prep.resolved, prep.present))
        blocks = train(trainer, spec, prep.resolved, seed)
        model = trainer.misc.save_model_to_json()
    model, computed_u = fill_exact_u(model, prep.table, prep.resolved.comparisons)
    model, neutral = neutralise_unobserved(model)
    assert_sane(model, spec.sanity, spec.path)
    return Fitted(model, blocks, neutral, model_path, computed_u)


def for_dialect(model: dict, settings: Any, sql_dialect: str) -> dict:
    """A trained model (DuckDB SQL) re-expressed for another engine, parameters copied level by level.

    A model JSON holds SQL of the engine it was trained on; Spark cannot read DuckDB's. The
    settings are rebuilt for the target from the same engine-neutral definition and the
    trained m/u values carried across, checking that every comparison and level lines up.
    """
    target = settings.create_settings_dict(sql_dialect)
    target["probability_two_random_records_match"] = model["probability_two_random_records_match"]
    if [c["output_column_name"] for c in target["comparisons"]] != [c["output_column_name"] for c in model["comparisons"]]:
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
    return target


def link(prep: Prepared, fitted: Fitted, spec: ModelSpec, clean: pd.DataFrame, match_threshold: float,
         review_threshold: float) -> Linked:
    """Score, veto, cluster: one cluster per person, one row per clean record."""
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
    clusters = cluster_records(prep.table["unique_id"], pairs, match_threshold)
    links = record_links(clean, clusters, pairs, match_threshold)
    return Linked(pairs, predictions, clusters, links, linker)
