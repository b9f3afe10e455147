"""Dates: parse the many spellings sources use, flag what cannot be a real date, derive ages.

Each distinct (raw value, format hint) pair is parsed once (`per_distinct`) by a vectorised
cascade; the first step that reads a value wins:

1. the source's strftime hint, exactly (`pd.to_datetime(format=hint, errors='coerce')`);
2. ISO 8601 'yyyy-mm-dd', with or without a time and zone (the date as written is kept: a
   '1985-03-04T23:30-05:00' birth date is 4 March, not converted to UTC);
3. three numbers 'a/b/c' ('.', '-', '/' or space): a 4-digit first number is the year
   (yyyy/mm/dd, or yyyy/dd/mm when the middle number cannot be a month: 'day/month swapped'); otherwise day and month come in the hint's order (%m before %d = month-first),
   and WITHOUT a hint day-first — the convention in Europe and Latin America; a US source must
   declare '%m/%d/%Y' in the registry (year-first hints say nothing about this order). An unhinted
   value that fits both orders is read day-first and noted 'ambiguous day/month' (still valid);
   a value whose hinted order is impossible but whose other order is fine (13th month) is read
   the other way and noted 'day/month swapped' (still valid);
4. 'yyyymmdd' compact dates;
5. Excel serial day numbers ('31110' or '31110.0' -> 1985-03-04: origin 1899-12-30, as
   Excel's 1900 date system counts from March 1900 on), only in a plausible range
   (1906..2099) so a bare year such as '1985' is never taken for a serial;
6. month names in English, Spanish, Italian and Portuguese ('4 de marzo de 1985', '4 marzo
   1985', 'March 4th, 1985', '04-Mar-85').

Two-digit years take the latest century that does not put the date after the reference date
('01/02/30' -> 1930 with a 2026 reference), so a birth date is never pivoted into the future.

Missing values and placeholders ('n/a', 'unknown', '00/00/0000') give NaT, valid False and no
issue: unknown stays unknown. A value no step reads is 'unparseable'; one a step matched but
that is no calendar day (31/02/1985, month 13) is 'impossible date'.

Validity (`date_valid`): parsed AND plausible. kind='birth': not after the reference date and
not more than 120 years before it. kind='event' (sign-ups, record updates): not after the
reference date plus one day (extracts stamped in another time zone). The parsed value stays in
`date_std` even when implausible, so a reviewer sees what was read.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from helpers.standardise.distinct import per_distinct
from helpers.text import strip_accents

EXCEL_ORIGIN = np.datetime64("1899-12-30", "D")
SERIAL_MIN, SERIAL_MAX = 2200, 73050  # 1906-01-08 .. 2099-12-31
MAX_AGE_YEARS = 120
AGE_BANDS = ["0-17", "18-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75+"]
_AGE_EDGES = [0, 18, 25, 35, 45, 55, 65, 75, np.inf]
# What np.where makes of None (numpy-stubs reject None as a value argument).
_NONE = np.array(None, dtype=object)

MONTHS: dict[str, int] = {}
for _number, _words in enumerate(
    [
        "january jan enero ene gennaio gen janeiro",
        "february feb febrero febbraio fevereiro fev",
        "march mar marzo marco",
        "april apr abril abr aprile",
        "may mayo maggio mag maio mai",
        "june jun junio giugno giu junho",
        "july jul julio luglio lug julho",
        "august aug agosto ago",
        "september sep sept septiembre setiembre settembre setembro set",
        "october oct octubre ottobre ott outubro out",
        "november nov noviembre novembre novembro",
        "december dec diciembre dic dicembre dezembro dez",
    ],
    start=1,
):
    for _w in _words.split():
        MONTHS[_w] = _number

_WEEKDAYS = (
    "monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur "
    "thurs fri sat sun lunes martes miercoles jueves viernes sabado domingo lunedi "
    "martedi mercoledi giovedi venerdi sabato domenica segunda terca quarta quinta "
    "sexta feira"
).split()
_FILLER = ("de", "del", "of", "the", "em", "di")

_TIME = r"(?:[t ,]+\d{1,2}[:.]\d{2}.*)?"
_ISO = r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[t ].*)?$"
_NUMERIC = rf"^(\d{{1,4}})[./\- ](\d{{1,2}})[./\- ](\d{{1,4}}){_TIME}$"
_COMPACT = r"^((?:19|20)\d{2})(\d{2})(\d{2})$"
_SERIAL = r"^(\d{1,6})(?:\.\d+)?$"
_TEXT_DMY = rf"^(\d{{1,2}}) ([a-z]+) (\d{{2,4}}){_TIME}$"
_TEXT_MDY = rf"^([a-z]+) (\d{{1,2}}) (\d{{2,4}}){_TIME}$"
_TEXT_YMD = rf"^(\d{{4}}) ([a-z]+) (\d{{1,2}}){_TIME}$"


# ---------------------------------------------------------------------------------------------
# Helpers on component arrays
# ---------------------------------------------------------------------------------------------

# What people and systems type for "no date": missing, not a parsing failure.
_NULL_TOKENS = frozenset(
    {
        "n/a",
        "na",
        "n.a.",
        "nd",
        "n.d.",
        "null",
        "none",
        "nan",
        "nat",
        "-",
        "--",
        "?",
        "unknown",
        "desconocido",
        "desconhecido",
        "sconosciuto",
        "sin fecha",
        "sem data",
        "s/f",
    }
)
_ZERO_DATE = re.compile(r"^[0\s./:\-t]+$")  # 00/00/0000, 0000-00-00 00:00:00, 0


def _to_text(value: object) -> str | None:
    """One raw value as text: spreadsheets hand us floats (31111.0) and datetimes too.

    Placeholders ('n/a', 'unknown', '00/00/0000') are None: an unknown date stays unknown
    rather than counting as an unparseable one."""
    if value is None or value is pd.NaT or isinstance(value, bool):
        return None
    if isinstance(value, (float, np.floating)):
        if np.isnan(value):
            return None
        return str(int(value)) if float(value).is_integer() else repr(float(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (pd.Timestamp, dt.datetime, dt.date)):
        return value.strftime("%Y-%m-%d")
    text = re.sub(r"\s+", " ", str(value)).strip()
    if not text or text.lower() in _NULL_TOKENS or _ZERO_DATE.match(text.lower()):
        return None
    return text


def _ymd_to_dates(y: np.ndarray, m: np.ndarray, d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Integer year/month/day arrays (NaN allowed) -> (datetime64[D] with NaT, is-real-date).

    Built with numpy day arithmetic rather than pd.to_datetime so that 31 February is told
    apart from an unreadable value, and old dates do not overflow nanoseconds.
    """
    y = np.asarray(y, dtype=float)
    m = np.asarray(m, dtype=float)
    d = np.asarray(d, dtype=float)
    have = ~(np.isnan(y) | np.isnan(m) | np.isnan(d))
    yi = np.where(have, y, 2000).astype(np.int64)
    mi = np.where(have, m, 1).astype(np.int64)
    di = np.where(have, d, 1).astype(np.int64)
    month_ok = (mi >= 1) & (mi <= 12) & (yi >= 1) & (yi <= 9999)
    mi_safe = np.where(month_ok, mi, 1)
    yi_safe = np.where(month_ok, yi, 2000)
    first = ((yi_safe - 1970) * 12 + (mi_safe - 1)).astype("datetime64[M]")
    days_in_month = ((first + 1).astype("datetime64[D]") - first.astype("datetime64[D]")).astype(np.int64)
    ok = have & month_ok & (di >= 1) & (di <= days_in_month)
    dates = np.where(ok, first.astype("datetime64[D]") + (di - 1), np.datetime64("NaT", "D"))
    return dates.astype("datetime64[D]"), ok


def _pivot_year(yy: np.ndarray, m: np.ndarray, d: np.ndarray, reference: dt.date) -> np.ndarray:
    """Two-digit years: 20yy unless that is after the reference date, then 19yy."""
    ref = reference.year * 10000 + reference.month * 100 + reference.day
    y = 2000 + yy
    return np.where(y * 10000 + m * 100 + d > ref, y - 100, y)


def _num(s: pd.Series) -> np.ndarray:
    return pd.to_numeric(s, errors="coerce").to_numpy(dtype=float)


def _hint_order(hint: object) -> str | None:
    """'mdy' or 'dmy' for a year-last hint ('%m/%d/%Y', '%d.%m.%y'); None when the hint says
    nothing about how a day/month/year value is ordered (no hint, or year-first like ISO)."""
    if not isinstance(hint, str) or "%m" not in hint or "%d" not in hint:
        return None
    year = max(hint.find("%Y"), hint.find("%y"))
    m, d = hint.index("%m"), hint.index("%d")
    if year < max(m, d):
        return None
    return "mdy" if m < d else "dmy"


# ---------------------------------------------------------------------------------------------
# The cascade, on distinct values
# ---------------------------------------------------------------------------------------------


class _Result:
    """Accumulates parsed dates and notes over the distinct values; the first reader wins."""

    def __init__(self, n: int) -> None:
        self.date = np.full(n, np.datetime64("NaT", "D"), dtype="datetime64[D]")
        self.note = np.full(n, None, dtype=object)
        self.done = np.zeros(n, dtype=bool)

    def take(self, rows: np.ndarray, dates: np.ndarray, ok: np.ndarray, note: np.ndarray | None = None) -> None:
        """Record the matched rows: real dates, or 'impossible date' when matched but unreal."""
        rows = np.asarray(rows)
        self.date[rows] = np.where(ok, dates, np.datetime64("NaT", "D"))
        notes = np.where(ok, _NONE if note is None else note, "impossible date")
        self.note[rows] = notes
        self.done[rows] = True


def _step_hint(text: pd.Series, hints: pd.Series, res: _Result) -> None:
    """Step 1: the registry's own format, exactly."""
    # A bare number is never read through a hint ('%Y%m%d' would take '31111' for 3111-01-01).
    readable = text.notna().to_numpy() & ~text.str.fullmatch(_SERIAL).eq(True).to_numpy()
    for hint in hints.dropna().unique():
        if "%y" in hint or "%z" in hint or "%Z" in hint:
            continue  # two-digit years pivot our way; zones are read by the ISO step
        rows = np.flatnonzero((hints == hint).to_numpy() & ~res.done & readable)
        if len(rows) == 0:
            continue
        candidates = [hint]
        if " " in hint.strip() or "T" in hint:
            candidates.append(re.split(r"[ T]", hint.strip())[0])  # the date part alone
        for fmt in candidates:
            todo = rows[~res.done[rows]]
            try:
                parsed = pd.to_datetime(text.iloc[todo], format=fmt, errors="coerce")
            except ValueError:  # a hint pandas cannot use: the later steps still read the value
                continue
            got = parsed.notna().to_numpy()
            if got.any():
                days = parsed[got].dt.normalize().to_numpy().astype("datetime64[D]")
                res.take(todo[got], days, np.ones(got.sum(), dtype=bool))


def _step_iso(low: pd.Series, res: _Result) -> None:
    """Step 2: yyyy-mm-dd with optional time/zone."""
    parts = low.str.extract(_ISO)
    rows = np.flatnonzero(parts[0].notna().to_numpy() & ~res.done)
    if len(rows):
        month, day, note = _year_first_swap(_num(parts[1].iloc[rows]), _num(parts[2].iloc[rows]))
        dates, ok = _ymd_to_dates(_num(parts[0].iloc[rows]), month, day)
        res.take(rows, dates, ok, note)


def _year_first_swap(month: np.ndarray, day: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Year-first dates written year-day-month ('1972-16-03'): a 13th+ month with a day that can be
    a month is read the other way round and noted 'day/month swapped' (still valid), as for
    day-first and month-first dates; a value that fits neither order stays impossible."""
    swap = (month > 12) & (day <= 12)
    note = np.where(swap, "day/month swapped", _NONE).astype(object)
    return np.where(swap, day, month), np.where(swap, month, day), note


def _step_numeric(low: pd.Series, hints: pd.Series, reference: dt.date, res: _Result) -> None:
    """Step 3: three numbers; order from the hint, day-first without one (see module doc)."""
    parts = low.str.extract(_NUMERIC)
    rows = np.flatnonzero(parts[0].notna().to_numpy() & ~res.done)
    if len(rows) == 0:
        return
    a_txt, c_txt = parts[0].iloc[rows], parts[2].iloc[rows]
    a, b, c = _num(a_txt), _num(parts[1].iloc[rows]), _num(c_txt)
    year_first = (a_txt.str.len() == 4).to_numpy()
    orders = [_hint_order(h) for h in hints.iloc[rows]]
    hinted = np.array([o is not None for o in orders], dtype=bool)
    mdy = np.array([o == "mdy" for o in orders], dtype=bool)

    day = np.where(mdy, b, a)
    month = np.where(mdy, a, b)
    # The stated (or default) order cannot be right but the other one can: read it that way.
    swap = ~year_first & (month > 12) & (day <= 12)
    day, month = np.where(swap, month, day), np.where(swap, day, month)
    ambiguous = ~year_first & ~hinted & ~swap & (a <= 12) & (b <= 12) & (a != b)

    clen = c_txt.str.len().to_numpy()
    year = np.where(clen == 4, c, np.where(clen <= 2, _pivot_year(c, month, day, reference), np.nan))
    year = np.where(year_first, a, year)
    month = np.where(year_first, b, month)
    day = np.where(year_first, c, day)
    bad_year_first = year_first & (c_txt.str.len() > 2).to_numpy()
    day = np.where(bad_year_first, np.nan, day)

    yf_month, yf_day, yf_note = _year_first_swap(month, day)
    month, day = np.where(year_first, yf_month, month), np.where(year_first, yf_day, day)
    dates, ok = _ymd_to_dates(year, month, day)
    note = np.where(swap & hinted, "day/month swapped", np.where(ambiguous, "ambiguous day/month", _NONE))
    note = np.where(year_first & (yf_note != None), yf_note, note)  # noqa: E711 (element-wise)
    res.take(rows, dates, ok, note.astype(object))


def _step_compact(low: pd.Series, res: _Result) -> None:
    """Step 4: yyyymmdd."""
    parts = low.str.extract(_COMPACT)
    rows = np.flatnonzero(parts[0].notna().to_numpy() & ~res.done)
    if len(rows):
        dates, ok = _ymd_to_dates(_num(parts[0].iloc[rows]), _num(parts[1].iloc[rows]), _num(parts[2].iloc[rows]))
        # An 8-digit number that is not a real yyyymmdd is left for the later steps.
        res.take(rows[ok], dates[ok], ok[ok])


def _step_serial(low: pd.Series, res: _Result) -> None:
    """Step 5: Excel serial day numbers in a plausible range."""
    serial = _num(low.str.extract(_SERIAL)[0])
    rows = np.flatnonzero(~np.isnan(serial) & (serial >= SERIAL_MIN) & (serial <= SERIAL_MAX) & ~res.done)
    if len(rows):
        dates = EXCEL_ORIGIN + serial[rows].astype(np.int64)
        res.take(rows, dates, np.ones(len(rows), dtype=bool))


def _month_text(low: pd.Series) -> pd.Series:
    """'4 de Marzo de 1985' -> '4 marzo 1985', 'March 4th, 1985' -> 'march 4 1985'."""
    t = low.map(lambda s: strip_accents(s) if isinstance(s, str) else s)
    t = t.str.replace(r"[,./\-]", " ", regex=True)
    t = t.str.replace(r"\b(\d{1,2})(?:st|nd|rd|th|º|ª|o)\b", r"\1", regex=True)
    words = "|".join((*_WEEKDAYS, *_FILLER))
    t = t.str.replace(rf"\b(?:{words})\b", " ", regex=True)
    return t.str.replace(r"\s+", " ", regex=True).str.strip()


def _step_month_names(low: pd.Series, reference: dt.date, res: _Result) -> None:
    """Step 6: month names in en/es/it/pt, day-month-year, month-day-year or year-month-day."""
    todo = np.flatnonzero(~res.done & low.str.contains(r"[a-z]", regex=True).eq(True).to_numpy())
    if len(todo) == 0:
        return
    t = _month_text(low.iloc[todo])
    for pattern, order in ((_TEXT_DMY, "dmy"), (_TEXT_MDY, "mdy"), (_TEXT_YMD, "ymd")):
        parts = t.str.extract(pattern)
        hit = parts[0].notna().to_numpy() & ~res.done[todo]
        if not hit.any():
            continue
        p = parts[hit]
        if order == "dmy":
            d_txt, m_txt, y_txt = p[0], p[1], p[2]
        elif order == "mdy":
            m_txt, d_txt, y_txt = p[0], p[1], p[2]
        else:
            y_txt, m_txt, d_txt = p[0], p[1], p[2]
        month = m_txt.map(MONTHS).to_numpy(dtype=float)
        known = ~np.isnan(month)
        if not known.any():
            continue
        day = _num(d_txt)
        yr = _num(y_txt)
        short = (y_txt.str.len() <= 2).to_numpy()
        year = np.where(short, _pivot_year(yr, np.nan_to_num(month), day, reference), yr)
        dates, ok = _ymd_to_dates(year[known], month[known], day[known])
        res.take(todo[hit][known], dates, ok)


def _parse_distinct(frame: pd.DataFrame, reference: dt.date) -> pd.DataFrame:
    """Run the cascade on distinct (value, format) rows; returns the parsed day and a note."""
    text = pd.Series([_to_text(v) for v in frame["value"]], dtype="object")
    hints = frame["format"].astype("object").where(frame["format"].notna(), None)
    low = text.str.lower().str.replace(r"\s*([./\-])\s*", r"\1", regex=True)
    res = _Result(len(text))
    _step_hint(text, hints, res)
    _step_iso(low, res)
    _step_numeric(low, hints, reference, res)
    _step_compact(low, res)
    _step_serial(low, res)
    _step_month_names(low, reference, res)
    missing = text.isna().to_numpy()
    note = np.where(~res.done & ~missing, "unparseable", res.note)
    return pd.DataFrame({"day": res.date, "note": pd.Series(note, dtype="object")})


# ---------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------


def _years_before(reference: dt.date, years: int) -> dt.date:
    try:
        return reference.replace(year=reference.year - years)
    except ValueError:  # 29 February
        return reference.replace(year=reference.year - years, day=28)


def standardise_dates(
    values: pd.Series,
    formats: pd.Series | str | None,
    reference_date: dt.date,
    kind: str = "birth",
) -> pd.DataFrame:
    """`date_std`, `date_valid`, `date_issue` for each row of `values` (same index).

    formats: the source's strftime hint per row (Series), one hint for all rows (str) or None.
    kind: 'birth' (not future, at most 120 years old) or 'event' (not after reference + 1 day).
    A missing value gives NaT, valid False and no issue: unknown is not an error.
    """
    if kind not in ("birth", "event"):
        raise ValueError(f"kind must be 'birth' or 'event', not {kind!r}")
    if isinstance(formats, pd.Series):
        hints = formats if formats.index.equals(values.index) else formats.reindex(values.index)
        hints = hints.astype("object")
    else:
        hints = pd.Series(formats, index=values.index, dtype="object")
    frame = pd.DataFrame({"value": _drop_time_of_day(values.astype("object")), "format": hints})
    parsed = per_distinct(frame, lambda f: _parse_distinct(f, reference_date))

    day = parsed["day"].to_numpy(dtype="datetime64[D]")
    issue = parsed["note"].to_numpy(dtype=object).copy()
    ref = np.datetime64(reference_date, "D")
    if kind == "birth":
        future = day > ref
        too_old = day < np.datetime64(_years_before(reference_date, MAX_AGE_YEARS), "D")
    else:
        future = day > ref + 1
        too_old = np.zeros(len(day), dtype=bool)
    issue = np.where(future, "future", np.where(too_old, f"over {MAX_AGE_YEARS} years", issue))
    parsed_ok = ~np.isnat(day)
    valid = parsed_ok & ~future & ~too_old

    # Seconds, not pandas' default nanoseconds: nanoseconds stop at 1677, and a birth date of
    # 1630 (genealogy, historical archives) is still a date worth matching on, though not a
    # plausible customer age (valid is False).
    date_std = np.where(parsed_ok, day, np.datetime64("NaT", "D")).astype("datetime64[s]")
    return pd.DataFrame(
        {
            "date_std": date_std,
            "date_valid": valid,
            "date_issue": pd.Series(issue, index=values.index, dtype="object").where(pd.notna(issue), None),
        },
        index=values.index,
    )


_ISO_WITH_TIME = r"^\s*(\d{4}-\d{1,2}-\d{1,2})[T ]\d{1,2}:\d{2}.*$"
_ANY_WITH_TIME = (
    r"^\s*(\S+)\s+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:[aApP]\.?[mM]\.?)?\s*"
    r"(?:Z|[+-]\d{2}:?\d{2}|UTC|GMT)?\s*$"
)


def _drop_time_of_day(values: pd.Series) -> pd.Series:
    """Cut the time of day off timestamps, vectorised, before taking distinct values.

    Only the day is kept anyway (time zones are not converted), and event timestamps are nearly
    all distinct: cutting first turns a million distinct values into a few thousand days.
    Columns that hold anything but text (spreadsheet numbers, datetimes) are left as they are.
    """
    if pd.api.types.infer_dtype(values, skipna=True) != "string":
        return values
    arr = pa.array(values.to_numpy(dtype=object), type=pa.string(), from_pandas=True)
    arr = pc.replace_substring_regex(arr, _ISO_WITH_TIME, r"\1")
    arr = pc.replace_substring_regex(arr, _ANY_WITH_TIME, r"\1")
    return pd.Series(arr.to_numpy(zero_copy_only=False), index=values.index, dtype="object")


def as_days(values: pd.Series | np.ndarray) -> np.ndarray:
    """Any column of dates (datetime64 of any unit, tz-aware, python dates, ISO text, None) as
    numpy datetime64[D], NaT where missing or unreadable.

    Day numbers cover years 1..9999, so a birth date typed as 1063 or 7985 stays a date that
    can be compared and flagged; pandas' default nanoseconds stop at 1677..2262 and raise
    OutOfBoundsDatetime on such a value (a whole stage lost to one typo). The conversion works
    on the column as a whole (numpy casts), never value by value in Python.
    """
    s = values if isinstance(values, pd.Series) else pd.Series(values)
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        s = s.dt.tz_convert("UTC").dt.tz_localize(None)
    if pd.api.types.is_datetime64_dtype(s.dtype):
        return s.to_numpy().astype("datetime64[D]")
    obj = s.astype(object).where(s.notna(), None).to_numpy(dtype=object)
    try:
        return obj.astype("datetime64[D]")
    except (TypeError, ValueError, OverflowError):  # free text among the dates: unreadable -> NaT
        parsed = pd.to_datetime(pd.Series(obj), errors="coerce", format="mixed", utc=True)
        return parsed.dt.tz_localize(None).to_numpy().astype("datetime64[D]")


def iso_days(values: pd.Series) -> np.ndarray:
    """Dates as 'yyyy-mm-dd' text (object array, None where missing), any year 0001..9999.

    Each distinct day is formatted once (`pd.factorize`), so a million birth dates cost a few
    thousand formattings; numpy's formatter, not pandas', so no year overflows nanoseconds."""
    codes, uniques = pd.factorize(pd.Series(as_days(values), index=None))
    text = np.datetime_as_string(np.asarray(uniques, dtype="datetime64[D]"), unit="D").astype(object)
    out = np.full(len(codes), None, dtype=object)
    known = codes >= 0
    out[known] = text[codes[known]]
    return out


def age_at(dob: pd.Series, reference_date: dt.date) -> pd.Series:
    """Completed years at the reference date (Int64; NA when unknown or born after it).

    Day arithmetic on datetime64[D] (`as_days`), so a date of any year gives an age or NA and
    never an overflow; callers pass validated dates (`date_of_birth_std.where(valid)`)."""
    day = as_days(dob)
    known = ~np.isnat(day)
    safe = np.where(known, day, np.datetime64("2000-01-01", "D"))
    month_start = safe.astype("datetime64[M]")
    year = safe.astype("datetime64[Y]").astype(np.int64) + 1970
    month = month_start.astype(np.int64) % 12 + 1
    mday = (safe - month_start.astype("datetime64[D]")).astype(np.int64) + 1
    before_birthday = (month > reference_date.month) | ((month == reference_date.month) & (mday > reference_date.day))
    age = reference_date.year - year - before_birthday.astype(np.int64)
    born = known & (safe <= np.datetime64(reference_date, "D"))
    index = dob.index if isinstance(dob, pd.Series) else None
    return pd.Series(pd.array(np.where(born, age, 0), dtype="Int64"), index=index, name="age").where(born)


def age_band(age: pd.Series) -> pd.Series:
    """Marketing age bands ('0-17' … '75+') as an ordered categorical; missing -> NaN."""
    numbers = pd.to_numeric(age, errors="coerce").astype(float)
    bands = pd.cut(numbers, bins=_AGE_EDGES, right=False, labels=AGE_BANDS)
    return pd.Series(bands, index=age.index, name="age_band")
