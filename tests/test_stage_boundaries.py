"""Stage packages do not import each other; what two stages share lives in a shared module.

Read from the source with `ast` (nothing is imported, so a cycle or a slow import cannot hide
a crossing):

- every module under `src/helpers/<stage package>/` imports no other stage's package (a
  stage's own packages may import each other: `match` uses `decisions`, both stage 03), apart
  from the crossings listed in `KNOWN_CROSSINGS`, each with its reason; a new crossing fails
  here and should be moved to a shared module (`helpers.postal`, `helpers.currency`,
  `helpers.transactions`, `helpers.stable_ids`, `helpers.evaluation`, ...) instead;
- `report` (stage 08) may import any stage package: the shareable report draws each stage's
  charts and reads its labels and counts (`helpers.report.facts`, `helpers.report.figures`)
  with that stage's own code rather than a copy of it;
- each notebook `NN_*.ipynb` imports only its own stage's packages and shared modules, apart
  from `NOTEBOOK_EXCEPTIONS`;
- the shared modules at the top of `helpers` import no stage package beyond `SHARED_EXCEPTIONS`
  (`settings/` is not checked: checking every config file before stage 01 means calling each
  stage's own loader).

The exceptions are today's debt, listed so that they cannot grow unnoticed. The field
standardisers every stage reads data with are a shared package (`helpers.standardise`), not
stage 02's, so reading a postcode in stage 06 crosses nothing. When a crossing goes away, remove
it here (a listed crossing that no longer exists fails too, so the list stays true).
"""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import pytest

from conftest import ROOT

HELPERS = ROOT / "src" / "helpers"
NOTEBOOKS = ROOT / "notebooks"

# The stage packages this test guards, and the notebook each belongs to.
STAGE_PACKAGES = ("clean", "match", "golden", "household", "contact", "segment", "report")
# Packages a notebook owns beside its main one (architecture: "Stages and the packages behind them").
NOTEBOOK_PACKAGES = {
    "01": set(),  # registry, ingest, profile, loss: top-level modules
    "02": {"clean"},
    "03": {"match", "decisions"},
    "04": {"golden", "privacy_requests"},
    "05": {"household"},
    "06": {"contact"},
    "07": {"segment"},
    "08": {"report"},
}
OWNED = set().union(*NOTEBOOK_PACKAGES.values()) | set(STAGE_PACKAGES)
STAGE_OF = {package: number for number, packages in NOTEBOOK_PACKAGES.items() for package in packages}
MAY_IMPORT_ANY = {"report"}  # see the module docstring

# (module under src/helpers, imported module) -> why it is allowed for now.
KNOWN_CROSSINGS = {
    ("household/moves.py", "helpers.golden.survivorship"): "a record's recency, as survivorship ranks it",
    ("household/stage.py", "helpers.golden.survivorship"): "distinct value lists per person, as golden builds them",
}
# (notebook number, imported module) -> why.
NOTEBOOK_EXCEPTIONS = {
    ("08", "helpers.segment.lists"): "the campaign list definitions the report names (report may read any stage)",
}
# (shared module, imported module) -> why.
SHARED_EXCEPTIONS = {
    ("profile.py", "helpers.clean.records"): "stage 01 profiles validity with stage 02's standardisers",
    ("profile.py", "helpers.report.leaks"): "the contact-pattern mask every shareable page uses",
    ("runner.py", "helpers.report.leaks"): "every rendered page is scanned for personal data before promotion",
    ("publish.py", "helpers.report.leaks"): "what leaves the project is scanned once more with the same scan",
    ("cli.py", "helpers.decisions.commands"): "the command line hands `decide`, `merge`, `split` to their package",
    ("cli.py", "helpers.privacy_requests.commands"): "the command line hands `forget`, `subject-access` to theirs",
}


def imported_modules(tree: ast.AST) -> set[str]:
    """Absolute module names a parsed file imports (`from helpers import x` counts as helpers.x;
    relative imports stay inside their package and are left out)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and not node.level:
            module = node.module or ""
            if module == "helpers":
                found |= {f"helpers.{alias.name}" for alias in node.names}
            else:
                found.add(module)
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return found


def package_of(module: str) -> str | None:
    """The helpers package a module belongs to (`helpers.standardise.dates` → `clean`), else None."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "helpers" else None


def crossings() -> set[tuple[str, str]]:
    """(module, imported module) for every stage module importing another stage's package."""
    out = set()
    for stage in STAGE_PACKAGES:
        if stage in MAY_IMPORT_ANY:
            continue
        for path in sorted((HELPERS / stage).rglob("*.py")):
            for module in imported_modules(ast.parse(path.read_text(encoding="utf-8"), str(path))):
                target = package_of(module)
                if target in OWNED and STAGE_OF[target] != STAGE_OF[stage]:
                    out.add((path.relative_to(HELPERS).as_posix(), module))
    return out


def test_stage_packages_do_not_import_each_other():
    found = crossings()
    new = sorted(found - set(KNOWN_CROSSINGS))
    assert not new, "stage packages import each other; move the shared piece to a shared module:\n" + "\n".join(
        f"  {m} imports {t}" for m, t in new
    )
    gone = sorted(set(KNOWN_CROSSINGS) - found)
    assert not gone, "listed crossings no longer exist; remove them from KNOWN_CROSSINGS: " + repr(gone)


def test_report_is_the_only_stage_allowed_to_import_any_other():
    assert MAY_IMPORT_ANY == {"report"}
    assert all((HELPERS / stage).is_dir() for stage in STAGE_PACKAGES)


def test_shared_modules_import_no_stage_package():
    found = set()
    for path in sorted(HELPERS.glob("*.py")):
        for module in imported_modules(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if package_of(module) in OWNED:
                found.add((path.name, module))
    new = sorted(found - set(SHARED_EXCEPTIONS))
    assert not new, "shared modules must stay stage-free:\n" + "\n".join(f"  {m} imports {t}" for m, t in new)
    gone = sorted(set(SHARED_EXCEPTIONS) - found)
    assert not gone, "listed exceptions no longer exist; remove them from SHARED_EXCEPTIONS: " + repr(gone)


def notebook_imports(path: Path) -> set[str]:
    """Modules the notebook's code cells import (cells with IPython magics are parsed without them)."""
    found = set()
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type != "code":
            continue
        source = "\n".join(line for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!")))
        found |= imported_modules(ast.parse(source, str(path)))
    return found


NOTEBOOK_FILES = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def test_every_stage_notebook_is_checked():
    assert {p.name[:2] for p in NOTEBOOK_FILES} == set(NOTEBOOK_PACKAGES)


@pytest.mark.parametrize("path", NOTEBOOK_FILES, ids=lambda p: p.stem)
def test_notebook_imports_only_its_own_stage(path: Path):
    number = path.name[:2]
    own = NOTEBOOK_PACKAGES[number]
    found = {
        (number, module)
        for module in notebook_imports(path)
        if package_of(module) in OWNED and package_of(module) not in own
    }
    listed = {key for key in NOTEBOOK_EXCEPTIONS if key[0] == number}
    new = sorted(found - listed)
    assert not new, f"{path.name} imports other stages' packages: {[m for _, m in new]}"
    gone = sorted(listed - found)
    assert not gone, f"listed exceptions no longer exist; remove them from NOTEBOOK_EXCEPTIONS: {gone}"
