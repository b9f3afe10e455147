"""The data-quality profile of stage 01: what each source actually contains, before cleaning.

Customer databases rot quietly; the profile makes the rot visible per source and per column
(fill rate, distinct values, value shapes, validity, duplicates) and per source in time
(freshness against the declared cadence). The table is saved every run so that trends can be
compared between runs.

Shareable pages must not carry personal data, so top values are only kept for columns that do
not identify anyone (`SAFE_TOP_VALUE_COLUMNS`), and only when the column behaves like a category
(few distinct values, `is_categorical`): free text never. In open-vocabulary columns (a city,
a referral source someone typed) a value needs `MIN_TOP_COUNT` records to be listed, and every
listed value has anything shaped like an email or phone number masked — people type their
email into whatever box is in front of them. For the others the profile keeps value *shapes*
("Aaaa 99"), which describe the format without revealing the value.
"""

from __future__ import annotations

import functools
import json
from datetime import UTC, date, datetime, time

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from helpers.frames import records_frame
from helpers.schema import CADENCES, PEOPLE

# Closed vocabularies: any value, however rare, says nothing about whom.
CLOSED_TOP_VALUE_COLUMNS = {"title", "gender", "country", "device", "email_opt_in", "phone_opt_in", "mail_opt_in"}
# Open vocabularies that are categories in practice; a rare value may be something personal typed in.
OPEN_TOP_VALUE_COLUMNS = {"city", "region", "interests", "referral_source"}
# Columns whose most frequent values are not personal data and may appear in reports (company and
# job title are not: a sole trader's company is a person's name).
SAFE_TOP_VALUE_COLUMNS = CLOSED_TOP_VALUE_COLUMNS | OPEN_TOP_VALUE_COLUMNS
TOP_MAX_DISTINCT = 50  # a column with at most this many distinct values is a category …
TOP_MAX_DISTINCT_SHARE = 0.05  # … or one whose distinct values are at most 5% of its filled values
MIN_TOP_COUNT = 3  # records an open-vocabulary value needs to be listed
SHAPE_MAX_LENGTH = 24


def is_categorical(distinct: int, filled: int) -> bool:
    """Few distinct values for the rows filled: a category, not free text."""
    return distinct <= TOP_MAX_DISTINCT or distinct <= TOP_MAX_DISTINCT_SHARE * filled


def safe_top_values(column: str, top: pd.Series, distinct: int, filled: int, n: int) -> str | None:
    """The top values a report may show for `column` (JSON [[value, count], …]), or None."""
    from helpers.report.leaks import mask_contact_patterns

    if column not in SAFE_TOP_VALUE_COLUMNS or not is_categorical(distinct, filled):
        return None
    if column in OPEN_TOP_VALUE_COLUMNS:
        top = top[top >= MIN_TOP_COUNT]
    masked = pd.Series(top.to_numpy(), index=[mask_contact_patterns(str(v)) for v in top.index])
    return _top(masked, n)


@functools.lru_cache(maxsize=1)
def _shape_table() -> np.ndarray:
    """Code point -> shape code point for the Basic Multilingual Plane (A, a, 9 or itself)."""
    table = np.arange(0x10000, dtype=np.uint32)
    for cp in range(0x10000):
        ch = chr(cp)
        if ch.isdigit():
            table[cp] = ord("9")
        elif ch.isupper():
            table[cp] = ord("A")
        elif ch.isalpha():
            table[cp] = ord("a")
    return table


def value_shapes(values: pd.Series) -> pd.Series:
    """Each value's shape: upper-case letters → A, other letters → a, digits → 9, others kept.

    Long values are cut at SHAPE_MAX_LENGTH characters (marked with …) so that free text does not
    make every shape unique. Vectorised over code points with a lookup table.
    """
    text = values.astype("object")
    present = text.notna().to_numpy()
    out = np.full(len(text), None, dtype=object)
    if present.any():
        arr = pa.array(text[present].to_numpy(), type=pa.string())
        lengths = pc.utf8_length(arr).to_numpy()
        cut = pc.utf8_slice_codeunits(arr, 0, SHAPE_MAX_LENGTH).to_numpy(zero_copy_only=False)
        fixed = np.array(cut, dtype=f"U{SHAPE_MAX_LENGTH}")
        cps = fixed.view(np.uint32).reshape(len(fixed), SHAPE_MAX_LENGTH)
        shaped = np.where(cps < 0x10000, _shape_table()[np.minimum(cps, 0xFFFF)], cps)
        result = shaped.astype(np.uint32).view(f"U{SHAPE_MAX_LENGTH}").ravel().astype(object)
        long = lengths > SHAPE_MAX_LENGTH
        result[long] = result[long] + "…"
        out[present] = result
    return pd.Series(out, index=values.index, dtype="object")


def _top(counts: pd.Series, n: int) -> str:
    return json.dumps([[str(k), int(v)] for k, v in counts.head(n).items()], ensure_ascii=False)


def _text_array(values: pd.Series) -> pa.Array:
    """A column as Arrow text. Stage 01 keeps values as the source wrote them, which is not
    always text: a spreadsheet cell holds a number, a JSON field a boolean. Those are profiled
    as the text they print as, rather than stopping the profile of the whole file."""
    raw = values.astype(object)
    try:
        return pa.array(raw.to_numpy(), type=pa.string(), from_pandas=True)
    except (TypeError, ValueError, pa.ArrowException):
        return pa.array(raw.where(raw.isna(), raw.astype(str)).to_numpy(), type=pa.string(), from_pandas=True)


def profile_columns(people: pd.DataFrame, columns: list[str] | None = None, top_n: int = 5) -> pd.DataFrame:
    """One row per (source, canonical column): fill rate, distinct values, top values and shapes.

    Runs on Arrow compute: values are counted once, and shapes are computed per distinct value
    and weighted by its count, so a million rows cost what their distinct values cost.
    """
    columns = columns or PEOPLE
    rows = []
    for source, part in people.groupby("source", sort=True):
        n = len(part)
        for col in columns:
            arr = _text_array(part[col])
            given = pc.and_(pc.is_valid(arr), pc.not_equal(pc.utf8_trim_whitespace(arr), ""))
            filled = pc.filter(arr, pc.fill_null(given, False))
            counts = pc.value_counts(filled)
            values = counts.field("values")
            freq = counts.field("counts")
            by_count = pc.sort_indices(pa.table({"c": freq, "v": values}), [("c", "descending"), ("v", "ascending")])
            top = pd.Series(
                pc.take(freq, by_count[:top_n]).to_numpy(),
                index=pc.take(values, by_count[:top_n]).to_pylist(),
            )
            shape_counts = (
                pa.table(
                    {
                        "shape": pa.array(
                            value_shapes(pd.Series(values.to_numpy(zero_copy_only=False))).to_numpy(), pa.string()
                        ),
                        "n": freq,
                    }
                )
                .group_by("shape")
                .aggregate([("n", "sum")])
                .sort_by([("n_sum", "descending"), ("shape", "ascending")])
            )
            shapes = pd.Series(shape_counts["n_sum"].to_numpy(), index=shape_counts["shape"].to_pylist())
            rows.append(
                {
                    "source": source,
                    "column": col,
                    "rows": n,
                    "filled": len(filled),
                    "fill_rate": len(filled) / n if n else np.nan,
                    "distinct": len(values),
                    "top_values": safe_top_values(col, top, len(values), len(filled), top_n),
                    "top_shapes": _top(shapes, top_n),
                    "distinct_shapes": len(shapes),
                }
            )
    # With no people record at all (a header-only export), the same columns, no rows.
    return records_frame(rows, PROFILE_COLUMNS)


PROFILE_COLUMNS = [
    "source",
    "column",
    "rows",
    "filled",
    "fill_rate",
    "distinct",
    "top_values",
    "top_shapes",
    "distinct_shapes",
]


def duplicates_by_source(people: pd.DataFrame, columns: list[str] | None = None) -> pd.DataFrame:
    """Exact-duplicate rows (same id and same content) and ids used by more than one row."""
    columns = columns or PEOPLE
    out = []
    for source, part in people.groupby("source", sort=True):
        key = ["source_record_id"] + [c for c in columns if c in part]
        # An exact duplicate repeats its id: only rows of repeated ids need the full comparison.
        repeated = part.loc[part["source_record_id"].duplicated(keep=False).to_numpy()]
        out.append(
            {
                "source": source,
                "rows": len(part),
                "exact_duplicate_rows": int(repeated.duplicated(subset=key).sum()),
                "duplicate_ids": int(part["source_record_id"].duplicated().sum()),
            }
        )
    return pd.DataFrame(out, columns=["source", "rows", "exact_duplicate_rows", "duplicate_ids"])


def reference_instant(reference_date: date | str | None) -> datetime:
    """The moment freshness is judged at: the end of the reference day (UTC)."""
    if reference_date is None:
        return datetime.now(UTC)
    day = date.fromisoformat(str(reference_date)) if not isinstance(reference_date, date) else reference_date
    return datetime.combine(day, time(23, 59, 59), tzinfo=UTC)


def freshness(
    summary: pd.DataFrame, reference_date: date | str | None, stale_after_cadences: float = 2.0
) -> pd.DataFrame:
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
    """Per source and validated field: how many given values fail stage 02's validator
    (`invalid`, validity False) and how many it cannot check (`unknown`, validity null: an
    identity number of a country without a checksum rule, a phone without a country). The
    unknown are reported apart, never as invalid: not knowing is not a failure.

    The validators are stage 02's own standardisers, so the profile predicts exactly what
    cleaning will reject. Country defaults from the registry are applied as stage 02 does,
    because phone, postcode and id validity depend on the country.
    """
    from helpers.clean.records import source_context
    from helpers.standardise.countries import standardise_countries
    from helpers.standardise.dates import standardise_dates
    from helpers.standardise.distinct import is_given, known_bad, unknown
    from helpers.standardise.emails import standardise_emails
    from helpers.standardise.national_ids import standardise_national_ids
    from helpers.standardise.phones import standardise_phones
    from helpers.standardise.postcodes import standardise_postcodes

    people = people.reset_index(drop=True)
    ctx = source_context(people, source_summary)
    # A default only fills a missing country, so among given values validity is the raw one.
    country = standardise_countries(people["country"], default=ctx["default_country"])
    iso = country["country_std"]
    valid = {
        "email": standardise_emails(people["email"])["email_valid"],
        "phone": standardise_phones(people["phone"], iso)["phone_valid"],
        "date_of_birth": standardise_dates(
            people["date_of_birth"], ctx["date_format:date_of_birth"], reference_date, kind="birth"
        )["date_valid"],
        "postcode": standardise_postcodes(people["postcode"], iso)["postcode_valid"],
        "national_id": standardise_national_ids(people["national_id"], iso)["national_id_valid"],
        "country": country["country_valid"],
    }
    rows = []
    for field, ok in valid.items():
        given = is_given(people[field]).to_numpy()
        frame = pd.DataFrame(
            {"source": people["source"], "given": given, "bad": given & known_bad(ok), "unknown": given & unknown(ok)}
        )
        for source, part in frame.groupby("source", sort=True):
            n_given = int(part["given"].sum())
            rows.append(
                {
                    "source": source,
                    "field": field,
                    "given": n_given,
                    "invalid": int(part["bad"].sum()),
                    "invalid_share": part["bad"].sum() / n_given if n_given else np.nan,
                    "unknown": int(part["unknown"].sum()),
                    "unknown_share": part["unknown"].sum() / n_given if n_given else np.nan,
                }
            )
    columns = ["source", "field", "given", "invalid", "invalid_share", "unknown", "unknown_share"]
    return pd.DataFrame(rows, columns=columns)


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
    view["fill_rate"] = (view["fill_rate"].astype("float64") * 100).round(1)
    view["top shapes"] = view["top_shapes"].map(lambda s: ", ".join(f"{v} ({n})" for v, n in json.loads(s)[:3]))
    view["top values"] = view["top_values"].map(
        lambda s: (
            (", ".join(f"{v} ({n})" for v, n in json.loads(s)[:3]) or "— (no value common enough)")
            if isinstance(s, str) and s  # missing is None (pandas 2) or NaN (pandas 3's str)
            else "— (personal data or free text)"
        )
    )
    return view.set_index(["source", "column"])[["fill_rate", "distinct", "top shapes", "top values"]].rename(
        columns={"fill_rate": "fill %"}
    )
