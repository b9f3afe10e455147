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
logs what happened to ids this run (merged, split, records moved, retired). The carrying-over
itself is `helpers.stable_ids` (shared with household ids); this module names its columns.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd

from helpers.catalog import T, read_previous
from helpers.stable_ids import PERSON_IDS, IdAssignment, assign_stable_ids

PREFIX = PERSON_IDS.prefix


def assign_person_ids(
    clusters: pd.DataFrame,
    run_id: str,
    previous_links: pd.DataFrame | None = None,
    previous_register: pd.DataFrame | None = None,
    prefix: str = PREFIX,
) -> IdAssignment:
    """Stable person ids for this run's clusters (`record_key`, `cluster_id`).

    `links` (record_key, cluster_id, person_id) keeps the rows of `clusters` in their order, so
    callers may take its `person_id` column as it is, without a join; `register` and `changes`
    are `person_ids.parquet` and `person_id_changes.parquet`."""
    scheme = PERSON_IDS if prefix == PERSON_IDS.prefix else replace(PERSON_IDS, prefix=prefix)
    return assign_stable_ids(clusters, run_id, scheme, previous_links, previous_register)


def previous_ids(processed_dir: str | Path, run_id: str) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    """The id tables of the last good run (`latest`), or (None, None) on a first run."""
    links = read_previous(processed_dir, run_id, T.record_links, columns=["record_key", "person_id"])
    if links is None:
        return None, None
    return links, read_previous(processed_dir, run_id, T.person_ids)
