"""Stage 03 in three steps the notebook tells one by one — prepare, fit, link — and that tests
and benchmarks call the same way."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from helpers.match.backends import database_api
from helpers.match.features import matching_table, present_features
from helpers.match.linking import cluster_records, new_linker, quiet_splink, record_links, score_pairs
from helpers.match.model import ModelSpec, ResolvedModel, resolve, splink_settings
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
    db_api: Any  # Splink's database API for the backend
    records: Any  # the table registered with the backend


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
    db_api = database_api(backend)
    records = db_api.register(table, dataset_display_name="clean_records")
    return Prepared(table, present, resolved, db_api, records)


def fit(prep: Prepared, spec: ModelSpec, seed: int, model_path: str | None = None) -> Fitted:
    """Train (or reuse a saved model), neutralise unobserved levels, refuse a degenerate model."""
    if model_path:
        model = load_model(model_path)
        check_model_fits(model, prep.present, model_path)
        blocks: list[list[str]] = []
    else:
        trainer = new_linker(prep.records, splink_settings(prep.resolved, prep.present))
        blocks = train(trainer, spec, prep.resolved, seed)
        model = trainer.misc.save_model_to_json()
    model, computed_u = fill_exact_u(model, prep.table, prep.resolved.comparisons)
    model, neutral = neutralise_unobserved(model)
    assert_sane(model, spec.sanity, spec.path)
    return Fitted(model, blocks, neutral, model_path, computed_u)


def link(prep: Prepared, fitted: Fitted, spec: ModelSpec, clean: pd.DataFrame, match_threshold: float,
         review_threshold: float) -> Linked:
    """Score, veto, cluster: one cluster per person, one row per clean record."""
    if not 0 < review_threshold <= match_threshold < 1:
        raise ValueError(
            f"thresholds must satisfy 0 < review_threshold ({review_threshold}) ≤ match_threshold ({match_threshold}) < 1"
        )
    linker = new_linker(prep.records, fitted.model)
    pairs, predictions = score_pairs(linker, fitted.model, review_threshold, spec.vetoes)
    clusters = cluster_records(prep.table["unique_id"], pairs, match_threshold, prep.db_api)
    links = record_links(clean, clusters, pairs, match_threshold)
    return Linked(pairs, predictions, clusters, links, linker)
