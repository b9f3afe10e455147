"""People correct the database: review decisions, merges and splits that outlive runs.

Unit tests of the decisions store (append-only, files read once, malformed files refused whole),
of resolving decisions (later wins, conflicts listed), of must/cannot-links in clustering (cut
at the weakest links), of the review file and of the accuracy estimate from labels; then the
real matching (prepare / fit / link) on generated data, rerun, with records added and retrained,
and the `decide`, `merge` and `split` commands on a project folder.
"""

from __future__ import annotations

import shutil
import stat
from datetime import date

import numpy as np
import pandas as pd
import pytest

from conftest import ROOT
from helpers.clean.records import clean_people
from helpers.cli import main as cli
from helpers.decisions.constrain import constrain
from helpers.decisions.labels import estimate_accuracy
from helpers.decisions.resolve import decided_mask, resolve
from helpers.decisions.review_file import ingest_dropped, read_review_file, review_sheet, write_review_file
from helpers.decisions.store import Decision, DecisionError, DecisionStore, resolve_store_dir
from helpers.generate import generate
from helpers.ingest import ingest
from helpers.match.evaluate import load_truth
from helpers.match.linking import review_worklist
from helpers.match.model import load_spec
from helpers.match.stage import fit, link, prepare
from helpers.registry import load_registry

REF = date(2026, 11, 15)


def log_of(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    """A decisions table as the store gives it: (decision, record_a, record_b), oldest first."""
    return pd.DataFrame(
        [
            {
                "seq": i + 1,
                "type": "decision",
                "decision": d,
                "record_a": a,
                "record_b": b,
                "by": f"reviewer{i}",
                "at": f"2026-11-{i + 1:02d}T10:00:00+00:00",
                "note": "",
                "run_id": "r1",
                "origin": "decide",
                "match_probability": None,
            }
            for i, (d, a, b) in enumerate(rows)
        ]
    )


def chain_pairs() -> pd.DataFrame:
    """s:a – s:b – s:c – s:d linked in a chain whose middle link is the weakest; s:x – s:y in the review band."""
    return pd.DataFrame(
        {
            "unique_id_l": ["s:a", "s:b", "s:c", "s:x"],
            "unique_id_r": ["s:b", "s:c", "s:d", "s:y"],
            "match_probability": [0.999, 0.95, 0.998, 0.6],
            "match_weight": [12.0, 4.2, 11.0, 0.6],
            "vetoed": [False, False, False, False],
        }
    )


def clusters_of(edges: pd.DataFrame, ids: list[str]) -> dict[str, set[str]]:
    from helpers.match.linking import cluster_records

    c = cluster_records(pd.Series(ids), edges, 0.9)
    return {k: set(g["unique_id"]) for k, g in c.groupby("cluster_id")}


# --- resolving decisions ------------------------------------------------------------------------


def test_the_later_decision_on_a_pair_wins_and_both_are_listed():
    r = resolve(log_of([("same", "s:1", "s:2"), ("different", "s:2", "s:1")]))
    assert r.must.empty and r.cannot[["record_a", "record_b"]].values.tolist() == [["s:1", "s:2"]]
    assert r.conflicts[["kept", "kept_seq", "dropped", "dropped_seq"]].values.tolist() == [["different", 2, "same", 1]]


def test_a_later_different_cuts_an_older_must_link_chain():
    r = resolve(log_of([("same", "s:1", "s:2"), ("same", "s:2", "s:3"), ("different", "s:1", "s:3")]))
    # the oldest must-link of the chain goes; the younger one stays
    assert r.must[["record_a", "record_b"]].values.tolist() == [["s:2", "s:3"]]
    assert r.conflicts[["kept_seq", "dropped_seq"]].values.tolist() == [[3, 1]]
    assert r.groups["s:1"] != r.groups["s:3"]


def test_a_later_same_chain_drops_an_older_cannot_link():
    r = resolve(log_of([("different", "s:1", "s:3"), ("same", "s:1", "s:2"), ("same", "s:2", "s:3")]))
    assert r.cannot.empty and len(r.must) == 2
    assert r.conflicts[["kept", "kept_seq", "dropped", "dropped_seq"]].values.tolist() == [["same", 3, "different", 1]]


def test_unsure_withdraws_an_earlier_decision_and_leaves_the_pair_open():
    r = resolve(log_of([("same", "s:1", "s:2"), ("unsure", "s:1", "s:2")]))
    assert r.must.empty and len(r.unsure) == 1 and r.conflicts.empty
    assert not decided_mask(r, pd.Series(["s:1"]), pd.Series(["s:2"])).any()


def test_pairs_settled_directly_or_through_groups():
    r = resolve(log_of([("same", "s:1", "s:2"), ("same", "s:2", "s:3"), ("different", "s:3", "s:9")]))
    left = pd.Series(["s:1", "s:9", "s:1", "s:4"])
    right = pd.Series(["s:3", "s:1", "s:2", "s:5"])
    # s:1–s:3 through the group; s:9–s:1 across a cannot-link between groups; s:4–s:5 untouched
    assert decided_mask(r, left, right).tolist() == [True, True, True, False]


# --- must-links and cannot-links in clustering --------------------------------------------------


def test_cannot_link_cuts_the_cluster_at_its_weakest_link():
    ids = ["s:a", "s:b", "s:c", "s:d", "s:x", "s:y"]
    c = constrain(pd.Series(ids), chain_pairs(), 0.9, resolve(log_of([("different", "s:a", "s:d")])))
    assert c.cut[["unique_id_l", "unique_id_r"]].values.tolist() == [["s:b", "s:c"]]  # weight 4.2 < 11 < 12
    groups = sorted(map(sorted, clusters_of(c.edges, ids).values()))
    assert groups == [["s:a", "s:b"], ["s:c", "s:d"], ["s:x"], ["s:y"]]
    assert c.report["outcome"].tolist() == ["cluster cut at its weakest links"]
    assert c.effect["persons_cut_by_decisions"] == 1


def test_min_cut_prefers_two_weak_links_over_one_strong_one():
    # a–b strong (20); b–d and b–c–d weak routes: cutting a–b (20) costs more than b–d + c–d (3 + 4)
    pairs = pd.DataFrame(
        {
            "unique_id_l": ["s:a", "s:b", "s:b", "s:c"],
            "unique_id_r": ["s:b", "s:d", "s:c", "s:d"],
            "match_probability": 0.99,
            "match_weight": [20.0, 3.0, 9.0, 4.0],
            "vetoed": False,
        }
    )
    c = constrain(pd.Series(["s:a", "s:b", "s:c", "s:d"]), pairs, 0.9, resolve(log_of([("different", "s:a", "s:d")])))
    assert sorted(map(tuple, c.cut[["unique_id_l", "unique_id_r"]].values.tolist())) == [("s:b", "s:d"), ("s:c", "s:d")]


def test_must_link_joins_whatever_the_score_even_vetoed_and_never_cut():
    pairs = chain_pairs()
    pairs.loc[3, "vetoed"] = True
    ids = ["s:a", "s:b", "s:c", "s:d", "s:x", "s:y"]
    decisions = log_of(
        [("same", "s:x", "s:y"), ("same", "s:b", "s:c"), ("different", "s:a", "s:d"), ("same", "s:q", "s:a")]
    )  # s:q is not in the data
    c = constrain(pd.Series(ids), pairs, 0.9, resolve(decisions))
    groups = sorted(map(sorted, clusters_of(c.edges, ids).values()))
    assert ["s:x", "s:y"] in groups
    # b–c must stay: the cut goes through the next weakest links instead
    assert not any({"s:a", "s:d"} <= set(g) for g in groups)
    assert any({"s:b", "s:c"} <= set(g) for g in groups)
    gone = c.report[c.report["record_a"] == "s:a"]
    assert gone["outcome"].str.startswith("not applied").any()


# --- the store ----------------------------------------------------------------------------------


def test_store_is_private_and_append_only(tmp_path):
    store = DecisionStore(tmp_path / "decisions")
    store.append([Decision("same", "crm:1", "shop:2", "ana").checked("t")])
    first = store.log.read_bytes()
    store.append([Decision("different", "crm:1", "shop:2", "luis", note="twins").checked("t")])
    assert store.log.read_bytes().startswith(first)  # nothing rewritten
    assert stat.S_IMODE(store.folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(store.log.stat().st_mode) == 0o600
    d = store.decisions()
    assert d["decision"].tolist() == ["same", "different"] and d["by"].tolist() == ["ana", "luis"]
    assert d["at"].notna().all()


@pytest.mark.parametrize(
    "bad, message",
    [
        ({"decision": "maybe"}, "row 3: decision 'maybe' is not one of"),
        ({"record_b": "12345"}, "row 3, second record: '12345' is not a record key"),
        ({"reviewer": ""}, "row 3: who decided is missing"),
    ],
)
def test_a_malformed_review_file_is_refused_whole_naming_the_row(tmp_path, bad, message):
    store = DecisionStore(tmp_path / "decisions").ensure()
    store.append([Decision("same", "crm:1", "shop:2", "ana").checked("t")])
    before = store.log.read_bytes()
    rows = pd.DataFrame(
        {
            "decision": ["same", "different"],
            "reviewer": ["eva", "eva"],
            "note": ["", ""],
            "record_a": ["crm:5", "crm:6"],
            "record_b": ["shop:5", "shop:6"],
        }
    )
    for k, v in bad.items():
        rows.loc[1, k] = v
    rows.to_csv(store.folder / "review_pairs.csv", index=False)
    report = ingest_dropped(store, "r2")
    assert report.read == [] and len(report.refused) == 1 and message in report.refused[0]["why"]
    assert store.log.read_bytes() == before  # not one row of it applied, nothing lost
    assert (store.folder / "review_pairs.csv").exists()  # left for the reviewer to fix


def test_a_review_file_round_trip_is_read_once_and_moved(tmp_path):
    worklist = chain_pairs().assign(reason="score in the review band")
    clean = pd.DataFrame(
        {
            "record_key": ["s:a", "s:b", "s:c", "s:d", "s:x", "s:y"],
            "source": "s",
            "source_record_id": list("abcdxy"),
            "first_name_std": ["=cmd()", "Ana", "Ana", "Eva", "Li", "Lu"],
            "last_name_std": "Ruiz",
        }
    )
    model = {"comparisons": []}
    sheet = review_sheet(worklist, chain_pairs(), clean, model, "r1")
    assert sheet.columns[:3].tolist() == ["decision", "reviewer", "note"]
    csv_path, xlsx_path = write_review_file(sheet, tmp_path / "run" / "review")
    assert stat.S_IMODE((tmp_path / "run" / "review").stat().st_mode) == 0o700

    from openpyxl import load_workbook

    book = load_workbook(xlsx_path)
    assert book.active.data_validations.dataValidation  # the decision drop-down
    book.active["A2"], book.active["B2"], book.active["C2"] = "same", "eva", "same email"
    book.active["A5"], book.active["B5"] = "Different", "eva"
    store = DecisionStore(tmp_path / "decisions").ensure()
    book.save(store.folder / "review_pairs.xlsx")
    shutil.copy(store.folder / "review_pairs.xlsx", tmp_path / "copy.xlsx")
    report = ingest_dropped(store, "r2")
    assert report.decisions == 2 and not report.refused
    assert not (store.folder / "review_pairs.xlsx").exists() and len(list((store.folder / "applied").iterdir())) == 1
    d = store.decisions()
    assert d[["decision", "record_a", "record_b", "note"]].values.tolist() == [
        ["same", "s:a", "s:b", "same email"],
        ["different", "s:x", "s:y", ""],
    ]
    assert d["run_id"].tolist() == ["r1", "r1"] and d["origin"].str.contains("row 2").iloc[0]
    # the same file dropped again is not applied twice
    shutil.copy(tmp_path / "copy.xlsx", store.folder / "again.xlsx")
    again = ingest_dropped(store, "r3")
    assert again.already_read == ["again.xlsx"] and len(store.decisions()) == 2


def test_an_unsure_pair_comes_back_with_its_earlier_note():
    pairs = chain_pairs()
    r = resolve(log_of([("unsure", "s:y", "s:x")]))
    r.unsure.loc[:, "note"] = "ask the shop"
    clean = pd.DataFrame({"record_key": ["s:x", "s:y"], "source": "s", "source_record_id": ["x", "y"]})
    sheet = review_sheet(
        pairs.iloc[3:].assign(reason="score in the review band"),
        pairs,
        clean,
        {"comparisons": []},
        "r2",
        history=r.unsure,
    )
    assert sheet["earlier"].tolist() == ["reviewer0 (2026-11-01): unsure — ask the shop"]
    assert not decided_mask(r, pairs["unique_id_l"], pairs["unique_id_r"]).any()


def test_a_hand_run_reads_dropped_files_without_keeping_them(tmp_path):
    store = DecisionStore(tmp_path / "decisions").ensure()
    pd.DataFrame({"decision": ["same"], "reviewer": ["eva"], "record_a": ["crm:5"], "record_b": ["shop:5"]}).to_csv(
        store.folder / "r.csv", index=False
    )
    report = ingest_dropped(store, "interactive", keep=False)
    assert len(report.pending) == 1 and not store.log.exists() and (store.folder / "r.csv").exists()
    assert store.with_pending(report.pending)["decision"].tolist() == ["same"]


def test_relative_store_paths(tmp_path):
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "pipeline.yaml").write_text("{}")
    (tmp_path / "notebooks").mkdir()
    nb = tmp_path / "notebooks"
    assert resolve_store_dir("data/decisions", nb) == tmp_path.resolve() / "data" / "decisions"
    assert resolve_store_dir("../data/decisions", nb) == tmp_path.resolve() / "data" / "decisions"


def test_read_review_file_refuses_two_answers_for_one_pair(tmp_path):
    path = tmp_path / "r.csv"
    pd.DataFrame(
        {
            "decision": ["same", "different"],
            "reviewer": "eva",
            "record_a": ["crm:1", "shop:2"],
            "record_b": ["shop:2", "crm:1"],
        }
    ).to_csv(path, index=False)
    with pytest.raises(DecisionError, match="row 3: the pair crm:1 / shop:2 is also on row 2"):
        read_review_file(path)


# --- worklist and labels -----------------------------------------------------------------------


def test_a_decided_pair_does_not_return_to_the_worklist():
    pairs = chain_pairs()
    table = pd.DataFrame({"unique_id": ["s:a", "s:b", "s:c", "s:d", "s:x", "s:y"], "source": "s", "v": 1})
    assert review_worklist(pairs, 0.9, table)["unique_id_l"].tolist() == ["s:x"]
    r = resolve(log_of([("different", "s:y", "s:x")]))
    settled = decided_mask(r, pairs["unique_id_l"], pairs["unique_id_r"])
    assert review_worklist(pairs, 0.9, table, settled=settled).empty
    spot = review_worklist(pairs, 0.9, table, settled=settled, spot_checks=2, seed=1)
    assert len(spot) == 2 and spot["reason"].eq("spot check of a linked pair").all()


def test_accuracy_from_labels_is_the_stratified_estimate():
    rng = np.random.default_rng(0)
    n = 400
    prob = np.concatenate([rng.uniform(0.5, 0.7, 200), rng.uniform(0.99, 1.0, 200)])
    pairs = pd.DataFrame(
        {
            "unique_id_l": [f"a:{i}" for i in range(n)],
            "unique_id_r": [f"b:{i}" for i in range(n)],
            "match_probability": prob,
            "vetoed": False,
        }
    )
    # 20 labels in the low band (5 same), 10 in the linked band (9 same)
    rows = [("same" if i < 5 else "different", f"a:{i}", f"b:{i}") for i in range(20)]
    rows += [("same" if i < 209 else "different", f"a:{i}", f"b:{i}") for i in range(200, 210)]
    est, table = estimate_accuracy(pairs, resolve(log_of(rows)), 0.9)
    tp, allp = 200 * 0.9, 200 * 0.9 + 200 * 0.25
    assert est["precision_estimated"] == pytest.approx(0.9, abs=1e-4)
    assert est["recall_estimated"] == pytest.approx(tp / allp, abs=1e-4)
    few, _ = estimate_accuracy(pairs, resolve(log_of(rows[:15])), 0.9)
    assert few is None
    # the threshold chart without a truth file: linking from 0.5 takes in the low band too
    from helpers.decisions.labels import label_threshold_curve

    curve = label_threshold_curve(pairs, resolve(log_of(rows)), [0.5, 0.9]).set_index("threshold")
    assert curve.loc[0.9, "precision"] == pytest.approx(0.9, abs=1e-4)
    assert curve.loc[0.5, "precision"] == pytest.approx(allp / 400, abs=1e-4)
    assert curve.loc[0.5, "recall"] == pytest.approx(1.0)
    assert label_threshold_curve(pairs, resolve(log_of(rows[:15])), [0.9]) is None


# --- the real matching: rerun, records added, retrained -----------------------------------------


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    base = tmp_path_factory.mktemp("decisions")
    generate(persons=300, seed=5, out=base / "raw")
    result = ingest(load_registry(base / "raw" / "sources.yaml"))
    clean = clean_people(result.tables["people"], result.summary, REF).clean
    return {"clean": clean, "truth": load_truth(base / "raw" / "truth" / "records.csv")}


def run_matching(clean: pd.DataFrame, seed: int, decisions: pd.DataFrame | None = None):
    spec = load_spec(ROOT / "config" / "matching.yaml")
    prep = prepare(clean, spec, "duckdb")
    fitted = fit(prep, spec, seed=seed)
    resolved = resolve(decisions) if decisions is not None else None
    return link(prep, fitted, spec, clean, 0.9, 0.5, decisions=resolved)


@pytest.fixture(scope="module")
def first_run(demo):
    return run_matching(demo["clean"], seed=42)


def chosen_decisions(links: pd.DataFrame) -> pd.DataFrame:
    """A cannot-link inside the largest cluster (its two smallest keys) and a must-link between
    two single-record persons (the two smallest keys of those)."""
    sizes = links.groupby("cluster_id")["record_key"].transform("size")
    big = links[sizes == sizes.max()].sort_values("record_key")["record_key"].tolist()
    alone = links[sizes == 1].sort_values("record_key")["record_key"].tolist()
    return log_of([("different", big[0], big[1]), ("same", alone[0], alone[1])])


def assert_honoured(links: pd.DataFrame, decisions: pd.DataFrame) -> None:
    cluster = links.set_index("record_key")["cluster_id"]
    for d in decisions.to_dict("records"):
        together = cluster[d["record_a"]] == cluster[d["record_b"]]
        assert together == (d["decision"] == "same"), d


def test_decisions_are_honoured_on_a_rerun(first_run, demo):
    decisions = chosen_decisions(first_run.links)
    cluster = first_run.links.set_index("record_key")["cluster_id"]
    # the model alone does the opposite of both decisions
    assert cluster[decisions.loc[0, "record_a"]] == cluster[decisions.loc[0, "record_b"]]
    assert cluster[decisions.loc[1, "record_a"]] != cluster[decisions.loc[1, "record_b"]]
    rerun = run_matching(demo["clean"], seed=42, decisions=decisions)
    assert_honoured(rerun.links, decisions)
    assert rerun.constrained.effect["persons_joined_by_decisions"] == 1
    assert rerun.constrained.effect["persons_cut_by_decisions"] == 1
    assert len(rerun.links) == len(demo["clean"])


def test_decisions_are_honoured_after_records_are_added_and_after_retraining(first_run, demo):
    decisions = chosen_decisions(first_run.links)
    named = set(decisions["record_a"]) | set(decisions["record_b"])
    clean = demo["clean"]
    # an earlier export: a third of the other records missing; then the full file, trained with another seed
    fewer = clean[clean["record_key"].isin(named) | (np.arange(len(clean)) % 3 != 0)].reset_index(drop=True)
    assert_honoured(run_matching(fewer, seed=42, decisions=decisions).links, decisions)
    assert_honoured(run_matching(clean, seed=7, decisions=decisions).links, decisions)


# --- the commands -------------------------------------------------------------------------------


@pytest.fixture
def project(tmp_path, first_run):
    root = tmp_path / "proj"
    shutil.copytree(ROOT / "config", root / "config")
    shutil.copytree(ROOT / "expectations", root / "expectations")
    (root / "notebooks").mkdir()
    text = (root / "config" / "pipeline.yaml").read_text()
    text = text.replace("processed_dir: data/processed", f"processed_dir: {tmp_path / 'processed'}")
    (root / "config" / "pipeline.yaml").write_text(text)
    latest_run = tmp_path / "processed" / "r1"
    latest_run.mkdir(parents=True)
    links = first_run.links.assign(person_id="P" + first_run.links["cluster_id"].str.replace(":", "_"))
    links.to_parquet(latest_run / "record_links.parquet")
    (tmp_path / "processed" / "latest").symlink_to("r1")
    return {"root": root, "links": links, "store": DecisionStore(root / "data" / "decisions")}


def test_decide_merge_and_split_commands_write_record_decisions(project, capsys):
    links, root, store = project["links"], project["root"], project["store"]
    keys = links["record_key"].tolist()
    assert cli(["decide", "same", keys[0], keys[1], "--by", "ana", "--note", "same card", "--project", str(root)]) == 0
    assert cli(["decide", "same", keys[0], "nosuch:1", "--by", "ana", "--project", str(root)]) == 2
    assert "not in the latest run" in capsys.readouterr().err
    sizes = links.groupby("person_id")["record_key"].size()
    two = sizes[sizes == 1].index[:2].tolist()
    assert cli(["merge", *two, "--by", "ana", "--project", str(root)]) == 0
    big = sizes.idxmax()
    members = sorted(links.loc[links["person_id"] == big, "record_key"])
    assert (
        cli(["split", big, "--records", members[0], "--by", "luis", "--note", "namesake", "--project", str(root)]) == 0
    )
    d = store.decisions()
    assert d["run_id"].eq("r1").all()
    assert d.loc[0, ["decision", "note", "by"]].tolist() == ["same", "same card", "ana"]
    assert d.loc[1, "origin"] == f"merge {two[0]} {two[1]}" and d.loc[1, "decision"] == "same"
    split = d[d["origin"] == f"split {big}"]
    assert len(split) == len(members) - 1 and split["decision"].eq("different").all()
    r = resolve(d)
    assert decided_mask(r, pd.Series([members[0]]), pd.Series([members[-1]])).all()
    assert cli(["split", big, "--records", ",".join(members), "--by", "luis", "--project", str(root)]) == 2


def test_stable_ids_follow_a_forced_merge_keeping_the_larger_persons_id():
    from helpers.match.linking import cluster_records
    from helpers.match.person_ids import assign_person_ids

    ids = ["s:a", "s:b", "s:c", "s:d", "s:x", "s:y"]
    previous = pd.DataFrame({"record_key": ids, "person_id": ["C1", "C1", "C1", "C1", "C2", "C3"]})
    c = constrain(pd.Series(ids), chain_pairs(), 0.9, resolve(log_of([("same", "s:x", "s:a")])))
    clusters = cluster_records(pd.Series(ids), c.edges, 0.9).rename(columns={"unique_id": "record_key"})
    register = pd.DataFrame(
        {"person_id": ["C1", "C2", "C3"], "status": "active", "first_run": "r1", "last_run": "r1", "merged_into": None}
    )
    got = assign_person_ids(clusters, "r2", previous, register).links.set_index("record_key")["person_id"]
    assert got["s:x"] == got["s:a"] == "C1" and got["s:y"] == "C3"


# --- through the notebook: a review file dropped, applied by the next run ------------------------


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory):
    """Stages 01–03 on 300 generated persons with a private decisions store; then a filled-in
    review file and a malformed one are dropped and stage 03 runs again."""
    import io

    from openpyxl import load_workbook

    from helpers.runner import RunOptions, run

    base = tmp_path_factory.mktemp("decisions_e2e")
    generate(persons=300, seed=9, out=base / "raw")
    store = DecisionStore(base / "decisions")
    overrides = {
        "processed_dir": str(base / "processed"),
        "reports_dir": str(base / "reports"),
        "reference_date": "2026-11-15",
        "decisions_dir": str(store.folder),
        "analyst_dashboards": False,
    }

    def run_stage(run_id: str, **more) -> tuple[int, str]:
        out = io.StringIO()
        code = run(
            ROOT,
            RunOptions(
                sources=str(base / "raw" / "sources.yaml"), run_id=run_id, overrides=overrides, to_stage="03", **more
            ),
            out=out,
        )
        return code, out.getvalue()

    first = run_stage("first")
    first_dir = base / "processed" / "first"
    review = load_workbook(first_dir / "review" / "review_pairs.xlsx")
    sheet = review.active
    head = [c.value for c in sheet[1]]
    pairs = [(r[head.index("record_a")].value, r[head.index("record_b")].value) for r in sheet.iter_rows(min_row=2)]
    answers = {}
    for i, row in enumerate(sheet.iter_rows(min_row=2)):
        if i < 6:
            row[0].value, row[1].value = ("same" if i % 2 == 0 else "different"), "eva"
            answers[pairs[i]] = row[0].value
    store.ensure()
    review.save(store.folder / "reviewed.xlsx")
    pd.DataFrame(
        {
            "decision": ["same", "perhaps"],
            "reviewer": "eva",
            "record_a": ["crm:1", "crm:2"],
            "record_b": ["crm:3", "crm:4"],
        }
    ).to_csv(store.folder / "bad.csv", index=False)
    second = run_stage("first", from_stage="03")
    second_dir = max((base / "processed").glob("2*"), key=lambda p: p.stat().st_mtime)
    return {
        "first": first,
        "second": second,
        "first_dir": first_dir,
        "second_dir": second_dir,
        "store": store,
        "answers": answers,
    }


def test_a_dropped_review_file_is_applied_by_the_next_run(pipeline):
    assert pipeline["first"][0] == 0, pipeline["first"][1]
    assert pipeline["second"][0] == 0, pipeline["second"][1]
    assert len(pipeline["answers"]) == 6
    sheet = pd.read_csv(
        pipeline["first_dir"] / "review" / "review_pairs.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig"
    )
    assert sheet.columns[:3].tolist() == ["decision", "reviewer", "note"]
    assert {"name_a", "name_b", "email_a", "email_b", "source_a", "id_b", "agreed", "differed"} <= set(sheet.columns)
    # every row says in words what agreed or differed: "<field>: <level>" from the comparisons
    assert (sheet["agreed"] + "; " + sheet["differed"]).str.contains(r"[a-z][a-z ]*: [a-z]", regex=True).all()
    links = pd.read_parquet(pipeline["second_dir"] / "record_links.parquet").set_index("record_key")["cluster_id"]
    for (a, b), answer in pipeline["answers"].items():
        assert (links[a] == links[b]) == (answer == "same"), (a, b, answer)
    work = pd.read_parquet(pipeline["second_dir"] / "review_pairs.parquet")
    listed = set(map(frozenset, zip(work["unique_id_l"], work["unique_id_r"])))
    assert not listed & set(map(frozenset, pipeline["answers"]))
    store = pipeline["store"]
    assert [p.name.endswith("reviewed.xlsx") for p in (store.folder / "applied").iterdir()] == [True]
    assert len(store.decisions()) == 6


def test_a_malformed_file_is_refused_with_a_warning_and_nothing_of_it_kept(pipeline):
    import json

    store = pipeline["store"]
    assert (store.folder / "bad.csv").exists()
    assert not store.decisions()["record_a"].isin(["crm:1", "crm:2"]).any()
    manifest = json.loads((pipeline["second_dir"] / "run_manifest.json").read_text())
    text = json.dumps(manifest)
    assert "bad.csv row 3" in text and "perhaps" in text
    record = json.loads((pipeline["second_dir"] / "stages" / "03_match_customers.json").read_text())
    assert record["metrics"]["decisions"]["files_refused"][0]["file"] == "bad.csv"
    assert record["metrics"]["decisions"]["in_log"] == 6
