"""Which decisions are in force: the later wins, and every contradiction is named.

Decisions accumulate in the log; some contradict others:

- the same pair decided twice (`same`, later `different`): the later decision stands;
- must-links that chain through records to join a pair someone said is `different`
  (A = B, B = C, then A ≠ C; or A ≠ C first and the chain later). Whichever came later wins:
  a later `different` drops the older must-links on the chain (oldest first, until the two are
  apart), a later `same` drops the older cannot-links it would contradict.

Both sides of every contradiction are listed (`conflicts`), so stage 03 can show them.
`unsure` takes a pair back to the model: a later `same` or `different` on the pair wins over it,
and it withdraws an earlier one.

Decisions are few (people write them by hand), so they are resolved one by one in log order;
the record-level graph work stays with the scored pairs (`helpers.decisions.constrain`).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from helpers.decisions.store import pair_key

CONFLICT_COLUMNS = [
    "kept",
    "kept_seq",
    "kept_by",
    "kept_at",
    "dropped",
    "dropped_seq",
    "dropped_by",
    "dropped_at",
    "record_a",
    "record_b",
    "why",
]


@dataclass
class Resolved:
    must: pd.DataFrame  # decisions in force saying `same`: record_a, record_b, seq, by, at, …
    cannot: pd.DataFrame  # decisions in force saying `different`
    unsure: pd.DataFrame  # pairs whose latest word is `unsure`
    conflicts: pd.DataFrame  # one row per decision dropped by a later contradicting one
    superseded: int = 0  # earlier decisions on a pair replaced by a later one (agreeing or not)
    groups: dict[str, str] = field(default_factory=dict)  # record → smallest record of its must-linked group

    @property
    def empty(self) -> bool:
        return self.must.empty and self.cannot.empty


def _path(adjacency: dict[str, dict[str, int]], a: str, b: str) -> list[tuple[str, str]] | None:
    """The edges of a shortest must-link path from a to b, or None when they are not joined."""
    if a not in adjacency or b not in adjacency:
        return None
    before = {a: a}
    queue = deque([a])
    while queue:
        node = queue.popleft()
        if node == b:
            break
        for nxt in sorted(adjacency[node]):
            if nxt not in before:
                before[nxt] = node
                queue.append(nxt)
    if b not in before:
        return None
    edges, node = [], b
    while node != a:
        edges.append(pair_key(before[node], node))
        node = before[node]
    return edges


def _component(adjacency: dict[str, dict[str, int]], start: str) -> set[str]:
    seen, queue = {start}, deque([start])
    while queue:
        for nxt in adjacency.get(queue.popleft(), {}):
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return seen


def resolve(decisions: pd.DataFrame) -> Resolved:
    """The decisions in force from the log's decisions (oldest first, as `DecisionStore.decisions`)."""
    rows = decisions.sort_values("seq").to_dict("records") if len(decisions) else []
    in_force: dict[tuple[str, str], dict] = {}
    adjacency: dict[str, dict[str, int]] = {}  # must-link graph: record → neighbour → seq of the decision
    cannot_at: dict[str, set[tuple[str, str]]] = {}  # record → cannot-link pairs in force touching it
    conflicts: list[dict] = []
    superseded = 0

    def drop(pair: tuple[str, str], winner: dict, why: str) -> None:
        loser = in_force.pop(pair)
        if loser["decision"] == "same":
            a, b = pair
            adjacency[a].pop(b, None)
            adjacency[b].pop(a, None)
        elif loser["decision"] == "different":
            for r in pair:
                cannot_at.get(r, set()).discard(pair)
        if why:
            conflicts.append(
                {
                    "kept": winner["decision"],
                    "kept_seq": winner["seq"],
                    "kept_by": winner["by"],
                    "kept_at": winner["at"],
                    "dropped": loser["decision"],
                    "dropped_seq": loser["seq"],
                    "dropped_by": loser["by"],
                    "dropped_at": loser["at"],
                    "record_a": loser["record_a"],
                    "record_b": loser["record_b"],
                    "why": why,
                }
            )

    for d in rows:
        pair = pair_key(d["record_a"], d["record_b"])
        d = {**d, "record_a": pair[0], "record_b": pair[1]}
        if pair in in_force:
            earlier = in_force[pair]
            contradicts = {earlier["decision"], d["decision"]} == {"same", "different"}
            superseded += 1
            drop(pair, d, "the same pair decided the other way later" if contradicts else "")
        if d["decision"] == "unsure":
            in_force[pair] = d
            continue
        a, b = pair
        if d["decision"] == "different":
            while (path := _path(adjacency, a, b)) is not None:  # older must-links joining a and b lose
                oldest = min(path, key=lambda e: in_force[e]["seq"])
                drop(oldest, d, f"a later 'different' on {a} / {b} cuts this must-link chain")
            in_force[pair] = d
            for r in pair:
                cannot_at.setdefault(r, set()).add(pair)
        else:
            adjacency.setdefault(a, {})[b] = d["seq"]
            adjacency.setdefault(b, {})[a] = d["seq"]
            in_force[pair] = d
            group = _component(adjacency, a)
            contradicted = {p for r in group for p in cannot_at.get(r, ()) if p[0] in group and p[1] in group}
            for p in sorted(contradicted, key=lambda p: in_force[p]["seq"]):
                drop(p, d, f"a later 'same' on {a} / {b} joins these two records through must-links")

    force = pd.DataFrame(list(in_force.values()), columns=list(decisions.columns))
    empty = pd.DataFrame(columns=force.columns if len(force.columns) else ["record_a", "record_b", "decision", "seq"])
    frames = {
        k: (force[force["decision"] == k].sort_values("seq", ignore_index=True) if len(force) else empty.copy())
        for k in ("same", "different", "unsure")
    }
    groups = {}
    for node in sorted(adjacency):
        if node not in groups:
            members = _component(adjacency, node)
            first = min(members)
            groups.update({m: first for m in members})
    return Resolved(
        frames["same"],
        frames["different"],
        frames["unsure"],
        pd.DataFrame(conflicts, columns=CONFLICT_COLUMNS),
        superseded,
        groups,
    )


def ordered_pairs(left: pd.Series, right: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Each pair the same way round (smaller key first), vectorised, as `pair_key` does for one."""
    a = left.astype(str).to_numpy(dtype=object)
    b = right.astype(str).to_numpy(dtype=object)
    first = a <= b
    return np.where(first, a, b), np.where(first, b, a)


def decided_mask(resolved: Resolved, left: pd.Series, right: pd.Series) -> np.ndarray:
    """Pairs people have already settled, directly or through their must-linked groups.

    A pair is settled when a decision in force names it, when its two records are in one
    must-linked group (A = B and B = C settle A–C), or when a cannot-link separates their
    groups. `unsure` does not settle a pair: it stays on the worklist, its history shown.
    """
    if resolved.empty:
        return np.zeros(len(left), dtype=bool)
    groups = pd.Series(resolved.groups, dtype=object)
    gl = left.astype(str).map(groups).fillna(left.astype(str)).to_numpy(dtype=object)
    gr = right.astype(str).map(groups).fillna(right.astype(str)).to_numpy(dtype=object)
    same_group = gl == gr
    if resolved.cannot.empty:
        return same_group
    ca = resolved.cannot["record_a"].map(groups).fillna(resolved.cannot["record_a"]).to_numpy(dtype=object)
    cb = resolved.cannot["record_b"].map(groups).fillna(resolved.cannot["record_b"]).to_numpy(dtype=object)
    apart = pd.MultiIndex.from_arrays([np.concatenate([ca, cb]), np.concatenate([cb, ca])])
    across = pd.MultiIndex.from_arrays([gl, gr]).isin(apart)
    return same_group | across
