"""Decisions applied to the scored pairs before clustering: must-links and cannot-links.

- `same` (must-link) joins the two records whatever the model scored, vetoes included: the
  decision becomes a link of its own (probability 1, `origin` = decision).
- `different` (cannot-link) keeps them apart. Removing their own link is not enough when other
  links still join them (A–C and C–B, both strong): the cluster is then **cut at its weakest
  links** — a minimum s–t cut between the two records, each link weighing its match weight (the
  model's log2 odds: additive evidence, unlike a probability that saturates near 1) and a
  must-link weighing more than all of them together. The cut removes the set of links with
  the least total evidence that separates the two; each cut link is listed.

Clusters are small (a person has a handful of records), so each cluster holding a cannot-link
is cut on its own with SciPy's maximum flow (integer capacities: weights in hundredths of a bit).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import breadth_first_order, connected_components, maximum_flow

from helpers.decisions.resolve import Resolved

SCALE = 100  # capacities in hundredths of a bit
INT32 = 2**31 - 1
EDGE_COLUMNS = ["unique_id_l", "unique_id_r", "match_probability", "match_weight", "vetoed", "origin"]
REPORT_COLUMNS = ["decision", "record_a", "record_b", "by", "at", "note", "outcome", "links_cut", "evidence_cut"]


@dataclass
class Constrained:
    edges: pd.DataFrame  # the links clusters are made of: model links left after cuts, plus must-links
    cut: (
        pd.DataFrame
    )  # model links removed by cannot-links: unique_id_l, unique_id_r, match_probability, match_weight, for_pair
    report: pd.DataFrame  # one row per decision in force: what it did (REPORT_COLUMNS)
    effect: dict[str, int]  # persons before and after decisions, joined and cut


def _weights(edges: pd.DataFrame) -> np.ndarray:
    """Match weight of each link (from the probability when the table has no weight)."""
    if "match_weight" in edges:
        weight = edges["match_weight"].to_numpy(dtype="float64")
    else:
        p = edges["match_probability"].to_numpy(dtype="float64").clip(1e-12, 1 - 1e-12)
        weight = np.log2(p / (1 - p))
    return np.nan_to_num(weight, nan=0.0, posinf=60.0)


def _labels(n: int, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    graph = coo_matrix((np.ones(len(left), dtype=np.int8), (left, right)), shape=(n, n))
    return connected_components(graph, directed=False)[1]


def _min_cut(nodes: int, left: np.ndarray, right: np.ndarray, capacity: np.ndarray, s: int, t: int) -> np.ndarray:
    """Which of the (undirected) edges a minimum s–t cut removes, as a boolean mask."""
    rows = np.concatenate([left, right])
    cols = np.concatenate([right, left])
    caps = np.concatenate([capacity, capacity]).astype(np.int32)
    graph = csr_matrix((caps, (rows, cols)), shape=(nodes, nodes))  # parallel links add up
    graph.sum_duplicates()
    flow = maximum_flow(graph, s, t).flow
    residual = (graph - csr_matrix(flow)).tocsr()
    residual.data = (residual.data > 0).astype(np.int8)
    residual.eliminate_zeros()
    reach = np.zeros(nodes, dtype=bool)
    reach[breadth_first_order(residual, s, directed=True, return_predecessors=False)] = True
    return reach[left] != reach[right]


def constrain(record_ids: pd.Series, pairs: pd.DataFrame, threshold: float, resolved: Resolved) -> Constrained:
    """The links to cluster on once people's decisions are applied (see the module's docstring)."""
    ids = pd.Index(np.sort(pd.unique(record_ids.astype(str).to_numpy(dtype=object))))
    linked = pairs.loc[(pairs["match_probability"] >= threshold) & ~pairs["vetoed"].astype(bool)]
    model = pd.DataFrame(
        {
            "unique_id_l": linked["unique_id_l"].astype(str).to_numpy(dtype=object),
            "unique_id_r": linked["unique_id_r"].astype(str).to_numpy(dtype=object),
            "match_probability": linked["match_probability"].to_numpy(dtype="float64"),
            "match_weight": _weights(linked),
            "vetoed": False,
            "origin": "model",
        }
    )
    report_rows: list[dict] = []

    def present(frame: pd.DataFrame) -> np.ndarray:
        return (ids.get_indexer(frame["record_a"].astype(str)) >= 0) & (
            ids.get_indexer(frame["record_b"].astype(str)) >= 0
        )

    must, cannot = resolved.must, resolved.cannot
    must_here = must[present(must)] if len(must) else must
    cannot_here = cannot[present(cannot)] if len(cannot) else cannot
    for frame in (must, cannot):
        if len(frame):
            gone = frame[~present(frame)]
            report_rows += [_row(d, "not applied: a record is no longer in the data") for d in gone.to_dict("records")]

    forced = pd.DataFrame(
        {
            "unique_id_l": must_here["record_a"].astype(str).to_numpy(dtype=object) if len(must_here) else [],
            "unique_id_r": must_here["record_b"].astype(str).to_numpy(dtype=object) if len(must_here) else [],
            "match_probability": 1.0,
            "match_weight": np.inf,
            "vetoed": False,
            "origin": "decision",
        }
    )
    edges = pd.concat([model, forced], ignore_index=True) if len(forced) else model
    left = ids.get_indexer(edges["unique_id_l"])
    right = ids.get_indexer(edges["unique_id_r"])
    n = len(ids)
    before = _labels(n, left[: len(model)], right[: len(model)])
    joined = _labels(n, left, right)
    for d in must_here.to_dict("records"):
        together = before[ids.get_loc(d["record_a"])] == before[ids.get_loc(d["record_b"])]
        report_rows.append(_row(d, "already one person" if together else "joined by the decision"))

    keep = np.ones(len(edges), dtype=bool)
    cut_for = np.full(len(edges), None, dtype=object)
    if len(cannot_here):
        weight = edges["match_weight"].to_numpy(dtype="float64")
        finite = np.isfinite(weight)
        cap = np.maximum(np.round(np.where(finite, weight, 0) * SCALE), 1).astype(np.int64)
        a_pos = ids.get_indexer(cannot_here["record_a"].astype(str))
        b_pos = ids.get_indexer(cannot_here["record_b"].astype(str))
        comp_of_edge = joined[left]
        order = np.argsort(comp_of_edge, kind="stable")
        bounds = np.searchsorted(comp_of_edge[order], np.arange(joined.max() + 2))
        for d, a, b in zip(cannot_here.to_dict("records"), a_pos, b_pos):
            if joined[a] != joined[b]:
                report_rows.append(_row(d, "kept apart (the model had them apart)"))
                continue
            comp = joined[a]
            members = order[bounds[comp] : bounds[comp + 1]]
            members = members[keep[members]]
            nodes, local = np.unique(np.concatenate([left[members], right[members], [a, b]]), return_inverse=True)
            ll, rr = local[: len(members)], local[len(members) : 2 * len(members)]
            s, t = local[-2], local[-1]
            parts = _labels(len(nodes), ll, rr)
            if parts[s] != parts[t]:
                report_rows.append(_row(d, "kept apart (an earlier cut separated them)"))
                continue
            fin = finite[members]
            c = cap[members]
            total = int(c[fin].sum())
            if total >= INT32 // 4:  # a huge cluster: coarser units, so a must-link still outweighs all
                c = np.maximum(c // (total // (INT32 // 8) + 1), 1)
                total = int(c[fin].sum())
            c = np.where(fin, c, total + 1)
            cut = members[_min_cut(len(nodes), ll, rr, c, s, t)]
            keep[cut] = False
            cut_for[cut] = f"{d['record_a']} / {d['record_b']}"
            report_rows.append(_row(d, "cluster cut at its weakest links", len(cut), float(weight[cut].sum())))

    after = _labels(n, left[keep], right[keep])
    cut_edges = edges.loc[~keep, ["unique_id_l", "unique_id_r", "match_probability", "match_weight"]].assign(
        for_pair=cut_for[~keep]
    )
    effect = _effect(before, after)
    effect.update({"links_added": int(len(forced)), "links_cut": int((~keep).sum())})
    report = pd.DataFrame(report_rows, columns=REPORT_COLUMNS)
    return Constrained(edges.loc[keep].reset_index(drop=True), cut_edges.reset_index(drop=True), report, effect)


def _row(d: dict, outcome: str, links_cut: int = 0, evidence_cut: float = 0.0) -> dict:
    return {
        "decision": d.get("decision"),
        "record_a": d.get("record_a"),
        "record_b": d.get("record_b"),
        "by": d.get("by"),
        "at": d.get("at"),
        "note": d.get("note"),
        "outcome": outcome,
        "links_cut": links_cut,
        "evidence_cut": round(evidence_cut, 2),
    }


def _effect(before: np.ndarray, after: np.ndarray) -> dict[str, int]:
    """Persons the model alone would make and persons after decisions: how many were joined or cut."""
    frame = pd.DataFrame({"before": before, "after": after})
    joined = int((frame.groupby("after")["before"].nunique() > 1).sum())
    cut = int((frame.groupby("before")["after"].nunique() > 1).sum())
    return {
        "persons_without_decisions": int(len(np.unique(before))),
        "persons": int(len(np.unique(after))),
        "persons_joined_by_decisions": joined,
        "persons_cut_by_decisions": cut,
    }
