"""The shareable report as one self-contained HTML file (inline CSS and PNG, no scripts).

It is mailed to management and opened from file shares, so it needs nothing from the network
and shows no code. Every text that comes from data is escaped.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import UTC, datetime
from typing import SupportsFloat, SupportsInt, cast

import matplotlib.pyplot as plt
import pandas as pd

from helpers.report.facts import ReportFacts
from helpers.report.figures import png_data_uri
from helpers.report.summary import kpis, summary_points, warnings

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1040px;color:#1f2328;padding:0 1.2rem;line-height:1.45}
h1{font-size:1.7rem;margin-bottom:.1rem} h2{font-size:1.25rem;margin-top:2.4rem;border-bottom:2px solid #d0d7de;padding-bottom:.3rem}
.sub{color:#57606a;margin-top:0} .note{color:#57606a;font-size:.9rem}
.summary{background:#f6f8fa;border-left:4px solid #0969da;padding:.8rem 1.2rem;margin:1.2rem 0}
.summary li{margin:.35rem 0} .warn{background:#fff1f0;border-left:4px solid #cf222e;padding:.6rem 1.2rem;margin:1rem 0}
.kpis{display:flex;flex-wrap:wrap;gap:.8rem;margin:1rem 0} .kpi{flex:1 1 140px;border:1px solid #d0d7de;border-radius:8px;padding:.6rem .8rem}
.kpi b{display:block;font-size:1.4rem} .kpi span{color:#57606a;font-size:.85rem}
table{border-collapse:collapse;margin:.8rem 0;font-size:.9rem} th,td{padding:.35rem .6rem;border-bottom:1px solid #d0d7de;text-align:right}
th:first-child,td:first-child,th.text,td.text{text-align:left} thead th{background:#f6f8fa} td.stale{color:#cf222e;font-weight:600}
img{max-width:100%;height:auto;display:block;margin:.8rem 0}
footer{margin-top:3rem;color:#57606a;font-size:.85rem;border-top:1px solid #d0d7de;padding-top:.8rem}
"""


def _fmt_value(v: object, kind: str) -> str:
    if v is None or (isinstance(v, float) and pd.isna(v)) or v is pd.NA:
        return "—"
    # A column given a numeric kind holds numbers.
    if kind == "pct":
        return f"{float(cast(SupportsFloat, v)):.1%}"
    if kind == "pct2":
        return f"{float(cast(SupportsFloat, v)):.2%}"
    if kind == "int":
        return f"{int(cast(SupportsInt, v)):,}"
    if kind == "days":
        return f"{float(cast(SupportsFloat, v)):.1f}"
    if isinstance(v, pd.Timestamp):
        return v.strftime("%Y-%m-%d %H:%M")
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)


def table_html(
    df: pd.DataFrame,
    kinds: dict[str, str] | None = None,
    index_label: str | None = None,
    cell_class: Callable[[str, object, object], str] | None = None,
) -> str:
    """A small HTML table with numbers formatted by column kind; all text escaped."""
    kinds = kinds or {}
    e = html.escape
    # Words read left-aligned, numbers right-aligned.
    text_columns = {
        c: "text"
        for c in df.columns
        if c not in kinds
        and not pd.api.types.is_numeric_dtype(df[c])
        and not pd.api.types.is_bool_dtype(df[c])
        and not pd.api.types.is_datetime64_any_dtype(df[c])
    }
    head = "".join(
        f'<th class="{text_columns.get(c, "")}">{e(str(c))}</th>'
        for c in [index_label or (df.index.name or ""), *df.columns]
    )
    rows = []
    for idx, row in df.iterrows():  # report tables have a few dozen rows at most
        cells = [f"<td>{e(str(idx))}</td>"]
        for col in df.columns:
            css = " ".join(filter(None, [cell_class(col, idx, row[col]) if cell_class else "", text_columns.get(col)]))
            value = e(_fmt_value(row[col], kinds.get(col, "")))
            cells.append(f'<td class="{css}">{value}</td>' if css else f"<td>{value}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _img(figures: dict[str, plt.Figure], name: str, alt: str) -> str:
    fig = figures.get(name)
    if fig is None:
        return ""
    return f'<img src="{png_data_uri(fig)}" alt="{html.escape(alt)}">'


def _kpis(facts: ReportFacts) -> str:
    items = kpis(facts)
    return (
        '<div class="kpis">'
        + "".join(f'<div class="kpi"><b>{html.escape(v)}</b><span>{html.escape(k)}</span></div>' for v, k in items)
        + "</div>"
    )


def render_report(facts: ReportFacts, figures: dict[str, plt.Figure], generated_at: datetime | None = None) -> str:
    e = html.escape
    when = (generated_at or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC")
    warn = "".join(f"<li>{e(w)}</li>" for w in warnings(facts))
    points = "".join(f"<li>{e(p)}</li>" for p in summary_points(facts))
    sources = facts.sources.rename(
        columns={
            "rows_read": "rows",
            "rows_quarantined": "quarantined",
            "extracted_at": "extracted",
            "age_days": "age (days)",
            "allowed_age_days": "allowed (days)",
        }
    )
    sources_html = table_html(
        sources,
        {"rows": "int", "quarantined": "int", "age (days)": "days", "allowed (days)": "days"},
        "source",
        cell_class=lambda col, idx, v: "stale" if col == "stale" and bool(v) else "",
    )
    cleaning = facts.cleaning.rename(
        columns={
            "given": "values given",
            "changed_share": "rewritten",
            "invalid_share": "still invalid",
            "unknown_share": "not checkable",
            "corrected": "corrected",
        }
    )
    cleaning.index = [str(i).replace("_", " ") for i in cleaning.index]
    completeness = facts.completeness.rename(
        columns={"single record": "average single record", "golden": "golden customer"}
    )
    evaluation = facts.reads.evaluation or {}
    accuracy = (
        f'<p class="note">Measured against a truth file this run: pairwise precision '
        f"{evaluation['precision']:.3f}, recall {evaluation['recall']:.3f}, F1 {evaluation['f1']:.3f}.</p>"
        if evaluation.get("f1") is not None
        else ""
    )
    moves = pd.Series(facts.reads.moves, dtype="Int64").drop(labels=["persons_moved"], errors="ignore")
    moves = moves[moves > 0].rename("requests").to_frame()
    moves.index = [str(i).replace("_", " ") for i in moves.index]
    suppressions = pd.DataFrame(facts.reads.suppressions).T
    if not suppressions.empty:
        suppressions = suppressions.rename(
            columns={
                "rows": "entries",
                "not_a_customer": "not a customer",
                "no_identifier": "no identifier",
                "persons": "customers",
            }
        )
    previous = ""
    if facts.previous is not None:
        kinds = {c: "auto" for c in facts.previous.columns}  # mixed counts and shares, right-aligned
        previous = "<h3>Headline figures against the previous run</h3>" + table_html(
            facts.previous.astype(object), kinds
        )
    changes = table_html(facts.changes, {"customers": "int", "households": "int"})
    if facts.parameter_changes is not None and len(facts.parameter_changes):
        changes += "<h3>Parameters changed since the previous run</h3>" + table_html(
            facts.parameter_changes.astype(str), index_label="parameter"
        )
    example = ""
    if not facts.example.empty:
        example = (
            "<h3>One customer put together from several sources (masked)</h3>"
            '<p class="note">Names keep their first letter, emails their domain, phones their country code: '
            "enough to see how records were joined, not whose they are.</p>"
            + table_html(facts.example.set_index("record"))
        )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Customer report · run {e(facts.run_id)}</title>
<style>{CSS}</style></head><body>
<h1>Customer report</h1>
<p class="sub">run {e(facts.run_id)} · data as of {e(facts.reference.strftime("%Y-%m-%d"))} · generated {e(when)}</p>
{_kpis(facts)}
{f'<div class="warn"><b>Before you read on</b><ul>{warn}</ul></div>' if warn else ""}
<div class="summary"><b>Summary</b><ul>{points}</ul></div>

<h2>1. Sources and their freshness</h2>
<p>Every export the run read, how many rows it gave, how many were held back, and how old it was against how often it
should arrive. A stale source (red) still counts, but its details may be out of date.</p>
{sources_html}
{_img(figures, "freshness", "freshness of each source")}

<h2>2. Data quality before and after cleaning</h2>
<p>Cleaning never overwrites what the customer gave: it writes a standardised value beside it. "Rewritten" is the
share of values that were not in standard form as received (phones to international format, dates to one format,
names to proper case); "still invalid" is what no rule could repair: it is flagged and never used to contact anyone.
"Not checkable" is what no rule exists for (an identity number of a country without a checksum rule, a phone without a
country): kept and not counted as invalid, but not vouched for either.</p>
{
        table_html(
            cleaning,
            {
                "values given": "int",
                "rewritten": "pct",
                "still invalid": "pct2",
                "not checkable": "pct2",
                "corrected": "int",
            },
            "field",
        )
    }
{_img(figures, "cleaning", "data quality before and after cleaning")}

<h2>3. Duplicates found and merged</h2>
<p>{facts.numbers["clean_records"]:,} clean records became {facts.numbers["customers"]:,} golden customers:
{facts.numbers["clean_records"] - facts.numbers["customers"]:,} records were duplicates of a customer already known,
within a source or across sources. {facts.reads.review_pairs:,} uncertain pairs
wait for a clerical review and were not merged.</p>
{accuracy}
{_img(figures, "records_per_customer", "records per customer")}
{_img(figures, "overlap", "customers shared between sources")}
{example}

<h2>4. Golden customers and households</h2>
<p>Each golden customer takes every field from the best source record by the survivorship rules, so customers are more
complete than any single record.</p>
{table_html(completeness, {"average single record": "pct", "golden customer": "pct"}, "field")}
{_img(figures, "completeness", "completeness of key fields")}
<p>{facts.numbers["households"]:,} households (rule: {e(facts.reads.household_rule)}). Change-of-address requests:</p>
{
        table_html(moves, {"requests": "int"}, "outcome")
        if not moves.empty
        else '<p class="note">No change-of-address requests this run.</p>'
    }
{_img(figures, "households", "households by size")}

<h2>5. Contactable reach</h2>
<p>For every customer and channel, whether we may contact them and why. Legal suppressions come first (do-not-call,
mail preference, erasure), then missing or dead contact details, then consent. Opt-outs always win.</p>
{_img(figures, "contactable", "contactable share per channel")}
{_img(figures, "reasons", "reasons per channel")}
<h3>Suppression lists</h3>
{
        table_html(suppressions, {c: "int" for c in suppressions.columns}, "list / reason")
        if not suppressions.empty
        else '<p class="note">No suppression lists this run.</p>'
    }
<h3>Worklists for the teams</h3>
{table_html(facts.worklists.to_frame(), {"rows": "int"}, "worklist")}

<h2>6. Segments</h2>
<p>Customers who bought are scored 1–5 on recency, frequency and monetary value and named by the classic RFM
segments; everyone gets a lifecycle stage and profile segments.</p>
{_img(figures, "rfm_grid", "RFM grid")}
{_img(figures, "rfm_segments", "customers per RFM segment")}
{_img(figures, "lifecycle", "lifecycle stages")}
{_img(figures, "profile", "profile segments")}
<h3>Campaign lists exported (opt-outs applied)</h3>
{table_html(facts.lists, {"customers": "int"}, "list")}

<h2>7. Changes since the previous run</h2>
<p>Customer and household ids are stable: a customer keeps their id from run to run; when two customers turn out to be
one, the merged id is recorded, never reused.</p>
{changes}
{previous}

<footer>This report holds counts, rates, charts and masked examples only, and was checked for personal data (emails,
phone numbers, identity numbers, full names of the run's records) before it was saved. Analysts find the detail in the
stage reports and in <code>customers.duckdb</code>.</footer>
</body></html>
"""
