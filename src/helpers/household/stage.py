"""Stage 05 in three calls: apply the moves, group the households, score them against truth."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd
import pyarrow as pa

from helpers.evaluation import load_truth, pairwise_scores
from helpers.frames import text_series
from helpers.golden.survivorship import distinct_lists
from helpers.standardise.addresses import postcode_key
from helpers.standardise.distinct import not_known_bad

from .grouping import assign_households
from .ids import assign_household_ids, previous_households
from .moves import NAME_KEYS, MoveResult, apply_moves, residents, standardise_moves
from .rules import HouseholdRules
from .traits import household_table, member_table

# The clean-record columns stage 05 reads (name keys, address dates, postcodes).
CLEAN_COLUMNS = [
    "record_key",
    "extracted_at",
    "record_updated_at_std",
    "record_updated_at_valid",
    *NAME_KEYS,
    "postcode_valid",
    "postcode_std",
    "country_std",
]


@dataclass
class HouseholdResult:
    golden: pd.DataFrame  # golden customers with current address and household_id
    households: pd.DataFrame
    members: pd.DataFrame  # person_id, household_id, dwelling_key, address_inferred
    register: pd.DataFrame
    changes: pd.DataFrame
    counts: dict[str, int]


def move_people(
    golden: pd.DataFrame,
    clean: pd.DataFrame,
    changes: pd.DataFrame | None,
    source_summary: pd.DataFrame,
    rules: HouseholdRules,
    reference_date: date,
) -> tuple[MoveResult, pd.DataFrame]:
    """The change-of-address file applied; also returns the per-person name keys used later."""
    people = residents(golden, clean)
    if changes is None or changes.empty:
        empty = standardise_moves(pd.DataFrame(columns=["source", "source_record_id"]), source_summary, reference_date)
        result = apply_moves(golden, people, empty)
    else:
        moves = standardise_moves(changes, source_summary, reference_date)
        ages = golden["age"] if rules.children_follow_moves else None
        result = apply_moves(golden, people, moves, ages, rules.child_below_age)
    return result, people


def person_places(clean: pd.DataFrame, links: pd.DataFrame, golden: pd.DataFrame) -> pd.Series:
    """Per golden person (aligned with `golden`): every "country|postcode" key their records or
    their address give — where to look for their household when they gave no street.

    A postcode that is not known bad counts: one of a country without rules (validity null) is
    plausible and still says where a person lives; only one checked and found wrong does not."""
    valid = not_known_bad(clean["postcode_valid"]) & clean["postcode_std"].notna().to_numpy()
    rows = clean[valid]
    iso = rows["country_std"].astype(object)
    code = text_series(
        postcode_key(
            pa.array(rows["postcode_std"].to_numpy(dtype=object), type=pa.string()),
            pa.array(iso.to_numpy(), type=pa.string()),
        ).to_numpy(zero_copy_only=False),
        index=rows.index,
    )
    place = iso.str.lower() + "|" + code
    person = rows["record_key"].map(links.drop_duplicates("record_key").set_index("record_key")["person_id"])
    own = golden["address_key"].str.split("|", n=2).str[:2].str.join("|")
    both = pd.concat([place, own], ignore_index=True)
    who = pd.concat([person, golden["person_id"]], ignore_index=True)
    lists = distinct_lists(who, both, "places").set_index("person_id")["places"]
    return lists.reindex(golden["person_id"].to_numpy()).set_axis(golden.index)


def build_households(
    golden: pd.DataFrame,
    people: pd.DataFrame,
    rules: HouseholdRules,
    run_id: str,
    processed_dir: str | Path,
    spend: pd.DataFrame | None = None,
) -> HouseholdResult:
    """Group (already moved) golden customers into households with stable ids and traits.

    `people` (aligned with `golden`): the name keys from `move_people` and `places` from
    `person_places`."""
    frame = pd.concat(
        [
            golden[["person_id", "address_key", "building_key", "phones", "emails"]].reset_index(drop=True),
            people[["first_name_key", "surname_1_key", "surname_2_key", "places"]].reset_index(drop=True),
        ],
        axis=1,
    )
    assignment = assign_households(frame, rules)
    prev_members, prev_register = previous_households(processed_dir, run_id)
    ids = assign_household_ids(assignment, run_id, prev_members, prev_register)
    members = assignment.merge(ids.links, on="person_id", validate="one_to_one")
    table = member_table(golden, people, members, spend)
    households = household_table(table, rules)
    out = golden.merge(members[["person_id", "household_id"]], on="person_id", how="left", validate="one_to_one")
    out.insert(1, "household_id", out.pop("household_id"))
    counts = dict(ids.counts)
    counts["address_inferred"] = int(assignment["address_inferred"].sum())
    return HouseholdResult(
        golden=out,
        households=households,
        members=members[["person_id", "household_id", "dwelling_key", "address_inferred"]],
        register=ids.register,
        changes=ids.changes,
        counts=counts,
    )


def household_scores(links: pd.DataFrame, members: pd.DataFrame, truth_path: str | Path) -> dict[str, dict] | None:
    """Pairwise precision/recall/F1 of households against the truth's household ids.

    None when the truth file knows persons only (no `household_truth_id` column): most
    benchmarks have no household truth, and that is no reason to stop a run.

    Two views: over source records (the same unit as person matching; pairs of one person's
    duplicate records count too), and over persons (each golden person takes the household
    most of its records belong to), which measures the grouping alone.
    """
    if "household_truth_id" not in pd.read_csv(truth_path, nrows=0).columns:
        return None
    truth = load_truth(truth_path, "household_truth_id")
    hh = links[["record_key", "person_id"]].merge(members[["person_id", "household_id"]], on="person_id")
    records = pairwise_scores(hh, truth, cluster_column="household_id")
    known = hh.merge(truth, on="record_key")
    votes = known.groupby(["person_id", "household_id", "person_truth_id"], as_index=False).size()
    votes = votes.sort_values(["person_id", "size", "person_truth_id"], ascending=[True, False, True])
    per_person = votes.drop_duplicates("person_id").rename(columns={"person_id": "record_key"})
    persons = pairwise_scores(per_person, per_person, cluster_column="household_id")
    persons["persons_evaluated"] = persons.pop("records_evaluated")
    return {"records": records, "persons": persons}
