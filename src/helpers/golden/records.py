"""Golden customers: one row per person, each field group from its winning record.

Columns: `person_id`; the golden fields (standardised values); per group `<group>_source` and
`<group>_record_key` (field-level lineage); `emails` and `phones` (every distinct valid value
the person gave, as lists); `sources` and `record_count`; `first_seen` (earliest sign-up) and
`last_updated` (latest change of any record).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.golden.survivorship import FIELD_COLUMNS, Group, choose, distinct_lists, recency, unverified, usable
from helpers.standardise.distinct import known_good

NEEDED = [
    "record_key",
    "source",
    "extracted_at",
    "record_updated_at_std",
    "record_updated_at_valid",
    "signup_date_std",
    "signup_date_valid",
    "email_valid",
    "phone_valid",
    "date_of_birth_valid",
    "national_id_valid",
    "address_valid",
]


def linked_records(clean: pd.DataFrame, links: pd.DataFrame) -> pd.DataFrame:
    """The clean columns golden records read, with each record's person_id (exactly one each)."""
    cols = list(dict.fromkeys([c for c in NEEDED + list(FIELD_COLUMNS.values()) if c in clean.columns]))
    out = clean[cols].copy()
    out["person_id"] = out["record_key"].map(links.drop_duplicates("record_key").set_index("record_key")["person_id"])
    lost = out["person_id"].isna()
    if lost.any():
        raise ValueError(
            f"{int(lost.sum()):,} clean records have no person_id in record_links (e.g. "
            f"{out.loc[lost, 'record_key'].head(3).tolist()}); re-run stage 03"
        )
    return out.assign(_recency=recency(out))


def golden_customers(clean: pd.DataFrame, links: pd.DataFrame, groups: list[Group]) -> pd.DataFrame:
    """Build the golden table from clean records, their person ids and the survivorship rules.

    Persons are integer-coded in id order (`_pid`); each group's winners are written into the
    golden columns by position, so a million persons cost sorts of integers, not string merges.
    """
    records = linked_records(clean, links)
    codes, person_ids = pd.factorize(records["person_id"], sort=True)
    records["_pid"] = codes
    records["_row"] = np.arange(len(records))
    # A sign-up date stage 02 flagged (in the future, unreadable) is no evidence of when we met.
    signed_up = records["signup_date_std"]
    if "signup_date_valid" in records:
        signed_up = signed_up.where(known_good(records["signup_date_valid"]))
    records["_signed_up"] = signed_up
    stats = records.groupby("_pid", sort=True).agg(
        record_count=("record_key", "size"),
        first_seen=("_signed_up", "min"),
        last_updated=("_recency", "max"),
    )
    golden = pd.DataFrame({"person_id": np.asarray(person_ids, dtype=object)})
    golden = pd.concat([golden, stats.reset_index(drop=True)], axis=1)
    columns: dict[str, object] = {}
    for group in groups:
        cols = [FIELD_COLUMNS[f] for f in group.fields]
        take = usable(records, group).to_numpy()
        base = records.loc[take, ["_pid", "_row", "record_key", "source", "_recency", *cols]]
        base = base.assign(_unverified=unverified(records, group)[take])
        won = choose(base, group)
        at = won["_pid"].to_numpy()
        for field, col in zip(group.fields, cols):
            columns[field] = _scatter(won[col], at, len(golden))
        columns[f"{group.name}_source"] = _scatter(won["source"], at, len(golden))
        columns[f"{group.name}_record_key"] = _scatter(won["record_key"], at, len(golden))
    golden = pd.concat([golden, pd.DataFrame(columns)], axis=1)
    # Every value the person gave that is known good: these lists feed contact channels, where
    # an unchecked phone (no country to dial it in) has no E.164 to offer anyway.
    emails = records["email_std"].where(known_good(records["email_valid"]))
    phones = records["phone_std"].where(known_good(records["phone_valid"]))
    lists = {}
    for name, values in (("emails", emails), ("phones", phones), ("sources", records["source"])):
        found = distinct_lists(records["person_id"], values, name)
        lists[name] = _scatter(found[name], person_ids.get_indexer(found["person_id"]), len(golden))
    golden = pd.concat([golden, pd.DataFrame(lists)], axis=1)
    return _ordered(golden, groups)


def _scatter(values: pd.Series, at: np.ndarray, size: int) -> pd.Series:
    """A column of `size` rows holding `values` at positions `at` and missing elsewhere (dtype kept)."""
    out = pd.Series(index=range(size), dtype=values.dtype)
    out.iloc[at] = values.to_numpy()
    return out


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
