"""Charts shared by stage reports. Each returns a matplotlib Figure; notebooks display it."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

KIND_COLOURS = {
    "people": "#0969da",
    "transactions": "#1a7f37",
    "interactions": "#8250df",
    "suppressions": "#cf222e",
    "address_changes": "#9a6700",
}


def rows_per_source(summary: pd.DataFrame) -> plt.Figure:
    """Horizontal bars of rows read per source, coloured by kind, with quarantined counts noted."""
    data = summary.sort_values(["kind", "rows_read"])
    fig, ax = plt.subplots(figsize=(8, 0.4 * len(data) + 1.2))
    colours = [KIND_COLOURS.get(k, "#57606a") for k in data["kind"]]
    ax.barh(data["source"], data["rows_read"], color=colours)
    for y, (read, bad) in enumerate(zip(data["rows_read"], data["rows_quarantined"])):
        note = f" {read:,}" + (f"  ({bad:,} quarantined)" if bad else "")
        ax.text(read, y, note, va="center", fontsize=8)
    ax.set_xlabel("rows read")
    ax.set_xlim(0, max(data["rows_read"].max(), 1) * 1.35)
    handles = [plt.Rectangle((0, 0), 1, 1, color=c) for k, c in KIND_COLOURS.items() if k in set(data["kind"])]
    ax.legend(handles, [k for k in KIND_COLOURS if k in set(data["kind"])], loc="lower right", fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_title("Rows read per source")
    fig.tight_layout()
    return fig


def fill_rate_heatmap(profile: pd.DataFrame) -> plt.Figure:
    """Source × column fill rates: where each source is empty at a glance."""
    grid = profile.pivot(index="source", columns="column", values="fill_rate")
    grid = grid[[c for c in profile["column"].drop_duplicates() if c in grid.columns]]
    fig, ax = plt.subplots(figsize=(max(8, 0.42 * grid.shape[1] + 2), 0.5 * grid.shape[0] + 1.8))
    image = ax.imshow(grid.to_numpy(dtype=float), cmap="Blues", vmin=0, vmax=1, aspect="auto")
    ax.set_xticks(range(grid.shape[1]), grid.columns, rotation=60, ha="right", fontsize=8)
    ax.set_yticks(range(grid.shape[0]), grid.index, fontsize=9)
    for (i, j), v in np.ndenumerate(grid.to_numpy(dtype=float)):
        if not np.isnan(v) and v > 0:
            ax.text(j, i, f"{v:.0%}" if v < 0.995 else "✓", ha="center", va="center", fontsize=6.5,
                    color="white" if v > 0.6 else "#1f2328")
    fig.colorbar(image, ax=ax, fraction=0.025, pad=0.01, format=lambda v, _: f"{v:.0%}")
    ax.set_title("Fill rate per source and column (blank = the source does not have it)")
    fig.tight_layout()
    return fig


def freshness_timeline(fresh: pd.DataFrame, reference: pd.Timestamp) -> plt.Figure:
    """When each source was extracted, against how old it may be; stale sources in red."""
    data = fresh.sort_values("extracted_at")
    fig, ax = plt.subplots(figsize=(9, 0.4 * len(data) + 1.5))
    for y, row in enumerate(data.itertuples()):
        if pd.notna(row.allowed_age_days):  # a source without a declared cadence has no window
            allowed_from = reference - pd.Timedelta(days=float(row.allowed_age_days))
            ax.barh(y, float(row.allowed_age_days), left=allowed_from, color="#d0d7de", height=0.5)
        colour = "#cf222e" if row.stale else "#1a7f37"
        ax.plot(row.extracted_at, y, "o", color=colour, markersize=7)
        label = f"  {row.age_days:.1f} d old" + ("  STALE" if row.stale else "")
        ax.text(row.extracted_at, y, label, va="center", fontsize=8, color=colour,
                fontweight="bold" if row.stale else "normal")
    ax.axvline(reference, color="#57606a", linestyle="--", linewidth=1)
    ax.set_yticks(range(len(data)), data["source"], fontsize=9)
    ax.set_title("Freshness: extract time (dot) and allowed age for the cadence (grey)")
    ax.spines[["top", "right"]].set_visible(False)
    fig.autofmt_xdate()
    fig.tight_layout()
    return fig


def invalid_share_bars(invalid: pd.DataFrame) -> plt.Figure:
    """Share of filled values failing each validator, per source: where cleaning has work to do."""
    grid = invalid.pivot(index="field", columns="source", values="invalid_share").fillna(0)
    fig, ax = plt.subplots(figsize=(9, 0.55 * len(grid) * max(1, grid.shape[1] / 4) + 1.5))
    grid.plot.barh(ax=ax, width=0.8, colormap="tab10")
    ax.xaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    ax.set_xlabel("share of filled values that fail validation")
    ax.set_ylabel("")
    ax.legend(fontsize=8, loc="lower right")
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_title("Invalid values per field and source")
    fig.tight_layout()
    return fig
