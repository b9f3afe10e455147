"""Golden customers: one row per person, each field group from its winning record.

Columns: `person_id`; the golden fields (standardised values); per group `<group>_source` and
`<group>_record_key` (field-level lineage); `emails` and `phones` (every distinct valid value
the person gave, as lists); `sources` and `record_count`; `first_seen` (earliest sign-up) and
`last_updated` (latest change of any record).
"""

from __future__ import annotations

import pandas as pd

from helpers.golden.survivorship import FIELD_COLUMNS, Group, choose, distinct_lists, recency, usable


def linked_records(clean: pd.DataFrame, links: pd.DataFrame) -> pd.DataFrame:
    """Clean records with their person_id; every clean record must have exactly one."""
    out = clean.merge(links[["record_key", "person_id"]], on="record_key", how="left", validate="one_to_one")
    lost = out["person_id"].isna()
    if lost.any():
        raise ValueError(
            f"{int(lost.sum()):,} clean records have no person_id in record_links (e.g. "
            f"{out.loc[lost, 'record_key'].head(3).tolist()}); re-run stage 03"
        )
    return out.assign(_recency=recency(out))


def golden_customers(clean: pd.DataFrame, links: pd.DataFrame, groups: list[Group]) -> pd.DataFrame:
    """Build the golden table from clean records, their person ids and the survivorship rules."""
    records = linked_records(clean, links)
    persons = records.groupby("person_id", sort=True).agg(
        record_count=("record_key", "size"),
        first_seen=("signup_date_std", "min"),
        last_updated=("_recency", "max"),
    )
    golden = persons.reset_index()
    for group in groups:
        cols = [FIELD_COLUMNS[f] for f in group.fields]
        base = records.loc[usable(records, group), ["person_id", "record_key", "source", "_recency", *cols]]
        won = choose(base, group).rename(columns=dict(zip(cols, group.fields)))
        won = won.rename(columns={"record_key": f"{group.name}_record_key", "source": f"{group.name}_source"})
        golden = golden.merge(won, on="person_id", how="left", validate="one_to_one")
    emails = records["email_std"].where(records["email_valid"].fillna(False).astype(bool))
    phones = records["phone_std"].where(records["phone_valid"].fillna(False).astype(bool))
    for name, values in (("emails", emails), ("phones", phones), ("sources", records["source"])):
        golden = golden.merge(distinct_lists(records["person_id"], values, name), on="person_id", how="left")
    return _ordered(golden, groups)


def _ordered(golden: pd.DataFrame, groups: list[Group]) -> pd.DataFrame:
    fields = [f for g in groups for f in g.fields]
    lineage = [c for g in groups for c in (f"{g.name}_source", f"{g.name}_record_key")]
    head = ["person_id", *fields, "emails", "phones", "sources", "record_count", "first_seen", "last_updated"]
    return golden[head + lineage].sort_values("person_id", ignore_index=True)


def field_lineage_summary(golden: pd.DataFrame, groups: list[Group]) -> pd.DataFrame:
    """Per group: which sources supplied the chosen values, as shares of persons with a value."""
    rows = []
    for g in groups:
        counts = golden[f"{g.name}_source"].value_counts()
        total = counts.sum()
        for source, n in counts.items():
            rows.append({"group": g.name, "rule": g.rule, "source": source, "persons": int(n), "share": n / total})
    return pd.DataFrame(rows)
