"""Charts shared by stage reports. Each returns a matplotlib Figure; notebooks display it."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

# Words a reader sees instead of the codes the tables hold. A code not listed is shown with its
# underscores as spaces (`address_changes` → "address changes"), never raw.
LABELS: dict[str, str] = {
    # contactability reasons (helpers.contact.decide), in ladder order
    "erasure": "erased on request",
    "deceased": "deceased",
    "do_not_call": "do-not-call register",
    "mail_preference": "mail preference service",
    "no_email": "no email address",
    "email_bounced": "email bounced",
    "no_phone": "no phone number",
    "no_mobile": "no mobile number",
    "no_address": "no postal address",
    "address_incomplete": "address incomplete",
    "unsubscribe": "unsubscribed",
    "complaint": "complained",
    "opted_out": "opted out",
    "no_consent": "no consent given",
    "opted_in": "opted in",
    "no_objection": "no objection recorded",
    # lifecycle stages (helpers.segment.lifecycle)
    "new_customer": "new customer",
    # source kinds
    "address_changes": "address changes",
}


def readable(code: object) -> str:
    """The reader's word for a code: the label above, else the code with spaces for underscores."""
    text = str(code)
    return LABELS.get(text, text.replace("_", " "))


def readable_bins(values: pd.Series, edges: list[float], unit: str = "") -> pd.Series:
    """`pd.cut` with labels a reader understands: "0.6–0.7" instead of `(0.6, 0.7]`, and the first
    bin starting at its edge instead of `(-0.001, 0.6]` (what `include_lowest` prints).

    Bins are closed on the right, as pd.cut's, and the first also on the left; the result is an
    ordered categorical, so a groupby keeps the order of the edges."""
    labels = [f"{lo:g}–{hi:g}{unit}" for lo, hi in zip(edges[:-1], edges[1:])]
    return pd.cut(values, edges, labels=labels, include_lowest=True, ordered=True)


SUMMARY_COLUMNS = {"count": "count", "mean": "mean", "std": "spread (sd)", "min": "min", "max": "max"}


def readable_summary(
    frame: pd.DataFrame, percentiles: tuple[float, ...] = (0.25, 0.5, 0.75), decimals: int = 2
) -> pd.DataFrame:
    """`describe()` as a reader wants it: one row per column, counts as whole numbers with
    thousands separators, percentiles named ("median", "90th percentile"), other figures rounded,
    and a whole-number column (orders, days) shown without decimals where its value is whole.

    Returns text (the table is for display; compute with `describe()` itself)."""
    numeric = frame.select_dtypes(include="number").astype(float)
    stats = numeric.describe(percentiles=list(percentiles)).T
    names = {f"{p * 100:g}%": ("median" if p == 0.5 else f"{p * 100:g}th percentile") for p in percentiles}
    stats = stats.rename(columns={**SUMMARY_COLUMNS, **names})
    whole = {c: bool(((numeric[c].dropna() % 1) == 0).all()) for c in numeric.columns}
    out = pd.DataFrame(index=stats.index, columns=stats.columns, dtype=object)
    for column in stats.columns:  # a handful of statistics, each vectorised over the variables
        values = stats[column]
        as_int = values.notna() & (
            (column == "count") | (pd.Series(whole) & (values % 1 == 0) & (column not in ("mean", "spread (sd)")))
        )
        out[column] = np.where(
            values.isna(),
            "—",
            np.where(
                as_int,
                values.map(lambda v: f"{v:,.0f}" if pd.notna(v) else ""),
                values.map(lambda v: f"{v:,.{decimals}f}" if pd.notna(v) else ""),
            ),
        )
    out.index.name = None
    return out


def whole_number_columns(frame: pd.DataFrame) -> list[str]:
    """Float columns that hold counts: every value whole and some above 1 (a 0–1 share such as a
    precision of 1.0 stays a share). Counts become floats when a column has a gap (NaN) or when a
    mixed table is transposed; a reader then sees "415.0"."""
    out = []
    for column in frame.columns:  # a loop over columns; each test is vectorised
        values = frame[column]
        if pd.api.types.is_float_dtype(values) and values.notna().any():
            filled = values.dropna()
            if bool((filled % 1 == 0).all()) and bool((filled.abs() > 1).any()):
                out.append(column)
    return out


def readable_table(
    frame: pd.DataFrame, shares: list[str] | tuple[str, ...] = (), counts: list[str] | None = None, decimals: int = 2
):
    """A table for a stage page: counts as whole numbers with thousands separators (also when the
    column has gaps), `shares` (0–1) as percentages, other numbers to `decimals`, gaps as "—",
    column names with spaces for underscores. `counts` defaults to `whole_number_columns`.

    Returns a pandas Styler (display it); the data itself is left as it is."""
    counts = whole_number_columns(frame.drop(columns=list(shares), errors="ignore")) if counts is None else counts
    view = frame.astype({c: "Int64" for c in counts})
    formats = {c: "{:.1%}" for c in shares if c in view.columns}
    for column in view.columns:
        if column in formats:
            continue
        if pd.api.types.is_integer_dtype(view[column]):
            formats[column] = "{:,}"
        elif pd.api.types.is_float_dtype(view[column]):
            formats[column] = f"{{:,.{decimals}f}}"
    renamed = {c: str(c).replace("_", " ") for c in view.columns}
    return view.rename(columns=renamed).style.format({renamed[c]: f for c, f in formats.items()}, na_rep="—")


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
    ax.legend(handles, [readable(k) for k in KIND_COLOURS if k in set(data["kind"])], loc="lower right", fontsize=8)
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
            ax.text(
                j,
                i,
                f"{v:.0%}" if v < 0.995 else "✓",
                ha="center",
                va="center",
                fontsize=6.5,
                color="white" if v > 0.6 else "#1f2328",
            )
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
        ax.text(
            row.extracted_at,
            y,
            label,
            va="center",
            fontsize=8,
            color=colour,
            fontweight="bold" if row.stale else "normal",
        )
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
