"""Customer ids that survive re-runs.

Clusters are recomputed from scratch every run, so their ids mean nothing from one run to the
next. A `person_id` must: a person keeps it as long as their source records keep them
together; a new person gets a new one; ids are never reused. Carrying over goes by overlap of
source records with the previous run (the `latest` one):

- each new cluster takes the previous id it shares most records with, and each previous id
  goes to at most one cluster — the one sharing most of its records (ties: the smaller id,
  then the smaller cluster) — so a **merge** keeps the id of its largest part and a **split**
  leaves the id with its largest part;
- every other cluster gets a fresh id, numbered after the highest id ever issued, in order of
  its smallest record key (so the same inputs always give the same ids).

`person_ids.parquet` is the register of every id ever issued; `person_id_changes.parquet`
logs what happened to ids this run (merged, split, records moved, retired).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

PREFIX = "C"
WIDTH = 9


def format_ids(numbers: np.ndarray, prefix: str = PREFIX) -> np.ndarray:
    return (prefix + pd.Series(numbers, dtype="int64").astype(str).str.zfill(WIDTH)).to_numpy(dtype=object)


def id_number(ids: pd.Series, prefix: str = PREFIX) -> pd.Series:
    return ids.str.slice(len(prefix)).astype("int64")


@dataclass
class IdAssignment:
    links: pd.DataFrame  # record_key, cluster_id, person_id
    register: pd.DataFrame  # person_id, status, first_run, last_run, merged_into
    changes: pd.DataFrame  # run_id, event, person_id, other_person_id, records
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
        ranked = free.sort_values(["person_id", "records", "cluster_id"], ascending=[True, False, True])
        offers = ranked.drop_duplicates("person_id")
        taken = offers.sort_values(["cluster_id", "records", "person_id"], ascending=[True, False, True]).drop_duplicates(
            "cluster_id"
        )
        chosen.append(taken[["cluster_id", "person_id"]])
        free = free[~free["cluster_id"].isin(taken["cluster_id"]) & ~free["person_id"].isin(taken["person_id"])]
    return pd.concat(chosen, ignore_index=True) if chosen else overlap.iloc[:0][["cluster_id", "person_id"]]


def assign_person_ids(
    clusters: pd.DataFrame,
    run_id: str,
    previous_links: pd.DataFrame | None = None,
    previous_register: pd.DataFrame | None = None,
    prefix: str = PREFIX,
) -> IdAssignment:
    """Stable person ids for this run's clusters (`record_key`, `cluster_id`).

    The same carrying-over serves any grouping of stable members: households use it with
    persons as members (see `helpers.household.ids`). `links` keeps the rows of `clusters` in
    their order, so callers may take its `person_id` column as it is, without a join."""
    clusters = clusters[["record_key", "cluster_id"]]
    if previous_links is None or previous_links.empty:
        previous_links = pd.DataFrame({"record_key": pd.Series(dtype=object), "person_id": pd.Series(dtype=object)})
    register = (
        previous_register.copy()
        if previous_register is not None and not previous_register.empty
        else pd.DataFrame(
            {c: pd.Series(dtype=object) for c in ("person_id", "status", "first_run", "last_run", "merged_into")}
        )
    )
    # Record keys and cluster ids as integer codes (a million strings compare slowly); cluster
    # codes in sorted order, so ties and fresh numbering follow the cluster ids themselves.
    given = clusters
    key_codes, _ = pd.factorize(pd.concat([clusters["record_key"], previous_links["record_key"]], ignore_index=True))
    cluster_codes, _ = pd.factorize(clusters["cluster_id"], sort=True)
    clusters = pd.DataFrame({"record_key": key_codes[: len(given)], "cluster_id": cluster_codes})
    previous_links = pd.DataFrame({"record_key": key_codes[len(given):],
                                   "person_id": previous_links["person_id"].to_numpy(dtype=object)})
    overlap = (
        clusters.merge(previous_links, on="record_key", how="inner")
        .groupby(["cluster_id", "person_id"], as_index=False)
        .size()
        .rename(columns={"size": "records"})
    )
    kept = _carry_over(overlap)

    # Fresh ids for the rest, after the highest ever issued, in order of the cluster id (the
    # smallest record key of the cluster).
    fresh = pd.Series(np.unique(cluster_codes))
    fresh = fresh[~fresh.isin(kept["cluster_id"])]
    issued = pd.concat([register["person_id"], previous_links["person_id"]]).dropna()
    start = int(id_number(issued, prefix).max()) + 1 if len(issued) else 1
    new = pd.DataFrame({"cluster_id": fresh.to_numpy(), "person_id": format_ids(np.arange(start, start + len(fresh)), prefix)})
    mapping = pd.concat([kept, new], ignore_index=True)
    person_of_cluster = np.empty(len(cluster_codes) and cluster_codes.max() + 1, dtype=object)
    person_of_cluster[mapping["cluster_id"].to_numpy(dtype="int64")] = mapping["person_id"].to_numpy(dtype=object)
    links = given.reset_index(drop=True).assign(person_id=person_of_cluster[cluster_codes])

    changes = _changes(overlap, mapping, previous_links, run_id)
    register = _update_register(register, mapping, changes, run_id)
    counts = {
        "persons": int(mapping["person_id"].nunique()),
        "carried_over": int(len(kept)),
        "new": int(len(new) - changes["event"].eq("split").sum()),
        "merged": int(changes["event"].eq("merged").sum()),
        "split": int(changes["event"].eq("split").sum()),
        "records_moved": int(changes["event"].eq("records_moved").sum()),
        "retired": int(changes["event"].eq("retired").sum()),
    }
    return IdAssignment(links=links, register=register, changes=changes, counts=counts)


def _changes(overlap: pd.DataFrame, mapping: pd.DataFrame, previous_links: pd.DataFrame, run_id: str) -> pd.DataFrame:
    """What happened to previous ids: merged into another, split off a new id, or retired."""
    cluster_to_id = mapping.set_index("cluster_id")["person_id"]
    ov = overlap.assign(new_person_id=overlap["cluster_id"].map(cluster_to_id))
    moved = ov[ov["person_id"] != ov["new_person_id"]]
    surviving = set(mapping["person_id"])
    # A previous id that did not survive, whose records went into another person: merged.
    merged = moved[~moved["person_id"].isin(surviving)].sort_values(["person_id", "records"], ascending=[True, False])
    merged = merged.drop_duplicates("person_id")
    merged = pd.DataFrame(
        {"event": "merged", "person_id": merged["person_id"], "other_person_id": merged["new_person_id"], "records": merged["records"]}
    )
    # Records of a surviving previous id that now form (part of) a person with a fresh id: split.
    split = moved[moved["person_id"].isin(surviving) & ~moved["new_person_id"].isin(previous_links["person_id"])]
    split = pd.DataFrame(
        {"event": "split", "person_id": split["person_id"], "other_person_id": split["new_person_id"], "records": split["records"]}
    )
    # Records of a surviving previous id that joined another surviving previous id.
    moved_over = moved[moved["person_id"].isin(surviving) & moved["new_person_id"].isin(previous_links["person_id"])]
    moved_over = pd.DataFrame(
        {
            "event": "records_moved",
            "person_id": moved_over["person_id"],
            "other_person_id": moved_over["new_person_id"],
            "records": moved_over["records"],
        }
    )
    # Previous ids none of whose records are in this run.
    gone = pd.Series(previous_links["person_id"].unique())
    gone = gone[~gone.isin(overlap["person_id"])]
    retired = pd.DataFrame({"event": "retired", "person_id": gone, "other_person_id": None, "records": 0})
    out = pd.concat([merged, split, moved_over, retired], ignore_index=True)
    out.insert(0, "run_id", run_id)
    out["records"] = out["records"].astype("int64")
    return out.sort_values(["event", "person_id", "other_person_id"], ignore_index=True)


def _update_register(register: pd.DataFrame, mapping: pd.DataFrame, changes: pd.DataFrame, run_id: str) -> pd.DataFrame:
    active = pd.Series(mapping["person_id"].unique())
    reg = register.set_index("person_id")
    new_ids = active[~active.isin(reg.index)]
    reg = pd.concat(
        [reg, pd.DataFrame({"status": "active", "first_run": run_id, "last_run": run_id, "merged_into": None}, index=new_ids)]
    )
    reg.index.name = "person_id"
    reg.loc[active, ["status", "last_run"]] = ["active", run_id]
    reg.loc[active, "merged_into"] = None
    merged = changes[changes["event"] == "merged"]
    reg.loc[merged["person_id"], "status"] = "merged"
    reg.loc[merged["person_id"], "merged_into"] = merged["other_person_id"].to_numpy()
    retired = changes.loc[changes["event"] == "retired", "person_id"]
    reg.loc[retired, "status"] = "retired"
    return reg.reset_index().sort_values("person_id", ignore_index=True)


def previous_ids(processed_dir: str | Path, run_id: str) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    """The id tables of the last good run (`latest`), or (None, None) on a first run."""
    latest = Path(processed_dir) / "latest"
    if run_id == "latest" or not (latest / "record_links.parquet").exists():
        return None, None
    links = pd.read_parquet(latest / "record_links.parquet", columns=["record_key", "person_id"])
    register = latest / "person_ids.parquet"
    return links, (pd.read_parquet(register) if register.exists() else None)
