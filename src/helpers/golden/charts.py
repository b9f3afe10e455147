"""Charts and small tables of stage 04; aggregates only (the report is shareable)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from helpers.golden.survivorship import VALIDITY

# Golden field → the clean column whose presence means "this record gives it".
KEY_FIELDS = {
    "name": ("last_name", "last_name_std"),
    "date of birth": ("date_of_birth", "date_of_birth_std"),
    "email": ("email", "email_std"),
    "phone": ("phone", "phone_std"),
    "address": ("address_line1", "address_line1_std"),
    "national id": ("national_id", "national_id_std"),
}


def lineage_shares(lineage: pd.DataFrame) -> plt.Figure:
    """Stacked bars: per field group, the share of customers whose value each source supplied."""
    grid = lineage.pivot_table(index="group", columns="source", values="share", fill_value=0)
    order = lineage["group"].drop_duplicates()
    grid = grid.reindex([g for g in order if g in grid.index])[::-1]
    fig, ax = plt.subplots(figsize=(9, 0.38 * len(grid) + 1.6))
    left = np.zeros(len(grid))
    colours = plt.get_cmap("tab10")
    for i, source in enumerate(grid.columns):
        ax.barh(grid.index, grid[source], left=left, color=colours(i % 10), label=source)
        left += grid[source].to_numpy()
    ax.xaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    ax.set_xlim(0, 1)
    ax.legend(fontsize=8, ncol=min(5, len(grid.columns)), loc="upper center", bbox_to_anchor=(0.5, -0.12))
    ax.set_title("Which source supplied each chosen value")
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return fig


def completeness_gain(clean: pd.DataFrame, golden: pd.DataFrame) -> pd.DataFrame:
    """Fill rate of key fields: average single record (usable values) vs golden customers."""
    rows = {}
    for label, (gold_col, clean_col) in KEY_FIELDS.items():
        given = clean[clean_col].notna()
        if gold_col in VALIDITY:
            given &= clean[VALIDITY[gold_col]].fillna(False).astype(bool)
        rows[label] = {"single record": given.mean(), "golden": golden[gold_col].notna().mean()}
    return pd.DataFrame(rows).T


def completeness_bars(gain: pd.DataFrame) -> plt.Figure:
    fig, ax = plt.subplots(figsize=(8, 3.4))
    x = np.arange(len(gain))
    ax.bar(x - 0.2, gain["single record"], width=0.4, color="#8c959f", label="average single record")
    ax.bar(x + 0.2, gain["golden"], width=0.4, color="#1a7f37", label="golden customer")
    ax.set_xticks(x, gain.index)
    ax.yaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    ax.set_ylim(0, 1.05)
    ax.legend(fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_title("Fill rate of key fields: one record vs the golden customer")
    fig.tight_layout()
    return fig
