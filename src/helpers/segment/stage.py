"""Stage 07 in the steps the notebook tells one by one — tie the transactions to customers, segment,
build the campaign lists, load the analysts' database — and that tests call the same way.

The steps stay separate because the notebook gates and writes between them: the campaign lists
are built only from segments that passed their gate, and the database is loaded from the tables
the run folder holds once they are written. `segment_record` then turns the steps' results into the
stage's typed record, so the figures recorded are the ones the page showed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

from helpers.segment.config import SegmentConfig
from helpers.segment.database import build_customer_database, run_example_queries
from helpers.segment.export import export_list
from helpers.segment.lists import CampaignConfig, build_list, connect, customer_view
from helpers.segment.table import segment_sizes, segment_table
from helpers.stage_records import SegmentRecord
from helpers.transactions import link_interactions, link_summary, prepare_transactions

LINKING_FIGURES = ("transactions", "linked", "anonymous", "unlinked", "ambiguous", "not_usable")
# The campaign-list table's columns, in the order the page shows them.
LIST_COLUMNS = [
    "list",
    "channel",
    "dedupe",
    "matched",
    "contactable",
    "one per household",
    "written",
    "address unprintable",
    "description",
]


@dataclass
class LinkedTransactions:
    prepared: pd.DataFrame  # transactions_linked: typed, converted, tied to persons
    linking: pd.DataFrame  # per source and "all sources": how rows were tied, anonymous shares
    interactions: pd.DataFrame | None  # interactions with person_id and link_status (None: no such source)
    rows_in: int  # canonical transactions read

    def issues(self) -> pd.DataFrame:
        """Rows that cannot count, per reason (empty when every row counts)."""
        return (
            self.prepared["issue"]
            .value_counts()
            .rename_axis("rows that cannot count")
            .rename("transactions")
            .to_frame()
        )

    def rates(self, rules: SegmentConfig) -> pd.DataFrame:
        """The fixed conversion rates, with how many transactions were in each currency."""
        rates = pd.Series(rules.rates, name=f"{rules.reporting_currency} per unit").to_frame()
        rates["transactions"] = self.prepared["currency"].value_counts().reindex(rates.index).fillna(0).astype(int)
        return rates

    def interaction_links(self) -> pd.DataFrame | None:
        """Interactions per type and how they were tied to customers."""
        if self.interactions is None:
            return None
        return self.interactions.groupby(["interaction_type", "link_status"]).size().unstack(fill_value=0)

    @property
    def total(self) -> pd.Series:
        """The "all sources" row of `linking`: the figures the stage record keeps."""
        return self.linking.loc["all sources"]


def link_transactions(
    transactions: pd.DataFrame,
    source_summary: pd.DataFrame,
    record_links: pd.DataFrame,
    clean: pd.DataFrame,
    interactions: pd.DataFrame | None,
    rules: SegmentConfig,
    reference_date: date,
) -> LinkedTransactions:
    """Transactions typed, converted to the reporting currency and tied to persons; interactions tied
    the same way. Raises UnknownCurrency when a currency has no fixed rate."""
    prepared = prepare_transactions(transactions, source_summary, record_links, clean, rules, reference_date)
    linked_interactions = (
        link_interactions(interactions, source_summary, record_links, clean) if interactions is not None else None
    )
    return LinkedTransactions(prepared, link_summary(prepared), linked_interactions, len(transactions))


@dataclass
class Segmented:
    table: pd.DataFrame  # segments: one row per person, metrics and segments
    sizes: pd.DataFrame  # dimension, segment, persons, share

    @property
    def buyers(self) -> pd.Series:
        """Customers who bought at least once (the others are prospects, never scored)."""
        return self.table["frequency"] > 0

    def customers(self) -> pd.DataFrame:
        """Customers, buyers and prospects (one row)."""
        buyers = self.buyers
        counts = {
            "customers": len(self.table),
            "bought at least once": int(buyers.sum()),
            "never bought (prospects)": int((~buyers).sum()),
        }
        return pd.Series(counts, name="customers").to_frame().T

    def counts(self, dimension: str) -> pd.Series:
        """Persons per segment of one dimension (`rfm_segment`, `lifecycle`, ...)."""
        return self.sizes[self.sizes["dimension"] == dimension].set_index("segment")["persons"]


def segment(golden: pd.DataFrame, linked: LinkedTransactions, rules: SegmentConfig, reference_date: date) -> Segmented:
    """Metrics, RFM, lifecycle and profile segments for every golden customer, and their sizes."""
    table = segment_table(golden, linked.prepared, linked.interactions, rules, reference_date)
    return Segmented(table, segment_sizes(table, [r.name for r in rules.rfm_segments]))


@dataclass
class CampaignLists:
    sizes: pd.DataFrame  # one row per list (index `list`): matched, contactable, ..., written
    files: list[str] = field(default_factory=list)  # written files, relative to the run folder

    def written(self) -> dict[str, int]:
        """Rows written per list: what the stage record keeps."""
        return {str(k): int(v) for k, v in self.sizes["written"].items()}


def build_campaign_lists(
    table: pd.DataFrame,
    golden: pd.DataFrame,
    households: pd.DataFrame | None,
    contactability: pd.DataFrame,
    lists: CampaignConfig,
    exports_dir: str | Path,
) -> CampaignLists:
    """Build every list of `config/campaign_lists.yaml` and export it (CSV and XLSX) to `exports_dir`.

    Each list selects over the customers view, keeps only the people stage 06 says may be
    contacted on its channel, and is exported with the suppression applied once more; the table
    says what each step kept, so a list that comes out short can be explained.
    """
    con = connect(customer_view(table, golden, households))
    folder = Path(exports_dir)
    rows, files = [], []
    try:
        for definition in lists.lists:
            built = build_list(con, definition, lists, contactability)
            result = export_list(built, lists, contactability, folder)
            files += [f"{folder.name}/{result.csv.name}", f"{folder.name}/{result.xlsx.name}"]
            rows.append(
                {
                    "list": definition.name,
                    "channel": definition.channel,
                    "dedupe": definition.dedupe,
                    "matched": built.counts["matched"],
                    "contactable": built.counts["contactable"],
                    "one per household": built.counts.get("after_household_dedupe"),
                    "written": result.rows,
                    "address unprintable": result.unprintable if definition.channel == "mail" else None,
                    "description": definition.description,
                }
            )
    finally:
        con.close()
    sizes = pd.DataFrame(rows, columns=LIST_COLUMNS).set_index("list")
    sizes = sizes.astype({"one per household": "Int64", "address unprintable": "Int64"})
    return CampaignLists(sizes, files)


@dataclass
class CustomerDatabase:
    path: Path  # customers.duckdb in the run folder
    notes: list[str]  # tables skipped or built from a substitute
    examples: dict[str, pd.DataFrame]  # each example query's result


def customer_database(run_dir: str | Path, fallback_dir: str | Path | None = None) -> CustomerDatabase:
    """Load the run folder's tables into `customers.duckdb` and run the example queries on it.

    Call it after the stage's own tables are written: it reads the run folder, not memory. A hand
    run gives `fallback_dir` (`ctx.fallback_dir`, the latest good run) for the tables earlier
    stages did not write into the interactive folder, so the example queries find them."""
    path, notes = build_customer_database(run_dir, fallback_dir=fallback_dir)
    return CustomerDatabase(path, notes, run_example_queries(path))


def segment_record(
    linked: LinkedTransactions,
    segmented: Segmented,
    lists: CampaignLists,
    database: CustomerDatabase,
    rules: SegmentConfig,
    gates_passed: list[str],
) -> SegmentRecord:
    """The stage's typed record, from the steps' results and the gates the notebook ran and passed."""
    total = linked.total
    rfm_counts = segmented.counts("rfm_segment")
    life_counts = segmented.counts("lifecycle")
    return SegmentRecord(
        rows_in=linked.rows_in,
        rows_out=len(segmented.table),
        headline={
            "customers": len(segmented.table),
            "buyers": int(segmented.buyers.sum()),
            "Champions": int(rfm_counts.get("Champions", 0)),
            "lapsed": int(life_counts.get("lapsed", 0)),
            "anonymous sales": f"{total['anonymous_share']:.1%}",
            "lists": len(lists.sizes),
        },
        reporting_currency=rules.reporting_currency,
        rates_as_of=rules.rates_as_of,
        linking={k: int(total[k]) for k in LINKING_FIGURES},
        anonymous_revenue_share=round(float(total["anonymous_revenue_share"]), 4),
        rfm_segments={str(k): int(v) for k, v in rfm_counts.items()},
        lifecycle={str(k): int(v) for k, v in life_counts.items()},
        list_sizes=lists.written(),
        database_notes=list(database.notes),
        gates_passed=list(gates_passed),
    )
