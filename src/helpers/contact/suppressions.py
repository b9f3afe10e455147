"""Suppression lists: standardise them like customer records, then find whose they are.

A suppression list is written by someone else (an email service, a national register, a
customer-service desk) in its own spelling: "ANA.LOPEZ@GMAIL.COM", "612 345 678", "C/ Mayor 5
3º". To find the customer, each row goes through the same standardisers as the people records
of stage 02 (imported, never re-implemented), so that both sides are compared as the same keys:

- email: `email_key` (case, Gmail dots, +tags folded: the mailbox, not the spelling);
- phone: E.164, read with the row's country, else its source's default_country; an E.164
  number needs neither. A national number with no country at all may be read as a number of
  each country the customers live in (`guess_phone_country`): over-matching a register is the
  safe side;
- postal address: `address_key` (the dwelling) plus the name, because a mail-preference
  registration is a person at an address, not the address: the surname must share a key with
  one of the record's surnames and the given name must agree (key, nickname canonical, or an
  initial). When the row gives no flat, the building (`building_key`) plus the name is used,
  since the customer's own record may carry a flat the registration left out.

Keys are compared against EVERY clean record of every person, not only the golden values: an
unsubscribe from an email the person no longer uses, or a mail preference registered at the
address they lived at before, still names the person. The person, not the record, is what a
suppression applies to (bounces excepted: those are about one email address).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from helpers.contact.rules import BOUNCES, ContactRules
from helpers.ingest import date_format_per_row
from helpers.schema import SUPPRESSION_CHANNELS, SUPPRESSION_REASONS
from helpers.standardise.addresses import standardise_addresses
from helpers.standardise.countries import standardise_countries
from helpers.standardise.dates import standardise_dates
from helpers.standardise.distinct import known_good
from helpers.standardise.emails import standardise_emails
from helpers.standardise.names import standardise_names
from helpers.standardise.phones import standardise_phones
from helpers.standardise.postcodes import standardise_postcodes

# How a suppression row was tied to a person, as bits (a row may match one person several ways).
METHODS: dict[str, int] = {"email": 1, "phone": 2, "phone_guessed_country": 4, "address+name": 8}
STATUSES = ("matched", "not_a_customer", "no_identifier")
RECORD_KEYS = [
    "email_key",
    "phone_std",
    "address_key",
    "building_key",
    "first_name_key",
    "first_name_canonical",
    "surname_1_key",
    "surname_2_key",
]
NAME_KEYS = ["first_name_key", "first_name_canonical", "surname_1_key", "surname_2_key"]


@dataclass
class StandardisedSuppressions:
    rows: pd.DataFrame  # one row per suppression row (RangeIndex = `row`), keys as columns
    phone_guesses: pd.DataFrame  # row, phone_std: readings of national numbers without a country


def _text(values: pd.Series) -> pd.Series:
    """Trimmed lower-case words joined by underscores ('Hard bounce' → 'hard_bounce')."""
    return values.astype("string").str.strip().str.lower().str.replace(r"[\s\-]+", "_", regex=True)


# Ways lists write a request to be forgotten (GDPR art. 17, LGPD art. 18): all read as `erasure`,
# so that such a request is never demoted to the `unknown_reason` (an unsubscribe) and lost.
ERASURE_WORDINGS = frozenset(
    {
        "erasure",
        "erase",
        "erased",
        "forget",
        "forget_me",
        "right_to_be_forgotten",
        "right_to_erasure",
        "rtbf",
        "gdpr_erasure",
        "gdpr_delete",
        "gdpr_deletion",
        "lgpd_erasure",
        "lgpd_eliminacao",
        "deletion_request",
        "delete_me",
        "data_deletion",
        "supresion",
        "supresión",
        "derecho_al_olvido",
        "derecho_de_supresion",
        "oblio",
        "diritto_all'oblio",
        "diritto_alla_cancellazione",
        "eliminacao",
        "eliminação",
        "apagamento",
        "esquecimento",
    }
)  # not plain "delete"/"cancellation": lists use those for closed accounts and unsubscribes


def normalise_reasons(values: pd.Series) -> pd.Series:
    """Reasons as the closed vocabulary's words where they are one of its known spellings.

    Erasure requests come worded many ways (`Right to be forgotten`, `GDPR delete`,
    `derecho al olvido`); every such wording becomes `erasure`. Other text is returned as
    `_text` gives it (stage 06 reads what is not a known reason as `unknown_reason`).
    """
    text = _text(values)
    return text.where(~text.isin(sorted(ERASURE_WORDINGS)), "erasure")


def _column(df: pd.DataFrame, name: str) -> pd.Series:
    """A canonical column that a source may lack: all null when absent."""
    return df[name].astype(object) if name in df.columns else pd.Series(None, index=df.index, dtype=object)


def standardise_suppressions(
    suppressions: pd.DataFrame,
    source_summary: pd.DataFrame,
    reference_date: date,
    rules: ContactRules,
    guess_countries: list[str] | tuple[str, ...] = (),
) -> StandardisedSuppressions:
    """Keys for every suppression row, computed with the project's own standardisers.

    `source_summary` gives each source's default_country (and date format, a hint for event_at).
    `guess_countries`: countries in which to read national phone numbers that have no country
    (used only when `rules.guess_phone_country`). A reason the list wrote that is not a known
    reason is read as `rules.unknown_reason` (kept in `reason_given`); a channel that is not
    one of email/phone/sms/mail/all is read as none (a `row`-channel reason then closes all).
    """
    s = suppressions.reset_index(drop=True)
    facts = source_summary.drop_duplicates("source").set_index("source")
    default_country = (
        facts["default_country"].reindex(s["source"].to_numpy()).set_axis(s.index)
        if "default_country" in facts.columns
        else None
    )
    date_format = (
        date_format_per_row(source_summary, s["source"], "event_at") if "date_format" in facts.columns else None
    )

    given_reason = normalise_reasons(_column(s, "reason"))
    reason = given_reason.where(given_reason.isin(sorted(SUPPRESSION_REASONS)), rules.unknown_reason)
    channel = _text(_column(s, "channel"))
    channel = channel.where(channel.isin(sorted(SUPPRESSION_CHANNELS)))

    country = standardise_countries(_column(s, "country"), default=default_country)["country_std"]
    emails = standardise_emails(_column(s, "email"))
    phone_raw = _column(s, "phone")
    phones = standardise_phones(phone_raw, country)
    postcodes = standardise_postcodes(_column(s, "postcode"), country)
    address_in = pd.DataFrame(
        {
            "address_line1": _column(s, "address_line1"),
            "address_line2": None,
            "city": _column(s, "city"),
            "region": None,
            "postcode_std": postcodes["postcode_std"],
            "postcode_valid": postcodes["postcode_valid"],
            "country_std": country,
        }
    )
    addresses = standardise_addresses(address_in)
    names = standardise_names(
        pd.DataFrame({c: _column(s, c) for c in ("first_name", "last_name", "full_name")}), country
    )
    when = standardise_dates(_column(s, "event_at"), date_format, reference_date, kind="event")
    event_at = when["date_std"].where(when["date_valid"]).astype("datetime64[s]")

    rows = pd.DataFrame(
        {
            "suppression_id": s["source"].astype(str) + ":" + s["source_record_id"].astype(str),
            "source": s["source"].astype(str),
            "source_record_id": s["source_record_id"].astype(str),
            "reason": reason.astype(object),
            "reason_given": _column(s, "reason"),
            "channel": channel.astype(object).where(channel.notna(), None),
            "event_at": event_at,
            "email_key": emails["email_key"],
            "phone_std": phones["phone_std"],
            "address_key": addresses["address_key"],
            "building_key": addresses["building_key"],
            "has_unit": addresses["unit"].notna(),
            **{c: names[c] for c in NAME_KEYS},
        }
    )
    guesses = pd.DataFrame({"row": pd.Series(dtype="int64"), "phone_std": pd.Series(dtype=object)})
    unread = phone_raw.notna() & phones["phone_std"].isna() & country.isna()
    if rules.guess_phone_country and unread.any() and len(guess_countries):
        raw = phone_raw[unread]
        found = []
        for iso in sorted(set(guess_countries)):  # a loop over a few countries, not over rows
            read = standardise_phones(raw, pd.Series(iso, index=raw.index))
            ok = known_good(read["phone_valid"])  # a guess counts only when the number is valid there
            found.append(pd.DataFrame({"row": raw.index[ok].to_numpy(), "phone_std": read["phone_std"].to_numpy()[ok]}))
        guesses = pd.concat([guesses, *found], ignore_index=True).drop_duplicates(ignore_index=True)
    return StandardisedSuppressions(rows, guesses)


def _names_agree(pairs: pd.DataFrame) -> np.ndarray:
    """Same person by name: a shared surname key, and given names that agree.

    The given names agree when they have the same key or nickname canonical ("Pepe" = "José"),
    when one of them is an initial of the other, or when one side has no given name. A row
    without a surname matches nobody by address: a dwelling alone is a household, not a person.
    """

    def col(name: str) -> np.ndarray:
        return pairs[name].to_numpy(dtype=object)

    s1, s2, r1, r2 = col("surname_1_key"), col("surname_2_key"), col("r_surname_1_key"), col("r_surname_2_key")
    surname = np.zeros(len(pairs), dtype=bool)
    for a in (s1, s2):
        for b in (r1, r2):
            surname |= pd.notna(a) & pd.notna(b) & (a == b)
    f, r = pairs["first_name_key"].astype("string"), pairs["r_first_name_key"].astype("string")
    fc, rc = col("first_name_canonical"), col("r_first_name_canonical")
    same = (f == r).fillna(False).to_numpy(dtype=bool) | (pd.notna(fc) & pd.notna(rc) & (fc == rc))
    initial = ((f.str.len() == 1) | (r.str.len() == 1)) & (f.str.slice(0, 1) == r.str.slice(0, 1))
    unknown = (f.isna() | r.isna()).to_numpy(dtype=bool)
    return surname & (same | initial.fillna(False).to_numpy(dtype=bool) | unknown)


def match_suppressions(std: StandardisedSuppressions, records: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """Which persons each suppression row names, and each row's status.

    `records`: the clean records with `person_id` (RECORD_KEYS columns used). Returns
    - matches: one row per (suppression row, person): row, suppression_id, source,
      source_record_id, reason, channel, event_at, person_id, matched_on ("email",
      "phone", "address+name", or several joined by "+" when the same person matched twice);
    - status per suppression row: matched, not_a_customer (its keys are readable but no customer
      has them) or no_identifier (no usable email, phone, or address with a surname).
    """
    rows = std.rows
    found = []

    def candidates(key: str, wanted: pd.Series, extra: list[str] = []) -> pd.DataFrame:  # noqa: B006
        """The records whose `key` is one of the wanted values: a hash look-up of a million
        keys in a small set, so only the few candidates are copied and merged."""
        hit = records[key].isin(wanted.dropna().unique()).to_numpy()
        return pd.DataFrame(
            {
                "person_id": records["person_id"].to_numpy()[hit],
                key: records[key].to_numpy()[hit],
                **{f"r_{c}": records[c].to_numpy()[hit] for c in extra},
            }
        )

    def keep(row: np.ndarray, person: np.ndarray, method: str) -> None:
        found.append(pd.DataFrame({"row": row, "person_id": person, "method": METHODS[method]}))

    ids = rows.index.to_series(name="row")
    for key, left, method in (
        ("email_key", pd.DataFrame({"row": ids, "email_key": rows["email_key"]}), "email"),
        ("phone_std", pd.DataFrame({"row": ids, "phone_std": rows["phone_std"]}), "phone"),
        ("phone_std", std.phone_guesses[["row", "phone_std"]], "phone_guessed_country"),
    ):
        left = left.dropna()
        hit = left.merge(candidates(key, left[key]), on=key, how="inner")
        keep(hit["row"].to_numpy(), hit["person_id"].to_numpy(), method)

    # Postal address + name: the dwelling when the row gives a flat, else the building.
    named = rows["surname_1_key"].notna() | rows["surname_2_key"].notna()
    for key, use in (
        ("address_key", named & rows["has_unit"] & rows["address_key"].notna()),
        ("building_key", named & ~rows["has_unit"] & rows["building_key"].notna()),
    ):
        left = rows.loc[use, [key, *NAME_KEYS]].rename_axis("row").reset_index()
        pairs = left.merge(candidates(key, left[key], NAME_KEYS), on=key, how="inner")
        pairs = pairs[_names_agree(pairs)]
        keep(pairs["row"].to_numpy(), pairs["person_id"].to_numpy(), "address+name")

    hits = pd.concat(found, ignore_index=True)
    hits["row"] = hits["row"].astype("int64")
    # Several records of one person (or several ways) may match: one row per (row, person).
    matches = _or_bits(hits).reset_index()
    matches["matched_on"] = _method_labels(matches["method"].to_numpy())
    info = rows[["suppression_id", "source", "source_record_id", "reason", "channel", "event_at"]]
    matches = pd.concat(
        [
            matches[["row"]],
            info.iloc[matches["row"].to_numpy()].reset_index(drop=True),
            matches[["person_id", "matched_on"]],
        ],
        axis=1,
    )

    usable = (
        rows["email_key"].notna()
        | rows["phone_std"].notna()
        | rows.index.isin(std.phone_guesses["row"])
        | (named & (rows["address_key"].notna() | rows["building_key"].notna()))
    )
    status = pd.Series(np.where(usable, "not_a_customer", "no_identifier"), index=rows.index, dtype=object)
    status[rows.index.isin(matches["row"])] = "matched"
    return matches, status


def _or_bits(hits: pd.DataFrame) -> pd.Series:
    """Bitwise OR of `method` per (row, person) without a Python call per group: one max per bit."""
    flags = pd.DataFrame({name: (hits["method"].to_numpy() & bit) for name, bit in METHODS.items()})
    flags[["row", "person_id"]] = hits[["row", "person_id"]]
    per = flags.groupby(["row", "person_id"], sort=True)[list(METHODS)].max()
    return per.sum(axis=1).rename("method")  # distinct bits: their sum is their OR


def _method_labels(bits: np.ndarray) -> np.ndarray:
    """'email', 'phone+address+name', … for each bit set (labels built once per distinct value)."""
    distinct = np.unique(bits)
    labels = {b: "+".join(name for name, bit in METHODS.items() if b & bit) for b in distinct.tolist()}
    return pd.Series(bits).map(labels).to_numpy(dtype=object)


def bounced_addresses(std: StandardisedSuppressions, soft_bounce_limit: int) -> pd.DataFrame:
    """Email keys that must not be written to: hard-bounced once, or soft-bounced often enough.

    One row per email_key: bounce (hard_bounce | soft_bounce), bounces (count of that kind),
    event_at and suppression_id of the latest bounce (evidence for the report).
    """
    r = std.rows
    b = r[r["reason"].isin(BOUNCES) & r["email_key"].notna()]
    b = b.sort_values(["email_key", "event_at", "suppression_id"], kind="stable", na_position="first")
    counts = b.groupby(["email_key", "reason"]).size().rename("bounces").reset_index()
    last = b.drop_duplicates(["email_key", "reason"], keep="last")[
        ["email_key", "reason", "event_at", "suppression_id"]
    ]
    per = counts.merge(last, on=["email_key", "reason"])
    dead = (per["reason"] == "hard_bounce") | (per["bounces"] >= soft_bounce_limit)
    per = per[dead].sort_values(["email_key", "reason"])  # hard_bounce sorts before soft_bounce
    return per.drop_duplicates("email_key").rename(columns={"reason": "bounce"}).reset_index(drop=True)


def suppression_counts(std: StandardisedSuppressions, matches: pd.DataFrame, status: pd.Series) -> pd.DataFrame:
    """Per source and reason: rows, matched, not_a_customer, no_identifier, persons matched."""
    r = std.rows[["source", "reason"]].assign(status=status.to_numpy())
    table = pd.crosstab([r["source"], r["reason"]], r["status"]).reindex(columns=list(STATUSES), fill_value=0)
    table.columns.name = None
    table.insert(0, "rows", table.sum(axis=1))
    persons = matches.groupby(["source", "reason"])["person_id"].nunique()
    table["persons"] = persons.reindex(table.index, fill_value=0)
    return table.reset_index()
