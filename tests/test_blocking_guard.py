"""A blocking rule on a column that is nearly constant in this file is left out before pairs are built."""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.match.blocking_guard import oversized_rules, rule_pairs
from helpers.match.model import NO_PAIRS, ResolvedModel
from helpers.match.stage import leave_out_oversized_rules


def _pairs_by_self_join(table: pd.DataFrame, rule: list[str]) -> int:
    """The oracle: build every pair that agrees on the rule's keys and count them."""
    keys = pd.DataFrame(
        {t: table[t.partition(":")[0]].str[: int(t.partition(":")[2])] if ":" in t else table[t] for t in rule}
    )
    keys = keys.replace("", np.nan).dropna().reset_index()
    joined = keys.merge(keys, on=list(rule))
    return int((joined["index_x"] < joined["index_y"]).sum())


def test_pairs_are_counted_from_block_sizes_as_a_self_join_would_build_them():
    rng = np.random.default_rng(3)
    n = 400
    table = pd.DataFrame(
        {
            "job_title": rng.choice(["nurse", "teacher", "", None], n),
            "first_name_key": rng.choice(["ana", "andres", "bea", "carlos", None], n),
            "postcode": rng.choice([f"280{i:02d}" for i in range(30)], n),
        }
    )
    for rule in (["job_title", "first_name_key:1"], ["postcode"], ["job_title", "postcode", "first_name_key:2"]):
        assert rule_pairs(table, rule) == _pairs_by_self_join(table, rule), rule


def test_a_rule_on_a_nearly_constant_column_is_left_out_and_named():
    n = 500
    table = pd.DataFrame(
        {
            "job_title": ["Private"] * n,  # one value for everyone, as some exports have
            "first_name_key": ["ana" if i % 2 else "bea" for i in range(n)],
            "email_key": [f"p{i}@mail.es" for i in range(n)],
        }
    )
    # 2 blocks of 250: 62,250 pairs, 124.5 per record
    assert [r for r, _ in oversized_rules(table, [["job_title", "first_name_key:1"], ["email_key"]], 100)] == [
        ["job_title", "first_name_key:1"]
    ]
    resolved = ResolvedModel(
        comparisons=[],
        blocking_rules=[["job_title", "first_name_key:1"], ["email_key"]],
        deterministic_rules=[],
        em_blocks=[],
        left_out=[],
    )
    leave_out_oversized_rules(table, resolved, 100)
    assert resolved.blocking_rules == [["email_key"]]
    assert "62,250 pairs" in resolved.left_out[0] and "too uniform" in resolved.left_out[0]
    # with the bound higher than the rule's cost, nothing is left out: the bound is per record
    assert oversized_rules(table, [["job_title", "first_name_key:1"]], 125) == []


def test_when_every_rule_is_too_costly_no_pair_is_compared_and_the_run_goes_on():
    table = pd.DataFrame({"job_title": ["Private"] * 300})
    resolved = ResolvedModel(
        comparisons=[], blocking_rules=[["job_title"]], deterministic_rules=[], em_blocks=[], left_out=[]
    )
    leave_out_oversized_rules(table, resolved, 100)
    assert resolved.blocking_rules == [NO_PAIRS]
