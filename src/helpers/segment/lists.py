"""Campaign lists: analyst-defined selections over the segment table, with opt-outs applied.

`config/campaign_lists.yaml` defines each list as an SQL condition over a DuckDB view
`customers` (segments.parquet + a few golden fields), a channel, an order and an optional
household de-duplication. A list is built in four steps, each a vectorised operation:

1. **select**: DuckDB runs `WHERE (<condition>)` and numbers the rows by `ORDER BY <order>,
   person_id` (so the order is the analyst's and ties are deterministic);
2. **suppress**: only people contactable on the list's channel in stage 06's
   `contactability.parquet` stay, with their address on that channel (`contact`). There is no
   way to build a list without that table: opt-outs always win;
3. **dedupe** (optional, for mail): one person per household — the highest monetary value,
   then the lowest person_id — after suppression, so a household whose first member opted out
   is still reached through another;
4. **limit** and the channel's columns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from helpers.config_file import read_checked
from helpers.settings import ANY, ConfigError, Each, ListOf

CHANNELS = ("email", "phone", "sms", "mail")
DEDUPE = ("none", "household")
CONTACTABILITY_COLUMNS = ("person_id", "channel", "contactable", "contact")
# Golden fields added to the `customers` view (contacts are NOT among them: they come from
# contactability only, so a suppressed email can never leak into a list through the view).
GOLDEN_FIELDS = [
    "title",
    "first_name",
    "last_name",
    "age",
    "address_line1",
    "address_line2",
    "postcode",
    "city",
    "address_key",
    "first_seen",
]
NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")


class CampaignListError(ConfigError):
    """A list cannot be defined or built; the message names the file or the list."""


class ContactabilityError(ValueError):
    """contactability.parquet is missing or not in the agreed shape."""


@dataclass(frozen=True)
class ChannelSpec:
    contact_as: str
    columns: tuple[str, ...]


@dataclass(frozen=True)
class ListDefinition:
    name: str
    description: str
    channel: str
    where: str
    order_by: str = "person_id"
    dedupe: str = "none"
    limit: int | None = None
    columns: tuple[str, ...] | None = None


@dataclass(frozen=True)
class CampaignConfig:
    channels: dict[str, ChannelSpec]
    lists: tuple[ListDefinition, ...]

    def columns_of(self, definition: ListDefinition) -> tuple[str, ...]:
        return definition.columns or self.channels[definition.channel].columns


@dataclass
class CampaignList:
    """A built list: the rows to export (in order) and how many were lost at each step."""

    definition: ListDefinition
    rows: pd.DataFrame
    counts: dict[str, int] = field(default_factory=dict)


# -- loading ------------------------------------------------------------------------------------

LIST_KEYS = ("name", "description", "channel", "where", "order_by", "dedupe", "limit", "columns")
# Every key config/campaign_lists.yaml may hold; unknown channel names are the loader's to name.
SCHEMA = {
    "channels": Each({"contact_as": ANY, "columns": ANY}),
    "lists": ListOf(dict.fromkeys(LIST_KEYS, ANY), start=1),
}


def load_campaign_lists(path: str | Path) -> CampaignConfig:
    """Read and check `config/campaign_lists.yaml`; every problem is reported at once."""
    path = Path(path)
    doc, problems = read_checked(path, "campaign lists", CampaignListError, SCHEMA)
    channels = _channels(doc.get("channels"), problems)
    lists, names = [], set()
    entries = doc.get("lists")
    if not isinstance(entries, list) or not entries:
        problems.append("lists: define at least one list (name, channel, where)")
        entries = []
    for i, entry in enumerate(entries, start=1):
        where = f"lists[{i}]"
        if not isinstance(entry, dict):
            problems.append(f"{where}: expected a mapping")
            continue
        name = str(entry.get("name") or "")
        where = f"lists[{i}] ({name or 'no name'})"
        if not NAME_RE.match(name):
            problems.append(f"{where}.name: use snake_case letters, digits and '_' (it becomes the file name)")
        elif name in names:
            problems.append(f"{where}.name: used by another list")
        names.add(name)
        channel = entry.get("channel")
        if channel not in CHANNELS:
            problems.append(f"{where}.channel: {channel!r} is not one of {', '.join(CHANNELS)}")
        condition = entry.get("where")
        if not isinstance(condition, str) or not condition.strip():
            problems.append(f"{where}.where: give an SQL condition over `customers`, e.g. \"lifecycle = 'lapsed'\"")
        order_by = entry.get("order_by") or "person_id"
        if not isinstance(order_by, str):
            problems.append(f'{where}.order_by: give an SQL order, e.g. "postcode, last_name"')
        dedupe = entry.get("dedupe") or "none"
        if dedupe not in DEDUPE:
            problems.append(f"{where}.dedupe: {dedupe!r} is not one of {', '.join(DEDUPE)}")
        limit = entry.get("limit")
        if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool) or limit < 1):
            problems.append(f"{where}.limit: {limit!r} must be a whole number of at least 1")
        columns = entry.get("columns")
        if columns is not None and (
            not isinstance(columns, list) or not columns or not all(isinstance(c, str) for c in columns)
        ):
            problems.append(f"{where}.columns: a list of column names")
            columns = None
        lists.append(
            ListDefinition(
                name=name,
                description=str(entry.get("description") or ""),
                channel=str(channel),
                where=str(condition or ""),
                order_by=str(order_by),
                dedupe=str(dedupe),
                limit=limit,
                columns=tuple(columns) if columns else None,
            )
        )
    if problems:
        raise CampaignListError(problems, path, "campaign lists")
    return CampaignConfig(channels=channels, lists=tuple(lists))


def _channels(spec: Any, problems: list[str]) -> dict[str, ChannelSpec]:
    if not isinstance(spec, dict):
        problems.append(f"channels: give contact_as and columns for each of {', '.join(CHANNELS)}")
        return {}
    out = {}
    for channel in CHANNELS:
        item = spec.get(channel)
        where = f"channels.{channel}"
        if not isinstance(item, dict):
            problems.append(f"{where}: missing (contact_as and columns)")
            continue
        columns = item.get("columns")
        if not isinstance(columns, list) or not columns or not all(isinstance(c, str) for c in columns):
            problems.append(f"{where}.columns: a list of column names")
            continue
        if "contact" not in columns:
            problems.append(f"{where}.columns: must include `contact` (the address on this channel)")
        out[channel] = ChannelSpec(str(item.get("contact_as") or "contact"), tuple(columns))
    for extra in set(spec) - set(CHANNELS):
        problems.append(f"channels.{extra}: not a channel ({', '.join(CHANNELS)})")
    return out


# -- the customers view ---------------------------------------------------------------------------


def customer_view(segments: pd.DataFrame, golden: pd.DataFrame, households: pd.DataFrame | None = None) -> pa.Table:
    """segments + the golden fields lists need + household_key, as an Arrow table for DuckDB.

    household_key: the golden household_id (stage 05) where there is one, else the address_key;
    missing when the person has neither (they are then their own household).
    household_salutation: how stage 05 greets the person's household ("Familia García López"),
    so a one-per-household mailing can address the household rather than one member; missing
    when households were not given.
    """
    fields = [c for c in GOLDEN_FIELDS if c in golden.columns and c not in segments.columns]
    extra = golden[["person_id", *fields]]
    address = golden["address_key"].astype(object)
    household = golden["household_id"].astype(object) if "household_id" in golden.columns else address
    extra = extra.assign(household_key=household.where(household.notna(), address).to_numpy())
    salutation = pd.Series(None, index=golden.index, dtype=object)
    if households is not None and "household_id" in golden.columns:
        salutation = golden["household_id"].map(households.set_index("household_id")["salutation"]).astype(object)
    extra = extra.assign(household_salutation=salutation.where(salutation.notna(), None).to_numpy())
    if not np.array_equal(segments["person_id"].to_numpy(dtype=object), extra["person_id"].to_numpy(dtype=object)):
        extra = extra.set_index("person_id").reindex(segments["person_id"]).reset_index()
    # segments are built in golden order, so usually no join: Arrow columns side by side (no copies)
    view = pa.Table.from_pandas(segments, preserve_index=False)
    added = pa.Table.from_pandas(extra.drop(columns="person_id"), preserve_index=False)
    for name, column in zip(added.column_names, added.columns):
        view = view.append_column(name, column)
    return view


def connect(view: pa.Table) -> duckdb.DuckDBPyConnection:
    """A private in-memory DuckDB with the view registered as `customers` (nothing else)."""
    con = duckdb.connect(database=":memory:")
    con.register("customers", view)
    return con


# -- building a list ------------------------------------------------------------------------------


def select_rows(con: duckdb.DuckDBPyConnection, definition: ListDefinition, columns: list[str]) -> pd.DataFrame:
    """Step 1: the rows matching the list's condition, with `_position` in the list's order."""
    available = [r[0] for r in con.execute("DESCRIBE customers").fetchall()]
    missing = [c for c in columns if c not in available]
    if missing:
        raise CampaignListError(
            f"list '{definition.name}': column(s) {', '.join(missing)} are not in the customers view; "
            f"available: {', '.join(available)}"
        )
    wanted = ", ".join(_quote(c) for c in dict.fromkeys(["person_id", *columns]))
    sql = (
        f"SELECT {wanted}, row_number() OVER (ORDER BY {definition.order_by}, person_id) AS _position "
        f"FROM customers WHERE ({definition.where})"
    )
    try:
        if len(con.extract_statements(sql)) != 1:
            raise CampaignListError(
                f"list '{definition.name}': where/order_by must not contain ';' or a second statement"
            )
        return con.execute(sql).df()
    except duckdb.Error as exc:
        raise CampaignListError(
            f"list '{definition.name}': its where or order_by is not valid SQL over `customers`:\n"
            f"  where: {definition.where}\n  order_by: {definition.order_by}\n  DuckDB: {exc}"
        ) from exc


def check_contactability(contactability: pd.DataFrame | None) -> pd.DataFrame:
    """The table stage 06 promises: person_id, channel, contactable (true/false), contact.

    Refuses a missing table or one without those columns, so nothing is exported without it.
    Repeated (person, channel) rows are checked where they matter, in `apply_suppression`.
    """
    if contactability is None:
        raise ContactabilityError(
            "no contactability table: campaign lists are never exported without stage 06's "
            "contactability.parquet (opt-outs always win)"
        )
    missing = [c for c in CONTACTABILITY_COLUMNS if c not in contactability.columns]
    if missing:
        raise ContactabilityError(f"contactability lacks column(s) {', '.join(missing)}")
    if not pd.api.types.is_bool_dtype(contactability["contactable"]):
        raise ContactabilityError("contactability.contactable must be true or false for every row")
    return contactability


def apply_suppression(rows: pd.DataFrame, channel: str, contactability: pd.DataFrame) -> pd.DataFrame:
    """Step 2: keep only people contactable on `channel`, with `contact` from contactability.

    Any `contact` already on `rows` is replaced: the address used is always stage 06's. A person
    with two rows for the channel (which may disagree) stops the list: opt-outs are not guessed.
    Only the listed persons' rows on the channel are looked at, so a list costs its own size.
    """
    table = check_contactability(contactability)
    mine = table[table["channel"].eq(channel).to_numpy(bool)]
    mine = mine[mine["person_id"].isin(rows["person_id"]).to_numpy(bool)]
    repeated = mine["person_id"].duplicated()
    if repeated.any():
        raise ContactabilityError(
            f"contactability has {int(repeated.sum()):,} persons with repeated '{channel}' rows; it must hold one "
            "row per person and channel"
        )
    ok = mine["contactable"].fillna(False).to_numpy(bool) & mine["contact"].notna().to_numpy(bool)
    contact = mine.loc[ok].set_index("person_id")["contact"]
    base = rows.drop(columns=["contact"], errors="ignore")
    keep = base["person_id"].isin(contact.index).to_numpy(bool)
    out = base[keep].copy()
    out["contact"] = contact.reindex(out["person_id"]).to_numpy()
    return out.reset_index(drop=True)


def dedupe_households(rows: pd.DataFrame) -> pd.DataFrame:
    """Step 3: one person per household_key (highest monetary, then lowest person_id); people
    without a key are kept, each their own household. Row order is kept."""
    ranked = rows.sort_values(["monetary", "person_id"], ascending=[False, True], na_position="last", kind="stable")
    keyed = ranked["household_key"].notna().to_numpy()
    first = ~ranked["household_key"].duplicated() | ~keyed
    return rows.loc[ranked.index[first.to_numpy()]].sort_values("_position", kind="stable")


def build_list(
    con: duckdb.DuckDBPyConnection,
    definition: ListDefinition,
    config: CampaignConfig,
    contactability: pd.DataFrame,
) -> CampaignList:
    """Select, suppress, dedupe and order one list; rows keep the export columns plus `_position`."""
    columns = list(config.columns_of(definition))
    view_columns = [c for c in columns if c != "contact"]
    helpers = ["monetary", "household_key"] if definition.dedupe == "household" else []
    selected = select_rows(con, definition, list(dict.fromkeys(view_columns + helpers)))
    counts = {"matched": len(selected)}
    rows = apply_suppression(selected, definition.channel, contactability)
    counts["contactable"] = len(rows)
    if definition.dedupe == "household":
        rows = dedupe_households(rows)
        counts["after_household_dedupe"] = len(rows)
    rows = rows.sort_values("_position", kind="stable")
    if definition.limit is not None:
        rows = rows.head(definition.limit)
    rows = rows[[*columns, "_position"]].reset_index(drop=True)
    counts["exported"] = len(rows)
    return CampaignList(definition, rows, counts)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
