"""Tests of the synthetic demo-data generator (helpers.generate).

One small data set is generated per session (module fixture); the determinism tests generate
their own tiny ones. Every test checks a property of the written files, read back the way the
pipeline would read them, so a regression in the generator makes them fail.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import phonenumbers
import pyarrow as pa
import pytest
import yaml

from helpers.generate import DEFAULT_AS_OF, generate, phones, registry_yaml
from helpers.generate import ids as IDS
from helpers.generate.pools import CITIES, COUNTRIES
from helpers.schema import COLUMNS_BY_KIND, CONSTANT_ALLOWED

PERSONS = 2500
SEED = 11
PEOPLE_SOURCES = {"crm", "ecommerce", "web_signups", "callcentre", "marketing_leads"}
AS_OF_END = dt.datetime.combine(DEFAULT_AS_OF, dt.time(23, 59, 59))


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("generated")
    summary = generate(PERSONS, SEED, out)
    return out, summary


@pytest.fixture(scope="module")
def registry(data) -> dict:
    out, _ = data
    return {s["name"]: s for s in yaml.safe_load((out / "sources.yaml").read_text(encoding="utf-8"))["sources"]}


@pytest.fixture(scope="module")
def truth(data) -> pd.DataFrame:
    return pd.read_csv(data[0] / "truth" / "records.csv", dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def persons(data) -> pd.DataFrame:
    return pd.read_csv(data[0] / "truth" / "persons.csv", dtype=str, keep_default_na=False)


def read_crm(out: Path) -> pd.DataFrame:
    return pd.read_csv(
        out / "crm_customers.csv",
        sep=";",
        encoding="cp1252",
        encoding_errors="replace",
        on_bad_lines="skip",
        dtype=str,
        keep_default_na=False,
    )


def read_jsonl(path: Path) -> tuple[list[dict], list[str]]:
    good, bad = [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            good.append(json.loads(line))
        except json.JSONDecodeError:
            bad.append(line)
    return good, bad


def read_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


# --- determinism -------------------------------------------------------------------------------


def test_same_seed_gives_byte_identical_files(tmp_path):
    a = generate(400, 5, tmp_path / "a")
    b = generate(400, 5, tmp_path / "b")
    da, db = digest(tmp_path / "a"), digest(tmp_path / "b")
    assert "marketing_leads.xlsx" in da and "truth/records.csv" in da
    assert da == db
    assert a["files"] == b["files"]


def test_different_seed_or_as_of_gives_different_files(tmp_path):
    generate(400, 5, tmp_path / "a")
    generate(400, 6, tmp_path / "b")
    generate(400, 5, tmp_path / "c", as_of=dt.date(2025, 6, 30))
    da, db, dc = digest(tmp_path / "a"), digest(tmp_path / "b"), digest(tmp_path / "c")
    for name in ("crm_customers.csv", "ecommerce_customers.jsonl", "truth/records.csv", "marketing_leads.xlsx"):
        assert da[name] != db[name], name
    assert da["crm_customers.csv"] != dc["crm_customers.csv"]
    assert "2025-06-30" in (tmp_path / "c" / "sources.yaml").read_text(encoding="utf-8")


# --- registry -----------------------------------------------------------------------------------


def test_registry_text_shape_and_prefix():
    text = registry_yaml(DEFAULT_AS_OF, "data/raw/")
    assert text.startswith("#")
    doc = yaml.safe_load(text)
    names = [s["name"] for s in doc["sources"]]
    assert len(names) == len(set(names))
    assert all(s["path"].startswith("data/raw/") for s in doc["sources"])
    crm = next(s for s in doc["sources"] if s["name"] == "crm")
    assert crm["delimiter"] == ";" and crm["encoding"] == "cp1252" and crm["date_format"] == "%d/%m/%Y"
    assert {s["name"] for s in doc["sources"] if s["kind"] == "people"} == PEOPLE_SOURCES


def test_registry_is_canonical(registry):
    for name, s in registry.items():
        kind = s["kind"]
        allowed = set(COLUMNS_BY_KIND[kind]) | {"record_updated_at"}
        assert set(s["columns"]) <= allowed, name
        assert set(s.get("constants", {})) <= CONSTANT_ALLOWED.get(kind, set()), name
        at = dt.datetime.fromisoformat(s["extracted_at"])
        assert s["extracted_at"].endswith("+00:00")
        assert at.replace(tzinfo=None) <= AS_OF_END, name
        if "links_to" in s and "source" in s["links_to"]:
            assert registry[s["links_to"]["source"]]["kind"] == "people"
    assert dt.datetime.fromisoformat(registry["crm"]["extracted_at"]).date() < DEFAULT_AS_OF - dt.timedelta(days=14)


def _file_columns(out: Path, s: dict) -> set[str]:
    path = out / s["path"]
    if s["format"] == "csv":
        with open(path, encoding=s.get("encoding", "utf-8"), errors="replace", newline="") as f:
            return set(next(csv.reader(f, delimiter=s.get("delimiter", ","))))
    if s["format"] == "xlsx":
        return set(pd.read_excel(path, nrows=1).columns)
    good, _ = read_jsonl(path)

    def paths(obj, prefix=""):
        for k, v in obj.items():
            yield prefix + k
            if isinstance(v, dict):
                yield from paths(v, prefix + k + ".")

    return set(paths(good[0]))


def test_every_registered_column_exists_in_its_file(data, registry):
    out, _ = data
    for name, s in registry.items():
        cols = _file_columns(out, s)
        missing = {v for v in s["columns"].values() if v not in cols}
        assert not missing, (name, missing)
        if "id_column" in s:
            assert s["id_column"] in cols, name


# --- formats ------------------------------------------------------------------------------------


def test_crm_is_a_messy_but_readable_legacy_export(data, truth):
    out, _ = data
    raw = (out / "crm_customers.csv").read_bytes()
    assert b"\r\n" in raw
    with pytest.raises(UnicodeDecodeError):
        raw.decode("cp1252")  # a few undecodable bytes on purpose
    text = raw.decode("cp1252", errors="replace")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    widths = pd.Series([len(r) for r in rows])
    assert widths.value_counts().index[0] == 21
    assert (widths == 22).any(), "an unquoted ';' inside an address should shift a row"
    assert (widths == 0).any(), "a few blank lines are expected"
    assert '";' in text or ';"' in text, "fields with ';' or quotes are quoted properly"
    df = read_crm(out)
    crm_truth = truth[truth.source == "crm"]
    assert len(df) >= 0.99 * len(crm_truth)
    # exact duplicate rows: same CUST_NO, same content
    dups = df[df.duplicated(keep=False)]
    assert len(dups) >= 2 and dups.CUST_NO.duplicated().any()
    assert not df.drop_duplicates().CUST_NO.duplicated().any()
    assert set(df.CUST_NO) <= set(crm_truth.source_record_id)
    assert df.DOB.str.match(r"^(\d\d/\d\d/\d{4})?$").all()
    assert df.SALUTATION.isin(["Sr.", "Sra.", "Mr", "Mrs", "Sig.", "Mr.", "Mrs."]).any()
    assert df.FIRST_NAME.str.match(r"^(Sr\.|Sra\.|Mr|Mrs|Ms|Sig\.|Dott\.|Dr)").any(), "salutations glued to names"


def test_jsonl_lines_parse_except_the_truncated_ones(data, truth):
    out, _ = data
    good, bad = read_jsonl(out / "ecommerce_customers.jsonl")
    assert 1 <= len(bad) <= 2
    assert len(good) + len(bad) == (truth.source == "ecommerce").sum()
    first = good[0]
    assert set(first["address"]) == {"line1", "line2", "city", "state", "zip", "country_code"}
    orders, bad_orders = read_jsonl(out / "ecommerce_orders.jsonl")
    assert not bad_orders and orders
    assert {o["currency"] for o in orders} <= {"EUR", "GBP", "USD", "BRL"}
    for o in orders[:200]:
        assert isinstance(o["total"], float) and o["total"] > 0


def test_xlsx_opens_with_mixed_birthday_cells(data, truth):
    out, _ = data
    df = pd.read_excel(out / "marketing_leads.xlsx", sheet_name="Leads", dtype=object)
    assert list(df.columns)[:2] == ["Lead #", "Name"]
    assert len(df) == (truth.source == "marketing_leads").sum()
    kinds = {type(v).__name__ for v in df["Birthday"].dropna()}
    assert {"str", "datetime"} <= kinds and ({"int", "float"} & kinds), kinds
    assert df["Lead #"].is_unique


def test_callcentre_dates_are_month_first(data):
    df = read_csv(data[0] / "callcentre_cases.csv")
    parsed = pd.to_datetime(df.opened_at, format="%m/%d/%Y %H:%M")
    assert parsed.max() <= AS_OF_END
    assert (parsed.dt.day > 12).any()  # proves month-first, day can exceed 12 in position 2
    assert df.caller_name.str.contains(", ").any()
    assert set(df.case_type) == {"complaint", "service_request"}


def test_timestamps_never_after_as_of(data):
    out, _ = data
    checks = {
        "web_signups.csv": ("signed_up_at", "%Y-%m-%dT%H:%M:%SZ"),
        "pos_transactions.csv": ("sold_at", "%Y-%m-%d %H:%M:%S"),
        "email_bounces.csv": ("bounced_at", "%Y-%m-%dT%H:%M:%SZ"),
        "email_unsubscribes.csv": ("unsubscribed_at", "%Y-%m-%dT%H:%M:%SZ"),
        "address_changes.csv": ("effective_date", "%Y-%m-%d"),
    }
    for name, (col, fmt) in checks.items():
        ts = pd.to_datetime(read_csv(out / name)[col], format=fmt)
        assert ts.max() <= AS_OF_END, name
    orders, _ = read_jsonl(out / "ecommerce_orders.jsonl")
    assert max(o["created_at"] for o in orders) <= AS_OF_END.isoformat()
    crm = read_crm(out)
    assert pd.to_datetime(crm.LAST_UPDATED, format="%d/%m/%Y").max() < pd.Timestamp(DEFAULT_AS_OF) - pd.Timedelta(
        days=18
    )


# --- truth --------------------------------------------------------------------------------------


def _ids_in_files(out: Path) -> dict[str, set[str]]:
    raw = (out / "crm_customers.csv").read_bytes().decode("cp1252", errors="replace").split("\r\n")[1:]
    crm = {line.split(";", 1)[0] for line in raw if line}
    eco = set(re.findall(r'"customer_id": "(\d+)"', (out / "ecommerce_customers.jsonl").read_text("utf-8")))
    return {
        "crm": crm,
        "ecommerce": eco,
        "web_signups": set(read_csv(out / "web_signups.csv").signup_id),
        "callcentre": set(read_csv(out / "callcentre_cases.csv").case_id),
        "marketing_leads": set(pd.read_excel(out / "marketing_leads.xlsx", dtype=str)["Lead #"]),
    }


def test_truth_has_one_row_per_distinct_people_record(data, truth, persons):
    out, summary = data
    assert set(truth.source) == PEOPLE_SOURCES
    assert not truth.duplicated(["source", "source_record_id"]).any()
    files = _ids_in_files(out)
    for source, ids in files.items():
        assert ids == set(truth.loc[truth.source == source, "source_record_id"]), source
    assert summary["people_records"] == len(truth)
    # every truth person exists and sits in the household the truth says
    p = persons.set_index("person_truth_id")
    assert truth.person_truth_id.isin(p.index).all()
    assert (p.loc[truth.person_truth_id, "household_truth_id"].to_numpy() == truth.household_truth_id.to_numpy()).all()
    assert (persons.household_truth_id != "").all()
    # within-source duplicates: some persons have two CRM ids, callers several cases
    per_person = truth.groupby(["source", "person_truth_id"]).size()
    assert (per_person.loc["crm"] > 1).any()
    assert (per_person.loc["callcentre"] > 1).any()
    # truth ids never leak into source files
    text = (out / "web_signups.csv").read_text("utf-8") + (out / "callcentre_cases.csv").read_text("utf-8")
    assert "P000" not in text and "H000" not in text


def test_twins_share_name_address_and_birthday_but_not_identity(persons):
    twins = persons[persons.twin == "1"]
    assert len(twins) >= 4
    for _, g in twins.groupby("household_truth_id"):
        assert len(g) == 2
        assert g.last_name.nunique() == 1 and g.date_of_birth.nunique() == 1
        assert g.address_line1.nunique() == 1 and g.postcode.nunique() == 1
        assert g.first_name.nunique() == 2 and g.person_truth_id.nunique() == 2


def test_namesakes_and_households(persons):
    named = persons[persons.namesake_of != ""]
    assert len(named) >= 1
    donor = persons.set_index("person_truth_id").loc[named.namesake_of]
    assert (donor.first_name.to_numpy() == named.first_name.to_numpy()).all()
    assert (donor.last_name.to_numpy() == named.last_name.to_numpy()).all()
    assert (donor.household_truth_id.to_numpy() != named.household_truth_id.to_numpy()).all()
    # apartment buildings: same street line, different flats, different households
    flats = persons[persons.address_line2 != ""].drop_duplicates("household_truth_id")
    shared = flats.groupby(["address_line1", "postcode"]).household_truth_id.nunique()
    assert (shared > 1).any()
    # Spanish children carry father's first surname then mother's first surname
    es = persons[(persons.country == "ES")]
    fam = es[es.role == "child"].merge(es[es.role == "head"], on="household_truth_id", suffixes=("", "_head"))
    assert len(fam) and fam.apply(lambda r: len(r.last_name.split()) >= 2, axis=1).mean() > 0.9


def _norm_pc(s: pd.Series) -> pd.Series:
    return s.fillna("").astype(str).str.upper().str.replace(r"[\s\-]", "", regex=True).str.lstrip("0")


def test_movers_show_old_and_new_addresses(data, truth, persons):
    out, _ = data
    recs = []
    crm = read_crm(out)
    recs.append(pd.DataFrame({"source": "crm", "id": crm.CUST_NO, "pc": crm.POSTCODE}))
    good, _ = read_jsonl(out / "ecommerce_customers.jsonl")
    recs.append(
        pd.DataFrame(
            {"source": "ecommerce", "id": [g["customer_id"] for g in good], "pc": [g["address"]["zip"] for g in good]}
        )
    )
    web = read_csv(out / "web_signups.csv")
    recs.append(pd.DataFrame({"source": "web_signups", "id": web.signup_id, "pc": web.postcode}))
    cc = read_csv(out / "callcentre_cases.csv")
    recs.append(pd.DataFrame({"source": "callcentre", "id": cc.case_id, "pc": cc.postcode}))
    r = pd.concat(recs).merge(truth, left_on=["source", "id"], right_on=["source", "source_record_id"])
    r["pc"] = _norm_pc(r.pc).str.replace(r"-\d{4}$", "", regex=True)
    movers = persons[persons.moved_on != ""].copy()
    assert len(movers) > 0
    movers["old"] = _norm_pc(movers.old_postcode)
    movers["new"] = _norm_pc(movers.postcode)
    seen = r.groupby("person_truth_id").pc.agg(set)
    m = movers[movers.person_truth_id.isin(seen.index)]
    both = [(row.old in seen[row.person_truth_id]) and (row.new in seen[row.person_truth_id]) for row in m.itertuples()]
    assert sum(both) >= 3, "some movers should show the old address in one source and the new in another"
    # the change-of-address file names real movers' old and new postcodes
    ac = read_csv(out / "address_changes.csv")
    assert len(ac) > 0
    assert _norm_pc(ac.new_postcode).isin(set(movers.new)).all()
    assert _norm_pc(ac.old_postcode).isin(set(movers.old)).all()


# --- validity of identifiers ----------------------------------------------------------------------


def test_phone_numbers_are_valid_before_noise(persons):
    sample = persons[persons.mobile != ""].sample(600, random_state=0)
    ok = [phonenumbers.is_valid_number(phonenumbers.parse(m)) for m in sample.mobile]
    assert np.mean(ok) >= 0.97
    # landlines of every city
    rng = np.random.default_rng(0)
    for ci, c in enumerate(COUNTRIES):
        for j in range(len(CITIES[c])):
            country = np.full(40, ci)
            prefix = phones.city_prefixes(rng, country, np.full(40, j))
            nsn, key = phones.landlines(rng, country, prefix)
            e164 = phones.e164(nsn, key.astype(np.int64)).to_pylist()
            ok = [phonenumbers.is_valid_number(phonenumbers.parse(x)) for x in e164]
            assert np.mean(ok) >= 0.97, (c, CITIES[c][j].name, e164[:3])


def test_source_phones_parse_in_their_country(data):
    good, _ = read_jsonl(data[0] / "ecommerce_customers.jsonl")
    ok = []
    for g in good:
        if g["phone"]:
            try:
                n = phonenumbers.parse(g["phone"], g["address"]["country_code"])
                ok.append(phonenumbers.is_valid_number(n))
            except phonenumbers.NumberParseException:
                ok.append(False)
    assert len(ok) > 100 and np.mean(ok) >= 0.95


def test_national_ids_pass_their_checksums(persons, data):
    for c, validate in IDS.VALIDATORS.items():
        ids = persons.loc[persons.country == c, "national_id"]
        assert len(ids) and validate(pa.array(ids.tolist())).all(), c
    # as stored in the CRM: formatted sometimes, a rare wrong digit
    crm = read_crm(data[0])
    crm = crm[crm.NATIONAL_ID != ""]
    raw = crm.NATIONAL_ID.str.upper().str.replace(r"[\s]", "", regex=True)
    country = crm.NATIONAL_ID.map(lambda x: None)  # decided by format below
    es = raw.str.match(r"^[XYZ\d]\d{7}-?[A-Z]$")
    ok_es = IDS.dni_valid(pa.array(raw[es].str.replace("-", "").tolist()))
    br = raw.str.match(r"^\d{3}\.?\d{3}\.?\d{3}-?\d{2}$")
    ok_br = IDS.cpf_valid(pa.array(raw[br].tolist()))
    assert es.sum() > 10 and br.sum() > 10 and country.isna().all()
    assert ok_es.mean() >= 0.97 and ok_br.mean() >= 0.97
    assert not (ok_es.all() and ok_br.all() and len(crm) > 2000), "rare typos expected at scale"


# --- links between files --------------------------------------------------------------------------


def test_transactions_resolve_to_people_or_cards(data):
    out, _ = data
    good, _ = read_jsonl(out / "ecommerce_customers.jsonl")
    customers = {g["customer_id"] for g in good}
    orders, _ = read_jsonl(out / "ecommerce_orders.jsonl")
    refs = [o["customer_id"] for o in orders]
    assert all(r is None or r in customers for r in refs)
    assert any(r is None for r in refs) and any(r is not None for r in refs)
    cards = set(read_crm(out).LOYALTY_NO) - {""}
    pos = read_csv(out / "pos_transactions.csv")
    assert pos.loyalty_card.isin(cards | {""}).all()
    anon = (pos.loyalty_card == "").mean()
    assert 0.45 < anon < 0.75
    assert pos.receipt_no.is_unique and cards and pos.loyalty_card.str.match(r"^(LC\d{10})?$").all()


def test_suppression_lists_point_at_real_contacts(data, persons):
    out, _ = data
    bounces = read_csv(out / "email_bounces.csv")
    assert set(bounces.bounce_type) == {"Hard", "Soft"}
    old = set(persons.old_email.str.lower()) - {""}
    hard = set(bounces.loc[bounces.bounce_type == "Hard", "email"].str.lower())
    assert hard & old, "dead old emails hard-bounce"
    soft_counts = bounces[bounces.bounce_type == "Soft"].email.value_counts()
    assert soft_counts.max() > 1 and soft_counts.max() <= 5
    unsub = read_csv(out / "email_unsubscribes.csv")
    known = set(persons.email.str.lower()) | old
    share = unsub.email.str.lower().str.strip().isin(known).mean()
    assert 0.6 < share < 1.0, share  # mostly customers' addresses (a few misspelt or outsiders)
    dnc = read_csv(out / "do_not_call.csv")
    e164 = []
    for p in dnc.phone:
        for region in COUNTRIES:
            try:
                n = phonenumbers.parse(p, region)
            except phonenumbers.NumberParseException:
                continue
            if phonenumbers.is_valid_number(n) and phonenumbers.region_code_for_number(n) == region:
                e164.append(phonenumbers.format_number(n, phonenumbers.PhoneNumberFormat.E164))
                break
    mobiles = set(persons.mobile) - {""}
    matched = np.mean([x in mobiles for x in e164])
    assert 0.2 < matched < 0.95, matched  # customers among numbers of people who are not customers
    mp = read_csv(out / "mail_preference.csv")
    assert {"first_name", "surname", "address", "postcode", "town", "country", "registered_on"} <= set(mp.columns)


# --- noise is there, and not absurd ----------------------------------------------------------------


def _strip(s: pd.Series) -> pd.Series:
    return s.str.normalize("NFKD").str.encode("ascii", "ignore").str.decode("ascii").str.strip().str.lower()


def test_noise_rates_are_realistic(data, truth, persons):
    out, _ = data
    p = persons.set_index("person_truth_id")
    good, _ = read_jsonl(out / "ecommerce_customers.jsonl")
    eco = pd.DataFrame(
        {
            "id": [g["customer_id"] for g in good],
            "first": [g["first_name"] for g in good],
            "email": [g["email"] for g in good],
        }
    )
    crm = read_crm(out)
    rates = {}
    for name, df, idcol, col in (("ecommerce", eco, "id", "first"), ("crm", crm, "CUST_NO", "FIRST_NAME")):
        m = df.merge(truth[truth.source == name], left_on=idcol, right_on="source_record_id")
        true_first = p.loc[m.person_truth_id, "first_name"]
        rates[name] = (_strip(m[col]).to_numpy() == _strip(true_first).to_numpy()).mean()
    assert 0.75 < rates["crm"] < 0.99, rates
    assert rates["crm"] < rates["ecommerce"] < 0.995, rates
    web = read_csv(out / "web_signups.csv")
    domains = web.email.str.lower().str.split("@").str[1]
    assert domains.isin(
        [
            "gmial.com",
            "gmai.com",
            "gmail.con",
            "hotmial.com",
            "yaho.com",
            "outlok.com",
            "gamil.com",
            "gmal.com",
            "gmail.co",
            "gmail.cm",
            "hotmail.con",
            "hotmal.com",
        ]
    ).any()
    assert (web.email != web.email.str.lower()).any()
    assert web.birth_date.str.match(r"^\d\d\.\d\d\.\d{4}$").any() and web.birth_date.str.match(r"^\d{4}-").mean() > 0.6
    cc = read_csv(out / "callcentre_cases.csv")
    accented = "[áéíóúàèìòùâêôãõñçÁÉÍÓÚÑ]"
    eco_accents = (eco["first"] + " " + pd.Series([g["last_name"] for g in good])).str.contains(accented).mean()
    cc_accents = cc.caller_name.str.contains(accented).mean()
    assert cc_accents < 0.6 * eco_accents, (cc_accents, eco_accents)  # the vendor system drops most accents
