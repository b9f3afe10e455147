"""Stage 06 (contactability) on small hand-written customers with a known right answer.

Records are written as a person would type them and standardised with the project's own
stage-02 standardisers, so suppressions are matched the way the pipeline matches them; nothing
of stage 06 itself is replaced by a stand-in.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conftest import ROOT
from helpers.contact.decide import CONTACTABLE_REASONS, REASONS, contactable_shares, reason_counts
from helpers.contact.rules import CHANNELS, RulesError, load_rules, rules_from_dict
from helpers.contact.stage import run_contactability
from helpers.contact.worklists import bounced_with_phone, profile_completion, unconfirmed
from helpers.gates import load_suite_spec
from helpers.schema import SUPPRESSION_REASONS
from helpers.standardise.addresses import standardise_addresses
from helpers.standardise.countries import standardise_countries
from helpers.standardise.emails import standardise_emails
from helpers.standardise.names import standardise_names
from helpers.standardise.phones import standardise_phones
from helpers.standardise.postcodes import standardise_postcodes

CONFIG = ROOT / "config" / "contactability.yaml"
RULES = load_rules(CONFIG)
TODAY = date(2026, 11, 15)
SOURCES = pd.DataFrame(
    {
        "source": ["crm", "shop", "unsubs", "bounces", "dnc", "mps", "desk"],
        "default_country": ["ES", None, None, None, None, None, None],
        "date_format": ["%d/%m/%Y", None, None, None, None, None, None],
    }
)


# --------------------------------------------------------------------------- builders


def records(*rows: dict) -> pd.DataFrame:
    """Clean records with person_id, standardised from raw values like stage 02 does.

    Each row: person_id, record_key, and any of first_name, last_name, email, phone,
    address_line1, postcode, city, country, updated (record_updated_at), signup (signup_date),
    email_opt_in, phone_opt_in, mail_opt_in (True/False/None).
    """
    cols = [
        "person_id",
        "record_key",
        "first_name",
        "last_name",
        "email",
        "phone",
        "address_line1",
        "postcode",
        "city",
        "country",
        "updated",
        "signup",
        "email_opt_in",
        "phone_opt_in",
        "mail_opt_in",
    ]
    raw = pd.DataFrame([{c: r.get(c) for c in cols} for r in rows], columns=cols).astype(object)
    raw["country"] = raw["country"].fillna("ES")
    iso = standardise_countries(raw["country"])["country_std"]
    names = standardise_names(raw[["first_name", "last_name"]], iso)
    emails = standardise_emails(raw["email"])
    phones = standardise_phones(raw["phone"], iso)
    postcodes = standardise_postcodes(raw["postcode"], iso)
    addresses = standardise_addresses(
        pd.concat(
            [
                raw[["address_line1", "city"]].assign(address_line2=None, region=None),
                postcodes[["postcode_std", "postcode_valid"]],
                iso,
            ],
            axis=1,
        )
    )
    updated = pd.to_datetime(raw["updated"])
    out = pd.concat(
        [
            raw[["person_id", "record_key", "address_line1"]],
            names,
            emails,
            phones,
            addresses[["address_key", "building_key", "address_valid"]],
        ],
        axis=1,
    )
    out["source"] = out["record_key"].str.split(":").str[0]
    out["country_std"] = iso
    out["extracted_at"] = pd.Timestamp("2026-11-01", tz="UTC")
    out["record_updated_at_std"] = updated.astype("datetime64[ms]")
    out["record_updated_at_valid"] = updated.notna()
    signup = pd.to_datetime(raw["signup"])
    out["signup_date_std"] = signup.astype("datetime64[ms]")
    out["signup_date_valid"] = signup.notna()
    for flag in ("email_opt_in", "phone_opt_in", "mail_opt_in"):
        out[f"{flag}_std"] = raw[flag].astype("boolean")
    return out


def golden_of(recs: pd.DataFrame, **per_person: dict) -> pd.DataFrame:
    """One golden row per person: the first valid value of each field among its records
    (enough for these tests; stage 04's survivorship is tested elsewhere)."""
    rows = []
    for pid, r in recs.groupby("person_id", sort=True):
        first = lambda col, ok=None, r=r: next(iter(r.loc[r[ok] if ok else r[col].notna(), col].dropna()), None)  # noqa: E731
        row = {
            "person_id": pid,
            "first_name": first("first_name_std"),
            "last_name": first("last_name_std"),
            "email": first("email_std", "email_valid"),
            "phone": first("phone_std", "phone_valid"),
            "address_key": first("address_key"),
            "address_line1": first("address_line1"),
            "date_of_birth": pd.Timestamp("1980-01-01"),
        }
        row["phone_type"] = next(iter(r.loc[r["phone_std"] == row["phone"], "phone_type"]), None)
        row.update(per_person.get(pid, {}))
        rows.append(row)
    return pd.DataFrame(rows)


def suppressions(*rows: dict) -> pd.DataFrame:
    cols = [
        "source",
        "source_record_id",
        "channel",
        "email",
        "phone",
        "first_name",
        "last_name",
        "full_name",
        "address_line1",
        "postcode",
        "city",
        "country",
        "reason",
        "event_at",
    ]
    df = pd.DataFrame([{c: r.get(c) for c in cols} for r in rows], columns=cols).astype(object)
    df["source_record_id"] = [f"row-{i}" for i in range(1, len(df) + 1)]
    return df


def run(recs: pd.DataFrame, sups: pd.DataFrame, golden: pd.DataFrame | None = None, rules=RULES):
    golden = golden_of(recs) if golden is None else golden
    return run_contactability(golden, recs, sups, SOURCES, rules, TODAY)


def cell(result, person: str, channel: str) -> pd.Series:
    t = result.table
    return t[(t["person_id"] == person) & (t["channel"] == channel)].iloc[0]


JOSE = {
    "person_id": "P1",
    "record_key": "crm:1",
    "first_name": "José",
    "last_name": "García López",
    "email": "jose.garcia@gmail.com",
    "phone": "612 345 678",
    "address_line1": "Calle Mayor 5, 3º 2ª",
    "postcode": "28013",
    "city": "Madrid",
    "updated": "2024-01-10",
    "email_opt_in": True,
    "phone_opt_in": True,
    "mail_opt_in": True,
}


# --------------------------------------------------------------------------- config


def test_the_config_in_the_repo_loads_with_the_documented_defaults():
    assert [RULES.channels[c].model for c in CHANNELS] == ["opt_in", "opt_out", "opt_in", "opt_out"]
    assert RULES.always_win == ("erasure", "deceased", "do_not_call", "mail_preference")
    assert RULES.soft_bounce_limit == 3 and RULES.unconfirmed_months == 24
    assert RULES.reasons["do_not_call"].closes("email") == ("phone", "sms")
    assert RULES.reasons["unsubscribe"].closes("sms") == ("sms",)
    assert RULES.reasons["unsubscribe"].closes("all") == CHANNELS
    assert RULES.reasons["unsubscribe"].closes(None) == CHANNELS
    assert RULES.channels_of_flag("phone_opt_in") == ("phone", "sms")


def test_the_loader_names_the_file_and_every_wrong_key(tmp_path: Path):
    doc = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    doc["channels"]["sms"]["model"] = "opt_maybe"
    doc["reasons"]["hard_bounce"] = {"channels": "all"}
    doc["always_win"].append("soft_bounce")
    doc["soft_bounce_limit"] = 0
    del doc["reasons"]["complaint"]
    path = tmp_path / "contactability.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    with pytest.raises(RulesError) as err:
        load_rules(path)
    text = str(err.value)
    assert str(path) in text
    for key in ("channels.sms.model", "reasons.hard_bounce", "always_win", "soft_bounce_limit", "reasons.complaint"):
        assert key in text


def test_the_loader_refuses_an_unreadable_file(tmp_path: Path):
    path = tmp_path / "c.yaml"
    path.write_text("channels: [unclosed", encoding="utf-8")
    with pytest.raises(RulesError, match="c.yaml: cannot read"):
        load_rules(path)


def test_the_gate_suite_lists_exactly_the_reason_vocabulary():
    spec = load_suite_spec("contactability", ROOT / "expectations")
    sets = {
        e["kwargs"]["column"]: e["kwargs"]["value_set"]
        for e in spec["expectations"]
        if e["type"] == "expect_column_values_to_be_in_set" and "row_condition" not in e["kwargs"]
    }
    assert sets["reason"] == list(REASONS) and sets["channel"] == list(CHANNELS)


# --------------------------------------------------------------------------- matching


@pytest.mark.parametrize(
    "written",
    ["JOSE.GARCIA@GMAIL.COM", "josegarcia@gmail.com", "jose.garcia+news@gmail.com", " <Jose.Garcia@googlemail.com> "],
)
def test_an_unsubscribe_matches_every_spelling_of_the_mailbox(written):
    res = run(
        records(JOSE),
        suppressions(
            {
                "source": "unsubs",
                "channel": "email",
                "reason": "unsubscribe",
                "email": written,
                "event_at": "2025-06-01",
            }
        ),
    )
    assert res.matches[["person_id", "matched_on"]].values.tolist() == [["P1", "email"]]
    assert (cell(res, "P1", "email")["contactable"], cell(res, "P1", "email")["reason"]) == (False, "unsubscribe")
    assert cell(res, "P1", "phone")["contactable"]  # an email unsubscribe closes email only


def test_a_different_mailbox_does_not_match():
    res = run(
        records(JOSE),
        suppressions(
            {
                "source": "unsubs",
                "channel": "email",
                "reason": "unsubscribe",
                "email": "jose.garcia@hotmail.com",
                "event_at": "2025-06-01",
            }
        ),
    )
    assert res.matches.empty and res.status.tolist() == ["not_a_customer"]
    assert cell(res, "P1", "email")["contactable"]


def test_a_national_number_matches_the_customers_e164_number():
    recs = records({**JOSE, "phone": "+34 612 34 56 78"})
    res = run(
        recs,
        suppressions(
            {
                "source": "dnc",
                "reason": "do_not_call",
                "phone": "612345678",
                "country": "Spain",
                "event_at": "2020-01-01",
            }
        ),
    )
    assert res.matches["matched_on"].tolist() == ["phone"]
    for channel in ("phone", "sms"):
        assert (cell(res, "P1", channel)["contactable"], cell(res, "P1", channel)["reason"]) == (False, "do_not_call")
    assert cell(res, "P1", "email")["contactable"] and cell(res, "P1", "mail")["contactable"]


def test_a_national_number_takes_the_country_of_its_source():
    sups = suppressions({"source": "crm", "reason": "do_not_call", "phone": "612 345 678", "event_at": "01/02/2020"})
    res = run(records(JOSE), sups)
    assert res.matches["matched_on"].tolist() == ["phone"]
    assert str(res.matches["event_at"].iloc[0].date()) == "2020-02-01"  # the source's day-first format


def test_a_national_number_without_any_country_is_read_in_the_customers_countries():
    sups = suppressions({"source": "dnc", "reason": "do_not_call", "phone": "612 345 678", "event_at": "2020-01-01"})
    res = run(records(JOSE), sups)
    assert res.matches["matched_on"].tolist() == ["phone_guessed_country"]
    assert cell(res, "P1", "phone")["reason"] == "do_not_call"
    off = rules_from_dict({**yaml.safe_load(CONFIG.read_text(encoding="utf-8")), "guess_phone_country": False})
    res = run(records(JOSE), sups, rules=off)
    assert res.matches.empty and res.status.tolist() == ["no_identifier"]


OLD_HOME = {"address_line1": "C/ Mayor, 5, 3º 2ª", "postcode": "28013", "city": "Madrid"}


def test_a_mail_preference_at_an_old_address_reaches_the_person_through_their_other_record():
    recs = records(
        {**JOSE, "record_key": "crm:1", "updated": "2019-05-01"},  # lived in Calle Mayor then
        {
            **JOSE,
            "record_key": "shop:9",
            "address_line1": "Avenida de América 10",
            "postcode": "28002",
            "updated": "2025-05-01",
            "email": None,
            "phone": None,
        },
    )
    golden = golden_of(recs)
    golden["address_key"] = recs.loc[1, "address_key"]  # the golden address is the new one
    sups = suppressions(
        {
            "source": "mps",
            "reason": "mail_preference",
            "first_name": "Pepe",
            "last_name": "GARCIA",
            "country": "ES",
            "event_at": "2021-03-01",
            **OLD_HOME,
        }
    )
    res = run(recs, sups, golden)
    assert res.matches[["person_id", "matched_on"]].values.tolist() == [["P1", "address+name"]]
    mail = cell(res, "P1", "mail")
    assert (mail["contactable"], mail["reason"], mail["contact"]) == (
        False,
        "mail_preference",
        golden["address_key"][0],
    )


def test_a_namesake_at_another_address_and_a_relative_at_the_same_one_are_not_matched():
    sups = suppressions(
        {
            "source": "mps",
            "reason": "mail_preference",
            "first_name": "José",
            "last_name": "García López",
            "country": "ES",
            "address_line1": "Calle Mayor 7, 1º",
            "postcode": "28013",
            "city": "Madrid",
        },
        {
            "source": "mps",
            "reason": "mail_preference",
            "first_name": "María",
            "last_name": "García",
            "country": "ES",
            **OLD_HOME,
        },
    )
    res = run(records(JOSE), sups)
    assert res.matches.empty and res.status.tolist() == ["not_a_customer", "not_a_customer"]
    assert cell(res, "P1", "mail")["contactable"]


def test_a_registration_without_a_flat_matches_the_building_and_the_name():
    sups = suppressions(
        {
            "source": "mps",
            "reason": "mail_preference",
            "first_name": "J.",
            "last_name": "Garcia",
            "country": "ES",
            "address_line1": "Calle Mayor 5",
            "postcode": "28013",
        }
    )
    res = run(records(JOSE), sups)
    assert cell(res, "P1", "mail")["reason"] == "mail_preference"


def test_unmatched_suppressions_are_counted_by_source_and_reason():
    sups = suppressions(
        {"source": "unsubs", "channel": "email", "reason": "unsubscribe", "email": "JOSE.GARCIA@gmail.com"},
        {"source": "unsubs", "channel": "email", "reason": "unsubscribe", "email": "someone.else@gmail.com"},
        {"source": "unsubs", "channel": "email", "reason": "unsubscribe", "email": "not an email"},
    )
    counts = run(records(JOSE), sups).counts.set_index(["source", "reason"])
    assert counts.loc[("unsubs", "unsubscribe")].to_dict() == {
        "rows": 3,
        "matched": 1,
        "not_a_customer": 1,
        "no_identifier": 1,
        "persons": 1,
    }


# --------------------------------------------------------------------------- precedence


def unsubscribe(at: str | None, channel: str = "email", reason: str = "unsubscribe") -> dict:
    return {"source": "desk", "channel": channel, "reason": reason, "email": JOSE["email"], "event_at": at}


def test_a_sign_up_after_an_unsubscribe_makes_the_channel_contactable_again():
    recs = records({**JOSE, "updated": "2025-06-01", "signup": "2025-03-01", "email_opt_in": True})
    res = run(recs, suppressions(unsubscribe("2024-01-01")))
    email = cell(res, "P1", "email")
    assert (email["contactable"], email["reason"], email["evidence_source"]) == (True, "opted_in", "crm:1")
    assert email["decided_at"] == pd.Timestamp("2025-03-01")


def test_an_old_opt_in_on_a_record_updated_for_another_reason_never_overturns_an_unsubscribe():
    """Issue 16 case 6: unsubscribed 2022-05-01; the record's old `Y` was last touched 2024-01-15 (a new
    phone) — that date says nothing about consent, so the unsubscribe stands. So does export time."""
    for record in (
        {**JOSE, "updated": "2024-01-15", "email_opt_in": True},
        {**JOSE, "updated": None, "email_opt_in": True},
        {**JOSE, "updated": "2024-01-15", "signup": "2019-03-01", "email_opt_in": True},
    ):
        email = cell(run(records(record), suppressions(unsubscribe("2022-05-01"))), "P1", "email")
        assert (email["contactable"], email["reason"]) == (False, "unsubscribe"), record


def test_an_undated_opt_in_still_counts_where_nobody_objected():
    email = cell(run(records({**JOSE, "updated": None, "email_opt_in": True}), suppressions()), "P1", "email")
    assert (email["contactable"], email["reason"]) == (True, "opted_in")


def test_an_unsubscribe_after_the_opt_in_or_on_the_same_day_wins():
    recs = records({**JOSE, "updated": "2025-03-01"})
    for at in ("2025-06-01", "2025-03-01"):
        email = cell(run(recs, suppressions(unsubscribe(at))), "P1", "email")
        assert (email["contactable"], email["reason"], email["evidence_source"]) == (False, "unsubscribe", "desk:row-1")


def test_an_undated_unsubscribe_counts_as_the_latest_event():
    email = cell(run(records({**JOSE, "updated": "2026-11-01"}), suppressions(unsubscribe(None))), "P1", "email")
    assert (email["contactable"], email["reason"]) == (False, "unsubscribe") and pd.isna(email["decided_at"])


def test_an_unsubscribe_for_all_channels_closes_all_four():
    res = run(records(JOSE), suppressions(unsubscribe("2025-01-01", channel="all", reason="complaint")))
    assert [cell(res, "P1", c)["reason"] for c in CHANNELS] == ["complaint"] * 4


def test_the_newest_record_speaks_for_the_person():
    recs = records(
        {**JOSE, "updated": "2022-01-01", "email_opt_in": True},
        {**JOSE, "record_key": "shop:2", "updated": "2024-01-01", "email_opt_in": False},
    )
    email = cell(run(recs, suppressions()), "P1", "email")
    assert (email["contactable"], email["reason"], email["evidence_source"]) == (False, "opted_out", "shop:2")


def test_do_not_call_wins_over_a_later_opt_in():
    recs = records({**JOSE, "updated": "2026-10-01", "phone_opt_in": True})
    res = run(
        recs,
        suppressions({"source": "dnc", "reason": "do_not_call", "phone": "+34612345678", "event_at": "2019-01-01"}),
    )
    for channel in ("phone", "sms"):
        row = cell(res, "P1", channel)
        assert (row["contactable"], row["reason"], row["contact"]) == (False, "do_not_call", "+34612345678")


def test_do_not_call_taken_out_of_always_win_is_an_ordinary_dated_opt_out():
    doc = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    doc["always_win"] = ["erasure", "deceased", "mail_preference"]
    recs = records({**JOSE, "updated": "2026-10-01", "signup": "2026-10-01", "phone_opt_in": True})
    res = run(
        recs,
        suppressions({"source": "dnc", "reason": "do_not_call", "phone": "+34612345678", "event_at": "2019-01-01"}),
        rules=rules_from_dict(doc),
    )
    assert cell(res, "P1", "phone")["reason"] == "opted_in"


def test_erasure_wins_on_every_channel_and_withholds_the_contact():
    recs = records({**JOSE, "updated": "2026-10-01"})
    res = run(
        recs,
        suppressions(
            {"source": "desk", "reason": "erasure", "email": "Jose.Garcia@gmail.com", "event_at": "2025-01-01"}
        ),
    )
    rows = res.table[res.table["person_id"] == "P1"]
    assert rows["reason"].tolist() == ["erasure"] * 4 and not rows["contactable"].any()
    assert rows["contact"].isna().all()


def test_legal_reasons_come_before_missing_data():
    recs = records({**JOSE, "phone": None})
    res = run(recs, suppressions({"source": "desk", "reason": "deceased", "email": JOSE["email"]}))
    assert [cell(res, "P1", c)["reason"] for c in CHANNELS] == ["deceased"] * 4


def test_without_any_event_the_channel_model_decides():
    recs = records({**JOSE, "email_opt_in": None, "phone_opt_in": None, "mail_opt_in": None})
    res = run(recs, suppressions())
    got = {c: (cell(res, "P1", c)["contactable"], cell(res, "P1", c)["reason"]) for c in CHANNELS}
    assert got == {
        "email": (False, "no_consent"),
        "phone": (True, "no_objection"),
        "sms": (False, "no_consent"),
        "mail": (True, "no_objection"),
    }


# --------------------------------------------------------------------------- data


def bounces(email: str, kind: str, times: int) -> list[dict]:
    return [
        {
            "source": "bounces",
            "channel": "email",
            "reason": kind,
            "email": email,
            "event_at": f"2026-0{i + 1}-01T10:00:00Z",
        }
        for i in range(times)
    ]


@pytest.mark.parametrize("times, bounced", [(2, False), (3, True)])
def test_soft_bounces_close_an_address_from_the_limit_on(times, bounced):
    res = run(records(JOSE), suppressions(*bounces("JOSE.GARCIA@gmail.com", "soft_bounce", times)))
    email = cell(res, "P1", "email")
    assert (email["reason"] == "email_bounced") is bounced
    assert (email["contact"] is None) is bounced


def test_a_hard_bounce_on_one_email_leaves_the_other_valid_email_usable():
    recs = records(
        {**JOSE, "updated": "2025-01-01"},
        {**JOSE, "record_key": "shop:2", "email": "pepe.garcia@yahoo.es", "updated": "2020-01-01"},
    )
    golden = golden_of(recs)
    assert golden["email"][0] == "jose.garcia@gmail.com"
    res = run(recs, suppressions(*bounces("jose.garcia@gmail.com", "hard_bounce", 1)), golden)
    email = cell(res, "P1", "email")
    assert (email["contactable"], email["reason"], email["contact"]) == (True, "opted_in", "pepe.garcia@yahoo.es")
    assert res.matches["person_id"].tolist() == ["P1"]  # the bounce is counted as a customer's


def test_when_every_email_bounced_the_person_goes_to_the_call_list():
    recs = records(JOSE)
    res = run(recs, suppressions(*bounces("jose.garcia@gmail.com", "hard_bounce", 1)))
    email = cell(res, "P1", "email")
    assert (email["contactable"], email["reason"], email["contact"]) == (False, "email_bounced", None)
    assert email["evidence_source"] == "bounces:row-1"
    calls = bounced_with_phone(res.table, golden_of(recs))
    assert calls[["person_id", "phone"]].values.tolist() == [["P1", "+34612345678"]]


def test_sms_needs_a_number_that_can_receive_it():
    landline = records({**JOSE, "phone": "912 345 678"})
    res = run(landline, suppressions())
    assert (cell(res, "P1", "sms")["reason"], cell(res, "P1", "phone")["contactable"]) == ("no_mobile", True)
    us = records({**JOSE, "phone": "+1 212 555 0100", "country": "US"})  # fixed_line_or_mobile
    assert cell(run(us, suppressions()), "P1", "sms")["contactable"]


def test_a_mobile_on_an_older_record_still_serves_sms():
    recs = records(
        {**JOSE, "phone": "912 345 678", "updated": "2025-01-01"},
        {**JOSE, "record_key": "shop:2", "phone": "699 111 222", "updated": "2020-01-01"},
    )
    res = run(recs, suppressions())
    assert (cell(res, "P1", "phone")["contact"], cell(res, "P1", "sms")["contact"]) == ("+34912345678", "+34699111222")


def test_missing_data_reasons():
    recs = records(
        {"person_id": "P2", "record_key": "shop:2", "first_name": "Ana", "last_name": "Ruiz"},
        {
            "person_id": "P3",
            "record_key": "shop:3",
            "first_name": "Eva",
            "last_name": "Sanz",
            "address_line1": "Somewhere without a number",
        },
    )
    res = run(recs, suppressions())
    assert [cell(res, "P2", c)["reason"] for c in CHANNELS] == ["no_email", "no_phone", "no_phone", "no_address"]
    assert cell(res, "P3", "mail")["reason"] == "address_incomplete"


# --------------------------------------------------------------------------- table, worklists


def test_the_table_has_four_rows_per_person_in_order_and_only_known_reasons():
    recs = records(JOSE, {**JOSE, "person_id": "P2", "record_key": "shop:2", "email": "x@y.com", "phone": None})
    res = run(recs, suppressions())
    t = res.table
    assert len(t) == 8 and t["channel"].astype(str).tolist() == list(CHANNELS) * 2
    assert set(t["reason"].astype(str)) <= set(REASONS)
    assert contactable_shares(t).index.tolist() == list(CHANNELS)
    assert reason_counts(t).to_numpy().sum() == 8


def test_worklists_leave_out_people_we_may_not_contact():
    recs = records(
        {**JOSE, "updated": "2020-01-01"},
        {
            **JOSE,
            "person_id": "P2",
            "record_key": "shop:2",
            "email": "ana@y.com",
            "phone": "699111222",
            "first_name": "Ana",
            "updated": "2026-01-01",
        },
    )
    golden = golden_of(recs, P1={"date_of_birth": None}, P2={"date_of_birth": None})
    res = run(recs, suppressions({"source": "desk", "reason": "erasure", "email": "ana@y.com"}), golden)
    completion = profile_completion(golden, res.table, RULES.profile_fields)
    assert completion[["person_id", "missing", "reachable_by"]].values.tolist() == [["P1", "date_of_birth", "email"]]
    stale = unconfirmed(golden, recs, res.table, TODAY, 24)
    assert stale["person_id"].tolist() == ["P1"] and stale["months_since"].iloc[0] > 70


# --------------------------------------------------------------------------- properties

# A tiny world: two persons, each with a Gmail mailbox, a second mailbox and a Spanish mobile.
# Suppressions name them by a spelling of those (case, dots, +tag; national or E.164), so the
# test knows whose each suppression is without asking the code under test.
PEOPLE = ["P1", "P2"]
MAILBOX = {p: (f"ana.lopez{i}@gmail.com", f"work{i}@empresa.es") for i, p in enumerate(PEOPLE)}
MOBILE = {p: f"+3461100010{i}" for i, p in enumerate(PEOPLE)}
DAYS = ["2023-01-01", "2024-06-01", "2025-01-01", "2025-06-01"]


def _spell(email: str, how: int) -> str:
    local, domain = email.split("@")
    if domain == "gmail.com":
        local = [local, local.upper(), local.replace(".", ""), local + "+promo"][how]
    return f"{local}@{domain}" if how != 1 else f"{local}@{domain}".upper()


records_st = st.lists(
    st.fixed_dictionaries(
        {
            "person": st.sampled_from(PEOPLE),
            "second_email": st.booleans(),
            "day": st.sampled_from(DAYS),
            "email_opt_in": st.sampled_from([True, False, None]),
            "phone_opt_in": st.sampled_from([True, False, None]),
            "mail_opt_in": st.sampled_from([True, False, None]),
            "landline": st.booleans(),
            "signup": st.sampled_from([*DAYS, None]),
        }
    ),
    min_size=1,
    max_size=6,
)
suppressions_st = st.lists(
    st.fixed_dictionaries(
        {
            "person": st.sampled_from(PEOPLE),
            "reason": st.sampled_from(sorted(SUPPRESSION_REASONS)),
            "by": st.sampled_from(["email", "second_email", "phone"]),
            "spelling": st.integers(0, 3),
            "channel": st.sampled_from(["email", "phone", "sms", "mail", "all", None]),
            "day": st.sampled_from([*DAYS, None]),
        }
    ),
    min_size=1,
    max_size=8,
)


def _world(recs_spec: list[dict], sups_spec: list[dict]):
    rows = []
    for i, r in enumerate(recs_spec):
        p = r["person"]
        rows.append(
            {
                "person_id": p,
                "record_key": f"crm:{i}",
                "first_name": "Ana",
                "last_name": f"López{p}",
                "email": MAILBOX[p][1] if r["second_email"] else MAILBOX[p][0],
                "phone": "912 345 678" if r["landline"] else MOBILE[p][3:],
                "address_line1": f"Calle Mayor {i + 1}",
                "postcode": "28013",
                "city": "Madrid",
                "updated": r["day"],
                "signup": r.get("signup"),
                "email_opt_in": r["email_opt_in"],
                "phone_opt_in": r["phone_opt_in"],
                "mail_opt_in": r["mail_opt_in"],
            }
        )
    sups = []
    for s in sups_spec:
        p = s["person"]
        row = {"source": "desk", "reason": s["reason"], "channel": s["channel"], "event_at": s["day"]}
        if s["by"] == "phone" and s["reason"] not in ("hard_bounce", "soft_bounce"):
            row["phone"] = MOBILE[p] if s["spelling"] % 2 else MOBILE[p][3:]
            row["country"] = "ES"
        else:
            row["email"] = _spell(MAILBOX[p][1 if s["by"] == "second_email" else 0], s["spelling"])
        sups.append(row)
    return records(*rows), suppressions(*sups)


ONE_RECORD = [
    {
        "person": "P1",
        "second_email": False,
        "day": "2025-01-01",
        "email_opt_in": True,
        "phone_opt_in": True,
        "mail_opt_in": True,
        "landline": False,
    }
]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records_st, suppressions_st)
# the cases most worth pinning: an unsubscribe on the day of the opt-in, a bounce of the only email
@example(
    ONE_RECORD,
    [{"person": "P1", "reason": "unsubscribe", "by": "email", "spelling": 2, "channel": None, "day": "2025-01-01"}],
)
@example(
    ONE_RECORD,
    [{"person": "P1", "reason": "hard_bounce", "by": "email", "spelling": 1, "channel": "email", "day": "2024-01-01"}],
)
def test_a_suppressed_contact_is_never_contactable(recs_spec, sups_spec):
    recs, sups = _world(recs_spec, sups_spec)
    res = run(recs, sups)
    table = res.table.set_index(["person_id", "channel"])
    email_key = {e: standardise_emails(pd.Series([e]))["email_key"][0] for p in PEOPLE for e in MAILBOX[p]}
    assert set(table["reason"].astype(str)) <= set(REASONS)
    assert (table.loc[table["contactable"], "reason"].astype(str).isin(CONTACTABLE_REASONS)).all()

    # which of their identifiers each person's records hold (a suppression names them only by those)
    held = {p: set() for p in PEOPLE}
    for r in recs_spec:
        held[r["person"]] |= {"second_email" if r["second_email"] else "email"} | (
            {"phone"} if not r["landline"] else set()
        )
    soft: dict[str, int] = {}
    dead: set[str] = set()
    for s, row in zip(sups_spec, sups.itertuples()):
        p = s["person"]
        by = "email" if s["by"] == "phone" and s["reason"] in ("hard_bounce", "soft_bounce") else s["by"]
        reason = s["reason"]
        if reason in ("hard_bounce", "soft_bounce"):
            key = standardise_emails(pd.Series([row.email]))["email_key"][0]
            soft[key] = soft.get(key, 0) + (reason == "soft_bounce")
            if reason == "hard_bounce" or soft[key] >= RULES.soft_bounce_limit:
                dead.add(key)
            continue
        if by not in held[p]:
            continue  # nothing of theirs is named: no customer matches it
        closes = RULES.reasons[reason].closes(s["channel"])
        for channel in closes:
            got = table.loc[(p, channel)]
            if reason in RULES.always_win:  # registers, erasure, deceased: never
                assert not got["contactable"], (reason, channel)
                continue
            if got["contactable"]:  # unsubscribe / complaint: only an opt-in signed up strictly later reopens
                flag = RULES.channels[channel].consent_flag
                mine = recs[recs["person_id"] == p]
                later = mine[mine[f"{flag}_std"].fillna(False).astype(bool)]["signup_date_std"]  # never the update time
                assert s["day"] is not None and (later > pd.Timestamp(s["day"])).any(), (reason, channel)
    # a bounced mailbox is never the contact, for anyone
    contacts = table.xs("email", level="channel")["contact"].dropna()
    assert not {email_key[c] for c in contacts} & dead
