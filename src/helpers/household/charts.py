"""Charts and small tables of stage 05; counts only (the report is shareable)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from helpers.charts import readable

from .traits import composition_counts


def composition_bars(households: pd.DataFrame) -> plt.Figure:
    """Households by size, split by whether children live there."""
    return composition_chart(composition_counts(households))


def composition_chart(grid: pd.DataFrame) -> plt.Figure:
    """The same from the counts of `composition_counts` (what the shareable report keeps)."""
    fig, ax = plt.subplots(figsize=(8, 3.4))
    bottom = np.zeros(len(grid))
    for column, colour in (("no children", "#8c959f"), ("with children", "#1a7f37")):
        if column in grid.columns:
            ax.bar(grid.index, grid[column], bottom=bottom, color=colour, label=column)
            bottom += grid[column].to_numpy()
    ax.set_xlabel("members")
    ax.set_ylabel("households")
    ax.yaxis.set_major_formatter(lambda v, _: f"{v:,.0f}")
    ax.legend(frameon=False)
    ax.set_title("Households by size")
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return fig


def move_outcomes(log: pd.DataFrame) -> plt.Figure:
    """What happened to each change-of-address request."""
    counts = log["status"].value_counts().sort_values()
    fig, ax = plt.subplots(figsize=(8, 0.35 * len(counts) + 1.2))
    ax.barh([readable(s) for s in counts.index], counts.to_numpy(), color="#0969da")
    for y, v in enumerate(counts.to_numpy()):
        ax.text(v, y, f" {v:,}", va="center", fontsize=8)
    ax.set_title("Change-of-address requests by outcome")
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return fig
