"""Worklists: customers someone should act on, as tables and as files a team works through.

Stage 06 writes each worklist to `exports/worklists/<name>.csv` (UTF-8 with a byte-order mark,
so Excel shows accents right) and `.xlsx` (frozen header, filters, fitted widths) in the run
folder, beside the campaign lists, owner-only; its report shows only names, sizes and files.

Every worklist leaves out people we may not contact on any channel (erasure, deceased, every
channel closed): a list to call or write to must itself respect the opt-outs. Each carries
`reachable_by`, the first channel (email, phone, sms, mail) on which the person is contactable.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from helpers.contact.consent import NO_TIME, confirmed_time, last_per_person, take_rows
from helpers.contact.decide import person_codes
from helpers.contact.rules import CHANNELS
from helpers.postal import POSTAL_FIELDS, TEXT, postal_lines


def wide(table: pd.DataFrame, column: str) -> pd.DataFrame:
    """One column of the long contactability table as persons × channels.

    The table is person-major with the channels in CHANNELS order (as `contactability` writes
    it), so this is a reshape, not a pivot of millions of rows; anything else is refused.
    """
    k = len(CHANNELS)
    channel = pd.Categorical(table["channel"], categories=list(CHANNELS)).codes
    if len(table) % k or not (channel.reshape(-1, k) == np.arange(k)).all():
        raise ValueError("the contactability table must hold the 4 channels of each person, in order")
    persons = table["person_id"].to_numpy()[::k]
    return pd.DataFrame(
        table[column].to_numpy().reshape(-1, k), index=pd.Index(persons, name="person_id"), columns=list(CHANNELS)
    )


def reachable_by(table: pd.DataFrame) -> pd.Series:
    """The first channel each person is contactable on (None when none)."""
    ok = wide(table, "contactable").to_numpy(dtype=bool)
    first = np.array(CHANNELS, dtype=object)[ok.argmax(axis=1)]
    return pd.Series(np.where(ok.any(axis=1), first, None), index=wide(table, "reason").index, name="reachable_by")


def bounced_with_phone(table: pd.DataFrame, golden: pd.DataFrame) -> pd.DataFrame:
    """People with no usable email left (every one bounced) whom we may call: call them to get a
    working email. Columns: person_id, email (the golden, bounced, email), phone, bounced_at,
    bounce_id (the suppression_id of the latest bounce)."""
    reason, contact = wide(table, "reason"), wide(table, "contact")
    ok = wide(table, "contactable")
    pick = (reason["email"].astype(str) == "email_bounced").to_numpy() & ok["phone"].to_numpy(dtype=bool)
    persons = reason.index[pick]
    email = (
        pd.Series(golden["email"].to_numpy(), index=golden["person_id"]).reindex(persons)
        if "email" in golden.columns
        else None
    )
    return pd.DataFrame(
        {
            "person_id": persons,
            "email": None if email is None else email.to_numpy(dtype=object),
            "phone": contact["phone"].to_numpy()[pick],
            "bounced_at": wide(table, "decided_at")["email"].to_numpy()[pick],
            "bounce_id": wide(table, "evidence_source")["email"].to_numpy()[pick],
        }
    )


def profile_completion(golden: pd.DataFrame, table: pd.DataFrame, fields: tuple[str, ...] | list[str]) -> pd.DataFrame:
    """People missing any of `fields` (golden columns), for a profile-completion campaign.

    Columns: person_id, missing (field names, comma-separated), n_missing, reachable_by.
    """
    fields = [f for f in fields if f in golden.columns]
    absent = golden[fields].isna().to_numpy() if fields else np.zeros((len(golden), 0), dtype=bool)
    names = np.array([f + ", " for f in fields], dtype=object)
    missing = (np.where(absent, names, "").sum(axis=1) if fields else np.full(len(golden), "", dtype=object)).astype(
        str
    )
    channel = reachable_by(table).reindex(golden["person_id"]).to_numpy(dtype=object)
    keep = absent.any(axis=1) & pd.notna(channel)
    return pd.DataFrame(
        {
            "person_id": golden["person_id"].to_numpy()[keep],
            "missing": pd.Series(missing[keep]).str.removesuffix(", ").to_numpy(dtype=object),
            "n_missing": absent.sum(axis=1)[keep],
            "reachable_by": channel[keep],
        }
    )


def unconfirmed(
    golden: pd.DataFrame, records: pd.DataFrame, table: pd.DataFrame, reference_date: date, months: int
) -> pd.DataFrame:
    """People whose data nobody has confirmed for over `months` months before reference_date:
    the latest update or sign-up date over all their records is older (or unknown).

    Columns: person_id, last_confirmed (NaT = never), months_since (NaN when never), confirmed_in
    (the source of the record last confirmed; None = never), reachable_by.
    """
    n = len(golden)
    codes = person_codes(golden, records["person_id"])
    t = confirmed_time(records)
    row = last_per_person(np.where(t != NO_TIME, codes, -1), n, t)
    last = np.where(row >= 0, t[np.maximum(row, 0)] if len(t) else NO_TIME, NO_TIME).astype("datetime64[s]")
    cutoff = np.datetime64(pd.Timestamp(reference_date) - pd.DateOffset(months=months), "s")
    channel = reachable_by(table).reindex(golden["person_id"]).to_numpy(dtype=object)
    stale = (np.isnat(last) | (last < cutoff)) & pd.notna(channel)
    source = (
        records["source"].to_numpy(dtype=object) if "source" in records.columns else np.full(len(records), None, object)
    )
    ref = np.datetime64(pd.Timestamp(reference_date), "s")
    since = (ref - last[stale]).astype("timedelta64[D]").astype("float64") / 30.4375
    since[np.isnat(last[stale])] = np.nan
    return pd.DataFrame(
        {
            "person_id": golden["person_id"].to_numpy()[stale],
            "last_confirmed": last[stale],
            "months_since": np.round(since, 1),
            "confirmed_in": take_rows(source, row[stale], None),
            "reachable_by": channel[stale],
        }
    )


# -- files a team works through -------------------------------------------------------------------
#
# The tables above are for code and counts. The sheets below are what a team opens: one row per
# customer, headers in words, values in words ("email bounced", "date of birth"), no internal
# keys, and contact details only on channels the customer may be contacted on — a worklist is a
# contact list, so it obeys the opt-outs exactly as a campaign list does (stage 06's table).

WORKLISTS: dict[str, str] = {  # file name → what the list is for
    "bounced_call": "Every email bounced: call them for a working address",
    "profile_completion": "Profile incomplete: ask for what is missing",
    "unconfirmed": "Details not confirmed lately: ask them to confirm",
}
CHANNEL_WORDS = {"email": "email", "phone": "call", "sms": "SMS", "mail": "post"}
FIELD_WORDS = {
    "title": "title",
    "first_name": "first name",
    "last_name": "last name",
    "date_of_birth": "date of birth",
    "gender": "gender",
    "email": "email address",
    "phone": "phone number",
    "address_line1": "street address",
    "postcode": "postcode",
    "city": "town or city",
    "country": "country",
    "address_key": "full postal address",
    "national_id": "identity document number",
}
BOUNCE_WORDS = {"hard_bounce": "email bounced", "soft_bounce": "email bounced repeatedly (soft bounces)"}
NAME_COLUMNS = {"title": "title", "first_name": "first name", "last_name": "last name"}
# None as numpy takes it in np.where/np.append (a 0-d object array), spelled out for numpy's stubs.
_NONE = np.array(None, dtype=object)


def _dates(values: np.ndarray | pd.Series) -> np.ndarray:
    """Datetimes as dates (a spreadsheet shows 2026-10-15, not 2026-10-15 00:00:00); None when unknown."""
    stamps = pd.to_datetime(pd.Series(values), errors="coerce")
    return np.where(stamps.notna(), stamps.dt.date, _NONE).astype(object)


def _golden_rows(golden: pd.DataFrame, persons: pd.Index, columns: list[str]) -> pd.DataFrame:
    """The golden `columns` (those present) of each person, in `persons` order, by position:
    only the few columns needed are copied, not the 60-column golden table."""
    columns = [c for c in columns if c in golden.columns]
    at = pd.Index(golden["person_id"]).get_indexer(persons)
    if (at < 0).any():
        raise ValueError(f"{int((at < 0).sum()):,} worklist persons are not in the golden table")
    return golden[columns].iloc[at].reset_index(drop=True)


def _names(golden: pd.DataFrame, persons: pd.Index) -> pd.DataFrame:
    """Person id and the golden name of each person, in `persons` order, headers in words."""
    names = _golden_rows(golden, persons, list(NAME_COLUMNS)).rename(columns=NAME_COLUMNS)
    names.insert(0, "person id", persons.to_numpy(dtype=object))
    return names.astype(object).where(lambda d: d.notna(), None)


def _postal_address(golden: pd.DataFrame, persons: pd.Index) -> np.ndarray:
    """The golden address of each person as one printable line ("Calle Mayor 5, 28013 Madrid, SPAIN")."""
    lines = postal_lines(_golden_rows(golden, persons, list(POSTAL_FIELDS)))
    parts = [
        lines[c].astype(TEXT).fillna("")
        for c in ("address_line1", "address_line2", "postcode_city_line", "country_line")
    ]
    joined = parts[0].str.cat(parts[1:], sep=", ").str.replace(r"(, )+", ", ", regex=True).str.strip(", ")
    return joined.astype(object).where(joined != "", None).to_numpy(dtype=object)


def _open_addresses(golden: pd.DataFrame, persons: pd.Index, post: np.ndarray) -> np.ndarray:
    """The printable address of the persons open to post (`post`), None for the others."""
    out = np.full(len(persons), None, dtype=object)
    if post.any():
        out[post] = _postal_address(golden, persons[post])
    return out


def open_contacts(table: pd.DataFrame, golden: pd.DataFrame, persons: pd.Index) -> pd.DataFrame:
    """How each person may be reached, and only that: `reach by` (open channels in words) and the
    contact on each open channel (email, phone to call, mobile for SMS, postal address); a
    closed channel's cell is empty, whatever data we hold."""
    ok = wide(table, "contactable").reindex(persons).fillna(False).astype(bool)
    contact = wide(table, "contact").reindex(persons)
    words = np.array([CHANNEL_WORDS[c] + ", " for c in CHANNELS], dtype=object)
    reach = pd.Series(np.where(ok.to_numpy(), words, "").sum(axis=1), dtype=pd.ArrowDtype(pa.string())).str.replace(
        r", $", "", regex=True
    )
    golden_key = _golden_rows(golden, persons, ["address_key"]).get(
        "address_key", pd.Series(None, index=range(len(persons)))
    )
    # the printed (golden) address only where it is the one stage 06 checked
    post = ok["mail"].to_numpy() & (golden_key.to_numpy(dtype=object) == contact["mail"].to_numpy(dtype=object))
    return pd.DataFrame(
        {
            "reach by": reach.astype(object).where(reach != "", None).to_numpy(dtype=object),
            "email": np.where(ok["email"], contact["email"], _NONE).astype(object),
            "phone to call": np.where(ok["phone"], contact["phone"], _NONE).astype(object),
            "mobile for SMS": np.where(ok["sms"], contact["sms"], _NONE).astype(object),
            "postal address": _open_addresses(golden, persons, post),
        }
    )


def bounced_call_sheet(
    calls: pd.DataFrame, golden: pd.DataFrame, bounced: pd.DataFrame, suppression_rows: pd.DataFrame
) -> pd.DataFrame:
    """`bounced_with_phone` for the phone team: who, the number to call, the email that bounced,
    when, what happened and which list reported it. Most recent bounce first."""
    persons = pd.Index(calls["person_id"])
    kind = bounced.set_index("suppression_id")["bounce"] if len(bounced) else pd.Series(dtype=object)
    source = (
        suppression_rows.set_index("suppression_id")["source"] if len(suppression_rows) else pd.Series(dtype=object)
    )
    ids = calls["bounce_id"]
    sheet = _names(golden, persons).assign(
        **{
            "phone to call": calls["phone"].to_numpy(dtype=object),
            "email that bounced": calls["email"].to_numpy(dtype=object),
            "bounced on": _dates(calls["bounced_at"]),
            "what happened": kind.reindex(ids).map(BOUNCE_WORDS).fillna("email bounced").to_numpy(dtype=object),
            "reported by": source.reindex(ids).to_numpy(dtype=object),
        }
    )
    order = np.lexsort(
        (
            persons.to_numpy(dtype=str),
            -pd.to_datetime(calls["bounced_at"])
            .fillna(pd.Timestamp(0))
            .to_numpy()
            .astype("datetime64[s]")
            .astype("int64"),
        )
    )
    return sheet.iloc[order].reset_index(drop=True)


def profile_sheet(profile: pd.DataFrame, golden: pd.DataFrame, table: pd.DataFrame) -> pd.DataFrame:
    """`profile_completion` for the team: who, what is missing in words, and how to reach them.
    Most missing first."""
    persons = pd.Index(profile["person_id"])
    missing = profile["missing"].astype(pd.ArrowDtype(pa.string()))
    for field, words in FIELD_WORDS.items():  # a loop over the few fields; each is one vectorised replace
        missing = missing.str.replace(rf"\b{field}\b", words, regex=True)
    sheet = pd.concat(
        [
            _names(golden, persons),
            pd.DataFrame(
                {
                    "missing": missing.str.replace("_", " ", regex=False).to_numpy(dtype=object),
                    "fields missing": profile["n_missing"].to_numpy(),
                }
            ),
            open_contacts(table, golden, persons),
        ],
        axis=1,
    )
    order = np.lexsort((persons.to_numpy(dtype=str), -profile["n_missing"].to_numpy()))
    return sheet.iloc[order].reset_index(drop=True)


def unconfirmed_sheet(stale: pd.DataFrame, golden: pd.DataFrame, table: pd.DataFrame) -> pd.DataFrame:
    """`unconfirmed` for the team: who, when and where their details were last confirmed (empty and
    "never confirmed" when never), and how to reach them. Longest unconfirmed first."""
    persons = pd.Index(stale["person_id"])
    sheet = pd.concat(
        [
            _names(golden, persons),
            pd.DataFrame(
                {
                    "last confirmed": _dates(stale["last_confirmed"]),
                    "months since": stale["months_since"].round(0).astype("Int64").to_numpy(),
                    "confirmed in (source)": stale["confirmed_in"].fillna("never confirmed").to_numpy(dtype=object),
                }
            ),
            open_contacts(table, golden, persons),
        ],
        axis=1,
    )
    never = pd.isna(stale["last_confirmed"]).to_numpy()
    since = stale["months_since"].fillna(0).to_numpy()
    order = np.lexsort((persons.to_numpy(dtype=str), -since, ~never))
    return sheet.iloc[order].reset_index(drop=True)


def worklist_sheets(
    calls: pd.DataFrame,
    profile: pd.DataFrame,
    stale: pd.DataFrame,
    golden: pd.DataFrame,
    table: pd.DataFrame,
    bounced: pd.DataFrame,
    suppression_rows: pd.DataFrame,
) -> dict[str, pd.DataFrame]:
    """The three worklists as sheets for people, keyed by file name (WORKLISTS order)."""
    return {
        "bounced_call": bounced_call_sheet(calls, golden, bounced, suppression_rows),
        "profile_completion": profile_sheet(profile, golden, table),
        "unconfirmed": unconfirmed_sheet(stale, golden, table),
    }


def write_worklists(sheets: dict[str, pd.DataFrame], folder: str | Path) -> pd.DataFrame:
    """Each sheet as `<folder>/<name>.csv` (UTF-8 with BOM: Excel shows accents right) and `.xlsx`
    (frozen header, filters, widths), atomically and owner-only (they hold personal data; the
    folder is made owner-only too). Returns what was written: worklist, what for, rows, files —
    no personal data, for the stage report."""
    from helpers.sheets import write_for_people

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    written = []
    for name, sheet in sheets.items():
        csv_path, xlsx_path = write_for_people(sheet, folder / name, sheet=name)
        written.append(
            {
                "worklist": name,
                "what for": WORKLISTS.get(name, ""),
                "rows": len(sheet),
                "files": f"{folder.name}/{csv_path.name}, {folder.name}/{xlsx_path.name}",
            }
        )
    return pd.DataFrame(written, columns=["worklist", "what for", "rows", "files"])
