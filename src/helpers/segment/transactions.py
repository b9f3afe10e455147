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
"""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import pandas as pd

from helpers.clean.dates import standardise_dates
from helpers.clean.distinct import is_given
from helpers.clean.flags import standardise_flag
from helpers.segment.config import SegmentConfig
from helpers.segment.currency import currency_codes, parse_amounts, to_reporting

LINK_STATUSES = ("linked", "anonymous", "unlinked", "ambiguous", "no_link_rule")


def normalise_ref(values: pd.Series) -> pd.Series:
    """Card-like identifiers as comparable text: trimmed, upper case, no spaces or dashes."""
    text = values.astype("string").str.strip().str.upper().str.replace(r"[\s\-]", "", regex=True)
    return text.replace("", pd.NA)


def link_rules(source_summary: pd.DataFrame) -> dict[str, dict[str, str]]:
    """Per event source, its links_to rule as a dict (sources without one are left out)."""
    rules = {}
    for source, raw in source_summary.set_index("source")["links_to"].dropna().items():
        rule = json.loads(raw) if isinstance(raw, str) else dict(raw)
        if rule:
            rules[str(source)] = rule
    return rules


def _lookup(refs: pd.Series, keys: pd.Series, persons: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Each ref's person where exactly one person carries it; and whether several do."""
    table = pd.DataFrame({"key": keys.to_numpy(), "person_id": persons.to_numpy()}).dropna().drop_duplicates()
    counts = table["key"].value_counts()
    single = table[table["key"].map(counts).eq(1).to_numpy()].set_index("key")["person_id"]
    person = refs.map(single)
    ambiguous = refs.isin(counts.index[counts.to_numpy() > 1]).fillna(False).astype(bool)
    return person, ambiguous


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
    person = pd.Series(pd.NA, index=events.index, dtype="object")
    status = pd.Series("no_link_rule", index=events.index, dtype="object")
    given = is_given(events["customer_ref"]).to_numpy()
    status[~given] = "anonymous"
    person_of_record = record_links.drop_duplicates("record_key").set_index("record_key")["person_id"]
    field_tables: dict[str, pd.DataFrame] = {}
    for source, rule in rules.items():
        rows = (events["source"] == source).to_numpy() & given
        if not rows.any():
            continue
        if "source" in rule:
            ids = record_links[record_links["source"] == rule["source"]]
            refs = events.loc[rows, "customer_ref"].astype("string").str.strip()
            found, ambiguous = _lookup(refs, ids["source_record_id"].astype("string").str.strip(), ids["person_id"])
        else:
            field = rule["field"]
            if field not in field_tables:
                if clean_records is None or field not in clean_records.columns:
                    raise ValueError(
                        f"source '{source}' links customers by the people field '{field}', "
                        "but clean_records has no such column"
                    )
                keyed = clean_records[["record_key", field]]
                field_tables[field] = pd.DataFrame({
                    "key": normalise_ref(keyed[field]).to_numpy(),
                    "person_id": keyed["record_key"].map(person_of_record).to_numpy(),
                })
            table = field_tables[field]
            found, ambiguous = _lookup(normalise_ref(events.loc[rows, "customer_ref"]), table["key"], table["person_id"])
        person[rows] = found.to_numpy()
        status[rows] = np.where(found.notna().to_numpy(), "linked",
                                np.where(ambiguous.to_numpy(), "ambiguous", "unlinked"))
    return pd.DataFrame({"person_id": person, "link_status": status}, index=events.index)


def promotion_flags(values: pd.Series) -> pd.Series:
    """On promotion: a yes/no flag as written ('Y', '1', 'true' / 'N', '0', 'false'), else any
    discount code given ('VIP15' means yes); empty means no."""
    flags = standardise_flag(values)
    return flags.fillna(pd.Series(is_given(values).to_numpy(), index=values.index)).astype(bool)


def event_days(values: pd.Series, sources: pd.Series, source_summary: pd.DataFrame,
               reference_date: date) -> pd.DataFrame:
    """`day` (datetime64[s], the day as written) and `date_issue`, read with each source's own
    date_format by the project's date parser.

    The parser lets an event run one day past the reference date (extracts stamped in another
    time zone); a purchase is stricter: one after the reference day is 'future' and does not
    count, since every metric is measured at that day (a recency of -1 is no recency).
    """
    formats = sources.map(source_summary.set_index("source")["date_format"])
    parsed = standardise_dates(values, formats, reference_date, kind="event")
    future = (parsed["date_std"] > pd.Timestamp(reference_date)).to_numpy()
    day = parsed["date_std"].where(parsed["date_valid"].to_numpy() & ~future)
    issue = parsed["date_issue"].where(~future, "future")
    return pd.DataFrame({"day": day, "date_issue": issue}, index=values.index)


def prepare_transactions(
    transactions: pd.DataFrame,
    source_summary: pd.DataFrame,
    record_links: pd.DataFrame,
    clean_records: pd.DataFrame | None,
    config: SegmentConfig,
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
    reporting = to_reporting(amount, t["currency"], t["source"], config)
    order_id = t["transaction_id"].astype("string").fillna(t["source_record_id"].astype("string"))
    issue = np.where(days["day"].isna() & days["date_issue"].eq("future").fillna(False), "future date",
                     np.where(days["day"].isna(), "unreadable date",
                              np.where(amount.isna(), "unreadable amount", None)))
    out = pd.DataFrame({
        "source": t["source"].astype("string"),
        "source_record_id": t["source_record_id"].astype("string"),
        "transaction_id": t["transaction_id"].astype("string"),
        "order_key": t["source"].astype("string") + ":" + order_id,
        "person_id": links["person_id"].astype("string"),
        "link_status": links["link_status"].astype("string"),
        "purchased_on": days["day"].astype("datetime64[s]"),
        "amount": amount,
        "currency": currency,
        "amount_reporting": reporting,
        "reporting_currency": config.reporting_currency,
        "product_category": t["product_category"].astype("string").str.strip().str.lower().replace("", pd.NA),
        "channel": t["channel"].astype("string"),
        "on_promotion": promotion_flags(t["promotion"]).to_numpy(),
        "issue": pd.Series(issue, index=t.index, dtype="string"),
    })
    out["usable"] = out["issue"].isna().to_numpy()
    return out.reset_index(drop=True)


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
