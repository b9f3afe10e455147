"""Address moves: the change-of-address file applied to golden customers.

Sources lag behind people who move: the CRM still mails the old flat for years. A forwarding
request (old address → new address, a name, an effective date) is better evidence than any
stale record, so stage 05 applies it before households are formed:

- a move applies to a person whose current golden address is the move's old address (the
  standardised dwelling key) and whose name agrees (a surname in common — either of two — and
  the same given name, nickname-aware, or the same initial);
- moves chain in date order (A → B, then B → C) and every address left is kept as history
  with the dates it was valid until;
- conflicts are resolved by date and listed: of two moves out of one address the later wins
  (the other is `superseded`); a move dated before the golden address was last confirmed by a
  source does not override it (`older_than_current`); a move whose new address is already the
  golden one needs nothing (`already_current`);
- optionally, children (under the household child age) with the mover's surname who still live
  at the old address move with them, since forwarding requests are filed by adults.

Each input row ends with exactly one status, so the move log accounts for the whole file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from helpers.frames import object_array, text_series
from helpers.golden.survivorship import recency
from helpers.ingest import date_format_per_row
from helpers.standardise.addresses import standardise_addresses
from helpers.standardise.countries import standardise_countries
from helpers.standardise.dates import standardise_dates
from helpers.standardise.names import standardise_names
from helpers.standardise.postcodes import standardise_postcodes

ADDRESS_FIELDS = [
    "address_line1",
    "address_line2",
    "city",
    "region",
    "postcode",
    "country",
    "address_key",
    "building_key",
]
NAME_KEYS = ["first_name_key", "first_name_canonical", "surname_1_key", "surname_2_key"]
STATUSES = (
    "applied",
    "child_followed",
    "already_current",
    "superseded",
    "older_than_current",
    "no_match",
    "unusable",
)
MAX_CHAIN = 5  # moves in a row for one person within one file; more is noise, not a life


@dataclass
class MoveResult:
    golden: pd.DataFrame  # golden customers with current addresses and `address_since`
    history: pd.DataFrame  # person_id, previous address fields, valid_until, left_by_move
    log: pd.DataFrame  # one row per move row (+ children who followed): status, person_id
    counts: dict[str, int]


def _col(df: pd.DataFrame, name: str) -> pd.Series:
    return df[name].astype(object) if name in df.columns else pd.Series(None, index=df.index, dtype=object)


def _standard_address(df: pd.DataFrame, prefix: str, default_country: pd.Series) -> pd.DataFrame:
    """The project's address standardisation for one side (old_/new_) of the moves."""
    iso = standardise_countries(_col(df, f"{prefix}country"), default=default_country)["country_std"]
    postcodes = standardise_postcodes(_col(df, f"{prefix}postcode"), iso)
    given = pd.DataFrame(
        {
            "address_line1": _col(df, f"{prefix}address_line1"),
            "address_line2": _col(df, f"{prefix}address_line2"),
            "city": _col(df, f"{prefix}city"),
            "region": _col(df, f"{prefix}region"),
            "postcode_std": postcodes["postcode_std"],
            "postcode_valid": postcodes["postcode_valid"],
            "country_std": iso,
        }
    )
    std = standardise_addresses(given)
    return pd.DataFrame(
        {
            "address_line1": std["address_line1_std"],
            "address_line2": std["address_line2_std"],
            "city": std["city_std"],
            "region": given["region"],
            "postcode": postcodes["postcode_std"],
            "country": iso,
            "address_key": std["address_key"],
            "building_key": std["building_key"],
        },
        index=df.index,
    )


def standardise_moves(changes: pd.DataFrame, source_summary: pd.DataFrame, reference_date: date) -> pd.DataFrame:
    """Moves with standardised names, both addresses and dates; `issue` says why one is unusable."""
    changes = changes.reset_index(drop=True)
    facts = source_summary.set_index("source")[["default_country", "date_format"]]
    facts = facts.reindex(changes["source"].to_numpy()).set_axis(changes.index)
    old = _standard_address(changes, "old_", facts["default_country"])
    new = _standard_address(changes, "new_", facts["default_country"])
    country = new["country"].fillna(old["country"])
    names = standardise_names(changes.reindex(columns=["first_name", "last_name", "full_name"]), country)
    when = standardise_dates(
        _col(changes, "effective_date"),
        date_format_per_row(source_summary, changes["source"], "effective_date"),
        reference_date,
        kind="event",
    )
    out = pd.DataFrame(
        {
            "move_key": changes["source"] + ":" + changes["source_record_id"].astype(str),
            "source": changes["source"],
            **{k: names[k] for k in NAME_KEYS},
            "old_address_key": old["address_key"],
            "old_building_key": old["building_key"],
            **{f"new_{f}": new[f] for f in ADDRESS_FIELDS},
            "effective_date": pd.Series(when["date_std"].where(when["date_valid"]), dtype="datetime64[s]"),
        }
    )
    issue = np.select(
        [
            out["surname_1_key"].isna(),
            out["old_address_key"].isna(),
            out["new_address_key"].isna(),
            out["effective_date"].isna(),
        ],
        ["no surname", "old address not usable", "new address not usable", "no valid effective date"],
        default="",
    )
    out["issue"] = text_series(pd.Series(issue, dtype=object).replace("", None).to_numpy(), index=out.index)
    return out


def same_person_name(a: pd.DataFrame, b: pd.DataFrame) -> np.ndarray:
    """Row-aligned name agreement: a surname in common and a compatible given name."""

    def keys(df: pd.DataFrame, col: str) -> np.ndarray:
        return df[col].to_numpy(dtype=object)

    s = [
        (keys(a, x), keys(b, y)) for x in ("surname_1_key", "surname_2_key") for y in ("surname_1_key", "surname_2_key")
    ]
    surname = np.zeros(len(a), dtype=bool)
    for left, right in s:
        surname |= pd.notna(left) & (left == right)
    fa, fb = keys(a, "first_name_key"), keys(b, "first_name_key")
    ca, cb = keys(a, "first_name_canonical"), keys(b, "first_name_canonical")
    missing = pd.isna(fa) | pd.isna(fb)
    same = pd.notna(fa) & (fa == fb) | pd.notna(ca) & (ca == cb)
    ia = pd.Series(fa, dtype=object).str.slice(0, 1).to_numpy()
    ib = pd.Series(fb, dtype=object).str.slice(0, 1).to_numpy()
    la = pd.Series(fa, dtype=object).str.len().to_numpy(dtype=float, na_value=0)
    lb = pd.Series(fb, dtype=object).str.len().to_numpy(dtype=float, na_value=0)
    initial = ((la == 1) | (lb == 1)) & (ia == ib)
    return surname & (missing | same | initial)


def residents(golden: pd.DataFrame, clean: pd.DataFrame) -> pd.DataFrame:
    """Per person: the name keys of the record that gave the golden name, and since when the
    golden address is known (its record's update date, else its source's extraction)."""
    by_key = clean.set_index("record_key")
    name = by_key.reindex(golden["name_record_key"].to_numpy())[NAME_KEYS].set_axis(golden.index)
    addr = by_key.reindex(golden["address_record_key"].to_numpy())
    # Seconds, like `recency`: a valid update date may be older than nanoseconds reach (1677).
    addr_date = recency(addr.reset_index()).to_numpy() if len(addr) else np.array([], dtype="datetime64[s]")
    return pd.concat([golden[["person_id", "address_key"]], name], axis=1).assign(
        address_date=pd.Series(addr_date, index=golden.index, dtype="datetime64[s]").dt.normalize()
    )


def apply_moves(
    golden: pd.DataFrame,
    people: pd.DataFrame,
    moves: pd.DataFrame,
    ages: pd.Series | None = None,
    child_below_age: int = 18,
) -> MoveResult:
    """Apply standardised `moves` to `golden` (aligned with `people` from `residents`)."""
    golden = golden.reset_index(drop=True)
    people = people.reset_index(drop=True)
    status = pd.Series("no_match", index=moves.index, dtype=object)
    status[moves["issue"].notna()] = "unusable"
    who = pd.Series(None, index=moves.index, dtype=object)
    usable = moves[moves["issue"].isna()]

    # A move whose new address is already the golden one: the sources caught up by themselves.
    caught_up = _candidates(usable, people, "new_address_key")
    status[caught_up["move"].unique()] = "already_current"
    who[caught_up["move"]] = caught_up["person_id"].to_numpy()

    current = people[["person_id", "address_key", "address_date"]].copy()
    current["position"] = np.arange(len(current))
    current = pd.concat([current, people[NAME_KEYS]], axis=1)
    pending = usable[~usable.index.isin(caught_up["move"])]
    applied: list[pd.DataFrame] = []
    for _ in range(MAX_CHAIN):
        cand = _candidates(pending, current, "old_address_key")
        if cand.empty:
            break
        # Of several moves out of one address for one person, the latest decides.
        cand = cand.sort_values(["person_id", "effective_date", "move"], ascending=[True, False, True])
        win = cand.drop_duplicates("person_id")
        lost = cand[~cand.index.isin(win.index) & ~cand["move"].isin(win["move"])]
        status[lost["move"].unique()] = "superseded"
        who[lost["move"]] = lost["person_id"].to_numpy()
        stale = win["effective_date"].to_numpy() < win["address_date"].to_numpy()
        status[win.loc[stale, "move"]] = "older_than_current"
        who[win.loc[stale, "move"]] = win.loc[stale, "person_id"].to_numpy()
        win = win[~stale]
        status[win["move"]] = "applied"
        who[win["move"]] = win["person_id"].to_numpy()
        applied.append(win)
        pos = win["position"].to_numpy()
        current.loc[pos, "address_key"] = win["new_address_key"].to_numpy()
        current.loc[pos, "address_date"] = win["effective_date"].to_numpy()
        pending = pending[~pending.index.isin(cand["move"])]

    steps = pd.concat(applied, ignore_index=True) if applied else None
    log = moves[["move_key", "source", "effective_date", "issue"]].assign(status=status, person_id=who)
    if steps is not None and ages is not None:
        followers = _children_following(steps, people, current, ages.reset_index(drop=True), child_below_age)
        if not followers.empty:
            steps = pd.concat([steps, followers], ignore_index=True)
            log = pd.concat(
                [
                    log,
                    followers[["move_key", "effective_date"]].assign(
                        source=followers["move_key"].str.split(":").str[0],
                        issue=None,
                        status="child_followed",
                        person_id=followers["person_id"].to_numpy(),
                    ),
                ],
                ignore_index=True,
            )
    moved, history = _move_golden(golden, steps, moves)
    counts = {s: int((log["status"] == s).sum()) for s in STATUSES}
    counts["persons_moved"] = int(moved["address_since"].notna().sum())
    return MoveResult(golden=moved, history=history, log=log, counts=counts)


def _candidates(moves: pd.DataFrame, people: pd.DataFrame, key: str) -> pd.DataFrame:
    """(move, person) pairs whose address key and name agree."""
    if moves.empty:
        return pd.DataFrame(columns=["move", "person_id", "position", "effective_date", "address_date"])
    left = moves.reset_index(names="move")
    right = people.rename(columns={k: f"p_{k}" for k in NAME_KEYS})
    pairs = left.merge(right, left_on=key, right_on="address_key", how="inner")
    ok = same_person_name(pairs[NAME_KEYS], pairs[[f"p_{k}" for k in NAME_KEYS]].set_axis(NAME_KEYS, axis=1))
    return pairs[ok].reset_index(drop=True)


def _children_following(
    steps: pd.DataFrame, people: pd.DataFrame, current: pd.DataFrame, ages: pd.Series, child_below_age: int
) -> pd.DataFrame:
    """Children still at an address an adult of their surname moved out of."""
    young = (ages < child_below_age).fillna(False).to_numpy() & (
        current["address_key"] == people["address_key"]
    ).to_numpy()
    kids = people[young].assign(position=np.flatnonzero(young), address_date=current["address_date"].to_numpy()[young])
    if kids.empty:
        return steps.iloc[:0]
    first = steps.sort_values("effective_date").drop_duplicates("position")  # the move out of the golden address
    first = first[first["old_address_key"].isin(kids["address_key"])]
    pairs = first[
        [
            "move_key",
            "old_address_key",
            "effective_date",
            *[f"new_{f}" for f in ADDRESS_FIELDS],
            "surname_1_key",
            "surname_2_key",
        ]
    ].merge(
        kids[["person_id", "position", "address_key", "address_date", "surname_1_key", "surname_2_key"]],
        left_on="old_address_key",
        right_on="address_key",
        suffixes=("", "_kid"),
    )
    left = pairs[["surname_1_key", "surname_2_key"]]
    right = pairs[["surname_1_key_kid", "surname_2_key_kid"]].set_axis(["surname_1_key", "surname_2_key"], axis=1)
    nameless = pd.DataFrame(
        {k: pd.Series(None, index=pairs.index, dtype=object) for k in ("first_name_key", "first_name_canonical")}
    )
    shared = same_person_name(pd.concat([left, nameless], axis=1), pd.concat([right, nameless], axis=1))
    pairs = pairs[shared & (pairs["effective_date"] >= pairs["address_date"]).to_numpy()]
    pairs = pairs.sort_values(
        ["position", "effective_date", "move_key"], ascending=[True, False, True]
    ).drop_duplicates("position")
    return pairs.drop(columns=["surname_1_key_kid", "surname_2_key_kid", "address_date", "address_key"])


def _move_golden(
    golden: pd.DataFrame, steps: pd.DataFrame | None, moves: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Golden rows with their final address, and the addresses they left as history."""
    moved = golden.copy()
    moved["address_since"] = pd.Series(pd.NaT, index=moved.index, dtype="datetime64[s]")
    hist_cols = ["person_id", *ADDRESS_FIELDS, "valid_until", "left_by_move"]
    if steps is None or steps.empty:
        return moved, pd.DataFrame({c: pd.Series(dtype=object) for c in hist_cols})
    steps = steps.sort_values(["position", "effective_date"], ignore_index=True)
    # The address each step left: the golden one for a person's first step, else the previous step's new one.
    first = ~steps["position"].duplicated()
    left = pd.DataFrame({f: golden[f].to_numpy()[steps["position"].to_numpy()] for f in ADDRESS_FIELDS})
    prev = steps[[f"new_{f}" for f in ADDRESS_FIELDS]].shift(1).set_axis(ADDRESS_FIELDS, axis=1)
    left = left.where(np.repeat(first.to_numpy()[:, None], len(ADDRESS_FIELDS), axis=1), prev)
    history = pd.concat(
        [
            pd.DataFrame({"person_id": golden["person_id"].to_numpy()[steps["position"].to_numpy()]}),
            left.reset_index(drop=True),
            pd.DataFrame(
                {"valid_until": steps["effective_date"].to_numpy(), "left_by_move": steps["move_key"].to_numpy()}
            ),
        ],
        axis=1,
    )[hist_cols]
    last = steps.drop_duplicates("position", keep="last")
    pos = last["position"].to_numpy()
    for f in ADDRESS_FIELDS:
        column = object_array(moved[f])
        column[pos] = last[f"new_{f}"].to_numpy()
        moved[f] = text_series(column, index=moved.index)
    since = moved["address_since"].to_numpy().copy()
    since[pos] = last["effective_date"].to_numpy().astype("datetime64[s]")
    moved["address_since"] = since
    lineage = {
        "address_source": last["move_key"].str.split(":").str[0].to_numpy(),
        "address_record_key": last["move_key"].to_numpy(),
    }
    for col, values in lineage.items():
        if col in moved.columns:
            column = object_array(moved[col])
            column[pos] = values
            moved[col] = text_series(column, index=moved.index)
    return moved, history.sort_values(["person_id", "valid_until"], ignore_index=True)
