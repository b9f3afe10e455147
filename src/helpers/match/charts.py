"""Charts of stage 03, drawn with matplotlib so the HTML report needs no JavaScript or CDN.

None of them shows a person's values: levels are named by what agreed ("Same postcode"), pairs
by their scores. Splink's own interactive dashboards, which do show records, are saved apart
for analysts.
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

POSITIVE, NEGATIVE, NEUTRAL = "#1a7f37", "#cf222e", "#8c959f"


def _level_labels(params: pd.DataFrame) -> list[str]:
    return [f"{c}: {lv}" for c, lv in zip(params["comparison"], params["level"])]


def match_weights(params: pd.DataFrame, prior_weight: float) -> plt.Figure:
    """How much each level moves the odds (bits: +1 doubles them), per comparison."""
    data = params.iloc[::-1]
    fig, ax = plt.subplots(figsize=(9, 0.26 * len(data) + 1.6))
    w = data["match_weight"].fillna(0).to_numpy()
    colours = [POSITIVE if v > 0 else NEGATIVE for v in w]
    ax.barh(range(len(data)), w, color=colours)
    ax.set_yticks(range(len(data)), _level_labels(data), fontsize=7.5)
    ax.axvline(0, color="#1f2328", lw=0.8)
    bounds = np.cumsum(data.groupby("comparison", sort=False).size().to_numpy())[:-1]
    for b in bounds:
        ax.axhline(b - 0.5, color="#d0d7de", lw=0.8)
    ax.set_xlabel(f"match weight (bits); the prior before any comparison is {prior_weight:.1f}")
    ax.set_title("What each level of agreement is worth")
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return fig


def m_u_values(params: pd.DataFrame) -> plt.Figure:
    """m (share of true matches in the level) beside u (share of non-matches): the model's raw material."""
    data = params.iloc[::-1]
    fig, (ax_m, ax_u) = plt.subplots(1, 2, sharey=True, figsize=(10, 0.26 * len(data) + 1.6))
    y = range(len(data))
    ax_m.barh(y, data["m"].fillna(0), color="#0969da")
    ax_u.barh(y, data["u"].fillna(0), color="#9a6700")
    ax_m.set_yticks(list(y), _level_labels(data), fontsize=7.5)
    ax_m.set_title("m: share of true matches")
    ax_u.set_title("u: share of non-matches (log scale)")
    ax_u.set_xscale("log")
    for ax in (ax_m, ax_u):
        ax.spines[["top", "right"]].set_visible(False)
    ax_m.set_xlim(0, 1)
    fig.tight_layout()
    return fig


def waterfall(pair: pd.Series, params: pd.DataFrame, prior_weight: float, title: str) -> plt.Figure:
    """One pair's score built up comparison by comparison (levels named, values not shown)."""
    comps = list(params["comparison"].drop_duplicates())
    steps = [("prior", prior_weight)]
    for c in comps:
        gamma = int(pair.get(f"gamma_{c}", -1))
        if gamma < 0:
            steps.append((f"{c}: missing", 0.0))
            continue
        levels = params[params["comparison"] == c].reset_index(drop=True)
        label = levels.loc[len(levels) - 1 - gamma, "level"] if gamma < len(levels) else "?"
        weight = float(pair.get(f"mw_{c}", 0.0)) + float(pair.get(f"mw_tf_adj_{c}", 0.0) or 0.0)
        steps.append((f"{c}: {label}", weight))
    labels, weights = zip(*steps)
    ends = np.cumsum(weights)
    starts = ends - np.array(weights)
    fig, ax = plt.subplots(figsize=(9, 0.32 * len(steps) + 1.6))
    y = np.arange(len(steps))[::-1]
    colours = [NEUTRAL if i == 0 or w == 0 else POSITIVE if w > 0 else NEGATIVE for i, w in enumerate(weights)]
    ax.barh(y, weights, left=starts, color=colours)
    low, high = float(min(starts.min(), ends.min(), 0)), float(max(starts.max(), ends.max(), 0))
    ax.set_xlim(low - 1, high + 1)
    ax.set_yticks(y, labels, fontsize=8)
    ax.axvline(0, color="#1f2328", lw=0.8)
    total = float(ends[-1])
    prob = 1 / (1 + 2 ** (-total))
    ax.set_title(f"{title}\nfinal weight {total:.1f} bits → match probability {prob:.4f}", fontsize=10)
    ax.set_xlabel("cumulative match weight (bits)")
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return fig


def score_histogram(pairs: pd.DataFrame, threshold: float, review_threshold: float) -> plt.Figure:
    """Scored pairs by match weight, with the link threshold and the review band marked."""
    fig, ax = plt.subplots(figsize=(9, 3.4))
    bins = np.linspace(
        pairs["match_weight"].min() if len(pairs) else -10, pairs["match_weight"].max() if len(pairs) else 40, 60
    )
    ax.hist(pairs.loc[~pairs["vetoed"], "match_weight"], bins=bins.tolist(), color="#0969da", label="scored pairs")
    ax.hist(
        pairs.loc[pairs["vetoed"], "match_weight"],
        bins=bins.tolist(),
        color=NEGATIVE,
        label="vetoed (given names differ)",
    )
    to_w = lambda p: math.log2(p / (1 - p))  # noqa: E731
    ax.axvspan(to_w(review_threshold), to_w(threshold), color="#fff8c5", label="review band", zorder=0)
    ax.axvline(to_w(threshold), color="#1f2328", lw=1, label=f"link threshold (p = {threshold:g})")
    ax.set_yscale("log")
    ax.set_xlabel("match weight (bits)")
    ax.set_ylabel("pairs (log scale)")
    ax.legend(fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_title("Scores of the compared pairs")
    fig.tight_layout()
    return fig


def cluster_sizes(links: pd.DataFrame) -> plt.Figure:
    """How many persons have 1, 2, 3 … records: long tails deserve a look."""
    persons = links.drop_duplicates("cluster_id")["cluster_size"].value_counts().sort_index()
    fig, ax = plt.subplots(figsize=(8, 3.2))
    ax.bar(persons.index.astype(str), persons.to_numpy(), color="#0969da")
    for x, v in enumerate(persons.to_numpy()):
        ax.text(x, v, f"{v:,}", ha="center", va="bottom", fontsize=7)
    ax.set_xlabel("records per person")
    ax.set_ylabel("persons")
    ax.set_yscale("log")
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_title("Cluster sizes")
    fig.tight_layout()
    return fig


def threshold_curve(
    curve: pd.DataFrame, threshold: float, title: str = "Accuracy against the truth, by threshold"
) -> plt.Figure:
    """Precision, recall and F1 against the link threshold (from the truth file, or estimated from reviews)."""
    fig, ax = plt.subplots(figsize=(8, 3.4))
    x = np.arange(len(curve))
    for col, colour in (("precision", "#0969da"), ("recall", "#9a6700"), ("f1", "#1a7f37")):
        ax.plot(x, curve[col], marker="o", color=colour, label=col)
    ax.set_xticks(x, [f"{t:g}" for t in curve["threshold"]])
    if threshold in set(curve["threshold"]):
        ax.axvline(list(curve["threshold"]).index(threshold), color="#1f2328", lw=0.8, ls="--", label="this run")
    low = float(curve[["precision", "recall", "f1"]].min().min())
    ax.set_ylim(max(0, low - 0.02), 1.002)
    ax.set_xlabel("link threshold (match probability)")
    ax.legend(fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_title(title)
    fig.tight_layout()
    return fig
