"""Background work: the result comes back, errors are raised in the stage, a dead child is named."""

from __future__ import annotations

import os
import signal

import pandas as pd
import pytest

from helpers.background import ENV, BackgroundFailed, fork_available, in_background


def _summary(frame: pd.DataFrame) -> dict:
    return {"rows": len(frame), "pid": os.getpid(), "total": int(frame["n"].sum())}


def _fails(table: str) -> None:
    raise ValueError(f"gate '{table}' failed: expect_column_values_to_not_be_null(source)")


def _dies() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def test_the_result_of_work_on_the_stage_table_comes_back():
    frame = pd.DataFrame({"n": range(100_000)})
    job = in_background(_summary, frame)
    result = job.result()
    assert result["rows"] == 100_000 and result["total"] == sum(range(100_000))
    if fork_available():
        assert result["pid"] != os.getpid()  # it ran in another process
    assert job.result() is result  # asked twice, computed once


def test_an_error_in_the_background_is_raised_by_result_with_its_message():
    job = in_background(_fails, "clean_records")
    with pytest.raises(ValueError, match="gate 'clean_records' failed: expect_column_values_to_not_be_null"):
        job.result()


@pytest.mark.skipif(not fork_available(), reason="needs fork")
def test_a_child_that_dies_is_reported_with_what_to_do():
    with pytest.raises(BackgroundFailed, match=f"exit code -9.*{ENV}=0"):
        in_background(_dies).result()


def test_switched_off_it_runs_in_this_process(monkeypatch):
    monkeypatch.setenv(ENV, "0")
    result = in_background(_summary, pd.DataFrame({"n": [1, 2]})).result()
    assert result == {"rows": 2, "pid": os.getpid(), "total": 3}
