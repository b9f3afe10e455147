"""One row per household: who lives there, how to address them, and what they are worth.

Direct mail goes to households, not persons, and many marketing traits (children present,
household spend) only exist at that level. The primary contact is the member with the
strongest relationship — the most recent purchase, then the largest spend, then the most
records and the most recently updated — preferring adults, because a letter to a child is a
letter nobody opens.
"""

from __future__ import annotations

import re

import pandas as pd

from .rules import HouseholdRules

MAILING_FIELDS = ["address_line1", "address_line2", "city", "region", "postcode", "country", "address_key"]


def member_table(
    golden: pd.DataFrame, people: pd.DataFrame, assignment: pd.DataFrame, spend: pd.DataFrame | None
) -> pd.DataFrame:
    """Golden persons with their household and the facts the household rows summarise."""
    cols = [
        "person_id",
        "household_id",
        "title",
        "first_name",
        "last_name",
        "age",
        "record_count",
        "last_updated",
        *MAILING_FIELDS,
    ]
    members = golden.merge(
        assignment[["person_id", "household_id", "address_inferred"]], on="person_id", how="left", validate="one_to_one"
    )[cols + ["address_inferred"]]
    members["surname_key"] = people.set_index("person_id")["surname_1_key"].reindex(members["person_id"]).to_numpy()
    if spend is not None and not spend.empty:
        s = spend.set_index("person_id")
        members["total_spend"] = s["total_spend"].reindex(members["person_id"]).fillna(0.0).to_numpy()
        members["last_purchase_at"] = s["last_purchase_at"].reindex(members["person_id"]).to_numpy()
    else:
        members["total_spend"] = 0.0
        members["last_purchase_at"] = pd.Series(pd.NaT, index=members.index, dtype="datetime64[ns]")
    return members


def _ordered(members: pd.DataFrame, child_below_age: int) -> pd.DataFrame:
    """Members in the order of relationship strength within each household (primary first)."""
    adult = ~(members["age"] < child_below_age).fillna(False)
    return members.assign(_adult=adult.to_numpy()).sort_values(
        ["household_id", "_adult", "last_purchase_at", "total_spend", "record_count", "last_updated", "person_id"],
        ascending=[True, False, False, False, False, False, True],
        na_position="last",
        kind="mergesort",
    )


def _full_name(df: pd.DataFrame) -> pd.Series:
    parts = df[["first_name", "last_name"]].fillna("").astype(str)
    return (parts["first_name"] + " " + parts["last_name"]).str.strip().replace("", None)


def salutations(members: pd.DataFrame, first: pd.DataFrame, rules: HouseholdRules) -> pd.DataFrame:
    """The salutation line per household (indexed by household_id), in the mailing country's
    form, and its kind: single (one member), family (a shared surname), pair (two without
    one) or unrelated."""
    size = members.groupby("household_id").size()
    # The family surname: the first surname most members share, as the first (primary-ordered)
    # member carrying it writes their surname in full.
    counts = members.dropna(subset=["surname_key"]).groupby(["household_id", "surname_key"], sort=False).size()
    counts = (
        counts.rename("n").reset_index().sort_values(["household_id", "n"], ascending=[True, False], kind="mergesort")
    )
    top = counts.drop_duplicates("household_id").set_index("household_id")
    shared = top["n"].reindex(size.index).fillna(0) >= 2
    carriers = members.merge(top.reset_index()[["household_id", "surname_key"]], on=["household_id", "surname_key"])
    family_name = carriers.drop_duplicates("household_id").set_index("household_id")["last_name"].reindex(size.index)

    country = first.set_index("household_id")["country"].reindex(size.index).fillna("")
    name = _full_name(first).set_axis(first["household_id"]).reindex(size.index)

    def fill(kind: str, values: list[pd.Series], rows: pd.Series) -> pd.Series:
        """The country's form of `kind` with its placeholders ({surname}, {name}, {other}, in
        that order of `values`) filled: each form is split once per country, then joined by
        column-wise string concatenation."""
        texts = {c: rules.single if kind == "single" else rules.salutation(c, kind) for c in country[rows].unique()}
        pieces = {c: re.split(r"\{(?:surname|name|other)\}", t) for c, t in texts.items()}
        where = country[rows]
        # Object throughout: an all-missing name column is float64, and pandas 3's `str` refuses
        # `str + float64` even with no rows to add.
        text = where.map({c: p[0] for c, p in pieces.items()}).astype(object)
        for i, value in enumerate(values, start=1):
            text = text + value[rows].astype(object) + where.map({c: p[i] for c, p in pieces.items()}).astype(object)
        return text

    out = country.map({c: rules.salutation(c, "unrelated") for c in country.unique()}).astype(object)
    kind = pd.Series("unrelated", index=size.index, dtype=object)
    fam = shared & family_name.notna()
    out[fam] = fill("family", [family_name], fam)
    kind[fam] = "family"
    one = (size == 1) & name.notna()
    out[one] = fill("single", [name], one)
    kind[one] = "single"
    # Two people without a shared surname: both names, in the country's form.
    second = _full_name(members[~members["person_id"].isin(first["person_id"])].drop_duplicates("household_id"))
    other = second.set_axis(members.loc[second.index, "household_id"]).reindex(size.index)
    two = (size == 2) & ~fam & name.notna() & other.notna()
    out[two] = fill("pair", [name, other], two)
    kind[two] = "pair"
    return pd.DataFrame({"salutation": out, "salutation_kind": kind})


def household_table(members: pd.DataFrame, rules: HouseholdRules) -> pd.DataFrame:
    """households.parquet: mailing address, composition, spend, primary contact, salutation."""
    ordered = _ordered(members, rules.child_below_age)
    first = ordered.drop_duplicates("household_id")
    # The mailing address: a member's whose flat is written, rather than inferred.
    mail = ordered.sort_values(["household_id", "address_inferred"], kind="mergesort").drop_duplicates("household_id")
    g = members.groupby("household_id")
    age = members["age"]
    comp = pd.DataFrame(
        {
            "members": g.size(),
            "adults": (age >= rules.child_below_age).groupby(members["household_id"]).sum(),
            "children": (age < rules.child_below_age).groupby(members["household_id"]).sum(),
            "seniors": (age >= rules.senior_from_age).groupby(members["household_id"]).sum(),
            "age_unknown": age.isna().groupby(members["household_id"]).sum(),
            "total_spend": g["total_spend"].sum(),
            "last_purchase_at": g["last_purchase_at"].max(),
        }
    )
    comp["children_present"] = comp["children"] > 0
    comp["average_spend"] = comp["total_spend"] / comp["members"]
    out = mail.set_index("household_id")[MAILING_FIELDS].reindex(comp.index)
    out["primary_person_id"] = first.set_index("household_id")["person_id"].reindex(comp.index)
    out[["salutation", "salutation_kind"]] = salutations(ordered, first, rules).reindex(comp.index)
    out = pd.concat([out, comp], axis=1).reset_index()
    for col in ("members", "adults", "children", "seniors", "age_unknown"):
        out[col] = out[col].astype("int64")
    out["total_spend"] = out["total_spend"].round(2)
    out["average_spend"] = out["average_spend"].round(2)
    order = [
        "household_id",
        "salutation",
        "salutation_kind",
        *MAILING_FIELDS,
        "members",
        "adults",
        "children",
        "seniors",
        "age_unknown",
        "children_present",
        "total_spend",
        "average_spend",
        "last_purchase_at",
        "primary_person_id",
    ]
    return out[order].sort_values("household_id", ignore_index=True)


def composition_counts(households: pd.DataFrame) -> pd.DataFrame:
    """Households by number of members (1, 2, …, 6+) and with/without children: counts only."""
    size = households["members"].clip(upper=6).map(lambda n: "6+" if n == 6 else str(n))
    return pd.crosstab(size, households["children_present"].map({True: "with children", False: "no children"}))


def person_spend(purchases: pd.DataFrame) -> pd.DataFrame:
    """Per person: total spend (reporting currency) and last purchase day, from the typed,
    linked transactions of `helpers.transactions.prepare_transactions`."""
    usable = purchases[purchases["usable"].to_numpy(dtype=bool) & purchases["person_id"].notna().to_numpy()]
    g = usable.groupby("person_id")
    return pd.DataFrame(
        {"total_spend": g["amount_reporting"].sum().astype("float64"), "last_purchase_at": g["purchased_on"].max()}
    ).reset_index()
