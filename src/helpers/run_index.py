"""The run's front page, `reports/<run_id>/index.html`: every stage with status, time and numbers.

Self-contained HTML (inline CSS, no scripts, nothing from a CDN) so it reads the same when
mailed, opened from a file share or viewed offline. It shows parameters and counts only: no
personal data ever reaches this page.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from helpers.storage import write_shareable_text

STATUS_COLOURS = {
    "passed": "#1a7f37",
    "reused": "#57606a",
    "failed": "#cf222e",
    "running": "#9a6700",
    "not run": "#8c959f",
}
SHOWN_PARAMETERS = ("reference_date", "backend", "seed", "keep_runs")

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1100px;color:#1f2328;padding:0 1rem}
h1{font-size:1.6rem;margin-bottom:.2rem} .sub{color:#57606a;margin-top:0}
table{border-collapse:collapse;width:100%;margin:1rem 0} th,td{text-align:left;padding:.45rem .6rem;border-bottom:1px solid #d0d7de;vertical-align:top}
th{background:#f6f8fa;font-weight:600} td.num{text-align:right;font-variant-numeric:tabular-nums}
.badge{display:inline-block;padding:.1rem .5rem;border-radius:1rem;color:#fff;font-size:.85rem;font-weight:600}
.err{color:#cf222e;font-family:ui-monospace,monospace;font-size:.85rem;white-space:pre-wrap}
.kv{color:#57606a;font-size:.9rem} .links a{margin-right:1rem}
.warn{color:#9a6700;font-weight:600}
.report{background:#f6f8fa;border-left:4px solid #0969da;padding:.6rem 1rem;font-size:1.05rem}
"""


def write_index(manifest: dict[str, Any], path: Path, stage_names: list[str]) -> Path:
    """The page for readers: shareable (the user's umask), unlike the rest of the run."""
    return write_shareable_text(render_index(manifest, stage_names), path)


def render_index(manifest: dict[str, Any], stage_names: list[str]) -> str:
    e = html.escape
    by_name = {s["name"]: s for s in manifest.get("stages", [])}
    rows = []
    for name in stage_names:
        s = by_name.get(name, {"name": name, "status": "not run"})
        status = s.get("status", "not run")
        link = f'<a href="{e(name)}.html">{e(name)}</a>' if s.get("html") else e(name)
        headline = s.get("headline") or {}
        numbers = "<br>".join(f"{e(str(k))}: <b>{e(_fmt(v))}</b>" for k, v in headline.items())
        if s.get("error"):
            numbers += f'<div class="err">{e(s["error"])}</div>'
        if s.get("warnings"):
            n = len(s["warnings"])
            numbers += f'<div class="warn">⚠ {n} warning{"s" if n != 1 else ""}</div>'
        if status == "reused":
            numbers += f'<div class="kv">outputs reused from run {e(str(s.get("reused_from")))}</div>'
        rows.append(
            "<tr>"
            f"<td>{link}</td>"
            f'<td><span class="badge" style="background:{STATUS_COLOURS.get(status, "#57606a")}">{e(status)}</span></td>'
            f'<td class="num">{_secs(s.get("seconds"))}</td>'
            f'<td class="num">{_fmt(s.get("rows_in"))}</td>'
            f'<td class="num">{_fmt(s.get("rows_out"))}</td>'
            f"<td>{numbers}</td>"
            "</tr>"
        )
    params = manifest.get("parameters", {})
    overrides = manifest.get("overrides") or {}
    shown = " · ".join(
        f"{k}: <b>{e(str(params.get(k)))}</b>" for k in SHOWN_PARAMETERS if k in params and k not in overrides
    )
    status = manifest.get("status", "running")
    extra_links = ""
    report = Path(manifest.get("parameters", {}).get("reports_dir", ".")) / manifest["run_id"] / "customer_report.html"
    if report.exists():
        extra_links = (
            '<p class="report"><a href="customer_report.html"><b>Customer report</b></a> · the shareable '
            "summary of this run for management: counts, charts and masked examples, no personal data</p>"
        )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Clientela run {e(manifest["run_id"])}</title>
<style>{CSS}</style></head><body>
<h1>Clientela run {e(manifest["run_id"])}
<span class="badge" style="background:{STATUS_COLOURS.get(status, "#57606a")}">{e(status)}</span></h1>
<p class="sub">started {e(str(manifest.get("started_at")))} · ended {e(str(manifest.get("ended_at") or "—"))} · {_secs(manifest.get("seconds"))}</p>
{extra_links}
{warnings_box(manifest["warnings"]) if manifest.get("warnings") else ""}
{overrides_box(manifest)}
<p class="kv">{shown}</p>
<table><thead><tr><th>stage</th><th>status</th><th>duration</th><th>rows in</th><th>rows out</th><th>headline</th></tr></thead>
<tbody>{"".join(rows)}</tbody></table>
<p class="kv">Stage pages show results only (no code) and were scanned for personal data before they were published.
Executed notebooks (<code>.ipynb</code>), Data Docs and the analysts' dashboards (<code>analyst_only/</code>) sit beside
this page, readable by the run's owner only: they are for analysts.</p>
</body></html>
"""


def overrides_box(manifest: dict[str, Any]) -> str:
    """What this run changed from config/pipeline.yaml, and whether it may become `latest`:
    an experiment must not read like the scheduled run."""
    e = html.escape
    overrides = manifest.get("overrides") or {}
    notes = []
    if manifest.get("from_stage"):
        notes.append(f"started at {e(manifest['from_stage'])} from an earlier run's outputs")
    if manifest.get("promote") is False:
        notes.append("run with --no-promote: never becomes 'latest'")
    if not overrides and not notes:
        return ""
    items = "".join(f"<li><code>{e(str(k))}</code> = <b>{e(str(v))}</b></li>" for k, v in overrides.items())
    return (
        '<div class="overrides" style="border-left:4px solid #8250df;background:#fbefff;padding:.5rem 1rem;margin:1rem 0">'
        + (
            f"<b>Parameters overridden for this run</b> (not the defaults of config/pipeline.yaml):<ul>{items}</ul>"
            if overrides
            else ""
        )
        + ("".join(f"<div>{n}</div>" for n in notes))
        + "</div>"
    )


def warnings_box(warnings: list[dict[str, str]]) -> str:
    """An HTML box listing warnings: what failed, the figures, and why it matters."""
    escape = html.escape
    items = "".join(
        f"<li><b>{escape(w.get('stage', w.get('table', '')))}</b> · {escape(w['expectation'])}: "
        f"{escape(w['detail'])}{(' — ' + escape(w['why'])) if w.get('why') else ''}</li>"
        for w in warnings
    )
    return (
        '<div class="clientela-warnings" style="margin:12px;padding:8px 14px;border:2px solid #d98e04;'
        'background:#fff6e0;font-family:sans-serif">'
        f"<b>⚠ {len(warnings)} warning{'s' if len(warnings) != 1 else ''}</b> — the run went on; "
        f"check these before trusting the figures below.<ul>{items}</ul></div>"
    )


def _fmt(v: Any) -> str:
    if v is None:
        return "—"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, float):
        return f"{v:.3f}" if abs(v) < 10 else f"{v:,.1f}"
    return str(v)


def _secs(v: Any) -> str:
    if v is None:
        return "—"
    return f"{v:.1f} s" if v < 120 else f"{v / 60:.1f} min"
