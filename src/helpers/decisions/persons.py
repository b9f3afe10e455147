"""`clientela merge` and `clientela split`: decisions about persons, kept as decisions about records.

Person ids are the clusters of one run; the records are what every later run sees again. So a
merge or a split is translated, with the latest good run's `record_links.parquet`, into
record-level decisions of the same log:

- merge P1 P2: one must-link between the first record (smallest key) of each — the two persons
  join as long as the model keeps each of them together, and the ids follow (the larger part
  keeps its id, see `helpers.match.person_ids`);
- split P --records A,B: the listed records cannot-link with every other record of P, and
  must-link among themselves (a chain from the first), so they leave P together.
"""

from __future__ import annotations

import pandas as pd

from helpers.decisions.store import Decision, DecisionError, check_record_key


def _records_of(links: pd.DataFrame, person_id: str) -> list[str]:
    keys = sorted(links.loc[links["person_id"] == person_id, "record_key"].astype(str))
    if not keys:
        raise DecisionError(
            f"person {person_id} is not in the latest run's record_links.parquet; "
            "give a person_id of the latest good run (data/processed/latest)"
        )
    return keys


def merge_decisions(
    links: pd.DataFrame, first: str, second: str, by: str, note: str, run_id: str | None
) -> list[Decision]:
    if first == second:
        raise DecisionError(f"merge {first} {second}: give two different person ids")
    a, b = _records_of(links, first)[0], _records_of(links, second)[0]
    return [
        Decision("same", a, b, by, note, run_id, origin=f"merge {first} {second}").checked(f"merge {first} {second}")
    ]


def split_decisions(
    links: pd.DataFrame, person_id: str, records: list[str], by: str, note: str, run_id: str | None
) -> list[Decision]:
    where = f"split {person_id}"
    members = _records_of(links, person_id)
    chosen = sorted({check_record_key(r, where) for r in records})
    strangers = [r for r in chosen if r not in members]
    if strangers:
        raise DecisionError(
            f"{where}: {', '.join(strangers)} not records of {person_id} in the latest run "
            f"(its records: {', '.join(members)})"
        )
    rest = [r for r in members if r not in chosen]
    if not chosen or not rest:
        raise DecisionError(f"{where}: --records must list some but not all of its records ({', '.join(members)})")
    origin = f"split {person_id}"
    out = [Decision("different", a, b, by, note, run_id, origin=origin).checked(where) for a in chosen for b in rest]
    out += [Decision("same", chosen[0], other, by, note, run_id, origin=origin).checked(where) for other in chosen[1:]]
    return out
