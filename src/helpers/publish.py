"""`clientela publish RUN --to DIR`: the manager's copy of a run, holding only what may be shared.

A run's report folder mixes pages for readers with owner-only files (executed notebooks, Data
Docs, the analysts' Splink dashboards with names and emails). Mailing or uploading that folder
would leak them, so publishing copies exactly two pages — the customer report and the index —
and nothing else: in the copied index, every link to a page that was not copied becomes plain
text, so the copy never points at an analyst page or a stage page left behind. Only a run that
passed is published (a failed run's report may be incomplete), and both pages are scanned again
for the run's personal values before they are written, so a page edited or made by an older
version still cannot carry one out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from helpers.storage import read_json, write_shareable_text

PUBLISHED = ("customer_report.html", "index.html")
MANIFEST = "run_manifest.json"
LINK = re.compile(r"<a\s[^>]*href=\"([^\"]*)\"[^>]*>(.*?)</a>", re.IGNORECASE | re.DOTALL)


class PublishError(ValueError):
    """The run cannot be published; the message says why and what to do."""


@dataclass
class Published:
    run_id: str
    folder: Path
    files: list[Path]
    links_removed: int


def unlink_pages(html: str, keep: set[str]) -> tuple[str, int]:
    """`html` with every link whose target is not in `keep` turned into its plain text."""
    removed = 0

    def replace(match: re.Match[str]) -> str:
        nonlocal removed
        target = match.group(1).split("#")[0]
        if target in keep or not target:
            return match.group(0)
        removed += 1
        return match.group(2)

    return LINK.sub(replace, html), removed


def publish(processed_dir: Path, reports_dir: Path, run: str, to: Path) -> Published:
    """Copy the shareable pages of `run` (a run id or `latest`) into the folder `to`."""
    run_dir = processed_dir / run
    if not (run_dir / MANIFEST).exists():
        raise PublishError(f"no run {run!r} in {processed_dir} (a run id, or 'latest')")
    manifest = read_json(run_dir / MANIFEST)
    run_id = str(manifest.get("run_id") or run)
    if manifest.get("status") != "passed":
        raise PublishError(f"run {run_id} has status {manifest.get('status')!r}: only a run that passed is published")
    report_dir = reports_dir / run_id
    missing = [name for name in PUBLISHED if not (report_dir / name).exists()]
    if missing:
        raise PublishError(f"run {run_id}: {', '.join(missing)} not in {report_dir}; was stage 08 run?")
    pages = {name: (report_dir / name).read_text(encoding="utf-8") for name in PUBLISHED}
    _check_no_personal_values(run_dir, pages)
    to.mkdir(parents=True, exist_ok=True)
    written, removed = [], 0
    for name, html in pages.items():
        html, n = unlink_pages(html, set(PUBLISHED))
        removed += n
        written.append(write_shareable_text(html, to / name))
    return Published(run_id, to, written, removed)


def _check_no_personal_values(run_dir: Path, pages: dict[str, str]) -> None:
    """The leak scan the runner applies to every page, once more on what leaves the project."""
    from helpers.report.leaks import PersonalDataInPage, ValueCache, scan_page

    values = ValueCache().get(run_dir)
    for name, html in pages.items():
        try:
            scan_page(html, values, name)
        except PersonalDataInPage as exc:
            raise PublishError(f"{name} holds personal data and is not published: {exc}") from exc
