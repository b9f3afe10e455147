"""Erasure with tombstones (GDPR art. 17 / LGPD art. 18).

Unit tests on a small hand-made run folder (hashing, the household rule, every table purged,
accounting), then the whole story through the real runner and notebooks: a run, `clientela
forget`, an erasure request arriving in a suppression list, and next month's run with both
people still in the exports — neither is rebuilt, and no table, export, database or report of
the new run holds a trace of them; only counts.
"""

from __future__ import annotations

import io
import json
import os
import stat
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import yaml

from conftest import ROOT
from helpers.cli import main as cli_main
from helpers.contact.suppressions import normalise_reasons
from helpers.generate import generate
from helpers.privacy_requests import tombstones as tb
from helpers.privacy_requests.erasure import (
    COUNTS_TABLE,
    ERASED_REASON,
    AmbiguousRequest,
    apply_erasures,
    forget,
    purge_run,
)
from helpers.runner import RunOptions, run

KEY = bytes(range(32))


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


# --------------------------------------------------------------------------- hashing and matching


def test_reasons_worded_as_erasure_are_read_as_erasure():
    given = pd.Series(
        ["Right to be forgotten", "GDPR-erasure", "derecho al olvido", "erasure", "unsubscribe", "delete", None]
    )
    out = normalise_reasons(given)
    assert out.tolist()[:5] == ["erasure", "erasure", "erasure", "erasure", "unsubscribe"]
    assert out.iloc[5] == "delete"  # too vague: a closed account is not a request to be forgotten
    assert pd.isna(out.iloc[6])


def test_hashes_are_keyed_and_follow_stage_02_normalisation():
    a = tb.standardise_identity(
        pd.DataFrame({"email": ["Ana.Lopez+news@GMAIL.com"], "phone": ["612 345 678"], "country": ["ES"]})
    )
    b = tb.standardise_identity(pd.DataFrame({"email": ["analopez@gmail.com"], "phone": ["+34612345678"]}))
    ha, hb = tb.hashed_identifiers(a, KEY), tb.hashed_identifiers(b, KEY)
    assert set(ha["hash"]) == set(hb["hash"])  # the same mailbox and number, however written
    other_key = tb.hashed_identifiers(a, bytes(32))
    assert not set(other_key["hash"]) & set(ha["hash"])  # without the key, a guess cannot be checked
    assert all(len(h) == 64 for h in ha["hash"])
    assert "analopez" not in json.dumps(tb.hashes_by_kind(ha))


def test_shared_email_erases_only_the_person_whose_given_name_agrees():
    records = pd.DataFrame(
        {
            "email_key": ["family@gmail.com", "family@gmail.com", "family@gmail.com", None],
            "phone_std": [None, None, None, None],
            "national_id_std": [None, None, None, "12345678Z"],
            "first_name_key": ["ana", "pedro", None, "zoe"],
            "first_name_canonical": ["ana", "pedro", None, "zoe"],
        }
    )
    hashed = tb.hashed_identifiers(records, KEY)
    request = tb.hashed_identifiers(
        tb.standardise_identity(
            pd.DataFrame({"email": ["family@gmail.com"], "first_name": ["Ana"], "last_name": ["Lopez"]})
        ),
        KEY,
    )
    stones = request.assign(erasure_id="E-1")[["erasure_id", "kind", "hash"]]
    assert tb.match_tombstones(hashed, stones)["row"].tolist() == [0, 2]  # Ana, and the unnamed record
    by_id = tb.hashed_identifiers(
        tb.standardise_identity(
            pd.DataFrame({"national_id": ["12345678z"], "country": ["ES"], "first_name": ["Someone"]})
        ),
        KEY,
    )
    stones = by_id.assign(erasure_id="E-2")[["erasure_id", "kind", "hash"]]
    assert tb.match_tombstones(hashed, stones)["row"].tolist() == [3]  # an id needs no name


def test_key_and_store_are_owner_only_and_hold_no_identifier(tmp_path):
    store = tmp_path / "decisions"
    key = tb.load_key(store, create=True)
    assert _mode(store / tb.KEY_FILE) == 0o600 and _mode(store) == 0o700
    hashed = tb.hashed_identifiers(tb.standardise_identity(pd.DataFrame({"email": ["zoe.k@gmail.com"]})), key)
    entry = tb.make_entry(tb.hashes_by_kind(hashed), via="test", run_id="r1")
    assert tb.append_entries(store, [entry, entry]) == 1
    assert tb.append_entries(store, [entry]) == 0  # the same request again is recorded once
    assert _mode(store / tb.STORE_FILE) == 0o600
    assert "zoe" not in (store / tb.STORE_FILE).read_text().lower()
    assert tb.load_key(store) == key  # stable across calls
    (store / tb.KEY_FILE).unlink()
    with pytest.raises(tb.ErasureKeyError, match="Restore the key"):
        tb.load_key(store, create=True)  # tombstones without their key: never silently start again


# --------------------------------------------------------------------------- one hand-made run folder


def _run_folder(base: Path) -> Path:
    """A run after stage 03: two customers (Ana with two records, Luis), one shared household
    email (Ana and her brother Pedro), an unreadable line with Ana's email, an exact duplicate
    of Ana's CRM record, her purchase and service case, a change of address, and opt-outs."""
    run_dir = base / "processed" / "r1"
    run_dir.mkdir(parents=True)
    people = pd.DataFrame(
        {
            "source": ["crm", "shop", "crm", "crm"],
            "source_record_id": ["1", "s9", "2", "3"],
            "source_row_number": [1, 1, 2, 3],
            "first_name": ["Ana", "Ana", "Luis", "Pedro"],
            "last_name": ["Lopez", "Lopez", "Martin", "Lopez"],
            "full_name": [None] * 4,
            "email": ["ana.lopez@gmail.com", "casa.lopez@gmail.com", "luis@gmail.com", "casa.lopez@gmail.com"],
            "phone": ["+34612345678", None, "+34699999999", None],
            "postcode": ["28001", "28001", "08001", "28001"],
            "national_id": [None] * 4,
            "loyalty_card": [None, "LC-77", None, None],
        }
    )
    people.to_parquet(run_dir / "raw_records.parquet")
    clean = people.assign(
        record_key=people["source"] + ":" + people["source_record_id"],
        email_key=["analopez@gmail.com", "casalopez@gmail.com", "luis@gmail.com", "casalopez@gmail.com"],
        phone_std=people["phone"],
        national_id_std=None,
        first_name_key=people["first_name"].str.lower(),
        first_name_canonical=people["first_name"].str.lower(),
    )
    clean.to_parquet(run_dir / "clean_records.parquet")
    pd.DataFrame(
        {
            "record_key": clean["record_key"],
            "source": clean["source"],
            "source_record_id": clean["source_record_id"],
            "person_id": ["C1", "C1", "C2", "C3"],
        }
    ).to_parquet(run_dir / "record_links.parquet")
    pd.DataFrame(
        {"unique_id_l": ["crm:1", "crm:2"], "unique_id_r": ["shop:s9", "crm:3"], "match_probability": [0.99, 0.2]}
    ).to_parquet(run_dir / "match_pairs.parquet")
    pd.DataFrame(
        {"person_id": ["C1", "C2", "C3"], "status": "active", "first_run": "r1", "last_run": "r1", "merged_into": None}
    ).to_parquet(run_dir / "person_ids.parquet")
    pd.DataFrame(
        {
            "source": ["crm", "crm"],
            "source_record_id": [None, "1b"],
            "source_row_number": [7, 4],
            "stage": ["01_ingest_profile", "02_clean_standardise"],
            "reason": ["wrong number of fields", "exact duplicate of record at row 1"],
            "raw": ["9;ANA;LOPEZ;Ana.Lopez@gmail.com;oops", "first_name=Ana; email=ana.lopez@gmail.com"],
        }
    ).iloc[[0]].to_parquet(run_dir / "quarantine.parquet")
    pd.DataFrame(
        {
            "source": ["crm"],
            "source_record_id": ["1b"],
            "source_row_number": [4],
            "stage": ["02_clean_standardise"],
            "reason": ["exact duplicate of record at row 1"],
            "raw": ["first_name=Ana; last_name=Lopez"],
        }
    ).to_parquet(run_dir / "clean_quarantine.parquet")
    dup = people.iloc[[0]].assign(source_record_id="1b", source_row_number=4)
    pd.concat([people, dup], ignore_index=True).to_parquet(run_dir / "raw_records.parquet")
    pd.DataFrame(
        {
            "source": ["crm", "crm", "crm", "shop", "shop_orders", "nobody", "erasures"],
            "kind": ["people", "people", "people", "people", "transactions", "suppressions", "suppressions"],
            "default_country": ["ES"] * 7,
            "links_to": [None, None, None, None, json.dumps({"field": "loyalty_card"}), None, None],
        }
    ).drop_duplicates("source").to_parquet(run_dir / "source_summary.parquet")
    pd.DataFrame(
        {
            "source": "shop_orders",
            "source_record_id": ["t1", "t2"],
            "transaction_id": ["t1", "t2"],
            "customer_ref": ["lc 77", None],
            "amount": ["10", "20"],
        }
    ).to_parquet(run_dir / "transactions.parquet")
    pd.DataFrame(
        {
            "source": ["nobody", "nobody", "erasures", "mps", "mps"],
            "source_record_id": ["u1", "u2", "e1", "p1", "p2"],
            "email": ["casa.lopez@gmail.com", "luis@gmail.com", "ana.lopez@gmail.com", None, None],
            "phone": None,
            "first_name": [None, None, "Ana", "ANA", "Luis"],
            "last_name": [None, None, "Lopez", "lopez", "Martin"],
            "postcode": [None, None, None, "28 001", "08001"],
            "reason": ["unsubscribe", "unsubscribe", "Right to be forgotten", "mail_preference", "mail_preference"],
        }
    ).to_parquet(run_dir / "suppressions.parquet")
    pd.DataFrame(
        {
            "source": "moves",
            "source_record_id": ["m1", "m2"],
            "first_name": ["Ana", "Luis"],
            "last_name": ["Lopez", "Martin"],
            "old_postcode": ["28001", "08001"],
        }
    ).to_parquet(run_dir / "address_changes.parquet")
    return run_dir


def test_a_request_in_a_list_removes_the_person_from_every_table_and_counts_it(tmp_path):
    run_dir = _run_folder(tmp_path)
    store = tmp_path / "decisions"
    result = apply_erasures(run_dir, store, "r1", report_dir=tmp_path / "reports" / "r1")
    assert (result.persons, result.records, result.requests_recorded) == (1, 3, 1)  # Ana: 2 records + duplicate

    clean = pd.read_parquet(run_dir / "clean_records.parquet")
    assert clean["record_key"].tolist() == ["crm:2", "crm:3"]  # Pedro shares her household email: kept
    raw = pd.read_parquet(run_dir / "raw_records.parquet")
    assert "Ana" not in set(raw["first_name"]) and len(raw) == 2
    assert pd.read_parquet(run_dir / "clean_quarantine.parquet").empty
    assert pd.read_parquet(run_dir / "record_links.parquet")["person_id"].tolist() == ["C2", "C3"]
    assert pd.read_parquet(run_dir / "match_pairs.parquet")["unique_id_l"].tolist() == ["crm:2"]
    register = pd.read_parquet(run_dir / "person_ids.parquet").set_index("person_id")["status"]
    assert register.to_dict() == {"C1": "erased", "C2": "active", "C3": "active"}  # the id is never reused
    quarantine = pd.read_parquet(run_dir / "quarantine.parquet")
    assert quarantine["reason"].tolist() == [ERASED_REASON] and quarantine["raw"].isna().all()  # still counted
    tx = pd.read_parquet(run_dir / "transactions.parquet")
    assert tx["customer_ref"].isna().all() and len(tx) == 2  # her sale stays, as an anonymous one
    sup = pd.read_parquet(run_dir / "suppressions.parquet").set_index("source_record_id")
    assert sup.loc["u1", "email"] == "casa.lopez@gmail.com"  # Pedro's household opt-out still protects him
    assert sup.loc["u2", "email"] == "luis@gmail.com"
    assert sup.loc["e1", ["email", "first_name", "last_name"]].isna().all()  # the request keeps no identifier
    assert sup.loc["e1", "reason"] == "Right to be forgotten"
    assert (
        sup.loc["p1", ["first_name", "last_name", "postcode"]].isna().all()
    )  # her mail preference: a name at her postcode
    assert sup.loc["p2", "last_name"] == "Martin"
    moves = pd.read_parquet(run_dir / "address_changes.parquet")
    assert moves["source_record_id"].tolist() == ["m2"]

    summary = pd.read_parquet(run_dir / "source_summary.parquet").set_index("source")["rows_erased"]
    assert summary["crm"] == 2 and summary["shop"] == 1
    assert summary.sum() == 3  # people rows only: the move's source is not in this summary
    counts = pd.read_parquet(run_dir / COUNTS_TABLE).set_index("table")
    assert counts.loc["raw_records.parquet", "removed"] == 3
    assert counts.loc["transactions.parquet", "anonymised"] == 1

    text = (store / tb.STORE_FILE).read_text()
    assert "ana" not in text.lower() and "C1" not in text
    entries = tb.read_store(store)
    assert [e["kind"] for e in entries] == ["request", "extension"]  # her phone and 2nd email joined the tombstone

    again = apply_erasures(run_dir, store, "r1")  # idempotent
    assert (again.persons, again.requests_recorded) == (0, 0)


def test_forget_refuses_an_identifier_two_persons_share(tmp_path):
    run_dir = _run_folder(tmp_path)
    (tmp_path / "processed" / "latest").symlink_to("r1")
    with pytest.raises(AmbiguousRequest, match="C1, C3"):
        forget(["casa.lopez@gmail.com"], tmp_path / "processed", None, tmp_path / "decisions")
    outcome = forget(["C3"], tmp_path / "processed", None, tmp_path / "decisions")
    assert outcome.persons == 1
    assert pd.read_parquet(run_dir / "record_links.parquet")["person_id"].tolist() == ["C1", "C1", "C2"]


def test_a_tombstone_without_a_match_rewrites_nothing(tmp_path):
    run_dir = _run_folder(tmp_path)
    before = {p.name: p.stat().st_mtime_ns for p in run_dir.glob("*.parquet") if p.name != "source_summary.parquet"}
    stones = tb.hashed_identifiers(tb.standardise_identity(pd.DataFrame({"email": ["stranger@x.org"]})), KEY)
    result, extensions = purge_run(run_dir, stones.assign(erasure_id="E-9")[["erasure_id", "kind", "hash"]], KEY)
    assert result.persons == 0 and not extensions and not result.tables
    after = {p.name: p.stat().st_mtime_ns for p in run_dir.glob("*.parquet") if p.name in before}
    assert after == before


# --------------------------------------------------------------------------- the whole story, end to end


def _values_of(run_dir: Path, person: str) -> set[str]:
    """Every identifier and name of a person, as the sources wrote them and as stage 02 made them."""
    links = pd.read_parquet(run_dir / "record_links.parquet")
    clean = pd.read_parquet(run_dir / "clean_records.parquet")
    theirs = clean[clean["record_key"].isin(links.loc[links["person_id"] == person, "record_key"])]
    values = set()
    for column in ("email", "phone", "national_id", "email_std", "email_key", "phone_std", "national_id_std"):
        values |= {str(v) for v in theirs[column].dropna() if len(str(v)) >= 6}
    return values


def _traces(folders: list[Path], values: set[str]) -> list[tuple[str, str]]:
    """(file, value) for each value found in any table, export, database, page or record."""
    found = []
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if not path.is_file():
                continue
            if path.suffix == ".parquet":
                text = pd.read_parquet(path).astype(str).to_csv()
            elif path.suffix == ".duckdb":
                con = duckdb.connect(str(path), read_only=True)
                try:
                    tables = [t for (t,) in con.execute("SELECT table_name FROM information_schema.tables").fetchall()]
                    text = "".join(con.execute(f'SELECT * FROM "{t}"').df().astype(str).to_csv() for t in tables)
                finally:
                    con.close()
            elif path.suffix == ".xlsx":
                text = "".join(f.astype(str).to_csv() for f in pd.read_excel(path, sheet_name=None, dtype=str).values())
            elif path.suffix in (".csv", ".html", ".ipynb", ".json", ".jsonl", ".md", ".txt"):
                text = path.read_text(encoding="utf-8", errors="ignore")
            else:
                continue
            found += [(str(path), v) for v in values if v in text]
    return found


def _run(base: Path, registry: Path, run_id: str, out: io.StringIO) -> int:
    return run(
        ROOT,
        RunOptions(
            sources=str(registry),
            run_id=run_id,
            overrides={
                "processed_dir": str(base / "processed"),
                "reports_dir": str(base / "reports"),
                "decisions_dir": str(base / "decisions"),
                "reference_date": "2026-11-15",
            },
        ),
        out=out,
    )


@pytest.fixture(scope="module")
def story(tmp_path_factory) -> dict:
    base = tmp_path_factory.mktemp("erasure")
    generate(persons=300, seed=1, out=base / "raw")
    registry = base / "raw" / "sources.yaml"
    out = io.StringIO()
    first = _run(base, registry, "m1", out)
    assert first == 0, out.getvalue()
    m1 = base / "processed" / "m1"
    links = pd.read_parquet(m1 / "record_links.parquet")
    clean = pd.read_parquet(m1 / "clean_records.parquet").merge(links[["record_key", "person_id"]], on="record_key")
    per = clean.groupby("person_id").agg(
        records=("record_key", "size"), emails=("email_key", "nunique"), phones=("phone_std", "nunique")
    )
    several = per[(per["records"] >= 2) & (per["emails"] >= 1) & (per["phones"] >= 1)].index.tolist()
    shared = set()  # identifiers two persons carry (a household's email or landline) stay with the other
    for column in ("email_key", "phone_std"):
        persons = clean.groupby(column)["person_id"].nunique()
        shared |= set(persons[persons > 1].index)
    own = [
        p for p in several if not set(clean.loc[clean["person_id"] == p, ["email_key", "phone_std"]].stack()) & shared
    ]
    forgotten, requester = own[0], own[1]
    values = {"forgotten": _values_of(m1, forgotten), "requester": _values_of(m1, requester)}
    row = clean[(clean["person_id"] == requester) & clean["email"].notna()].iloc[0]

    # `clientela forget` of person 1 by their person id, on latest and every kept run
    cli = [
        "--project",
        str(ROOT),
        "--set",
        f"processed_dir={base / 'processed'}",
        "--set",
        f"reports_dir={base / 'reports'}",
        "--set",
        f"decisions_dir={base / 'decisions'}",
    ]
    forget_code = cli_main(["forget", forgotten, "--note", "ticket 42", *cli])

    # next month: person 2 asks through the requests desk's list; both are still in every export
    pd.DataFrame(
        [
            {
                "id": "REQ-1",
                "email": str(row["email"]).upper(),
                "first_name": row["first_name"],
                "last_name": row["last_name"],
                "reason": "Right to be forgotten",
                "asked": "2026-11-10",
            }
        ]
    ).to_csv(base / "raw" / "erasure_requests.csv", index=False)
    doc = yaml.safe_load(registry.read_text(encoding="utf-8"))
    doc["sources"].append(
        {
            "name": "erasure_requests",
            "path": "erasure_requests.csv",
            "format": "csv",
            "kind": "suppressions",
            "id_column": "id",
            "cadence": "monthly",
            "extracted_at": "2026-11-15T04:00:00+00:00",
            "constants": {"channel": "all"},
            "columns": {
                "email": "email",
                "first_name": "first_name",
                "last_name": "last_name",
                "reason": "reason",
                "event_at": "asked",
            },
        }
    )
    registry2 = base / "raw" / "sources_next_month.yaml"
    registry2.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    second = _run(base, registry2, "m2", out)
    return {
        "base": base,
        "log": out.getvalue(),
        "second": second,
        "forget_code": forget_code,
        "values": values,
        "forgotten": forgotten,
        "requester": requester,
        "cli": cli,
        "m1": m1,
        "m2": base / "processed" / "m2",
    }


def test_forget_purges_latest_and_keeps_only_hashes(story):
    assert story["forget_code"] == 0
    m1, base = story["m1"], story["base"]
    assert _traces([m1, base / "reports" / "m1"], story["values"]["forgotten"]) == []
    assert story["forgotten"] not in set(pd.read_parquet(m1 / "record_links.parquet")["person_id"])
    store = (base / "decisions" / tb.STORE_FILE).read_text()
    assert not any(v in store for v in story["values"]["forgotten"] | story["values"]["requester"])
    assert story["forgotten"] not in store
    assert _mode(base / "decisions" / tb.KEY_FILE) == 0o600 and _mode(base / "decisions" / tb.STORE_FILE) == 0o600


def test_erased_people_reappearing_next_month_are_not_rebuilt(story):
    assert story["second"] == 0, story["log"]
    m2, base = story["m2"], story["base"]
    for who in ("forgotten", "requester"):
        found = _traces([m2, base / "reports" / "m2"], story["values"][who])
        assert found == [], f"{who}: {found[:5]}"
    record = json.loads((m2 / "stages" / "04_golden_records.json").read_text())
    erasure = record["metrics"]["erasure"]
    assert erasure["persons_erased"] == 2  # both, and only counted
    assert erasure["requests_in_lists"] == 1 and erasure["requests_recorded"] == 1
    summary = pd.read_parquet(m2 / "source_summary.parquet")
    assert summary["rows_erased"].sum() >= erasure["records_erased"] > 0
    # rows still add up: what was read = what is in the clean data + set aside + erased
    raw = pd.read_parquet(m2 / "raw_records.parquet").groupby("source").size()
    people = summary[summary["kind"] == "people"].set_index("source")
    assert (people["rows_read"] - people["rows_erased"]).to_dict() == raw.reindex(people.index, fill_value=0).to_dict()


def test_a_request_from_a_list_also_purges_the_kept_runs(story):
    assert story["second"] == 0, story["log"]
    assert _traces([story["m1"], story["base"] / "reports" / "m1"], story["values"]["requester"]) == []


def test_subject_access_of_an_erased_person_finds_nothing(story, tmp_path, capsys):
    code = cli_main(["subject-access", story["forgotten"], "--out", str(tmp_path / "a.json"), *story["cli"]])
    assert code == 2 and not (tmp_path / "a.json").exists()
    email = next(v for v in story["values"]["requester"] if "@" in v)
    assert cli_main(["subject-access", email, "--out", str(tmp_path / "b.json"), *story["cli"]]) == 2
