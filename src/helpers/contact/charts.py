"""Charts of stage 06: counts and shares only, no personal data (the report is shareable)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from helpers.charts import readable
from helpers.contact.decide import CONTACTABLE_REASONS, DATA_REASONS, LEGAL_REASONS, OPT_OUT_REASONS

# One colour family per rung of the ladder: legal (reds), data (greys), consent (oranges), contactable (greens).
COLOURS: dict[str, str] = {
    **dict(zip(LEGAL_REASONS, ["#67000d", "#a50f15", "#cb181d", "#ef3b2c"])),
    **dict(zip(DATA_REASONS, ["#525252", "#737373", "#969696", "#aaaaaa", "#bdbdbd", "#d9d9d9"])),
    **dict(zip(OPT_OUT_REASONS, ["#d94801", "#f16913", "#fd8d3c", "#fdae6b"])),
    **dict(zip(CONTACTABLE_REASONS, ["#1a7f37", "#74c476"])),
}


def contactable_bars(shares: pd.Series) -> plt.Figure:
    """Bars: the share of customers contactable on each channel."""
    fig, ax = plt.subplots(figsize=(7, 3.2))
    bars = ax.bar([readable(c) for c in shares.index], shares.to_numpy(), color="#1a7f37")
    for bar, value in zip(bars, shares.to_numpy()):
        ax.annotate(
            f"{value:.1%}",
            (bar.get_x() + bar.get_width() / 2, value),
            ha="center",
            va="bottom",
            fontsize=9,
            xytext=(0, 2),
            textcoords="offset points",
        )
    ax.yaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    ax.set_ylim(0, 1.05)
    ax.set_title("Customers we may contact, per channel")
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return fig


def reason_bars(counts: pd.DataFrame) -> plt.Figure:
    """Stacked horizontal bars: per channel, how many customers each reason decided.

    `counts`: reasons (rows, ladder order) × channels (columns), as `decide.reason_counts`.
    The legend names each reason in words (`helpers.charts.LABELS`), not by its code.
    """
    channels = list(counts.columns)[::-1]
    fig, ax = plt.subplots(figsize=(10, 0.55 * len(channels) + 2.2))
    left = np.zeros(len(channels))
    for reason, row in counts.iterrows():  # one bar segment per reason (a dozen), not per customer
        values = row.reindex(channels).to_numpy(dtype=float)
        ax.barh(
            channels,
            values,
            left=left,
            color=COLOURS.get(str(reason), "#444444"),
            label=readable(reason),
            edgecolor="white",
            linewidth=0.5,
        )
        left += values
    ax.xaxis.set_major_formatter(lambda v, _: f"{v:,.0f}")
    ax.set_xlabel("customers")
    ax.set_title("Why each customer is or is not contactable (legal · data · consent · contactable)")
    ax.legend(fontsize=8, ncol=4, loc="upper center", bbox_to_anchor=(0.5, -0.28), frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return fig
