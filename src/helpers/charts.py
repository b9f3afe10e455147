"""Charts shared by stage reports. Each returns a matplotlib Figure; notebooks display it."""

from __future__ import annotations

import matplotlib.pyplot as plt
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
