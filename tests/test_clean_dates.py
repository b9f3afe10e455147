"""Dates: formats, hints, ambiguity, Excel serials, plausibility, ages and bands."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from helpers.standardise.dates import age_at, age_band, standardise_dates

REF = dt.date(2026, 11, 15)


def one(value, fmt=None, kind="birth", reference=REF) -> tuple:
    out = standardise_dates(pd.Series([value], dtype=object), fmt, reference, kind=kind).iloc[0]
    day = None if pd.isna(out["date_std"]) else out["date_std"].date()
    return day, bool(out["date_valid"]), out["date_issue"]


MARCH_4 = dt.date(1985, 3, 4)


@pytest.mark.parametrize(
    "raw",
    [
        "1985-03-04",
        "1985-03-04T10:00:00+01:00",
        "1985-03-04 23:30:00-05:00",
        "1985-3-4",
        "1985/03/04",
        "19850304",
        "4 de marzo de 1985",
        "4 MARZO 1985",
        "4 de março de 1985",
        "4 marzo 1985",
        "March 4, 1985",
        "4th March 1985",
        "Monday, March 4th, 1985",
        "04-Mar-1985",
        "4 mar. 1985",
        "04 mar 85",
        "1985 March 4",
        "4 de Março de 1985",
        "31110",
        "31110.0",
        31110,
        31110.0,
        pd.Timestamp("1985-03-04"),
        dt.date(1985, 3, 4),
        "04 / 03 / 1985",
    ],
)
def test_formats_that_read_as_4_march_1985(raw):
    day, valid, issue = one(raw)
    assert day == MARCH_4 and valid, (raw, day, issue)


def test_excel_serial_origin_1899_12_30():
    # Excel's 1900 system with its phantom 29 Feb 1900: serial 31110 is 1985-03-04 and 31111
    # is the day after (a serial is a day count, so a one-off here is a one-day error).
    assert one("31111")[0] == dt.date(1985, 3, 5)
    assert one("31111.0")[0] == dt.date(1985, 3, 5)
    assert one("45000")[0] == dt.date(2023, 3, 15)
    assert one("1985") == (None, False, "unparseable")  # a bare year is not a serial


def test_day_first_without_hint_and_flagged_ambiguous():
    assert one("03/04/1985") == (dt.date(1985, 4, 3), True, "ambiguous day/month")
    assert one("04.03.1985") == (MARCH_4, True, "ambiguous day/month")
    assert one("04-03-1985") == (MARCH_4, True, "ambiguous day/month")
    assert one("05/05/1985") == (dt.date(1985, 5, 5), True, None)  # same either way
    assert one("25/12/1985") == (dt.date(1985, 12, 25), True, None)  # only one reading


def test_month_first_hint_from_a_us_system():
    assert one("03/04/1985", "%m/%d/%Y %H:%M") == (MARCH_4, True, None)
    assert one("03/04/1985 14:05", "%m/%d/%Y %H:%M") == (MARCH_4, True, None)
    assert one("03/04/1985", "%d/%m/%Y") == (dt.date(1985, 4, 3), True, None)
    # The hinted order cannot be right, the other one can: read it, say so, keep it valid.
    assert one("12/25/1985", "%d/%m/%Y") == (dt.date(1985, 12, 25), True, "day/month swapped")
    # ISO values in a hinted source still read as ISO; an ISO hint says nothing about d/m order.
    assert one("1985-03-04", "%m/%d/%Y") == (MARCH_4, True, None)
    assert one("04/03/1985", "%Y-%m-%d") == (MARCH_4, True, "ambiguous day/month")
    assert one("04/03/85", "%m/%d/%y") == (dt.date(1985, 4, 3), True, None)


def test_impossible_dates():
    assert one("31/02/1985") == (None, False, "impossible date")
    assert one("31/02/1985", "%d/%m/%Y") == (None, False, "impossible date")
    assert one("2023-02-29") == (None, False, "impossible date")
    assert one("2024-02-29") == (dt.date(2024, 2, 29), True, None)
    assert one("32/01/1985") == (None, False, "impossible date")
    assert one("1985-13-13") == (None, False, "impossible date")  # ('1985-13-01' is read year-day-month: see below)


def test_two_digit_years_pivot_never_into_the_future():
    assert one("04/03/85") == (MARCH_4, True, "ambiguous day/month")
    assert one("01/02/30")[0] == dt.date(1930, 2, 1)  # 2030 would be future
    assert one("15/06/05")[0] == dt.date(2005, 6, 15)
    assert one("20/11/26")[0] == dt.date(1926, 11, 20)  # after the reference day -> 1926
    assert one("10/11/26")[0] == dt.date(2026, 11, 10)  # before it -> 2026
    assert one("04-Mar-85")[0] == MARCH_4


def test_birth_plausibility():
    assert one("2030-01-01") == (dt.date(2030, 1, 1), False, "future")
    assert one("2026-11-16") == (dt.date(2026, 11, 16), False, "future")
    assert one("2026-11-15") == (dt.date(2026, 11, 15), True, None)
    assert one("1906-11-15") == (dt.date(1906, 11, 15), True, None)  # exactly 120 years
    assert one("1906-11-14") == (dt.date(1906, 11, 14), False, "over 120 years")
    assert one("1850-01-01") == (dt.date(1850, 1, 1), False, "over 120 years")


def test_event_kind_allows_one_day_ahead_and_old_dates():
    assert one("2026-11-16", kind="event") == (dt.date(2026, 11, 16), True, None)
    assert one("2026-11-17", kind="event") == (dt.date(2026, 11, 17), False, "future")
    assert one("1890-01-01", kind="event") == (dt.date(1890, 1, 1), True, None)
    with pytest.raises(ValueError):
        one("2020-01-01", kind="signup")


@pytest.mark.parametrize("raw", ["garbage", "32/13", "1985-03", "tomorrow", "4 foo 1985", "1985"])
def test_unparseable(raw):
    assert one(raw) == (None, False, "unparseable")


@pytest.mark.parametrize(
    "raw", [None, np.nan, "", "   ", pd.NaT, "n/a", "Unknown", "00/00/0000", "0000-00-00 00:00:00"]
)
def test_missing_is_not_an_issue(raw):
    assert one(raw) == (None, False, None)


def test_stray_spaces():
    assert one("  04 / 03 / 1985 ", "%d/%m/%Y")[0] == MARCH_4
    assert one("\t1985-03-04  ")[0] == MARCH_4
    assert one(" 4  de  marzo  de 1985 ")[0] == MARCH_4


def test_per_row_hints_index_dtypes_and_raw_untouched():
    values = pd.Series(["03/04/1985", "03/04/1985", None, "31111", "bad"], index=[50, 10, 40, 10, 7], dtype=object)
    hints = pd.Series(["%m/%d/%Y", "%d/%m/%Y", "%d/%m/%Y", None, None], index=values.index, dtype=object)
    before = values.copy()
    out = standardise_dates(values, hints, REF)
    pd.testing.assert_series_equal(values, before)
    assert out.index.equals(values.index)
    assert list(out.columns) == ["date_std", "date_valid", "date_issue"]
    assert str(out["date_std"].dtype) == "datetime64[s]"
    assert out["date_valid"].dtype == bool
    assert [d.date() if not pd.isna(d) else None for d in out["date_std"]] == [
        MARCH_4,
        dt.date(1985, 4, 3),
        None,
        dt.date(1985, 3, 5),
        None,
    ]
    assert out["date_issue"].tolist() == [None, None, None, None, "unparseable"]


def test_age_at_completed_years():
    dob = pd.Series(pd.to_datetime(["1985-11-15", "1985-11-16", None, "2030-01-01", "2008-02-29"]))
    ages = age_at(dob, REF)
    assert str(ages.dtype) == "Int64"
    assert ages.tolist()[:2] == [41, 40]
    assert ages.isna().tolist() == [False, False, True, True, False]
    assert ages.iloc[4] == 18


def test_age_band_edges():
    ages = pd.Series([0, 17, 18, 24, 25, 34, 35, 44, 45, 54, 55, 64, 65, 74, 75, 103, None, -1], dtype="Int64")
    bands = age_band(ages)
    assert bands.astype(object).where(bands.notna(), None).tolist() == [
        "0-17",
        "0-17",
        "18-24",
        "18-24",
        "25-34",
        "25-34",
        "35-44",
        "35-44",
        "45-54",
        "45-54",
        "55-64",
        "55-64",
        "65-74",
        "65-74",
        "75+",
        "75+",
        None,
        None,
    ]
    assert bands.cat.ordered and list(bands.cat.categories)[0] == "0-17"


def test_dates_before_1678_are_kept_for_matching_but_not_valid():
    out = standardise_dates(pd.Series(["1630-08-01", "0999-01-01"]), "%Y-%m-%d", REF, kind="birth")
    assert out["date_std"].dt.year.tolist() == [1630, 999]
    assert out["date_std"].dt.strftime("%m-%d").tolist() == ["08-01", "01-01"]
    assert out["date_valid"].tolist() == [False, False]
    assert out["date_issue"].tolist() == ["over 120 years", "over 120 years"]


def test_year_first_dates_written_year_day_month_are_read_the_other_way():
    # '1972-16-03': the middle number cannot be a month, the last can — as for d/m and m/d dates.
    assert one("1972-16-03", "%Y-%m-%d") == (dt.date(1972, 3, 16), True, "day/month swapped")
    assert one("1972/16/03") == (dt.date(1972, 3, 16), True, "day/month swapped")
    assert one("1972-03-16", "%Y-%m-%d") == (dt.date(1972, 3, 16), True, None)
    assert one("1972-16-13") == (None, False, "impossible date")  # neither order is a date
