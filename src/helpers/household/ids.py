"""Household ids that survive re-runs, carried over by the overlap of their members.

The same rule as person ids (helpers.match.person_ids), one level up: persons are the
members, a household keeps the id it shares most members with, merges and splits are logged,
ids are never reused. `household_ids.parquet` is the register, `household_id_changes.parquet`
the log.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from helpers.match.person_ids import PREFIX as PERSON_PREFIX
from helpers.match.person_ids import IdAssignment, assign_person_ids, format_ids, id_number

PREFIX = "H"
_IN = {"person_id": "record_key", "household_id": "person_id"}
_OUT_LINKS = {"record_key": "person_id", "person_id": "household_id"}
_OUT_CHANGES = {"person_id": "household_id", "other_person_id": "other_household_id", "records": "persons"}


def assign_household_ids(
    assignment: pd.DataFrame,
    run_id: str,
    previous_members: pd.DataFrame | None = None,
    previous_register: pd.DataFrame | None = None,
) -> IdAssignment:
    """Stable ids for `assignment` (person_id, household_key).

    The cluster label is the household's smallest person id, so fresh ids are issued in a
    deterministic order whatever the grouping keys look like.
    """
    # Person ids are "C" + zero-padded numbers: the minimum is taken on the numbers (a string
    # minimum per group would run in Python) and written back in the same form.
    codes = pd.factorize(assignment["household_key"])[0]
    numbers = id_number(assignment["person_id"].astype(object), PERSON_PREFIX)
    smallest = numbers.groupby(codes).transform("min").to_numpy()
    clusters = pd.DataFrame({"record_key": assignment["person_id"].to_numpy(), "cluster_id": format_ids(smallest, PERSON_PREFIX)})
    prev = previous_members.rename(columns=_IN) if previous_members is not None else None
    reg = previous_register.rename(columns={"household_id": "person_id"}) if previous_register is not None else None
    ids = assign_person_ids(clusters, run_id, prev, reg, prefix=PREFIX)
    counts = {("households" if k == "persons" else k): v for k, v in ids.counts.items()}
    return IdAssignment(
        links=ids.links.rename(columns=_OUT_LINKS)[["person_id", "household_id"]],
        register=ids.register.rename(columns={"person_id": "household_id"}),
        changes=ids.changes.rename(columns=_OUT_CHANGES),
        counts=counts,
    )


def previous_households(processed_dir: str | Path, run_id: str) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    """(person_id, household_id) and the register of the last good run, or (None, None)."""
    latest = Path(processed_dir) / "latest"
    golden = latest / "golden_customers.parquet"
    if run_id == "latest" or not golden.exists():
        return None, None
    if "household_id" not in pq.read_schema(golden).names:
        return None, None
    members = pd.read_parquet(golden, columns=["person_id", "household_id"])
    register = latest / "household_ids.parquet"
    return members[["person_id", "household_id"]], (pd.read_parquet(register) if register.exists() else None)
