"""Subject access (GDPR art. 15 / LGPD art. 18): everything held about one person, owner-only.

A hand-made `latest` run with two customers who share a household email; the answer for one
must hold all of theirs and nothing of the other's. The whole pipeline path is exercised in
tests/test_erasure.py (an erased person is no longer found).
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pandas as pd
import pytest

from conftest import ROOT
from helpers.cli import main as cli_main
from helpers.privacy_requests.erasure import AmbiguousRequest
from helpers.privacy_requests.subject_access import PersonNotFound, subject_access, write_answer


def _latest(base: Path, decisions: bool = True) -> Path:
    processed = base / "processed"
    run_dir = processed / "r7"
    (run_dir / "exports").mkdir(parents=True)
    raw = pd.DataFrame(
        {
            "source": ["crm", "shop", "crm"],
            "source_record_id": ["1", "s9", "2"],
            "source_row_number": [1, 1, 2],
            "first_name": ["Ana", "Ana", "Pedro"],
            "last_name": ["Lopez", "Lopez", "Lopez"],
            "email": ["ana.lopez@gmail.com", "casa.lopez@gmail.com", "casa.lopez@gmail.com"],
            "phone": ["+34612345678", None, "+34699111222"],
            "national_id": [None, None, "12345678Z"],
        }
    )
    raw.to_parquet(run_dir / "raw_records.parquet")
    raw.assign(
        record_key=raw["source"] + ":" + raw["source_record_id"],
        email_key=["analopez@gmail.com", "casalopez@gmail.com", "casalopez@gmail.com"],
        phone_std=raw["phone"],
        national_id_std=raw["national_id"],
    ).to_parquet(run_dir / "clean_records.parquet")
    pd.DataFrame(
        {
            "record_key": ["crm:1", "shop:s9", "crm:2"],
            "source": ["crm", "shop", "crm"],
            "source_record_id": ["1", "s9", "2"],
            "person_id": ["C1", "C1", "C2"],
        }
    ).to_parquet(run_dir / "record_links.parquet")
    pd.DataFrame(
        {
            "person_id": ["C1", "C2"],
            "household_id": ["H1", "H1"],
            "first_name": ["Ana", "Pedro"],
            "email": ["ana.lopez@gmail.com", "casa.lopez@gmail.com"],
        }
    ).to_parquet(run_dir / "golden_customers.parquet")
    pd.DataFrame({"person_id": ["C1", "C2"], "household_id": ["H1", "H1"]}).to_parquet(
        run_dir / "household_members.parquet"
    )
    pd.DataFrame(
        {"household_id": ["H1"], "members": [2], "primary_person_id": ["C2"], "salutation": ["Familia Lopez"]}
    ).to_parquet(run_dir / "households.parquet")
    pd.DataFrame(
        {
            "person_id": ["C1"] * 2 + ["C2"] * 2,
            "channel": ["email", "mail"] * 2,
            "contactable": [False, True, True, True],
            "reason": ["unsubscribe", "no_objection", "opted_in", "no_objection"],
            "contact": [None, "addr", "casa.lopez@gmail.com", "addr"],
        }
    ).to_parquet(run_dir / "contactability.parquet")
    pd.DataFrame({"person_id": ["C1", "C2"], "rfm_segment": ["loyal", "new"]}).to_parquet(run_dir / "segments.parquet")
    pd.DataFrame({"person_id": ["C1"], "source": ["nobody"], "reason": ["unsubscribe"]}).to_parquet(
        run_dir / "suppression_matches.parquet"
    )
    pd.DataFrame({"person_id": ["C1", "C2", None], "amount": [10.0, 20.0, 5.0]}).to_parquet(
        run_dir / "transactions_linked.parquet"
    )
    pd.DataFrame({"person_id": ["C2"], "first_name": ["Pedro"], "email": ["casa.lopez@gmail.com"]}).to_csv(
        run_dir / "exports" / "newsletter.csv", index=False
    )
    pd.DataFrame({"person_id": ["C1"], "first_name": ["Ana"], "address": ["addr"]}).to_csv(
        run_dir / "exports" / "catalogue.csv", index=False
    )
    pd.DataFrame({"unique_id_l": ["crm:1"], "unique_id_r": ["crm:2"], "match_probability": [0.6]}).to_parquet(
        run_dir / "review_pairs.parquet"
    )
    (processed / "latest").symlink_to("r7")
    if decisions:
        store = base / "decisions"
        store.mkdir()
        lines = [
            {"type": "pair", "decision": "different", "record_a": "crm:1", "record_b": "crm:2", "by": "rev"},
            {"type": "pair", "decision": "same", "record_a": "crm:2", "record_b": "crm:9", "by": "rev"},
        ]
        (store / "decisions.jsonl").write_text("".join(json.dumps(x) + "\n" for x in lines) + "not json\n")
    return processed


def test_the_answer_holds_everything_about_the_person_and_nothing_of_the_other(tmp_path):
    processed = _latest(tmp_path)
    answer = subject_access(processed, "ANA.LOPEZ@gmail.com", tmp_path / "decisions")
    assert answer["request"]["person_id"] == "C1" and answer["request"]["run_id"] == "r7"
    assert sorted(r["source_record_id"] for r in answer["source_records"]) == ["1", "s9"]
    assert [r["person_id"] for r in answer["golden_record"]] == ["C1"]
    assert {r["channel"]: r["reason"] for r in answer["contactability"]} == {
        "email": "unsubscribe",
        "mail": "no_objection",
    }
    assert [r["rfm_segment"] for r in answer["segments"]] == ["loyal"]
    assert [x["list"] for x in answer["campaign_lists"]] == ["catalogue"]
    assert [r["amount"] for r in answer["transactions"]] == [10.0]
    assert len(answer["suppressions_matched"]) == 1 and len(answer["pending_review_pairs"]) == 1
    assert answer["household"]["households"][0]["household_id"] == "H1"
    assert "primary_person_id" not in answer["household"]["households"][0]  # another person's id
    assert [d["decision"] for d in answer["decisions"]] == ["different"]  # the line naming crm:2/crm:9 is not hers
    text = json.dumps(answer)
    assert "Pedro" not in text and "+34699111222" not in text and "12345678Z" not in text


def test_a_shared_identifier_is_refused_and_an_unknown_one_is_not_found(tmp_path):
    processed = _latest(tmp_path)
    with pytest.raises(AmbiguousRequest, match="C1, C2"):
        subject_access(processed, "casa.lopez@gmail.com")
    with pytest.raises(PersonNotFound):
        subject_access(processed, "someone.else@gmail.com")
    by_id = subject_access(processed, "12345678z", country="ES")
    assert by_id["request"]["person_id"] == "C2"
    assert subject_access(processed, "C2")["decisions"] == []  # no decisions_dir given: none read


def test_the_decisions_store_may_be_absent(tmp_path):
    processed = _latest(tmp_path, decisions=False)
    assert subject_access(processed, "+34 612 345 678", tmp_path / "decisions")["decisions"] == []


@pytest.mark.parametrize("name", ["answer.json", "answer.html", "answer.md"])
def test_the_file_is_owner_only(tmp_path, name):
    processed = _latest(tmp_path)
    path = write_answer(subject_access(processed, "C1"), tmp_path / "out" / name)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    text = path.read_text(encoding="utf-8")
    assert "ana.lopez@gmail.com" in text and "Pedro" not in text
    if name.endswith(".json"):
        assert json.loads(text)["request"]["person_id"] == "C1"


def test_the_command_writes_once_and_says_why_it_refuses(tmp_path, capsys):
    processed = _latest(tmp_path)
    common = [
        "--project",
        str(ROOT),
        "--set",
        f"processed_dir={processed}",
        "--set",
        f"decisions_dir={tmp_path / 'decisions'}",
    ]
    out = tmp_path / "sar.json"
    assert cli_main(["subject-access", "ana.lopez@gmail.com", "--out", str(out), *common]) == 0
    assert json.loads(out.read_text())["request"]["person_id"] == "C1"
    assert cli_main(["subject-access", "ana.lopez@gmail.com", "--out", str(out), *common]) == 2
    assert "exists" in capsys.readouterr().err
    assert cli_main(["subject-access", "casa.lopez@gmail.com", "--out", str(tmp_path / "x.json"), *common]) == 2
    assert "person id" in capsys.readouterr().err
