"""The data-quality profile of stage 01: what each source actually contains, before cleaning.

Customer databases rot quietly; the profile makes the rot visible per source and per column
(fill rate, distinct values, value shapes, validity, duplicates) and per source in time
(freshness against the declared cadence). The table is saved every run so that trends can be
compared between runs.

Shareable pages must not carry personal data, so top values are only shown for columns that do
not identify anyone (`SAFE_TOP_VALUE_COLUMNS`); for the others the profile keeps value *shapes*
("Aaaa 99"), which describe the format without revealing the value.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time, timezone

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from helpers.schema import CADENCES, PEOPLE

# Columns whose most frequent values are not personal data and may appear in reports.
SAFE_TOP_VALUE_COLUMNS = {
    "title",
    "gender",
    "city",
    "region",
    "country",
    "company",
    "job_title",
    "interests",
    "referral_source",
    "device",
    "email_opt_in",
    "phone_opt_in",
    "mail_opt_in",
}
SHAPE_MAX_LENGTH = 24


def value_shapes(values: pd.Series) -> pd.Series:
    """Each value's shape: upper-case letters → A, lower-case → a, digits → 9, others kept.

    Long values are cut at SHAPE_MAX_LENGTH characters (marked with …) so that free text does not
    make every shape unique.
    """
    arr = pa.array(values.astype("object").where(values.notna(), None), type=pa.string())
    arr = pc.utf8_slice_codeunits(arr, 0, SHAPE_MAX_LENGTH + 1)
    arr = pc.replace_substring_regex(arr, r"\p{Lu}", "A")
    arr = pc.replace_substring_regex(arr, r"\p{Ll}|\p{Lo}", "a")
    arr = pc.replace_substring_regex(arr, r"\p{Nd}", "9")
    long = pc.greater(pc.utf8_length(arr), SHAPE_MAX_LENGTH)
    cut = pc.binary_join_element_wise(pc.utf8_slice_codeunits(arr, 0, SHAPE_MAX_LENGTH), "…", "")
    arr = pc.if_else(long, cut, arr)
    return pd.Series(arr.to_numpy(zero_copy_only=False), index=values.index, dtype="object")


def _top(counts: pd.Series, n: int) -> str:
    return json.dumps([[str(k), int(v)] for k, v in counts.head(n).items()], ensure_ascii=False)


def profile_columns(people: pd.DataFrame, columns: list[str] | None = None, top_n: int = 5) -> pd.DataFrame:
    """One row per (source, canonical column): fill rate, distinct values, top values and shapes."""
    columns = columns or PEOPLE
    rows = []
    for source, part in people.groupby("source", sort=True):
        n = len(part)
        for col in columns:
            values = part[col]
            text = values.astype("object").where(values.notna(), None)
            blank = text.isna() | text.astype(str).str.strip().eq("")
            filled = text[~blank]
            counts = filled.value_counts()
            shapes = value_shapes(filled).value_counts() if len(filled) else pd.Series(dtype="int64")
            rows.append(
                {
                    "source": source,
                    "column": col,
                    "rows": n,
                    "filled": int(len(filled)),
                    "fill_rate": len(filled) / n if n else np.nan,
                    "distinct": int(len(counts)),
                    "top_values": _top(counts, top_n) if col in SAFE_TOP_VALUE_COLUMNS else None,
                    "top_shapes": _top(shapes, top_n),
                    "distinct_shapes": int(len(shapes)),
                }
            )
    return pd.DataFrame(rows)


def duplicates_by_source(people: pd.DataFrame, columns: list[str] | None = None) -> pd.DataFrame:
    """Exact-duplicate rows (same id and same content) and ids used by more than one row."""
    columns = columns or PEOPLE
    out = []
    for source, part in people.groupby("source", sort=True):
        key = ["source_record_id"] + [c for c in columns if c in part]
        out.append(
            {
                "source": source,
                "rows": len(part),
                "exact_duplicate_rows": int(part.duplicated(subset=key).sum()),
                "duplicate_ids": int(part["source_record_id"].duplicated().sum()),
            }
        )
    return pd.DataFrame(out)


def reference_instant(reference_date: date | str | None) -> datetime:
    """The moment freshness is judged at: the end of the reference day (UTC)."""
    if reference_date is None:
        return datetime.now(timezone.utc)
    day = date.fromisoformat(str(reference_date)) if not isinstance(reference_date, date) else reference_date
    return datetime.combine(day, time(23, 59, 59), tzinfo=timezone.utc)


def freshness(summary: pd.DataFrame, reference_date: date | str | None, stale_after_cadences: float = 2.0) -> pd.DataFrame:
    """Each source's age at the reference date against its declared refresh cadence.

    A source is stale when its extract is older than `stale_after_cadences` refresh intervals
    (at least one day, so an hourly feed is not flagged for a run at midnight): it has missed a
    refresh and the data in it may no longer be true. A source without a cadence is never stale
    but its age is still shown.
    """
    ref = pd.Timestamp(reference_instant(reference_date))
    extracted = pd.to_datetime(summary["extracted_at"], utc=True)
    age_days = (ref - extracted).dt.total_seconds() / 86400
    interval = summary["cadence"].map(CADENCES)
    allowed = np.maximum(interval * stale_after_cadences, 1.0).where(interval.notna())
    stale = (age_days > allowed) & interval.notna()
    return pd.DataFrame(
        {
            "source": summary["source"],
            "kind": summary["kind"],
            "extracted_at": extracted,
            "cadence": summary["cadence"],
            "age_days": age_days.round(2),
            "allowed_age_days": allowed.round(2),
            "stale": stale.astype(bool),
            "future": (age_days < -1).astype(bool),  # an export dated after the run: a clock problem
        }
    )


def invalid_shares(people: pd.DataFrame, source_summary: pd.DataFrame, reference_date: date) -> pd.DataFrame:
    """Per source and validated field: how many given values fail stage 02's validator.

    The validators are stage 02's own standardisers, so the profile predicts exactly what
    cleaning will reject. Country defaults from the registry are applied as stage 02 does,
    because phone, postcode and id validity depend on the country.
    """
    from helpers.clean.countries import standardise_countries
    from helpers.clean.dates import standardise_dates
    from helpers.clean.emails import standardise_emails
    from helpers.clean.national_ids import standardise_national_ids
    from helpers.clean.phones import standardise_phones
    from helpers.clean.postcodes import standardise_postcodes
    from helpers.clean.records import source_context

    people = people.reset_index(drop=True)
    ctx = source_context(people, source_summary)
    raw_country = standardise_countries(people["country"])
    iso = standardise_countries(people["country"], default=ctx["default_country"])["country_std"]
    valid = {
        "email": standardise_emails(people["email"])["email_valid"],
        "phone": standardise_phones(people["phone"], iso)["phone_valid"],
        "date_of_birth": standardise_dates(people["date_of_birth"], ctx["date_format"], reference_date, kind="birth")["date_valid"],
        "postcode": standardise_postcodes(people["postcode"], iso)["postcode_valid"],
        "national_id": standardise_national_ids(people["national_id"], iso)["national_id_valid"],
        "country": raw_country["country_valid"],
    }
    rows = []
    for field, ok in valid.items():
        given = people[field].notna() & people[field].astype(str).str.strip().ne("")
        frame = pd.DataFrame({"source": people["source"], "given": given, "bad": given & ~ok.fillna(False).astype(bool)})
        for source, part in frame.groupby("source", sort=True):
            n_given = int(part["given"].sum())
            rows.append(
                {
                    "source": source,
                    "field": field,
                    "given": n_given,
                    "invalid": int(part["bad"].sum()),
                    "invalid_share": part["bad"].sum() / n_given if n_given else np.nan,
                }
            )
    return pd.DataFrame(rows)


def freshness_for_display(fresh: pd.DataFrame):
    """The freshness table with stale sources in red, as readers expect a warning to look."""
    view = fresh.assign(extracted_at=fresh["extracted_at"].dt.strftime("%Y-%m-%d %H:%M")).set_index("source")

    def colour(row: pd.Series) -> list[str]:
        style = "color: #cf222e; font-weight: bold" if row["stale"] else ""
        return [style] * len(row)

    return view.style.apply(colour, axis=1).format({"age_days": "{:.1f}", "allowed_age_days": "{:.1f}"})


def profile_for_display(profile: pd.DataFrame) -> pd.DataFrame:
    """Fill rate and shapes per source and column; top values only where they are not personal."""
    view = profile[profile["filled"] > 0].copy()
    view["fill_rate"] = (view["fill_rate"] * 100).round(1)
    view["top shapes"] = view["top_shapes"].map(lambda s: ", ".join(f"{v} ({n})" for v, n in json.loads(s)[:3]))
    view["top values"] = view["top_values"].map(
        lambda s: ", ".join(f"{v} ({n})" for v, n in json.loads(s)[:3]) if s else "— (personal data)"
    )
    return view.set_index(["source", "column"])[["fill_rate", "distinct", "top shapes", "top values"]].rename(
        columns={"fill_rate": "fill %"}
    )
