"""The written summary at the top of the report: the run in a handful of plain sentences.

Management reads this and perhaps nothing else, so every sentence carries a number and says
what it means; warnings (stale sources, records held back) come first.
"""

from __future__ import annotations

from helpers.report.facts import ReportFacts


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def warnings(facts: ReportFacts) -> list[str]:
    """What a reader must know before trusting the numbers."""
    out = []
    stale = facts.sources[facts.sources["stale"].fillna(False).astype(bool)]
    if len(stale):
        each = ", ".join(f"{source} ({row['age_days']:.0f} days old, refreshed {row['cadence']})"
                         for source, row in stale.iterrows())
        out.append(
            f"{len(stale)} source{'s are' if len(stale) > 1 else ' is'} stale, older than the refresh interval "
            f"allows: {each}. Their customers' details may be out of date."
        )
    held = facts.numbers["quarantined_ingest"] + facts.numbers["quarantined_clean"]
    if held:
        out.append(f"{held:,} input rows were held back in quarantine (unreadable, duplicated or without identity); "
                   "the run's quarantine tables list each with its reason.")
    for w in facts.gate_warnings:
        why = (w.get("why") or w["expectation"]).removeprefix("business threshold: ")
        out.append(f"Quality warning: {why[:1].upper()}{why[1:]} — not met: {w['detail']} "
                   f"(table {w.get('table')}, stage {w.get('stage', '')[:2]}).")
    return out


def summary_points(facts: ReportFacts) -> list[str]:
    n = facts.numbers
    s = facts.stages
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
    quality = (f"Cleaning rewrote values into one standard form (phones {_pct(facts.cleaning['changed_share'].get('phone'))}, "
               f"dates of birth {_pct(facts.cleaning['changed_share'].get('date_of_birth'))}) and corrected "
               f"{int(corrected):,} mistyped email domains")
    quality += (f"; the field most often invalid is {worst.replace('_', ' ')} at {_pct(invalid[worst])}."
                if worst else "; no value is left invalid.")
    points.append(quality)
    gain = facts.completeness
    if {"email", "phone"} <= set(gain.index):
        points.append(
            f"Merging completes customers: {_pct(gain.loc['email', 'golden'])} have an email and "
            f"{_pct(gain.loc['phone', 'golden'])} a phone, against {_pct(gain.loc['email', 'single record'])} and "
            f"{_pct(gain.loc['phone', 'single record'])} of single records."
        )
    moves = s["05_households"]["metrics"].get("moves") or {}
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
    seg = s["07_segmentation"]
    life = seg["metrics"].get("lifecycle") or {}
    anonymous = seg["headline"].get("anonymous sales")
    sales = (f" {anonymous} of sales are anonymous (no customer reference)." if anonymous and "nan" not in str(anonymous)
             else " No sales were given to this run.")
    points.append(
        f"{seg['headline'].get('buyers', 0):,} customers have bought; {seg['headline'].get('Champions', 0):,} are "
        f"Champions and {life.get('lapsed', 0):,} have lapsed." + sales
    )
    changes = facts.changes["customers"]
    if changes.get("kept their id", 0) or changes.get("merged into another", 0) or changes.get("retired (no records left)", 0):
        points.append(
            f"Since the previous run: {int(changes.get('new', 0)):,} new customers, "
            f"{int(changes.get('merged into another', 0)):,} merged into another and "
            f"{int(changes.get('retired (no records left)', 0)):,} gone (no records left); "
            f"{int(changes.get('kept their id', 0)):,} kept their customer id."
        )
    else:
        points.append("This is the first run: every customer id is new.")
    return points
