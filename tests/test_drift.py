"""Drift warnings: a share that moved sharply since the previous good run."""

from __future__ import annotations

import pandas as pd

from helpers.drift import drift_warnings, share_true


def test_share_true_counts_unknown_as_not_true_and_empty_as_none():
    flags = pd.Series([True, False, None, True], dtype="boolean")
    assert share_true(flags) == 0.5
    assert share_true(flags, pd.Series([True, True, False, False])) == 0.5
    assert share_true(flags, pd.Series([False] * 4)) is None


def test_a_share_that_moved_more_than_the_limit_warns_with_both_figures():
    warnings = drift_warnings(
        "02_clean_standardise",
        {"valid email (of given)": 0.62, "valid phone (of given)": 0.90, "new share": 0.5},
        {"valid email (of given)": 0.93, "valid phone (of given)": 0.85},
        "20261101T000000Z",
        10,
    )
    assert [w["expectation"] for w in warnings] == ["drift(valid email (of given))"]
    assert warnings[0]["detail"] == "93.0% in run 20261101T000000Z, 62.0% now (-31.0 points; warning above 10)"


def test_no_previous_run_or_no_limit_or_missing_figures_never_warn():
    assert drift_warnings("s", {"a": 0.1}, None, None, 10) == []
    assert drift_warnings("s", {"a": 0.1}, {"a": 0.9}, "r", 0) == []
    assert drift_warnings("s", {"a": None}, {"a": 0.9}, "r", 10) == []
