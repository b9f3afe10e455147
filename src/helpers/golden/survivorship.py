"""Survivorship: which of a person's records supplies each group of golden fields.

Everything is a sort and a first-row-per-person (`drop_duplicates`), vectorised over all
persons at once; the rules only decide the sort keys. Every chosen value keeps its lineage:
`<group>_source` and `<group>_record_key` name the record it came from.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from helpers.config_file import read_checked
from helpers.settings import ANY, ConfigError, Each
from helpers.standardise.distinct import known_good, not_known_bad, unknown

RULES = ("source_priority", "most_recent", "most_frequent", "most_complete")

# Golden field → the clean column holding its standardised value.
FIELD_COLUMNS: dict[str, str] = {
    "title": "title_std",
    "first_name": "first_name_std",
    "middle_name": "middle_name_std",
    "last_name": "last_name_std",
    "date_of_birth": "date_of_birth_std",
    "gender": "gender_std",
    "email": "email_std",
    "phone": "phone_std",
    "phone_type": "phone_type",
    "address_line1": "address_line1_std",
    "address_line2": "address_line2_std",
    "city": "city_std",
    "region": "region",
    "postcode": "postcode_std",
    "country": "country_std",
    "address_key": "address_key",
    "building_key": "building_key",
    "national_id": "national_id_std",
    "national_id_type": "national_id_type",
    "company": "company",
    "job_title": "job_title",
    "loyalty_card": "loyalty_card",
    "interests": "interests",
    "referral_source": "referral_source",
    "device": "device",
    "email_opt_in": "email_opt_in_std",
    "phone_opt_in": "phone_opt_in_std",
    "mail_opt_in": "mail_opt_in_std",
}


# Golden field → the clean flag saying its value is usable (fields without one: any value is).
VALIDITY: dict[str, str] = {
    "email": "email_valid",
    "phone": "phone_valid",
    "date_of_birth": "date_of_birth_valid",
    "national_id": "national_id_valid",
    "address_line1": "address_valid",
}


class SurvivorshipError(ConfigError):
    """config/survivorship.yaml cannot be used; `problems` names each key."""


# The keys config/survivorship.yaml may hold: a misspelt `source_prority:` would otherwise leave
# the trust order empty and silently change every golden name.
SCHEMA = {
    "source_priority": ANY,
    "groups": Each({"rule": ANY, "fields": ANY, "sources": ANY}),
}


@dataclass
class Group:
    name: str
    rule: str
    fields: list[str]
    sources: list[str]


def load_rules(path: str | Path) -> list[Group]:
    """Read `config/survivorship.yaml`; every problem is reported at once."""
    path = Path(path)
    doc, problems = read_checked(path, "survivorship rules", SurvivorshipError, SCHEMA)
    default_sources = doc.get("source_priority") or []
    if not isinstance(default_sources, list):
        problems.append(f"source_priority: {default_sources!r} must be a list of source names, most trusted first")
        default_sources = []
    group_specs = doc.get("groups") or {}
    if not isinstance(group_specs, dict):
        problems.append("groups: expected a mapping of group name to {rule, fields}")
        group_specs = {}
    groups, seen = [], set()
    for name, spec in group_specs.items():
        spec = spec if isinstance(spec, dict) else {}
        if spec.get("rule") not in RULES:
            problems.append(f"groups.{name}: rule {spec.get('rule')!r} is not one of {', '.join(RULES)}")
        fields = list(spec.get("fields") or [])
        if not fields:
            problems.append(f"groups.{name}: list its fields")
        for f in fields:
            if f not in FIELD_COLUMNS:
                problems.append(f"groups.{name}: {f!r} is not a golden field ({', '.join(FIELD_COLUMNS)})")
            if f in seen:
                problems.append(f"groups.{name}: {f!r} already belongs to another group")
            seen.add(f)
        sources = list(spec.get("sources") or default_sources)
        if spec.get("rule") == "source_priority" and not sources:
            problems.append(
                f"groups.{name}: rule source_priority needs an order of trust: give the group "
                "`sources:` or a top-level `source_priority:` list"
            )
        groups.append(Group(name, str(spec.get("rule") or ""), fields, sources))
    if not groups:
        problems.append("groups: at least one group is needed")
    if problems:
        raise SurvivorshipError(problems, path, "survivorship rules")
    return groups


def usable(clean: pd.DataFrame, group: Group) -> pd.Series:
    """Records whose value for the group may compete: a value that is not known bad.

    Validity is three-valued. A value checked and found bad (False) never competes; one that
    could not be checked (null: an identity number of a country without a checksum rule) does,
    because it is the best the customer gave — but after every verified value (`unverified`
    is the first sort key in `choose`). A null-valid field without a value (a national-format
    phone without a country has no E.164) has nothing to offer and does not compete."""
    key = group.fields[0]
    if key in VALIDITY:
        present = clean[FIELD_COLUMNS[key]].notna().to_numpy()
        return pd.Series(not_known_bad(clean[VALIDITY[key]]) & present, index=clean.index)
    if key == "gender":
        return clean["gender_std"].isin(["F", "M", "X"])
    cols = [FIELD_COLUMNS[f] for f in group.fields]
    return clean[cols].notna().any(axis=1)


def unverified(clean: pd.DataFrame, group: Group) -> np.ndarray:
    """1 where the group's value could not be checked (validity null), else 0: a sort key that
    puts verified values first (see `usable`)."""
    key = group.fields[0]
    if key not in VALIDITY:
        return np.zeros(len(clean), dtype="int64")
    return unknown(clean[VALIDITY[key]]).astype("int64")


def recency(clean: pd.DataFrame) -> pd.Series:
    """When a record last changed: its own update date, else when its source was extracted.

    In seconds (datetime64[s]), not nanoseconds: an update date stage 02 accepts may lie
    before 1677 (old event dates stay valid), and nanoseconds would overflow on it."""
    extracted = pd.to_datetime(clean["extracted_at"], utc=True).dt.tz_localize(None).astype("datetime64[s]")
    valid = known_good(clean["record_updated_at_valid"])
    updated = pd.Series(clean["record_updated_at_std"].to_numpy().astype("datetime64[s]"), index=clean.index)
    return updated.where(valid).fillna(extracted).astype("datetime64[s]")


def _source_rank(sources: pd.Series, priority: list[str]) -> pd.Series:
    listed = {s: i for i, s in enumerate(priority)}
    others = sorted(set(sources.unique()) - set(listed))
    listed.update({s: len(priority) + i for i, s in enumerate(others)})
    return sources.map(listed).astype("int64")


def name_outvoted(records: pd.DataFrame) -> np.ndarray:
    """1 for a record whose given name and surname more of the person's records give the other
    way round (a legacy form that swapped the two boxes), else 0.

    Whatever rule picks the name, a record outvoted on the order of its names competes only
    when no record agrees with the majority, so one swapped record from a trusted source does
    not turn Chiara Zanetti into Zanetti Chiara. A tie changes nothing."""
    pid = records["_pid"].to_numpy()
    first = records[FIELD_COLUMNS["first_name"]].astype("string").str.strip().str.casefold()
    last = records[FIELD_COLUMNS["last_name"]].astype("string").str.strip().str.casefold()
    frame = pd.DataFrame({"_pid": pid, "a": first.to_numpy(dtype=object), "b": last.to_numpy(dtype=object)})
    votes = frame.dropna().groupby(["_pid", "a", "b"]).size().rename("votes")
    own = frame.join(votes, on=["_pid", "a", "b"])["votes"]
    swapped = frame.join(votes.swaplevel(1, 2), on=["_pid", "a", "b"])["votes"]  # joins by level position
    return (swapped.fillna(0) > own.fillna(0)).to_numpy(dtype="int64")


def choose(records: pd.DataFrame, group: Group) -> pd.DataFrame:
    """The winning record per person for one group (_pid, record_key, source + the group's columns).

    `records` carries `_pid` (integer person code), `_row` (position in the clean table),
    record_key, source, `_recency` and the group's clean columns, restricted to usable values,
    and may carry `_unverified` (1 = validity unknown), which then ranks before the rule.
    One `np.lexsort` over integer keys orders every person's candidates — rule keys first, then
    the most recent, then the earlier clean row — and the first row per person wins.
    """
    cols = [FIELD_COLUMNS[f] for f in group.fields]
    r = records
    if r.empty:
        return r[["_pid", "record_key", "source", *cols]]
    rule_keys: list[np.ndarray] = []  # each sorted ascending: negate "more is better" keys
    if group.rule == "source_priority":
        rule_keys = [_source_rank(r["source"], group.sources).to_numpy()]
    elif group.rule == "most_frequent":
        value = pd.factorize(r[cols[0]])[0]
        votes = pd.Series(value).groupby([r["_pid"].to_numpy(), value]).transform("size").to_numpy()
        rule_keys = [-votes]
    elif group.rule == "most_complete":
        filled = r[cols].notna().sum(axis=1).to_numpy()
        length = sum(r[c].astype("string").str.len().fillna(0).to_numpy(dtype="int64") for c in cols)
        rule_keys = [-filled, -length]
    if {"first_name", "last_name"} <= set(group.fields):
        rule_keys = [name_outvoted(r), *rule_keys]
    if "_unverified" in r:
        rule_keys = [r["_unverified"].to_numpy(dtype="int64"), *rule_keys]
    # Seconds: recency may be any year 0001..9999 (see `recency`); NaT (int64 min) sorts last.
    recency_s = r["_recency"].to_numpy(dtype="datetime64[s]").astype("int64")
    newest_first = np.where(recency_s == np.iinfo(np.int64).min, np.iinfo(np.int64).max, -recency_s)
    # np.lexsort sorts by the LAST key first
    order = np.lexsort([r["_row"].to_numpy(), newest_first, *reversed(rule_keys), r["_pid"].to_numpy()])
    ordered = r.iloc[order]
    first = np.r_[True, ordered["_pid"].to_numpy()[1:] != ordered["_pid"].to_numpy()[:-1]]
    return ordered.loc[first, ["_pid", "record_key", "source", *cols]]  # boolean mask: positional


def distinct_lists(person_ids: pd.Series, values: pd.Series, name: str) -> pd.DataFrame:
    """All distinct values per person, sorted, as a list column (Arrow's group-by: no Python loop).

    Sorting first and grouping single-threaded keeps Arrow's distinct values in sorted order.
    """
    table = pa.table(
        {
            "person_id": pa.array(person_ids.to_numpy(dtype=object), type=pa.string()),
            name: pa.array(values.to_numpy(dtype=object), type=pa.string(), from_pandas=True),
        }
    )
    table = table.filter(pc.is_valid(table[name])).sort_by([("person_id", "ascending"), (name, "ascending")])
    grouped = table.group_by("person_id", use_threads=False).aggregate([(name, "distinct")])
    return grouped.rename_columns(["person_id", name]).to_pandas()
