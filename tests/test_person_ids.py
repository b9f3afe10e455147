"""Stable person ids: rerun, added records, merge, split, retirement, determinism."""

import pandas as pd
import pytest

from helpers.match.person_ids import assign_person_ids


def clusters(groups: list[list[str]]) -> pd.DataFrame:
    """Clusters given as lists of record keys; the cluster id is the smallest key, as in stage 03."""
    rows = [(key, min(g)) for g in groups for key in g]
    return pd.DataFrame(rows, columns=["record_key", "cluster_id"])


def ids_by_record(result) -> dict[str, str]:
    return dict(zip(result.links["record_key"], result.links["person_id"]))


@pytest.fixture
def first():
    return assign_person_ids(clusters([["a:1", "b:1"], ["a:2"], ["a:3", "b:3", "c:3"]]), "run1")


def test_first_run_numbers_persons_in_record_key_order(first):
    ids = ids_by_record(first)
    assert ids == {
        "a:1": "C000000001",
        "b:1": "C000000001",
        "a:2": "C000000002",
        "a:3": "C000000003",
        "b:3": "C000000003",
        "c:3": "C000000003",
    }
    assert first.counts["new"] == 3 and first.changes.empty
    assert set(first.register["status"]) == {"active"}


def test_same_inputs_twice_give_identical_ids(first):
    again = assign_person_ids(clusters([["a:1", "b:1"], ["a:2"], ["a:3", "b:3", "c:3"]]), "run1")
    assert ids_by_record(again) == ids_by_record(first)


def test_rerun_on_previous_keeps_every_id(first):
    rerun = assign_person_ids(
        clusters([["a:1", "b:1"], ["a:2"], ["a:3", "b:3", "c:3"]]), "run2", first.links, first.register
    )
    assert ids_by_record(rerun) == ids_by_record(first)
    assert rerun.counts == {
        "persons": 3,
        "carried_over": 3,
        "new": 0,
        "merged": 0,
        "split": 0,
        "records_moved": 0,
        "retired": 0,
    }


def test_added_records_join_existing_person_or_get_a_new_id(first):
    # b:2 joins person 2; d:9 is a new person and sorts before nobody: it gets the next number.
    nxt = assign_person_ids(
        clusters([["a:1", "b:1"], ["a:2", "b:2"], ["a:3", "b:3", "c:3"], ["d:9"]]), "run2", first.links, first.register
    )
    ids = ids_by_record(nxt)
    assert ids["b:2"] == ids["a:2"] == "C000000002"
    assert ids["d:9"] == "C000000004"
    assert nxt.counts["new"] == 1 and nxt.counts["carried_over"] == 3


def test_merge_keeps_the_id_of_the_largest_part_and_logs_the_other(first):
    # persons 1 (2 records) and 3 (3 records) turn out to be one person
    merged = assign_person_ids(
        clusters([["a:1", "b:1", "a:3", "b:3", "c:3"], ["a:2"]]), "run2", first.links, first.register
    )
    ids = ids_by_record(merged)
    assert set(ids.values()) == {"C000000003", "C000000002"}
    assert ids["a:1"] == "C000000003"
    log = merged.changes
    assert log[["event", "person_id", "other_person_id"]].values.tolist() == [["merged", "C000000001", "C000000003"]]
    reg = merged.register.set_index("person_id")
    assert reg.loc["C000000001", "status"] == "merged" and reg.loc["C000000001", "merged_into"] == "C000000003"
    assert merged.counts["merged"] == 1


def test_split_leaves_the_id_with_the_largest_part_and_issues_a_new_one(first):
    split = assign_person_ids(
        clusters([["a:1", "b:1"], ["a:2"], ["a:3", "b:3"], ["c:3"]]), "run2", first.links, first.register
    )
    ids = ids_by_record(split)
    assert ids["a:3"] == ids["b:3"] == "C000000003"
    assert ids["c:3"] == "C000000004"
    log = split.changes
    assert log[["event", "person_id", "other_person_id", "records"]].values.tolist() == [
        ["split", "C000000003", "C000000004", 1]
    ]
    assert split.counts["split"] == 1 and split.counts["new"] == 0


def test_ids_are_never_reused_after_retirement(first):
    # person 3's records are gone; a brand-new person must not get C000000003 back
    later = assign_person_ids(clusters([["a:1", "b:1"], ["a:2"], ["z:1"]]), "run2", first.links, first.register)
    ids = ids_by_record(later)
    assert ids["z:1"] == "C000000004"
    assert later.changes[["event", "person_id"]].values.tolist() == [["retired", "C000000003"]]
    reg = later.register.set_index("person_id")
    assert reg.loc["C000000003", "status"] == "retired"
    # and a run after that still remembers the retired number
    third = assign_person_ids(
        clusters([["a:1", "b:1"], ["a:2"], ["z:1"], ["y:1"]]), "run3", later.links, later.register
    )
    assert ids_by_record(third)["y:1"] == "C000000005"


def test_every_record_gets_exactly_one_id(first):
    big = clusters([[f"s:{i}", f"t:{i}"] for i in range(500)])
    out = assign_person_ids(big, "r", first.links, first.register)
    assert out.links["person_id"].notna().all()
    assert out.links.groupby("cluster_id")["person_id"].nunique().eq(1).all()
    assert out.links.groupby("person_id")["cluster_id"].nunique().eq(1).all()


def test_links_keep_the_order_of_the_clusters_given(first):
    """Stage 03 takes the person_id column as it is: the rows must come back in input order."""
    shuffled = clusters([["a:1", "b:1"], ["a:2"], ["a:3", "b:3", "c:3"]]).iloc[[4, 0, 5, 2, 1, 3]]
    result = assign_person_ids(shuffled, "run2", first.links, first.register)
    assert result.links["record_key"].tolist() == shuffled["record_key"].tolist()
    assert ids_by_record(result) == ids_by_record(first)
