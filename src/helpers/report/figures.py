"""The report's charts, drawn from `ReportFacts` only (aggregates), and embedded as PNG.

Charts the stage reports already draw are reused so that a number looks the same everywhere;
the few that only make sense in the overview (cleaning before/after, records per customer,
source overlap) live here.
"""

from __future__ import annotations

import base64
import io

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from helpers.charts import freshness_timeline
from helpers.contact.charts import contactable_bars, reason_bars
from helpers.golden.charts import completeness_bars
from helpers.household.charts import composition_chart
from helpers.report.facts import ReportFacts
from helpers.segment.charts import lifecycle_bars, profile_panels, rfm_grid, rfm_segment_bars

DPI = 110


def cleaning_bars(cleaning: pd.DataFrame) -> plt.Figure:
    """Per field: share of given values rewritten into standard form, and share still invalid."""
    data = cleaning.iloc[::-1]
    y = np.arange(len(data))
    fig, ax = plt.subplots(figsize=(9, 0.42 * len(data) + 1.6))
    ax.barh(
        y + 0.2,
        data["changed_share"].astype(float),
        height=0.4,
        color="#0969da",
        label="as received: not in standard form (rewritten)",
    )
    invalid = data["invalid_share"].astype(float).fillna(0)
    ax.barh(y - 0.2, invalid, height=0.4, color="#cf222e", label="after cleaning: still invalid (flagged, not used)")
    for yy, (changed, bad) in enumerate(zip(data["changed_share"].astype(float), invalid)):
        ax.text(changed, yy + 0.2, f" {changed:.1%}", va="center", fontsize=7.5)
        if bad > 0:
            ax.text(bad, yy - 0.2, f" {bad:.2%}", va="center", fontsize=7.5, color="#cf222e")
    # Values no rule could check (validity null) are not invalid; say how many beside the bar.
    unknown = (
        data["unknown_share"].astype(float).fillna(0) if "unknown_share" in data else pd.Series(0.0, index=data.index)
    )
    for yy, (bad, unsure) in enumerate(zip(invalid, unknown)):
        if unsure > 0:
            ax.text(
                max(bad, 0.0) + 0.12,
                yy - 0.2,
                f"{unsure:.1%} not checkable",
                va="center",
                fontsize=7.5,
                color="#57606a",
            )
    ax.set_yticks(y, [f.replace("_", " ") for f in data.index])
    ax.xaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    ax.set_xlim(0, 1.1)
    ax.legend(fontsize=8, loc="lower right", frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_title("Data quality before and after cleaning (share of the values given)")
    fig.tight_layout()
    return fig


def records_per_customer(counts: pd.Series) -> plt.Figure:
    """How many customers were found once, twice, … (6 = six or more)."""
    labels = [str(k) if k < 6 else "6+" for k in counts.index]
    fig, ax = plt.subplots(figsize=(7, 3.2))
    bars = ax.bar(labels, counts.to_numpy(), color=["#8c959f"] + ["#0969da"] * (len(counts) - 1))
    for bar, v in zip(bars, counts.to_numpy()):
        ax.annotate(
            f"{v:,}",
            (bar.get_x() + bar.get_width() / 2, v),
            ha="center",
            va="bottom",
            fontsize=8,
            xytext=(0, 2),
            textcoords="offset points",
        )
    ax.set_xlabel("source records per customer (grey: found once)")
    ax.set_ylabel("customers")
    ax.yaxis.set_major_formatter(lambda v, _: f"{v:,.0f}")
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_title("Duplicates merged: records per golden customer")
    fig.tight_layout()
    return fig


def overlap_heatmap(overlap: pd.DataFrame) -> plt.Figure:
    """Share of each source's customers (row) that another source (column) also knows."""
    totals = np.diag(overlap.to_numpy()).astype(float)
    share = overlap.to_numpy() / np.maximum(totals[:, None], 1)
    n = len(overlap)
    fig, ax = plt.subplots(figsize=(1.1 * n + 3, 0.7 * n + 1.6))
    image = ax.imshow(share, cmap="Blues", vmin=0, vmax=1)
    for (i, j), v in np.ndenumerate(share):
        text = f"{int(totals[i]):,}" if i == j else f"{v:.0%}"
        ax.text(j, i, text, ha="center", va="center", fontsize=8, color="white" if v > 0.6 else "#1f2328")
    ax.set_xticks(range(n), overlap.columns, rotation=30, ha="right", fontsize=8)
    ax.set_yticks(range(n), overlap.index, fontsize=8)
    fig.colorbar(image, ax=ax, fraction=0.04, pad=0.02, format=lambda v, _: f"{v:.0%}")
    ax.set_title(
        "Customers of a source (row) also known to another (column)\ndiagonal: customers in the source", fontsize=10
    )
    fig.tight_layout()
    return fig


def report_figures(facts: ReportFacts) -> dict[str, plt.Figure]:
    """Every chart of the report, by the name the template places it under."""
    sizes = facts.segment_sizes
    freshness = facts.sources.reset_index()
    return {
        "freshness": freshness_timeline(freshness, facts.reference),
        "cleaning": cleaning_bars(facts.cleaning),
        "completeness": completeness_bars(facts.completeness),
        "records_per_customer": records_per_customer(facts.records_per_person),
        "overlap": overlap_heatmap(facts.source_overlap),
        "households": composition_chart(facts.households),
        "contactable": contactable_bars(facts.contactable),
        "reasons": reason_bars(facts.reasons),
        "rfm_grid": rfm_grid(facts.rfm),
        "rfm_segments": rfm_segment_bars(sizes),
        "lifecycle": lifecycle_bars(sizes),
        "profile": profile_panels(sizes),
    }


def png_data_uri(fig: plt.Figure) -> str:
    """The figure as an inline PNG, so the report is one file that opens anywhere."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
