"""`clientela run`: execute the stage notebooks in order with Papermill, as a scheduler needs it.

A scheduler needs four things from a run: an exit code it can trust, a message that says which
stage failed and why, a history of runs, and outputs that are never half-written. So every run
gets its own folders, the manifest is rewritten after each stage, and `latest` moves only when
the whole pipeline passed.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

import yaml

from helpers.drift import drift_warnings
from helpers.provenance import provenance_in_background
from helpers.quiet_kernel import QuietShutdownKernelManager
from helpers.report.leaks import PersonalDataInReport, ValueCache, mask_emails_in_text, scan_page
from helpers.run_context import mark_analyst_only, read_stage_record, resolve_reference_date
from helpers.run_index import warnings_box, write_index
from helpers.settings import ConfigError
from helpers.settings.parameters import ParameterError as ParameterProblems
from helpers.settings.parameters import check_paths, check_values, unknown_parameters
from helpers.settings.project import check_project
from helpers.storage import (
    ANALYST_DIR,
    private_dir,
    private_umask,
    read_json,
    seal_run_folders,
    shareable_dir,
    write_json,
    write_shareable_text,
)

STAGE_RE = re.compile(r"^(\d\d)_[a-z0-9_]+\.ipynb$")
PATH_PARAMS = (
    "sources",
    "decisions_dir",
    "processed_dir",
    "reports_dir",
    "truth_path",
    "expectations_dir",
    "matching_model",
    "model_path",
    "survivorship",
    "households",
    "contactability",
    "segments",
    "campaign_lists",
)
MANIFEST = "run_manifest.json"


class RunError(RuntimeError):
    """The run cannot start or continue; the message says what to do."""


@dataclass
class Stage:
    name: str  # e.g. 01_ingest_profile
    notebook: Path

    @property
    def number(self) -> str:
        return self.name[:2]


@dataclass
class RunOptions:
    sources: str | None = None
    run_id: str | None = None
    overrides: dict[str, Any] = field(default_factory=dict)
    from_stage: str | None = None
    to_stage: str | None = None
    # Move `latest` when the run passes? None: only a whole run (not --from, not --to) does;
    # True (--promote): a --from run that passed does too; False (--no-promote): never.
    promote: bool | None = None


def find_project_root(start: Path | None = None) -> Path:
    """The folder holding config/pipeline.yaml: the working directory or one of its parents."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "config" / "pipeline.yaml").exists() and (folder / "notebooks").is_dir():
            return folder
    raise RunError(
        f"no Clientela project found at or above {here}: expected config/pipeline.yaml and "
        "notebooks/. Run from the project folder or pass --project."
    )


def discover_stages(root: Path) -> list[Stage]:
    """The stages: exactly the notebooks listed under `stages:` in config/pipeline.yaml, in order.

    A copy an analyst keeps beside them (`03_analyst.ipynb`) is not a stage. A project whose
    pipeline.yaml has no `stages:` list runs every `NN_name.ipynb` of notebooks/ in order.
    """
    listed = _listed_stages(root)
    folder = root / "notebooks"
    if listed is None:
        stages = [Stage(p.stem, p) for p in sorted(folder.glob("*.ipynb")) if STAGE_RE.match(p.name)]
        if not stages:
            raise RunError(f"no stage notebooks (NN_name.ipynb) in {folder}")
        return stages
    stages = []
    for entry in listed:
        name = str(entry).removesuffix(".ipynb")
        if not STAGE_RE.match(f"{name}.ipynb"):
            raise RunError(
                f"config/pipeline.yaml stages: {entry!r} is not a stage name (NN_name, e.g. 03_match_customers)"
            )
        path = folder / f"{name}.ipynb"
        if not path.is_file():
            raise RunError(
                f"config/pipeline.yaml lists stage {name}, but {path} does not exist; "
                "restore the notebook or remove it from the stages: list"
            )
        stages.append(Stage(name, path))
    numbers = [s.number for s in stages]
    if numbers != sorted(numbers) or len(set(numbers)) != len(numbers):
        raise RunError(
            f"config/pipeline.yaml stages: {', '.join(s.name for s in stages)}: list each number once, in order"
        )
    if not stages:
        raise RunError("config/pipeline.yaml stages: the list is empty")
    return stages


def _listed_stages(root: Path) -> list | None:
    doc = yaml.safe_load((root / "config" / "pipeline.yaml").read_text(encoding="utf-8")) or {}
    listed = doc.get("stages")
    if listed is not None and not isinstance(listed, list):
        raise RunError("config/pipeline.yaml stages: expected a list of notebook names (01_ingest_profile, …)")
    return listed


def parse_set(items: list[str]) -> dict[str, Any]:
    """`--set key=value` pairs; values are read as YAML so numbers, booleans and null work."""
    out = {}
    for item in items:
        if "=" not in item:
            raise RunError(f"--set {item!r}: expected key=value")
        key, value = item.split("=", 1)
        out[key.strip()] = yaml.safe_load(value) if value.strip() else None
    return out


class ParameterError(ParameterProblems, RunError):
    """Run parameters that cannot be used: a ConfigError listing every problem, and a RunError so
    that every caller of load_parameters (run, validate, decide, forget …) exits 2 with it."""


def load_parameters(root: Path, options: RunOptions) -> dict[str, Any]:
    """config/pipeline.yaml with the --set overrides, every value checked against its default's
    type and the parameter rules (helpers.settings.parameters); ParameterError lists every problem."""
    path = root / "config" / "pipeline.yaml"
    params = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    defaults = dict(params)
    problems = unknown_parameters(options.overrides, defaults)
    if problems:
        raise ParameterError(problems + [f"known parameters: {', '.join(sorted(defaults))}"])
    params.update(options.overrides)
    if options.sources:
        params["sources"] = options.sources
    problems = check_values(params, defaults)
    for key in PATH_PARAMS:  # relative paths are relative to the project, wherever we run from
        if params.get(key):
            p = Path(str(params[key])).expanduser()
            params[key] = str(
                p if p.is_absolute() else (Path.cwd() if key == "sources" and options.sources else root) / p
            )
    if not any(p.startswith("reference_date:") for p in problems):
        params["reference_date"] = resolve_reference_date(params.get("reference_date")).isoformat()
    problems += check_paths(params)
    if problems:
        raise ParameterError(problems)
    return params


def select_stages(stages: list[Stage], from_stage: str | None, to_stage: str | None) -> tuple[int, int]:
    def index(key: str, flag: str) -> int:
        for i, s in enumerate(stages):
            if key in (s.name, s.number, s.name[3:]) or s.number == key.zfill(2):
                return i
        raise RunError(f"{flag} {key!r}: no such stage; stages are {', '.join(s.name for s in stages)}")

    first = index(from_stage, "--from") if from_stage else 0
    last = index(to_stage, "--to") if to_stage else len(stages) - 1
    if first > last:
        raise RunError(f"--from {from_stage} comes after --to {to_stage}")
    return first, last


def new_run_id(processed_dir: Path) -> str:
    base = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    run_id, n = base, 1
    while (processed_dir / run_id).exists():
        n += 1
        run_id = f"{base}-{n}"
    return run_id


class Runner:
    def __init__(self, root: Path, options: RunOptions, out: TextIO = sys.stdout):
        self.root = root
        self.options = options
        self.out = out
        self.stages = discover_stages(root)
        if "stages" in options.overrides:
            raise RunError(
                "--set stages: the stages are the list in config/pipeline.yaml; use --from / --to to run some"
            )
        self.params = load_parameters(root, options)
        self.params.pop("stages", None)  # the pipeline's shape, not a parameter of the notebooks
        self.values = ValueCache()  # personal values of the run, for the scan of every stage page
        self.processed_dir = Path(self.params["processed_dir"])
        self.reports_dir = Path(self.params["reports_dir"])

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    # -- the run ----------------------------------------------------------------------------

    def run(self) -> int:
        try:  # every config file the parameters name, the registry included: all problems at once
            registry = check_project(self.params, self.root)
        except ConfigError as exc:
            self.say(f"clientela: the run did not start.\n{exc}")
            return 2
        first, last = select_stages(self.stages, self.options.from_stage, self.options.to_stage)
        for folder in (self.processed_dir, self.reports_dir):
            check_writable_folder(folder)
        # Everything the run (and its kernels) writes is private unless made shareable on purpose.
        with private_umask(), run_lock(self.processed_dir):
            for name in close_dead_runs(self.processed_dir):
                self.say(f"clientela: run {name} never finished (killed or crashed); marked 'killed'.")
            return self._run(registry, first, last)

    def _promotes(self, first: int, last: int) -> bool:
        """Whether a passed run may move `latest`: an experiment (`--from 03 --set …`) does not
        unless asked with --promote; --no-promote never does."""
        if self.options.promote is not None:
            return self.options.promote
        return first == 0

    def _run(self, registry: Any, first: int, last: int) -> int:
        run_id, manifest = self._prepare_run(first)
        run_dir = self.processed_dir / run_id
        report_dir = self.reports_dir / run_id
        # The manifest exists before the first stage, so a --from 08 report sees this run's parameters.
        self._save(manifest, run_dir, report_dir)
        hashing = provenance_in_background(registry, self.root)
        self.say(
            f"clientela run {run_id}: {len(registry.sources)} sources from {self.params['sources']}; "
            f"stages {self.stages[first].name} → {self.stages[last].name}"
        )
        started = time.monotonic()
        failed = None
        for i in range(first, last + 1):
            stage = self.stages[i]
            self.say(f"[{i + 1}/{len(self.stages)}] {stage.name} …")
            result = self._run_stage(stage, run_id, run_dir, report_dir)
            self._store(manifest, result)
            self._save(manifest, run_dir, report_dir)
            self._seal(run_dir, report_dir)
            if result["status"] != "passed":
                failed = result
                break
            self.say(f"      passed in {result['seconds']:.1f} s{_headline_text(result.get('headline'))}")
            for w in result.get("warnings") or []:
                self.say(f"      warning: {w['expectation']} on {w['table']}: {w['detail']}")

        complete = (
            failed is None
            and all(s["status"] in ("passed", "reused") for s in manifest["stages"])
            and len(manifest["stages"]) == len(self.stages)
        )
        manifest["ended_at"] = _now()
        manifest["seconds"] = round(time.monotonic() - started, 2)
        manifest["status"] = "failed" if failed else ("passed" if complete else "partial")
        promote = complete and self._promotes(first, last)
        manifest["latest"] = promote
        manifest["provenance"] = _collect(hashing)
        moved = quarantine_outputs(run_dir) if failed else []
        self._save(manifest, run_dir, report_dir)
        self._seal(run_dir, report_dir)
        if failed:
            self.say(
                f"clientela: stage {failed['name']} FAILED — {failed['error']}\n"
                f"  executed notebook kept for debugging: {failed['notebook']}\n"
                f"  manifest: {run_dir / MANIFEST}\n"
                + (
                    f"  {' and '.join(moved)} moved under failed/ so that nobody uses them as a good run's.\n"
                    if moved
                    else ""
                )
                + "  'latest' was not moved; the previous good run is untouched."
            )
            return 1
        if complete:
            if promote:
                self._move_latest(run_id)
            self._prune(int(self.params.get("keep_runs") or 0), run_id)
            warned = len(manifest.get("warnings") or [])
            why = (
                "--no-promote"
                if self.options.promote is False
                else f"--from {self.options.from_stage} without --promote"
            )
            self.say(
                f"clientela: run {run_id} passed in {manifest['seconds']:.0f} s"
                + (f" with {warned} warning{'s' if warned != 1 else ''} (see the index page)" if warned else "")
                + ("; 'latest' now points to it." if promote else f"; 'latest' was not moved ({why}).")
            )
        else:
            self.say(
                f"clientela: stages run passed ({manifest['seconds']:.0f} s); a partial run does not move 'latest'."
            )
        self.say(f"  report:   {report_dir / 'index.html'}\n  manifest: {run_dir / MANIFEST}")
        return 0

    def _prepare_run(self, first: int) -> tuple[str, dict]:
        """A fresh run folder, or one that continues (--from) an earlier run's outputs."""
        requested = self.options.run_id
        if requested and not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", requested) or requested == "latest":
            raise RunError(f"--run-id {requested!r}: use letters, digits, '.', '_' or '-' (and not 'latest')")
        existing = bool(requested and (self.processed_dir / requested / MANIFEST).exists())
        if existing and first == 0:
            raise RunError(f"run {requested} already exists in {self.processed_dir}; choose another --run-id")
        # A run folder is never written again once made: --from with an existing run seeds a
        # new run from it, so a good backup cannot be half-overwritten by a failing stage.
        seed = self.processed_dir / requested if existing and requested else self.processed_dir / "latest"
        run_id = new_run_id(self.processed_dir) if existing or not requested else requested
        run_dir = self.processed_dir / run_id
        stages: list[dict] = []
        if first > 0:
            stages = self._seed_from(seed, run_dir, first)
            if existing:
                self.say(f"clientela: run {requested} is kept as it is; this run ({run_id}) starts from its outputs.")
        shareable_dir(self.reports_dir / run_id)
        private_dir(run_dir)
        manifest = {
            "run_id": run_id,
            "status": "running",
            "started_at": _now(),
            "ended_at": None,
            "seconds": None,
            "parameters": self.params,
            # What this run changed from config/pipeline.yaml (--set, --sources): shown on the index page.
            "overrides": self._overrides(),
            "from_stage": self.stages[first].name if first > 0 else None,
            "promote": self.options.promote,
            "registry": self.params["sources"],
            "stages": stages,
            "latest": False,
            "provenance": None,
        }
        return run_id, manifest

    def _overrides(self) -> dict[str, Any]:
        out = {k: self.params.get(k, v) for k, v in self.options.overrides.items()}
        if self.options.sources:
            out["sources"] = self.params["sources"]
        return {k: v if isinstance(v, (str, int, float, bool, type(None))) else str(v) for k, v in sorted(out.items())}

    def _seed_from(self, latest: Path, run_dir: Path, first: int) -> list[dict]:
        """Copy an earlier run's outputs (by default `latest`) into a new run folder."""
        if not (latest / MANIFEST).exists():
            raise RunError(
                f"--from {self.stages[first].name}: there is no previous good run to take the earlier "
                "stages' outputs from; run the whole pipeline once first"
            )
        previous = read_json(latest / MANIFEST)
        done = {s["name"] for s in previous["stages"] if s["status"] in ("passed", "reused")}
        missing = [s.name for s in self.stages[:first] if s.name not in done]
        if missing:
            raise RunError(
                f"--from {self.stages[first].name}: run {previous['run_id']} did not pass {', '.join(missing)}; "
                "start from an earlier stage"
            )
        shutil.copytree(latest.resolve(), run_dir, ignore=shutil.ignore_patterns(MANIFEST, FAILED_DIR))
        keep = {s.name for s in self.stages[:first]}
        # The reused stages' pages come along, so this run's index links to pages that exist.
        report_dir = self.reports_dir / run_dir.name
        report_dir.mkdir(parents=True, exist_ok=True)
        for name in keep:
            for page in (self.reports_dir / latest.resolve().name).glob(f"{name}.*"):
                shutil.copy2(page, report_dir / page.name)
        # A stage reused before keeps pointing at the run that actually produced its outputs and page.
        stages = [
            dict(s, status="reused", reused_from=s.get("reused_from") or previous["run_id"])
            for s in previous["stages"]
            if s["name"] in keep
        ]
        return stages

    def _run_stage(self, stage: Stage, run_id: str, run_dir: Path, report_dir: Path) -> dict:
        import papermill as pm

        out_nb = report_dir / f"{stage.name}.ipynb"
        declared = pm.inspect_notebook(str(stage.notebook))
        params = {"run_id": run_id, **self.params}
        params = {k: v for k, v in params.items() if k in declared}
        result: dict[str, Any] = {
            "name": stage.name,
            "status": "running",
            "started_at": _now(),
            "notebook": str(out_nb),
            "html": None,
            "error": None,
        }
        t0 = time.monotonic()
        os.environ.setdefault("PYTHONHASHSEED", "0")
        os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
        try:
            pm.execute_notebook(
                str(stage.notebook),
                str(out_nb),
                parameters=params,
                kernel_name="python3",
                cwd=str(stage.notebook.parent),
                progress_bar=self.out.isatty() if hasattr(self.out, "isatty") else False,
                request_save_on_cell_execute=True,
                # The kernel's own start-up warnings are noise in a scheduler's log.
                extra_arguments=["--IPKernelApp.log_level=ERROR"],
                # No SIGINT at shutdown: it made a passing run print "KeyboardInterrupt caught in kernel".
                kernel_manager_class=QuietShutdownKernelManager,
            )
            result["status"] = "passed"
        except Exception as exc:  # noqa: BLE001 - every failure becomes a message naming the stage
            result["status"] = "failed"
            result["error"] = _describe_failure(exc)
        result["ended_at"] = _now()
        result["seconds"] = round(time.monotonic() - t0, 2)
        record = read_stage_record(run_dir, stage.name) if result["status"] == "passed" else None
        if record:
            for key in ("rows_in", "rows_out", "headline", "metrics", "shares", "gates_passed", "outputs"):
                result[key] = record.get(key)
            result["warnings"] = list(record.get("warnings") or []) + self._drift(stage, record)
        elif result["status"] == "passed":
            result["headline"] = {}
        if result["error"]:  # an error message travels to the index, the manifest and the log
            result["error"] = mask_emails_in_text(result["error"])
        if out_nb.exists():
            try:
                values = self.values.get(run_dir)
                result["html"] = str(
                    render_html(out_nb, result.get("warnings"), values, f"{stage.name} (run {run_id})")
                )
                _scan_customer_report(report_dir / "customer_report.html", values, run_id)
            except PersonalDataInReport as exc:
                if result["status"] == "passed":
                    result["status"] = "failed"
                    result["error"] = f"{type(exc).__name__}: {exc}"
        return result

    def _seal(self, run_dir: Path, report_dir: Path) -> None:
        """The run's file policy (helpers.storage), and the banner on analysts' pages."""
        for page in sorted(report_dir.glob(f"{ANALYST_DIR}/**/*.html")) + sorted(report_dir.glob("analyst/**/*.html")):
            mark_analyst_only(page)
        seal_run_folders(run_dir, report_dir)

    def _drift(self, stage: Stage, record: dict) -> list[dict[str, str]]:
        """Warnings for shares that moved more than `drift_points` since the `latest` good run."""
        latest = self.processed_dir / "latest"
        previous = read_stage_record(latest, stage.name) if (latest / MANIFEST).exists() else None
        if not previous:
            return []
        return drift_warnings(
            stage.name,
            record.get("shares"),
            previous.get("shares"),
            read_json(latest / MANIFEST).get("run_id"),
            float(self.params.get("drift_points") or 0),
        )

    def _store(self, manifest: dict, result: dict) -> None:
        manifest["stages"] = [s for s in manifest["stages"] if s["name"] != result["name"]] + [result]
        order = {s.name: i for i, s in enumerate(self.stages)}
        manifest["stages"].sort(key=lambda s: order.get(s["name"], 99))
        # The same table may be gated twice (golden_customers in 04 and 05): one warning, first stage.
        seen: set[tuple] = set()
        manifest["warnings"] = []
        for s in manifest["stages"]:
            for w in s.get("warnings") or []:
                key = (w.get("table"), w.get("expectation"), w.get("detail"))
                if key not in seen:
                    seen.add(key)
                    manifest["warnings"].append({"stage": s["name"], **w})

    def _save(self, manifest: dict, run_dir: Path, report_dir: Path) -> None:
        write_json(manifest, run_dir / MANIFEST)
        write_index(manifest, report_dir / "index.html", [s.name for s in self.stages])

    # -- history ----------------------------------------------------------------------------

    def _move_latest(self, run_id: str) -> None:
        for base in (self.processed_dir, self.reports_dir):
            link, tmp = base / "latest", base / ".latest.tmp"
            if tmp.is_symlink() or tmp.exists():
                tmp.unlink()
            tmp.symlink_to(run_id, target_is_directory=True)
            os.replace(tmp, link)

    def _prune(self, keep: int, current: str) -> None:
        """Keep the newest `keep` good runs as dated backups, and as many unsuccessful ones apart.

        Good and unsuccessful runs are counted separately, so a string of failed scheduled
        runs never pushes the good backups out; the run `latest` points to is never deleted
        (experiments that passed without --promote are newer, but `latest` stays).
        """
        if keep <= 0:
            return
        latest = self.processed_dir / "latest"
        latest_name = os.readlink(latest) if latest.is_symlink() else None
        good: list[tuple[str, str]] = []
        other: list[tuple[str, str]] = []
        for d in self.processed_dir.iterdir():
            if d.is_dir() and not d.is_symlink() and (d / MANIFEST).exists():
                m = read_json(d / MANIFEST)
                if m.get("status") == "running":
                    continue  # this run, or one that another process is writing
                (good if m.get("status") == "passed" else other).append((m.get("started_at") or "", d.name))
        for runs in (good, other):
            runs.sort(reverse=True)
            for _, name in runs[keep:]:
                if name in (current, latest_name):
                    continue
                shutil.rmtree(self.processed_dir / name, ignore_errors=True)
                shutil.rmtree(self.reports_dir / name, ignore_errors=True)


LOCK = ".clientela-run.lock"
FAILED_DIR = "failed"
# Outputs a person could pick up and use: moved aside when the run that made them failed.
USABLE_OUTPUTS = ("exports", "customers.duckdb")


@contextmanager
def run_lock(processed_dir: Path) -> Iterator[None]:
    """Hold an exclusive lock on the processed folder for the whole run.

    Two runs promoting `latest` or pruning backups at once would undo each other. The lock
    is an OS file lock, so a killed run releases it; the file itself stays.
    """
    import fcntl

    processed_dir.mkdir(parents=True, exist_ok=True)
    handle = open(processed_dir / LOCK, "a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise RunError(f"another clientela run is using {processed_dir} right now; wait for it to finish") from None
    try:
        yield
    finally:
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


def close_dead_runs(processed_dir: Path) -> list[str]:
    """Mark runs whose manifest still says 'running' as 'killed' (called while holding the lock,
    so no live run can own them); returns their ids."""
    closed = []
    for manifest in sorted(processed_dir.glob(f"*/{MANIFEST}")):
        if manifest.parent.is_symlink():
            continue
        m = read_json(manifest)
        if m.get("status") == "running":
            m["status"] = "killed"
            m["latest"] = False
            for s in m.get("stages", []):
                if s.get("status") == "running":
                    s["status"] = "killed"
            quarantine_outputs(manifest.parent)
            write_json(m, manifest)
            closed.append(manifest.parent.name)
    return closed


def quarantine_outputs(run_dir: Path) -> list[str]:
    """Move the outputs people act on (campaign exports, the analysts' database) of an
    unsuccessful run under `failed/`, where nobody mistakes them for a good run's."""
    moved = []
    for name in USABLE_OUTPUTS:
        path = run_dir / name
        if path.exists():
            (run_dir / FAILED_DIR).mkdir(exist_ok=True)
            os.replace(path, run_dir / FAILED_DIR / name)
            moved.append(name)
    return moved


def check_writable_folder(folder: Path) -> None:
    """An output folder must be a folder we can write in: found before any stage runs."""
    if folder.exists() and not folder.is_dir():
        raise RunError(f"{folder} is a file, not a folder: set processed_dir / reports_dir to a folder")
    probe = folder
    while not probe.exists():
        probe = probe.parent
    if not os.access(probe, os.W_OK | os.X_OK):
        raise RunError(f"{probe} is not writable: choose processed_dir / reports_dir in a folder you may write to")


def render_html(
    notebook: Path,
    warnings: list[dict[str, str]] | None = None,
    values: Any = None,
    where: str | None = None,
) -> Path:
    """The stage report for readers: outputs only, no code (ARCHITECTURE: 'no code').

    The stage's warnings (gates and drift) go in a box at the top, where a reader looks first.
    With the run's personal `values`, the page is scanned as the customer report is
    (helpers.report.leaks) and not published when it shows one (PersonalDataInPage, values
    masked); a page that passes is shareable, like any document the user writes.
    """
    import nbformat
    from nbconvert import HTMLExporter

    nb = nbformat.read(str(notebook), as_version=4)
    exporter = HTMLExporter(
        template_name="lab", exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True
    )
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": notebook.stem}})
    if warnings:
        body = re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + warnings_box(warnings), body, count=1)
    out = notebook.with_suffix(".html")
    if values is not None:
        try:
            scan_page(body, values, where or notebook.stem)
        except PersonalDataInReport:
            out.unlink(missing_ok=True)
            raise
    write_shareable_text(body, out)
    return out


def _scan_customer_report(report: Path, values: Any, run_id: str) -> None:
    """Stage 08 scans its report before writing it; the runner checks again before the file is
    made shareable, and removes it if it leaks."""
    if not report.exists():
        return
    try:
        scan_page(report.read_text(encoding="utf-8"), values, f"{report.name} (run {run_id})")
    except PersonalDataInReport:
        report.unlink(missing_ok=True)
        raise


def _collect(job: Any) -> dict[str, Any] | None:
    """The provenance hashed in the background; an error there never fails the run."""
    try:
        return job.result()
    except Exception as exc:  # noqa: BLE001 - provenance is a record, not a gate
        return {"error": f"{type(exc).__name__}: {exc}"}


def _describe_failure(exc: Exception) -> str:
    from papermill.exceptions import PapermillExecutionError

    if isinstance(exc, PapermillExecutionError):
        value = _strip_ansi(str(exc.evalue)).strip()
        return f"{exc.ename}: {value} (cell {exc.exec_count})"
    text = _strip_ansi(str(exc)).strip() or type(exc).__name__
    return f"{type(exc).__name__}: {text}" + ("" if text else traceback.format_exc(limit=1))


def _strip_ansi(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def _headline_text(headline: dict | None) -> str:
    if not headline:
        return ""
    return " · " + ", ".join(f"{k}: {_fmt(v)}" for k, v in headline.items())


def _fmt(v: Any) -> str:
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, float):
        return f"{v:,.3f}" if abs(v) < 10 else f"{v:,.1f}"
    return str(v)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def run(root: Path, options: RunOptions, out: TextIO = sys.stdout) -> int:
    try:
        return Runner(root, options, out).run()
    except (RunError, ConfigError) as exc:
        print(f"clientela: {exc}", file=out, flush=True)
        return 2
