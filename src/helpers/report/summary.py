"""The written summary at the top of the report: the run in a handful of plain sentences.

Management reads this and perhaps nothing else, so every sentence carries a number and says
what it means; warnings (stale sources, records held back) come first.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from helpers.report.facts import LOCATION_PARAMETERS, ReportFacts


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def _value(v: Any) -> str:
    return "not set" if v is None else str(v)


def _n(count: int, one: str, many: str | None = None) -> str:
    return f"{count:,} {one if count == 1 else (many or one + 's')}"


def overrides_warning(overrides: dict[str, Any]) -> str | None:
    """The parameters given for this run only (`--set`), which config/pipeline.yaml does not show:
    whoever reads the numbers must know they come from a non-default setting."""
    # Where files go, and the registry (its sources are listed in section 1), change no figure's meaning.
    shown = {k: v for k, v in sorted(overrides.items()) if k not in LOCATION_PARAMETERS | {"sources"}}
    if not shown:
        return None
    each = ", ".join(f"{k} = {_value(v)}" for k, v in shown.items())
    return (
        f"This run was started with {_n(len(shown), 'parameter')} set for it alone (not the defaults of "
        f"config/pipeline.yaml): {each}."
    )


def changes_point(changes: pd.DataFrame, parameters: pd.DataFrame | None, previous_run_id: str | None) -> str:
    """What happened to customer ids since the previous run, every kind of event counted (a run
    of splits alone is not "0 new, 0 merged, 0 gone"), and the parameters that changed since
    that run, which explain merges and splits no data change caused."""
    c = changes["customers"].fillna(0).astype(int)
    if not (
        c.get("kept their id", 0)
        or c.get("merged into another", 0)
        or c.get("split off", 0)
        or c.get("retired (no records left)", 0)
    ):
        return "This is the first run: every customer id is new."
    since = f"Since the previous run{f' ({previous_run_id})' if previous_run_id else ''}"
    text = (
        f"{since}: {_n(int(c.get('new', 0)), 'new customer')}, "
        f"{int(c.get('split off', 0)):,} split off into a customer of their own, "
        f"{int(c.get('merged into another', 0)):,} merged into another and "
        f"{int(c.get('retired (no records left)', 0)):,} gone (no records left); "
        f"{int(c.get('kept their id', 0)):,} kept their customer id."
    )
    if parameters is not None and len(parameters):
        each = ", ".join(f"{k} {_value(r['previous run'])} → {_value(r['this run'])}" for k, r in parameters.iterrows())
        text += (
            f" {_n(len(parameters), 'parameter')} changed since that run ({each}): "
            "the changes above may come from the new settings rather than from new data."
        )
    return text


def warnings(facts: ReportFacts) -> list[str]:
    """What a reader must know before trusting the numbers."""
    out = []
    stale = facts.sources[facts.sources["stale"].fillna(False).astype(bool)]
    if len(stale):
        each = ", ".join(
            f"{source} ({row['age_days']:.0f} days old, refreshed {row['cadence']})" for source, row in stale.iterrows()
        )
        out.append(
            f"{len(stale)} source{'s are' if len(stale) > 1 else ' is'} stale, older than the refresh interval "
            f"allows: {each}. Their customers' details may be out of date."
        )
    if overridden := overrides_warning(facts.overrides):
        out.append(overridden)
    held = facts.numbers["quarantined_ingest"] + facts.numbers["quarantined_clean"]
    if held:
        out.append(
            f"{held:,} input rows were held back in quarantine (unreadable, duplicated or without identity); "
            "the run's quarantine tables list each with its reason."
        )
    for w in facts.gate_warnings:
        why = (w.get("why") or w["expectation"]).removeprefix("business threshold: ")
        out.append(
            f"Quality warning: {why[:1].upper()}{why[1:]} — not met: {w['detail']} "
            f"(table {w.get('table')}, stage {w.get('stage', '')[:2]})."
        )
    return out


def summary_points(facts: ReportFacts) -> list[str]:
    n = facts.numbers
    reads = facts.reads
    people_sources = n["people_sources"]
    points = [
        f"{n['customers']:,} customers: {n['people_rows']:,} records from {people_sources} people "
        f"source{'s' if people_sources != 1 else ''} ({n['sources']} source{'s' if n['sources'] != 1 else ''} in all) "
        "were cleaned and matched; "
        f"{_pct(n['records_in_duplicates'])} of the records belonged to a customer known more than once.",
    ]
    corrected = facts.cleaning["corrected"].fillna(0).sum()
    invalid = facts.cleaning["invalid_share"].dropna()
    worst = invalid.idxmax() if len(invalid) and invalid.max() > 0 else None
    quality = (
        f"Cleaning rewrote values into one standard form (phones {_pct(facts.cleaning['changed_share'].get('phone'))}, "
        f"dates of birth {_pct(facts.cleaning['changed_share'].get('date_of_birth'))}) and corrected "
        f"{int(corrected):,} mistyped email domains"
    )
    quality += (
        f"; the field most often invalid is {worst.replace('_', ' ')} at {_pct(invalid[worst])}."
        if worst
        else "; no value is left invalid."
    )
    points.append(quality)
    gain = facts.completeness
    if {"email", "phone"} <= set(gain.index):
        points.append(
            f"Merging completes customers: {_pct(gain.loc['email', 'golden'])} have an email and "
            f"{_pct(gain.loc['phone', 'golden'])} a phone, against {_pct(gain.loc['email', 'single record'])} and "
            f"{_pct(gain.loc['phone', 'single record'])} of single records."
        )
    moves = reads.moves
    points.append(
        f"{n['households']:,} households ({n['customers'] / max(n['households'], 1):.2f} customers each); "
        f"{moves.get('persons_moved', 0):,} customers moved to a new address this run."
    )
    shares = facts.contactable
    points.append(
        f"{_pct(n['reachable_any'])} of customers may be contacted on at least one channel: email "
        f"{_pct(shares.get('email'))}, phone {_pct(shares.get('phone'))}, SMS {_pct(shares.get('sms'))}, "
        f"mail {_pct(shares.get('mail'))}. Opt-outs and suppression lists are applied before any list is exported."
    )
    anonymous = reads.anonymous_share
    sales = (
        f" {_pct(anonymous)} of sales are anonymous (no customer reference)."
        if anonymous is not None
        else " No sales were given to this run."
    )
    points.append(
        f"{n['buyers']:,} customers have bought; {reads.rfm_segments.get('Champions', 0):,} are "
        f"Champions and {reads.lifecycle.get('lapsed', 0):,} have lapsed." + sales
    )
    points.append(changes_point(facts.changes, facts.parameter_changes, facts.previous_run_id))
    if corrections := corrections_point(reads):
        points.append(corrections)
    return points


def corrections_point(reads: Any) -> str | None:
    """What people corrected: review decisions applied (stage 03) and erasures (stage 04)."""
    parts = []
    decisions = reads.decisions or {}
    decided = int(decisions.get("same") or 0) + int(decisions.get("different") or 0)
    if decided:
        parts.append(
            f"{_n(decided, 'review decision')} applied ({int(decisions.get('same') or 0):,} same person, "
            f"{int(decisions.get('different') or 0):,} different people"
            + (
                f"; {_n(int(decisions['conflicts']), 'conflict')} settled by the later decision"
                if decisions.get("conflicts")
                else ""
            )
            + ")"
        )
    estimate = reads.accuracy_from_reviews or {}
    if estimate.get("precision_estimated") is not None and estimate.get("recall_estimated") is not None:
        parts.append(
            f"matching precision {_pct(estimate['precision_estimated'])} and recall "
            f"{_pct(estimate['recall_estimated'])}, estimated from the reviewed pairs"
        )
    erasure = reads.erasure or {}
    if int(erasure.get("persons_erased") or 0):
        parts.append(
            f"{_n(int(erasure['persons_erased']), 'customer')} erased at their request "
            f"({_n(int(erasure.get('records_erased') or 0), 'record')} removed from every table)"
        )
    return ("People's corrections: " + "; ".join(parts) + ".") if parts else None


def kpis(facts: ReportFacts) -> list[tuple[str, str]]:
    """The figures in the boxes at the top of the report, as (value, label).

    "Customers on campaign lists" counts each customer once however many lists they are on (a
    sum of the list sizes counts some twice); when a list was exported without `person_id` no
    total is given rather than a wrong one."""
    n = facts.numbers
    on_lists = n.get("people_on_lists")
    return [
        (f"{n['customers']:,}", "golden customers"),
        (f"{n['households']:,}", "households"),
        (f"{n['clean_records'] - n['customers']:,}", "duplicate records merged"),
        (f"{n['reachable_any']:.1%}", "contactable on some channel"),
        ("—" if on_lists is None else f"{on_lists:,}", "customers on campaign lists"),
    ]
