"""Transactions (and interactions) tied to persons, with dates, amounts and promotion flags read.

Stage 01 keeps events as the text each source wrote; its registry says what `customer_ref`
points at (`source_summary.links_to`):

- `{"source": "shop"}`: the `source_record_id` of a record of people source `shop`;
  `record_links` gives that record's person;
- `{"field": "loyalty_card"}`: a value of that field on people records, compared after
  normalising both sides (strip, upper case, no spaces or dashes: 'lc-123 4' = 'LC1234').

Every row ends with a `link_status`: `linked`, `anonymous` (no reference: a till sale without
a card, a guest checkout — kept and reported as a share, never guessed), `unlinked` (a
reference no person carries), `ambiguous` (a reference two persons carry: not split, not
guessed) or `no_link_rule` (the source declares no links_to).

Shared by stage 05 (household spend), stage 07 (segments) and the data-subject requests
(erasure, subject access); the money settings are `helpers.currency`'s.
"""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from helpers.currency import Rates, currency_codes, parse_amounts, to_reporting
from helpers.ingest import date_format_per_row
from helpers.standardise.dates import standardise_dates
from helpers.standardise.distinct import as_arrow_text, is_given, map_distinct
from helpers.standardise.flags import standardise_flag

LINK_STATUSES = ("linked", "anonymous", "unlinked", "ambiguous", "no_link_rule")


def normalise_ref(values: pd.Series) -> pd.Series:
    """Card-like identifiers as comparable text: trimmed, upper case, no spaces or dashes
    (Arrow strings: the regex runs in Arrow's kernels, not a Python loop)."""
    text = as_arrow_text(values).str.upper().str.replace(r"[\s\-]", "", regex=True)
    return text.mask(text.eq(""))


def _trimmed(values: pd.Series) -> pd.Series:
    """Ids as Arrow strings without surrounding blanks; blank is missing."""
    text = as_arrow_text(values).str.strip()
    return text.mask(text.eq(""))


def link_rules(source_summary: pd.DataFrame) -> dict[str, dict[str, str]]:
    """Per event source, its links_to rule as a dict (sources without one are left out)."""
    rules = {}
    for source, raw in source_summary.set_index("source")["links_to"].dropna().items():
        rule = json.loads(raw) if isinstance(raw, str) else dict(raw)
        if rule:
            rules[str(source)] = rule
    return rules


def _lookup(refs: pd.Series, keys: pd.Series, persons: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Each ref's person where exactly one person carries it (object array, None elsewhere), and
    whether several do. One hash lookup of all refs in Arrow (`index_in`); keys that repeat
    (rare: an id or card on several records) are sorted out among themselves only."""
    key = keys.to_numpy(dtype=object, na_value=None)
    person_of = persons.to_numpy(dtype=object, na_value=None)
    given = pd.notna(key) & pd.notna(person_of)
    key, person_of = key[given], person_of[given]
    repeated = pd.Series(key).duplicated(keep=False).to_numpy()
    shared = np.empty(0, dtype=object)
    if repeated.any():
        pairs = pd.DataFrame({"key": key[repeated], "person_id": person_of[repeated]}).drop_duplicates()
        persons_per_key = pairs["key"].value_counts()
        shared = persons_per_key.index[persons_per_key.to_numpy() > 1].to_numpy(dtype=object)
        same = pairs[~pairs["key"].isin(shared).to_numpy()]  # repeated, but always the same person
        key = np.concatenate([key[~repeated], same["key"].to_numpy(dtype=object)])
        person_of = np.concatenate([person_of[~repeated], same["person_id"].to_numpy(dtype=object)])
    wanted = pa.array(refs.to_numpy(dtype=object, na_value=None), type=pa.string())
    at = pc.index_in(wanted, value_set=pa.array(key, type=pa.string())).to_numpy(zero_copy_only=False)
    found = ~np.isnan(at)
    person = np.full(len(refs), None, dtype=object)
    person[found] = person_of[at[found].astype(np.int64)]
    ambiguous = np.zeros(len(refs), dtype=bool)
    if len(shared):
        ambiguous = pc.is_in(wanted, value_set=pa.array(shared, type=pa.string())).to_numpy(zero_copy_only=False)
    return person, ambiguous.astype(bool) & ~found


def link_to_persons(
    events: pd.DataFrame,
    source_summary: pd.DataFrame,
    record_links: pd.DataFrame,
    clean_records: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """`person_id` and `link_status` for each event row (same index as `events`).

    `events` needs `source` and `customer_ref`. `clean_records` (record_key and the linked
    field) is needed only when a source links by a field. Rules are applied per source — a
    loop over a handful of sources; every lookup inside is one vectorised map.
    """
    rules = link_rules(source_summary)
    n = len(events)
    ref = as_arrow_text(events["customer_ref"]).str.strip()  # once, in Arrow, for every rule below
    given = (ref.notna() & ref.ne("")).fillna(False).to_numpy(bool)
    source_code, source_names = pd.factorize(events["source"])
    person = np.full(n, None, dtype=object)
    status = np.full(n, "no_link_rule", dtype=object)
    status[~given] = "anonymous"
    person_of_record = record_links.drop_duplicates("record_key").set_index("record_key")["person_id"]
    field_tables: dict[str, pd.DataFrame] = {}
    for source, rule in rules.items():  # a handful of sources; each lookup is vectorised
        position = source_names.get_indexer([source])[0]
        rows = (source_code == position) & given if position >= 0 else np.zeros(n, dtype=bool)
        if not rows.any():
            continue
        if "source" in rule:
            ids = record_links[(record_links["source"] == rule["source"]).to_numpy()]
            found, ambiguous = _lookup(ref[rows], _trimmed(ids["source_record_id"]), ids["person_id"])
        else:
            field = rule["field"]
            if field not in field_tables:
                if clean_records is None or field not in clean_records.columns:
                    raise ValueError(
                        f"source '{source}' links customers by the people field '{field}', "
                        "but clean_records has no such column"
                    )
                keyed = clean_records[["record_key", field]]
                field_tables[field] = pd.DataFrame(
                    {
                        "key": normalise_ref(keyed[field]).to_numpy(dtype=object, na_value=None),
                        "person_id": keyed["record_key"].map(person_of_record).to_numpy(),
                    }
                )
            table = field_tables[field]
            found, ambiguous = _lookup(normalise_ref(ref[rows]), table["key"], table["person_id"])
        person[rows] = found
        status[rows] = np.where(pd.notna(found), "linked", np.where(ambiguous, "ambiguous", "unlinked"))
    return pd.DataFrame({"person_id": person, "link_status": status}, index=events.index)


def promotion_flags(values: pd.Series) -> pd.Series:
    """On promotion: a yes/no flag as written ('Y', '1', 'true' / 'N', '0', 'false'), else any
    discount code given ('VIP15' means yes); empty means no. Decided once per distinct value."""

    def on_promotion(distinct: pd.Series) -> pd.Series:
        return standardise_flag(distinct).fillna(pd.Series(is_given(distinct).to_numpy(), index=distinct.index))

    return map_distinct(values, on_promotion).astype(bool)


TIME_OF_DAY = r"[T ]\d{1,2}[:.]\d{2}.*$"  # what follows the day in a timestamp


def event_days(
    values: pd.Series, sources: pd.Series, source_summary: pd.DataFrame, reference_date: date
) -> pd.DataFrame:
    """`day` (datetime64[s], the day as written) and `date_issue`, read with each source's own
    date_format by the project's date parser.

    Millions of timestamps fall on a few thousand days: the time of day is cut off in Arrow, and
    the parser reads each distinct (day, source) pair once. The parser lets an event run one day
    past the reference date (extracts stamped in another time zone); a purchase is stricter: one
    after the reference day is 'future' and does not count, since every metric is measured at
    that day (a recency of -1 is no recency).
    """
    day_text = pc.replace_substring_regex(pc.utf8_trim_whitespace(_arrow(values)), TIME_OF_DAY, "")
    text_code, texts = pd.factorize(day_text.to_numpy(zero_copy_only=False), use_na_sentinel=False)
    source_code, source_names = pd.factorize(sources, use_na_sentinel=False)
    pair, at = np.unique(text_code.astype(np.int64) * max(len(source_names), 1) + source_code, return_inverse=True)
    distinct_text = pd.Series(np.asarray(texts, dtype=object)[pair // max(len(source_names), 1)], dtype=object)
    distinct_source = pd.Series(np.asarray(source_names, dtype=object)[pair % max(len(source_names), 1)], dtype=object)
    formats = date_format_per_row(source_summary, distinct_source, "transaction_at")
    parsed = standardise_dates(distinct_text, formats, reference_date, kind="event")
    future = (parsed["date_std"] > pd.Timestamp(reference_date)).to_numpy()
    day = parsed["date_std"].where(parsed["date_valid"].to_numpy() & ~future).to_numpy()
    issue = parsed["date_issue"].where(~future, "future").to_numpy(dtype=object)
    return pd.DataFrame({"day": day[at], "date_issue": issue[at]}, index=values.index)


def prepare_transactions(
    transactions: pd.DataFrame,
    source_summary: pd.DataFrame,
    record_links: pd.DataFrame,
    clean_records: pd.DataFrame | None,
    config: Rates,
    reference_date: date,
) -> pd.DataFrame:
    """The canonical (all-text) transactions as a typed table tied to persons.

    Columns: source, source_record_id, transaction_id, order_key (source:transaction_id, the
    unit counted as one purchase), person_id, link_status, purchased_on, amount, currency,
    amount_reporting, product_category, channel, on_promotion, issue (why a row cannot count:
    unreadable date, future date, unreadable amount; None when it can) and usable.
    Raises UnknownCurrency when a readable amount's currency has no rate.
    """
    t = transactions
    links = link_to_persons(t, source_summary, record_links, clean_records)
    days = event_days(t["transaction_at"], t["source"], source_summary, reference_date)
    amount = parse_amounts(t["amount"])
    currency = currency_codes(t["currency"], t["source"], config.source_currency)
    reporting = to_reporting(amount, currency, t["source"], config)
    order_key = pc.binary_join_element_wise(
        _arrow(t["source"]), pc.coalesce(_arrow(t["transaction_id"]), _arrow(t["source_record_id"])), ":"
    ).to_numpy(zero_copy_only=False)
    issue = np.where(
        days["day"].isna() & days["date_issue"].eq("future").fillna(False),
        "future date",
        np.where(
            days["day"].isna(),
            "unreadable date",
            np.where(amount.isna(), "unreadable amount", np.array(None, dtype=object)),
        ),
    )
    out = pd.DataFrame(
        {
            "source": t["source"],
            "source_record_id": t["source_record_id"],
            "transaction_id": t["transaction_id"],
            "order_key": order_key,
            "person_id": links["person_id"],
            "link_status": links["link_status"],
            "purchased_on": days["day"].astype("datetime64[s]"),
            "amount": amount,
            "currency": currency,
            "amount_reporting": reporting,
            "reporting_currency": config.reporting_currency,
            "product_category": map_distinct(t["product_category"], _category),
            "channel": t["channel"],
            "on_promotion": promotion_flags(t["promotion"]).to_numpy(),
            "issue": pd.Series(issue, index=t.index, dtype=object),
        }
    )
    out["usable"] = pd.isna(issue)
    return out.reset_index(drop=True)


def _arrow(values: pd.Series) -> pa.Array:
    """Any column as an Arrow string array (numbers a source wrote become their text)."""
    return pa.chunked_array(as_arrow_text(values).array.__arrow_array__()).combine_chunks().cast(pa.string())


def _category(values: pd.Series) -> pd.Series:
    text = values.astype("string").str.strip().str.lower()
    return text.mask(text.eq(""))


def link_summary(prepared: pd.DataFrame) -> pd.DataFrame:
    """Per source and in total: how rows were tied to persons, the anonymous share of rows and of
    revenue, and rows that cannot count. No personal data: counts and shares only."""
    p = prepared.assign(
        _n=1,
        _bad=~prepared["usable"],
        _anon_amount=prepared["amount_reporting"].where(prepared["link_status"] == "anonymous", 0.0),
    )
    counts = pd.crosstab(p["source"], p["link_status"]).reindex(columns=list(LINK_STATUSES), fill_value=0)
    per = p.groupby("source").agg(
        transactions=("_n", "size"),
        not_usable=("_bad", "sum"),
        revenue=("amount_reporting", "sum"),
        anonymous_revenue=("_anon_amount", "sum"),
    )
    out = per.join(counts)
    total = out.sum(numeric_only=True).rename("all sources")
    out = pd.concat([out, total.to_frame().T])
    out["anonymous_share"] = out["anonymous"] / out["transactions"].where(out["transactions"] > 0)
    out["anonymous_revenue_share"] = out["anonymous_revenue"] / out["revenue"].where(out["revenue"] != 0)
    int_cols = ["transactions", "not_usable", *LINK_STATUSES]
    out[int_cols] = out[int_cols].astype("int64")
    return out.rename_axis("source")


def link_interactions(
    interactions: pd.DataFrame,
    source_summary: pd.DataFrame,
    record_links: pd.DataFrame,
    clean_records: pd.DataFrame | None,
) -> pd.DataFrame:
    """Interactions with person_id and link_status (same rules as transactions)."""
    links = link_to_persons(interactions, source_summary, record_links, clean_records)
    return interactions.assign(person_id=links["person_id"], link_status=links["link_status"])
