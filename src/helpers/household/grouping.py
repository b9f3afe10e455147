"""Which golden customers live together: the household rule of `config/households.yaml`.

The standardised address key ("country|postcode|street|number|unit") is the dwelling. Three
things make it insufficient on its own:

- a record may give the building but not the flat ("12 High Street" in a block of flats): the
  key then ends in an empty unit and would either glue the person to nobody or, keyed by the
  building, to every flat at once. Evidence of living with the people of one flat — a shared
  surname (either of two), phone or email — places them there; without evidence they stay on
  their own;
- a record may give no street at all (a call-centre or web sign-up fragment with a phone, an
  email, perhaps a postcode): a phone or email shared with a household, two names at its
  postcode, or one surname rare enough there (`_surname_chance`) puts the person in that
  dwelling; such people who share a phone or email with each other are one household;
- under the `family` rule a dwelling is split further into groups linked by that evidence,
  so unrelated flatmates become separate households.

Evidence is handled as tokens ("surname garcia at building B") so that linking is a
connected-components problem over a person–token graph: no pairwise comparison, and a block
of 200 flats costs what 200 houses cost.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from .rules import HouseholdRules

NO_ADDRESS = "~no-address~"
MAX_SHARED_CONTACT = 10  # people on one phone or email beyond which it is nobody's household


def evidence_tokens(people: pd.DataFrame, scope: pd.Series, kinds: tuple[str, ...]) -> pd.DataFrame:
    """(row position, token) for every piece of evidence of each person, within a scope."""
    parts = []
    pos = np.arange(len(people))
    scope = scope.to_numpy(dtype=object)
    if "surname" in kinds:
        for col in ("surname_1_key", "surname_2_key"):
            if col in people.columns:
                parts.append(pd.DataFrame({"pos": pos, "token": "s:" + people[col].astype(object)}))
    for kind, col in (("phone", "phones"), ("email", "emails")):
        if kind in kinds and col in people.columns:
            lists = pd.DataFrame({"pos": pos, "token": people[col].to_numpy()}).explode("token")
            parts.append(lists.assign(token=kind[0] + ":" + lists["token"].astype(object)))
    if not parts:
        return pd.DataFrame({"pos": pd.Series(dtype="int64"), "token": pd.Series(dtype=object)})
    tokens = pd.concat(parts, ignore_index=True).dropna()
    where = pd.Series(scope[tokens["pos"].to_numpy()], index=tokens.index)
    tokens = tokens[where.notna()]
    tokens["token"] = where[tokens.index] + "\x1f" + tokens["token"]
    return tokens.drop_duplicates()


def linked_groups(n: int, tokens: pd.DataFrame) -> np.ndarray:
    """Component label per person (0..n-1) of the person–token graph; alone = own label."""
    if tokens.empty:
        return np.arange(n)
    codes, _ = pd.factorize(tokens["token"])
    edges = coo_matrix(
        (np.ones(len(tokens), dtype=np.int8), (tokens["pos"].to_numpy(), n + codes)), shape=(n + codes.max() + 1,) * 2
    )
    _, labels = connected_components(edges, directed=False)
    return labels[:n]


def _no_unit(key: pd.Series) -> pd.Series:
    """Address keys that name a building but no flat (the unit part is empty)."""
    return key.str.endswith("|").astype("boolean").fillna(False).astype(bool)


def _place_in_flats(people: pd.DataFrame, key: pd.Series, rules: HouseholdRules) -> tuple[pd.Series, np.ndarray]:
    """Put people whose flat is unknown, in a building with known flats, into the flat they
    share evidence with (most tokens in common; ties: the smaller key)."""
    building = people["building_key"]
    no_unit = _no_unit(key)
    with_unit = key.notna() & ~no_unit
    ambiguous = no_unit & building.isin(building[with_unit])
    placed = np.zeros(len(people), dtype=bool)
    if not ambiguous.any():
        return key, placed
    scope = building.where(ambiguous | with_unit)
    tokens = evidence_tokens(people, scope, rules.evidence)
    amb = tokens[ambiguous.to_numpy()[tokens["pos"].to_numpy()]]
    flat = tokens[with_unit.to_numpy()[tokens["pos"].to_numpy()]]
    flat = flat.assign(flat_key=key.to_numpy()[flat["pos"].to_numpy()])[["token", "flat_key"]]
    hits = amb.merge(flat, on="token").groupby(["pos", "flat_key"], as_index=False).size()
    best = hits.sort_values(["pos", "size", "flat_key"], ascending=[True, False, True]).drop_duplicates("pos")
    key = key.copy()
    key.iloc[best["pos"].to_numpy()] = best["flat_key"].to_numpy()
    placed[best["pos"].to_numpy()] = True
    return key, placed


def _name_tokens(people: pd.DataFrame, rules: HouseholdRules) -> pd.DataFrame:
    """(pos, place, kind, value, weight, token) for each name of each person at each place
    (a "country|postcode" key) they gave: both surnames (kind "s", weight 1) and the full name
    (kind "n", weight 2). Places come from the address key for the housed and from their
    records' postcodes for the others."""
    columns = ["pos", "place", "kind", "value", "weight", "token"]
    if "surname" not in rules.evidence or "places" not in people.columns:
        return pd.DataFrame({c: pd.Series(dtype="int64" if c in ("pos", "weight") else object) for c in columns})
    place = people[["places"]].assign(pos=np.arange(len(people))).explode("places").dropna()
    pos = place["pos"].to_numpy(dtype=np.int64)
    where = place["places"].to_numpy(dtype=object)
    whole = (
        people["first_name_key"].astype(object) + " " + people["surname_1_key"].astype(object)
        if "first_name_key" in people.columns
        else people["surname_1_key"].where(False)
    )
    parts = []
    for values, kind, weight in ((people["surname_1_key"], "s", 1), (people["surname_2_key"], "s", 1), (whole, "n", 2)):
        parts.append(
            pd.DataFrame(
                {
                    "pos": pos,
                    "place": where,
                    "kind": kind,
                    "value": values.to_numpy(dtype=object)[pos],
                    "weight": weight,
                }
            )
        )
    names = pd.concat(parts, ignore_index=True).dropna(subset=["value"])
    names["token"] = names["place"] + "\x1f" + names["kind"] + ":" + names["value"]
    return names.drop_duplicates(["pos", "token"])[columns]


def _surname_chance(names: pd.DataFrame, dwelling: np.ndarray) -> pd.Series:
    """Per surname token of housed people (`names` from `_name_tokens`, `dwelling` aligned):
    how many dwellings at that postcode would carry the surname by coincidence — the
    dwellings seen at the postcode times the share of the country's dwellings that carry it.

    This is what a surname at a postcode is worth. "Okonkwo", carried by one dwelling in a
    thousand, at a postcode of four known dwellings is near proof (0.004 expected there);
    "García", carried by one Spanish dwelling in thirty, at a Madrid postcode of forty known
    dwellings is a coin toss (1.3 expected). Counting from our own customers keeps it honest as the data
    grow: more dwellings at a postcode, and the same surname proves less.
    """
    place, places = pd.factorize(names["place"])
    country, _ = pd.factorize(pd.Series(places, dtype=object).str.split("|", n=1, regex=False).str[0])
    country = country[place]
    home, _ = pd.factorize(pd.Series(dwelling, dtype=object))
    seen = pd.DataFrame({"place": place, "country": country, "home": home})
    per_place = np.bincount(seen.drop_duplicates(["place", "home"])["place"], minlength=len(places))
    per_country = np.bincount(seen.drop_duplicates(["country", "home"])["country"])
    surname = (names["kind"] == "s").to_numpy()
    name, _ = pd.factorize(names["value"].to_numpy(dtype=object)[surname])
    carriers = seen[surname].assign(name=name).drop_duplicates(["country", "name", "home"])
    carrying = carriers.groupby(["country", "name"]).size()
    at = pd.MultiIndex.from_arrays([country[surname], name])
    chance = per_place[place[surname]] * carrying.reindex(at).to_numpy() / per_country[country[surname]]
    return pd.Series(chance, index=names["token"].to_numpy()[surname]).groupby(level=0).first()


def _attach_addressless(people: pd.DataFrame, key: pd.Series, rules: HouseholdRules) -> tuple[pd.Series, np.ndarray]:
    """Give people with no usable address of their own the dwelling of the household they
    share evidence with: a phone or an email anywhere, or a name at the same postcode when
    exactly one dwelling there carries it. Phones and emails count two, a surname one, and two
    are needed: one surname at a postcode is a guess (the Robinsons of a Manchester postcode
    are rarely all one family, and most of them are not our customers), both surnames of an
    Iberian name or a surname and a phone are evidence, and so is the same full name at the
    postcode (most often the same person, whose records matching did not join).

    A surname rare enough at its postcode counts two on its own: when the dwellings expected
    to carry it there by coincidence (`_surname_chance`) are at most
    `rules.rare_surname_chance`, the one dwelling that does carry it is the family.

    People without an address who share a phone, an email, or their full name at a postcode
    are one household even if its address is never learnt (a couple who only ever rang the
    call centre), and they look for their dwelling together, pooling their evidence. A phone
    or email shared by more than `MAX_SHARED_CONTACT` people is a shop's, an agent's or a
    placeholder, not a household's, and is no evidence. Those without evidence stay a
    household of one.
    """
    placed = np.zeros(len(people), dtype=bool)
    lost = key.isna().to_numpy()
    if not lost.any():
        return key, placed
    strong = tuple(k for k in rules.evidence if k in ("phone", "email"))
    contact = evidence_tokens(people, pd.Series("", index=people.index, dtype=object), strong)
    contact = contact[contact["token"].map(contact["token"].value_counts()) <= MAX_SHARED_CONTACT].assign(weight=2)
    names = _name_tokens(people, rules)
    # The address-less linked to each other: one group, represented by its first member.
    links = pd.concat([contact[["pos", "token"]], names.loc[names["kind"] == "n", ["pos", "token"]]], ignore_index=True)
    group = linked_groups(len(people), links[lost[links["pos"].to_numpy()]])
    first = pd.Series(np.arange(len(people))).groupby(group).transform("min").to_numpy()
    tokens = pd.concat([contact, names[["pos", "token", "weight"]]], ignore_index=True)
    is_lost = lost[tokens["pos"].to_numpy()]
    wanted = tokens[is_lost].assign(pos=first[tokens.loc[is_lost, "pos"].to_numpy()]).drop_duplicates(["pos", "token"])
    housed = tokens[~is_lost & tokens["token"].isin(wanted["token"]).to_numpy()]
    housed = housed.assign(dwelling=key.to_numpy()[housed["pos"].to_numpy()])[
        ["token", "dwelling", "weight"]
    ].drop_duplicates()
    # A name pointing at several dwellings of one postcode says nothing.
    spread = housed["token"].map(housed["token"].value_counts())
    housed = housed[housed["token"].str.startswith("\x1f") | (spread == 1)]
    if rules.rare_surname_chance > 0 and (housed["weight"] == 1).any():
        own = ~lost[names["pos"].to_numpy()]
        chance = _surname_chance(names[own], key.to_numpy()[names.loc[own, "pos"].to_numpy()])
        rare = (housed["weight"] == 1) & (housed["token"].map(chance) <= rules.rare_surname_chance)
        housed.loc[rare, "weight"] = 2
    hits = wanted.drop(columns="weight").merge(housed, on="token")
    score = hits.groupby(["pos", "dwelling"], as_index=False)["weight"].sum()
    score = score[score["weight"] >= 2]
    best = score.sort_values(["pos", "weight", "dwelling"], ascending=[True, False, True]).drop_duplicates("pos")
    dwelling = pd.Series(best["dwelling"].to_numpy(), index=best["pos"].to_numpy()).reindex(first).to_numpy()
    joins = lost & pd.notna(dwelling)
    key = key.copy()
    key.iloc[np.flatnonzero(joins)] = dwelling[joins]
    placed[joins] = True
    # Groups that found no dwelling stay together, at no known address.
    together = lost & ~joins & pd.Series(first).duplicated(keep=False).to_numpy()
    key.iloc[np.flatnonzero(together)] = NO_ADDRESS + people["person_id"].to_numpy(dtype=object)[first[together]]
    return key, placed


def assign_households(people: pd.DataFrame, rules: HouseholdRules) -> pd.DataFrame:
    """person_id → household_key (a label, made stable as household_id later) and how.

    `people`: person_id, address_key, building_key, surname_1_key, surname_2_key, phones,
    emails, places (lists; places are "country|postcode" keys). Returns person_id,
    dwelling_key, household_key and address_inferred (placed in a flat or a dwelling on
    evidence rather than by their own address).
    """
    people = people.reset_index(drop=True)
    key = people["address_key"].astype(object)
    placed = np.zeros(len(people), dtype=bool)
    if rules.rule in ("dwelling", "family"):
        key, placed = _place_in_flats(people, key, rules)
        # People still without a flat in a building of several flats: together only with
        # each other and only on evidence, never with the whole building.
        building = people["building_key"]
        no_unit = _no_unit(key) & ~placed
        multi = no_unit & building.isin(building[key.notna() & ~_no_unit(key)])
        if multi.any():
            label = linked_groups(len(people), evidence_tokens(people, building.where(multi), rules.evidence))
            key = key.where(~multi, key + "?" + pd.Series(label, dtype=str))
        key, attached = _attach_addressless(people, key, rules)
        placed |= attached
    dwelling = key.fillna(NO_ADDRESS + people["person_id"])
    household = dwelling
    if rules.rule == "family":
        label = linked_groups(len(people), evidence_tokens(people, dwelling, rules.evidence))
        household = dwelling + "#" + pd.Series(label, dtype=str)
    return pd.DataFrame(
        {
            "person_id": people["person_id"],
            "dwelling_key": dwelling,
            "household_key": household,
            "address_inferred": placed,
        }
    )
