"""Household ids that survive re-runs, carried over by the overlap of their members.

The same rule as person ids (`helpers.stable_ids`, shared with stage 03), one level up:
persons are the members, a household keeps the id it shares most members with, merges and
splits are logged, ids are never reused. `household_ids.parquet` is the register,
`household_id_changes.parquet` the log.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from helpers.catalog import T, read_previous
from helpers.stable_ids import HOUSEHOLD_IDS, PERSON_IDS, IdAssignment, assign_stable_ids, format_ids, id_number

PREFIX = HOUSEHOLD_IDS.prefix
PERSON_PREFIX = PERSON_IDS.prefix


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
    clusters = pd.DataFrame(
        {"person_id": assignment["person_id"].to_numpy(), "cluster_id": format_ids(smallest, PERSON_PREFIX)}
    )
    ids = assign_stable_ids(clusters, run_id, HOUSEHOLD_IDS, previous_members, previous_register)
    return IdAssignment(
        links=ids.links[["person_id", "household_id"]], register=ids.register, changes=ids.changes, counts=ids.counts
    )


def previous_households(processed_dir: str | Path, run_id: str) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    """(person_id, household_id) and the register of the last good run, or (None, None)."""
    members = read_previous(processed_dir, run_id, T.golden_customers, columns=["person_id", "household_id"])
    if members is None:
        return None, None
    return members, read_previous(processed_dir, run_id, T.household_ids)
