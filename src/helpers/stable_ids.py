"""Ids that survive re-runs, for any grouping recomputed from scratch each run.

Groups (clusters) are rebuilt every run, so their labels mean nothing from one run to the next.
A stable id must: a group keeps it as long as its members keep it together; a new group gets a
new one; ids are never reused. Carrying over goes by overlap of members with the previous run
(the `latest` one):

- each new cluster takes the previous id it shares most members with, and each previous id
  goes to at most one cluster — the one sharing most of its members (ties: the smaller id,
  then the smaller cluster) — so a **merge** keeps the id of its largest part and a **split**
  leaves the id with its largest part;
- every other cluster gets a fresh id, numbered after the highest id ever issued, in order of
  its cluster label (so the same inputs always give the same ids).

The result is the members with their ids, a register of every id ever issued (status, first
and last run, merged_into) and a log of what happened to ids this run (merged, split, members
moved, retired). An `IdScheme` names the columns: stage 03 gives source records person ids
(`PERSON_IDS`, see `helpers.match.person_ids`), stage 05 gives persons household ids
(`HOUSEHOLD_IDS`, see `helpers.household.ids`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

WIDTH = 9  # ids are the prefix and a zero-padded number: C000000001


@dataclass(frozen=True)
class IdScheme:
    """The column names and id prefix of one kind of stable id."""

    member: str  # the column of the stable members ("record_key")
    entity: str  # the column of the id given to each group ("person_id")
    prefix: str  # "C"
    counted_as: str  # the change log's column of how many members moved ("records")
    total_as: str  # the counts' key of how many groups there are ("persons")

    @property
    def other(self) -> str:
        """The change log's column of the id on the other side of a merge, split or move."""
        return f"other_{self.entity}"


PERSON_IDS = IdScheme(member="record_key", entity="person_id", prefix="C", counted_as="records", total_as="persons")
HOUSEHOLD_IDS = IdScheme(
    member="person_id", entity="household_id", prefix="H", counted_as="persons", total_as="households"
)

REGISTER_COLUMNS = ("status", "first_run", "last_run", "merged_into")


def format_ids(numbers: np.ndarray, prefix: str) -> np.ndarray:
    return (prefix + pd.Series(numbers, dtype="int64").astype(str).str.zfill(WIDTH)).to_numpy(dtype=object)


def id_number(ids: pd.Series, prefix: str) -> pd.Series:
    return ids.str.slice(len(prefix)).astype("int64")


@dataclass
class IdAssignment:
    links: pd.DataFrame  # member, cluster_id, entity (e.g. record_key, cluster_id, person_id)
    register: pd.DataFrame  # entity, status, first_run, last_run, merged_into
    changes: pd.DataFrame  # run_id, event, entity, other_<entity>, <counted_as>
    counts: dict[str, int]


def _carry_over(overlap: pd.DataFrame) -> pd.DataFrame:
    """One-to-one (cluster, previous id) choice by largest overlap, in rounds.

    Each round every still-free previous id picks its best free cluster, then every cluster
    keeps the best of the ids that picked it; losers try again next round with what is left.
    Rounds are few (merges and splits are rare), each is vectorised.
    """
    chosen = []
    free = overlap.copy()
    while not free.empty:
        ranked = free.sort_values(["entity", "members", "cluster_id"], ascending=[True, False, True])
        offers = ranked.drop_duplicates("entity")
        taken = offers.sort_values(["cluster_id", "members", "entity"], ascending=[True, False, True]).drop_duplicates(
            "cluster_id"
        )
        chosen.append(taken[["cluster_id", "entity"]])
        free = free[~free["cluster_id"].isin(taken["cluster_id"]) & ~free["entity"].isin(taken["entity"])]
    return pd.concat(chosen, ignore_index=True) if chosen else overlap.iloc[:0][["cluster_id", "entity"]]


def assign_stable_ids(
    clusters: pd.DataFrame,
    run_id: str,
    scheme: IdScheme,
    previous_links: pd.DataFrame | None = None,
    previous_register: pd.DataFrame | None = None,
) -> IdAssignment:
    """Stable ids for this run's clusters (`scheme.member`, `cluster_id`).

    `previous_links` (member, entity) and `previous_register` are the previous run's, in the
    scheme's column names. `links` keeps the rows of `clusters` in their order, so callers may
    take its id column as it is, without a join. Fresh ids follow the order of `cluster_id`."""
    member, entity = scheme.member, scheme.entity
    clusters = clusters[[member, "cluster_id"]]
    if previous_links is None or previous_links.empty:
        previous_links = pd.DataFrame({member: pd.Series(dtype=object), entity: pd.Series(dtype=object)})
    register = (
        previous_register.rename(columns={entity: "entity"})
        if previous_register is not None and not previous_register.empty
        else pd.DataFrame({c: pd.Series(dtype=object) for c in ("entity", *REGISTER_COLUMNS)})
    )
    # Member keys and cluster labels as integer codes (a million strings compare slowly); cluster
    # codes in sorted order, so ties and fresh numbering follow the cluster labels themselves.
    given = clusters
    key_codes, _ = pd.factorize(pd.concat([clusters[member], previous_links[member]], ignore_index=True))
    cluster_codes, _ = pd.factorize(clusters["cluster_id"], sort=True)
    codes = pd.DataFrame({"member": key_codes[: len(given)], "cluster_id": cluster_codes})
    previous = pd.DataFrame(
        {"member": key_codes[len(given) :], "entity": previous_links[entity].to_numpy(dtype=object)}
    )
    overlap = (
        codes.merge(previous, on="member", how="inner")
        .groupby(["cluster_id", "entity"], as_index=False)
        .size()
        .rename(columns={"size": "members"})
    )
    kept = _carry_over(overlap)

    # Fresh ids for the rest, after the highest ever issued, in order of the cluster label.
    fresh = pd.Series(np.unique(cluster_codes))
    fresh = fresh[~fresh.isin(kept["cluster_id"])]
    issued = pd.concat([register["entity"], previous["entity"]]).dropna()
    start = int(id_number(issued, scheme.prefix).max()) + 1 if len(issued) else 1
    new = pd.DataFrame(
        {"cluster_id": fresh.to_numpy(), "entity": format_ids(np.arange(start, start + len(fresh)), scheme.prefix)}
    )
    mapping = pd.concat([kept, new], ignore_index=True)
    id_of_cluster = np.empty(len(cluster_codes) and cluster_codes.max() + 1, dtype=object)
    id_of_cluster[mapping["cluster_id"].to_numpy(dtype="int64")] = mapping["entity"].to_numpy(dtype=object)
    links = given.reset_index(drop=True).assign(**{entity: id_of_cluster[cluster_codes]})

    changes = _changes(overlap, mapping, previous, run_id)
    register = _update_register(register, mapping, changes, run_id)
    counts = {
        scheme.total_as: int(mapping["entity"].nunique()),
        "carried_over": int(len(kept)),
        "new": int(len(new) - changes["event"].eq("split").sum()),
        "merged": int(changes["event"].eq("merged").sum()),
        "split": int(changes["event"].eq("split").sum()),
        "records_moved": int(changes["event"].eq("records_moved").sum()),
        "retired": int(changes["event"].eq("retired").sum()),
    }
    return IdAssignment(
        links=links,
        register=register.rename(columns={"entity": entity}),
        changes=changes.rename(columns={"entity": entity, "other_entity": scheme.other, "members": scheme.counted_as}),
        counts=counts,
    )


def _changes(overlap: pd.DataFrame, mapping: pd.DataFrame, previous: pd.DataFrame, run_id: str) -> pd.DataFrame:
    """What happened to previous ids: merged into another, split off a new id, or retired."""
    cluster_to_id = mapping.set_index("cluster_id")["entity"]
    ov = overlap.assign(new_entity=overlap["cluster_id"].map(cluster_to_id))
    moved = ov[ov["entity"] != ov["new_entity"]]
    surviving = set(mapping["entity"])
    # A previous id that did not survive, whose members went into another group: merged.
    merged = moved[~moved["entity"].isin(surviving)].sort_values(["entity", "members"], ascending=[True, False])
    merged = merged.drop_duplicates("entity")
    merged = pd.DataFrame(
        {
            "event": "merged",
            "entity": merged["entity"],
            "other_entity": merged["new_entity"],
            "members": merged["members"],
        }
    )
    # Members of a surviving previous id that now form (part of) a group with a fresh id: split.
    split = moved[moved["entity"].isin(surviving) & ~moved["new_entity"].isin(previous["entity"])]
    split = pd.DataFrame(
        {
            "event": "split",
            "entity": split["entity"],
            "other_entity": split["new_entity"],
            "members": split["members"],
        }
    )
    # Members of a surviving previous id that joined another surviving previous id.
    moved_over = moved[moved["entity"].isin(surviving) & moved["new_entity"].isin(previous["entity"])]
    moved_over = pd.DataFrame(
        {
            "event": "records_moved",
            "entity": moved_over["entity"],
            "other_entity": moved_over["new_entity"],
            "members": moved_over["members"],
        }
    )
    # Previous ids none of whose members are in this run.
    gone = pd.Series(previous["entity"].unique())
    gone = gone[~gone.isin(overlap["entity"])]
    retired = pd.DataFrame({"event": "retired", "entity": gone, "other_entity": None, "members": 0})
    out = pd.concat([merged, split, moved_over, retired], ignore_index=True)
    out.insert(0, "run_id", run_id)
    out["members"] = out["members"].astype("int64")
    return out.sort_values(["event", "entity", "other_entity"], ignore_index=True)


def _update_register(register: pd.DataFrame, mapping: pd.DataFrame, changes: pd.DataFrame, run_id: str) -> pd.DataFrame:
    active = pd.Series(mapping["entity"].unique())
    reg = register.set_index("entity")
    new_ids = active[~active.isin(reg.index)]
    reg = pd.concat(
        [
            reg,
            pd.DataFrame(
                {"status": "active", "first_run": run_id, "last_run": run_id, "merged_into": None}, index=new_ids
            ),
        ]
    )
    reg.index.name = "entity"
    reg.loc[active, ["status", "last_run"]] = ["active", run_id]
    reg.loc[active, "merged_into"] = None
    merged = changes[changes["event"] == "merged"]
    reg.loc[merged["entity"], "status"] = "merged"
    reg.loc[merged["entity"], "merged_into"] = merged["other_entity"].to_numpy()
    retired = changes.loc[changes["event"] == "retired", "entity"]
    reg.loc[retired, "status"] = "retired"
    return reg.reset_index().sort_values("entity", ignore_index=True)
