"""Charts of stage 07: counts of customers only, no personal data (the report is shareable)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from helpers.charts import readable
from helpers.segment.lifecycle import STAGES

LIFECYCLE_COLOURS = {
    "prospect": "#8c959f",
    "new_customer": "#54aeff",
    "repeat": "#0969da",
    "loyal": "#1a7f37",
    "lapsed": "#bf8700",
    "inactive": "#cf222e",
}


def rfm_grid(segments: pd.DataFrame) -> plt.Figure:
    """Heat map of customers per recency score × combined frequency-monetary score, each cell
    labelled with its count and the named segment most of its customers are in."""
    scored = segments[segments["r_score"].notna()]
    r = scored["r_score"].astype("int64").to_numpy()
    fm = scored["fm_score"].astype("int64").to_numpy()
    grid = np.zeros((5, 5), dtype="int64")
    np.add.at(grid, (5 - r, fm - 1), 1)  # rows: R 5 at the top
    cells = (
        scored.assign(_r=r, _fm=fm)
        .groupby(["_r", "_fm", "rfm_segment"])
        .size()
        .rename("n")
        .reset_index()
        .sort_values(["_r", "_fm", "n"], ascending=[True, True, False], kind="stable")
    )
    names = cells.drop_duplicates(["_r", "_fm"]).set_index(["_r", "_fm"])["rfm_segment"]
    fig, ax = plt.subplots(figsize=(8, 6))
    image = ax.imshow(grid, cmap="Blues", aspect="auto")
    peak = max(int(grid.max()), 1)
    for (i, j), n in np.ndenumerate(grid):
        label = names.get((5 - i, j + 1), "")
        colour = "white" if n > 0.6 * peak else "#1f2328"
        ax.text(j, i, f"{n:,}\n{label}", ha="center", va="center", fontsize=7.5, color=colour)
    ax.set_xticks(range(5), [str(k) for k in range(1, 6)])
    ax.set_yticks(range(5), [str(k) for k in range(5, 0, -1)])
    ax.set_xlabel("frequency + monetary score (5 = buys most, spends most)")
    ax.set_ylabel("recency score (5 = bought most recently)")
    fig.colorbar(image, ax=ax, fraction=0.04, pad=0.02, label="customers")
    ax.set_title(f"RFM grid: {int(grid.sum()):,} customers who bought")
    fig.tight_layout()
    return fig


def segment_bars(sizes: pd.DataFrame, dimension: str, title: str, colours: dict[str, str] | None = None) -> plt.Figure:
    """Horizontal bars of customers per segment of one dimension of `segment_sizes`, each labelled
    with its count and its `share` (of whatever base the caller's `share` column holds; see
    `shares_within`). Segments are named in words, not codes."""
    data = sizes[sizes["dimension"] == dimension].iloc[::-1]
    fig, ax = plt.subplots(figsize=(8, 0.36 * len(data) + 1.3))
    colour = [(colours or {}).get(s, "#0969da") for s in data["segment"]]
    ax.barh([readable(s) for s in data["segment"]], data["persons"], color=colour)
    for y, (n, share) in enumerate(zip(data["persons"], data["share"])):
        ax.text(n, y, f" {n:,} ({share:.1%})", va="center", fontsize=8)
    ax.set_xlim(0, max(int(data["persons"].max()) if len(data) else 1, 1) * 1.3)
    ax.set_xlabel("customers")
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_title(title)
    fig.tight_layout()
    return fig


NOT_SCORED = "(not scored)"  # segment_sizes' name for customers without an RFM segment (never bought)


def rfm_segment_bars(
    sizes: pd.DataFrame, title: str = "Customers per RFM segment (customers who bought)"
) -> plt.Figure:
    """Customers per RFM segment, each share taken of the customers who bought.

    `segment_sizes` divides by every customer; prospects have no RFM segment, so a share of all
    customers understates every segment (a bar titled "customers who bought" must add up to 100 %
    of them)."""
    data = sizes[(sizes["dimension"] == "rfm_segment") & (sizes["segment"] != NOT_SCORED)].copy()
    data["share"] = data["persons"] / max(int(data["persons"].sum()), 1)
    return segment_bars(data, "rfm_segment", title)


def lifecycle_bars(sizes: pd.DataFrame) -> plt.Figure:
    """Customers per lifecycle stage, in lifecycle order."""
    # Only the counts are filled with 0 for a stage nobody is in: the text column `dimension` is
    # set after (pandas 3's `str` column refuses a 0).
    data = sizes[sizes["dimension"] == "lifecycle"].drop(columns="dimension").set_index("segment")
    data = data.reindex(STAGES, fill_value=0).reset_index()
    data["dimension"] = "lifecycle"
    return segment_bars(data, "lifecycle", "Lifecycle stage of every known customer", LIFECYCLE_COLOURS)


def profile_panels(
    sizes: pd.DataFrame,
    dimensions: tuple[str, ...] = ("gender", "age_band", "country", "device", "referral_group", "interest"),
) -> plt.Figure:
    """Small bar charts of the profile segments, one panel per dimension (largest 12 each)."""
    dims = [d for d in dimensions if (sizes["dimension"] == d).any()]
    cols = 3
    rows = max(1, -(-len(dims) // cols))
    fig, axes = plt.subplots(rows, cols, figsize=(12, 3.2 * rows), squeeze=False)
    for ax, dim in zip(axes.flat, dims):
        data = sizes[sizes["dimension"] == dim]
        data = (data.sort_values("segment") if dim == "age_band" else data.nlargest(12, "persons")).iloc[::-1]
        ax.barh([readable(s) for s in data["segment"]], data["persons"], color="#0969da")
        ax.set_title(dim.replace("_", " "), fontsize=10)
        ax.tick_params(labelsize=8)
        ax.spines[["top", "right"]].set_visible(False)
    for ax in list(axes.flat)[len(dims) :]:
        ax.axis("off")
    fig.suptitle("Profile segments (customers)")
    fig.tight_layout()
    return fig
