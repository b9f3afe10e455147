"""Scoring and clustering: from the trained model to one cluster per person.

Splink scores every blocked pair; pairs at or above `threshold` join a cluster (connected
components). Two things happen between the scores and the clusters, both configured in
`config/matching.yaml`:

- **vetoes** (`never_link_when_different`): people of one household share an address, a
  landline and often an email; summed as independent evidence those outweigh everything
  else. A pair whose given names disagree completely is therefore never linked, however high
  its score — it goes to the review worklist instead.
- **the review band**: pairs between `review_threshold` and `threshold` are neither linked
  nor forgotten; they are the clerical-review worklist.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from splink import Linker
from splink.blocking_analysis import count_comparisons_from_blocking_rules

from helpers.match.model import find_comparison, scored_levels, splink_blocking_rules

QUIET = logging.ERROR


def quiet_splink() -> None:
    """Splink logs every EM iteration and clustering round, and warns about each rare level it
    could not train; the notebook reports the outcome itself (see `neutralise_unobserved`)."""
    for name in ("splink", "py4j"):
        logging.getLogger(name).setLevel(QUIET)


def comparison_names(model: dict) -> list[str]:
    return [c["output_column_name"] for c in model["comparisons"]]


def blocking_counts(records: Any, rules: list, sample: float = 1.0) -> pd.DataFrame:
    """Pairs each blocking rule adds (marginal) and the running total: the cost of the model."""
    joins = [j for r in rules for j in splink_blocking_rules(r)]
    counts = count_comparisons_from_blocking_rules(
        records,
        blocking_rules=[rule for _, rule in joins],
        link_type="dedupe_only",
        record_sample_proportion=sample,
    )
    return pd.DataFrame(
        {
            "rule": [name for name, _ in joins],
            "new_pairs": [c["marginal_comparison_count"] for c in counts],
            "cumulative_pairs": [c["cumulative_comparison_count"] for c in counts],
            "estimated": [c["is_estimate"] for c in counts],
        }
    )


def top_level(model: dict, comparison: str) -> int:
    """Splink numbers a comparison's levels from the last ('all other', 0) up to exact agreement."""
    return len(scored_levels(find_comparison(model, comparison))) - 1


def else_m(model: dict, comparison: str) -> float | None:
    """m of a comparison's last level: the share of true matches that disagree completely."""
    m = scored_levels(find_comparison(model, comparison))[-1].get("m_probability")
    return float(m) if isinstance(m, (int, float)) else None


def active_vetoes(model: dict, vetoes: list[dict]) -> tuple[list[dict], list[str]]:
    """The vetoes that hold for this model, and why the others were lifted.

    A veto says "the same person does not give an entirely different given name". Training
    measures how often that happens among true matches (m of the comparison's last level).
    When it is more than the veto's `max_m` — sources that abbreviate, translate or garble
    given names freely — the veto would cost more true matches than it saves, so it is lifted.
    """
    comps = set(comparison_names(model))
    active, lifted = [], []
    for veto in vetoes:
        name = veto["when_different"]
        if name not in comps:
            lifted.append(f"{name}: not compared in this run")
            continue
        m = else_m(model, name)
        if m is None or m > veto["max_m"]:
            lifted.append(
                f"{name}: {m:.1%} of true matches disagree completely (veto needs at most {veto['max_m']:.0%})"
            )
            continue
        active.append(veto)
    return active, lifted


def veto_condition(model: dict, vetoes: list[dict]) -> str:
    """SQL that is true for pairs an active veto keeps apart; 'false' when none applies."""
    comps = set(comparison_names(model))
    parts = []
    for veto in active_vetoes(model, vetoes)[0]:
        cond = f"gamma_{veto['when_different']} = 0"
        rescues = [f"gamma_{c} = {top_level(model, c)}" for c in veto["unless_same"] if c in comps]
        parts.append(f"({cond} AND NOT ({' OR '.join(rescues)}))" if rescues else f"({cond})")
    return " OR ".join(parts) or "false"


def new_linker(records: Any, settings: Any) -> Linker:
    """A Splink linker on the registered records, without Splink's chatty INFO logging."""
    return Linker(records, settings, log_level=QUIET)


def score_pairs(linker: Linker, model: dict, review_threshold: float, vetoes: list[dict]) -> tuple[pd.DataFrame, Any]:
    """Every blocked pair scoring at least `review_threshold`: ids, score, levels, match weights.

    Returns the pairs as pandas and Splink's predictions table (for the dashboards).

    `vetoed` marks pairs a veto keeps apart (see `veto_condition`).
    """
    predictions = linker.inference.predict(threshold_match_probability=review_threshold, warning_mode="never")
    comps = comparison_names(model)
    available = linker.misc.query_sql(
        f"select * from {predictions.physical_name} limit 0", output_type="pandas"
    ).columns
    # gamma_<c>: the level; mw_<c>: its match weight; mw_tf_adj_<c>: the term-frequency adjustment
    wanted = [f"{p}{c}" for c in comps for p in ("gamma_", "mw_", "mw_tf_adj_")]
    cols = ", ".join(c for c in wanted if c in available)
    veto = veto_condition(model, vetoes)
    pairs = linker.misc.query_sql(
        f"""select unique_id_l, unique_id_r, match_weight, match_probability, {cols}, ({veto}) as vetoed
            from {predictions.physical_name}""",
        output_type="pandas",
    )
    pairs["vetoed"] = pairs["vetoed"].astype(bool)
    for c in pairs.columns:
        if c.startswith("gamma_"):
            pairs[c] = pairs[c].astype("int8")
        elif c.startswith("mw_") or c in ("match_weight", "match_probability"):
            pairs[c] = pairs[c].astype("float64")
    return pairs.sort_values(["unique_id_l", "unique_id_r"], ignore_index=True), predictions


def linked_pairs(pairs: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """The pairs that make clusters: at or above the threshold and not vetoed."""
    return pairs.loc[(pairs["match_probability"] >= threshold) & ~pairs["vetoed"]]


def _edge_ends(index: pd.Index, edges: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Positions in `index` of each pair's two records (-1 for a record not in it)."""
    return index.get_indexer(edges["unique_id_l"].astype(str)), index.get_indexer(edges["unique_id_r"].astype(str))


def cluster_records(record_ids: pd.Series, pairs: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """Connected components over the linked pairs: one row per record (`unique_id`, `cluster_id`).

    The cluster id is the smallest record key in the cluster, so it depends neither on the
    backend nor on row order. The scored pairs are already in memory whatever engine scored
    them, so the components are found there: records as integer codes in key order and one
    sparse-graph pass (a million records: about a second; Splink's SQL clustering took 26 s).
    """
    ids = np.sort(pd.unique(record_ids.astype(str).to_numpy(dtype=object)))
    index = pd.Index(ids)
    edges = linked_pairs(pairs, threshold)
    left, right = _edge_ends(index, edges)
    if (left < 0).any() or (right < 0).any():
        raise RuntimeError("scored pairs name records that are not among the clean records")
    graph = coo_matrix((np.ones(len(left), dtype=np.int8), (left, right)), shape=(len(ids), len(ids)))
    _, labels = connected_components(graph, directed=False)
    # Codes follow key order, so a component's first code is its smallest key.
    _, first = np.unique(labels, return_index=True)
    return pd.DataFrame({"unique_id": ids, "cluster_id": ids[first[labels]]})


def record_links(clean: pd.DataFrame, clusters: pd.DataFrame, pairs: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """One row per clean record: lineage, its cluster, cluster size and the probability to it.

    The probability to the cluster is the best score linking the record to another record of
    its cluster (NaN when alone): a record that joined through one weak link shows a low value,
    the first place to look. Records are matched by position (integer codes), not by string joins.
    """
    index = pd.Index(clusters["unique_id"])
    pos = index.get_indexer(clean["record_key"].astype(str))
    if (pos < 0).any() or not index.is_unique:
        missing = clean.loc[pos < 0, "record_key"].head(3).tolist()
        raise RuntimeError(f"clustering lost records (e.g. {missing}); every clean record must get a cluster")
    cluster_id = clusters["cluster_id"].to_numpy(dtype=object)
    cluster_code, _ = pd.factorize(cluster_id)
    size = np.bincount(cluster_code)[cluster_code]
    edges = linked_pairs(pairs, threshold)
    ends = np.concatenate(_edge_ends(index, edges))
    prob = np.tile(edges["match_probability"].to_numpy(dtype="float64"), 2)
    best = np.full(len(index), np.nan)
    if len(ends):
        order = np.lexsort((-prob, ends))  # per record, the highest score first
        first = np.unique(ends[order], return_index=True)[1]
        best[ends[order][first]] = prob[order][first]
    return pd.DataFrame(
        {
            "record_key": clean["record_key"].to_numpy(),
            "source": clean["source"].to_numpy(),
            "source_record_id": clean["source_record_id"].to_numpy(),
            "cluster_id": cluster_id[pos],
            "cluster_size": size[pos].astype("int64"),
            "match_probability_to_cluster": best[pos],
        }
    )


def review_worklist(
    pairs: pd.DataFrame,
    threshold: float,
    records: pd.DataFrame,
    settled: np.ndarray | None = None,
    spot_checks: int = 0,
    seed: int = 42,
) -> pd.DataFrame:
    """Pairs a person should look at: in the review band, or above the threshold but vetoed.

    Pairs people already settled (`settled`, from `helpers.decisions.resolve.decided_mask`)
    never return. `spot_checks` adds a seeded sample of that many linked pairs (reason
    "spot check"): their answers are the labels that let stage 03 estimate precision of the
    links without a truth file. Both records' matching values are put side by side (this
    table holds personal data: it stays in the run folder, never in a shared report).
    """
    open_pairs = np.ones(len(pairs), dtype=bool) if settled is None else ~np.asarray(settled, dtype=bool)
    in_band = ((pairs["match_probability"] < threshold) | pairs["vetoed"]).to_numpy() & open_pairs
    band = pairs.loc[in_band].copy()
    band["reason"] = np.where(band["vetoed"], "vetoed: given names differ", "score in the review band")
    if spot_checks:
        linked = pairs.loc[~in_band & open_pairs]
        sample = linked.sample(min(spot_checks, len(linked)), random_state=seed) if len(linked) else linked
        band = pd.concat([band, sample.assign(reason="spot check of a linked pair")])
    values = records.set_index("unique_id")
    keep = [c for c in values.columns if c != "source"]
    left = values.loc[band["unique_id_l"], keep].add_suffix("_l").reset_index(drop=True)
    right = values.loc[band["unique_id_r"], keep].add_suffix("_r").reset_index(drop=True)
    head = band[["unique_id_l", "unique_id_r", "match_probability", "match_weight", "reason"]].reset_index(drop=True)
    side_by_side = pd.concat([head, left, right], axis=1)
    ordered = ["unique_id_l", "unique_id_r", "match_probability", "match_weight", "reason"]
    for c in keep:
        ordered += [f"{c}_l", f"{c}_r"]
    spot = side_by_side["reason"].eq("spot check of a linked pair").rename("spot")  # the doubtful pairs first
    order = (
        pd.concat([spot, side_by_side[["match_probability", "unique_id_l", "unique_id_r"]]], axis=1)
        .sort_values(["spot", "match_probability", "unique_id_l", "unique_id_r"], ascending=[True, False, True, True])
        .index
    )
    return side_by_side.loc[order, ordered].reset_index(drop=True)


def save_dashboards(
    linker: Linker,
    predictions: Any,
    table: pd.DataFrame,
    clusters: pd.DataFrame,
    folder: Path,
    db_api: Any,
    seed: int,
    clusters_shown: int = 20,
) -> list[Path]:
    """Splink's comparison viewer and cluster studio as self-contained HTML (analysts only).

    The cluster studio shows the largest clusters and a seeded sample of the others, so two
    runs on the same data show the same clusters.
    """
    folder.mkdir(parents=True, exist_ok=True)
    viewer = folder / "comparison_viewer.html"
    linker.visualisations.comparison_viewer_dashboard(predictions, str(viewer), overwrite=True, num_example_rows=2)
    sizes = clusters.groupby("cluster_id").size()
    multi = sizes[sizes > 1].sort_index()
    largest = multi.sort_values(ascending=False, kind="stable").index[: clusters_shown // 2].tolist()
    rest = multi.index.difference(largest)
    sample = (
        pd.Series(rest).sample(min(len(rest), clusters_shown - len(largest)), random_state=seed).tolist()
        if len(rest)
        else []
    )
    studio = folder / "cluster_studio.html"
    if largest or sample:
        clustered = db_api.register(table.merge(clusters, on="unique_id"), dataset_display_name="clustered_records")
        linker.visualisations.cluster_studio_dashboard(
            predictions, clustered, str(studio), cluster_ids=largest + sample, overwrite=True
        )
    from helpers.run_context import mark_analyst_only  # the banner on hand runs too, not only under the runner

    return [mark_analyst_only(p) for p in (viewer, studio) if p.exists()]
