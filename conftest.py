"""Applies to every test, the notebooks under nbval included (tests/conftest.py covers tests/ only).

nbval runs the notebooks with their default parameters (run_id "interactive"): their tables and
pages go to a temporary folder (helpers.run_context.INTERACTIVE_ENV), never into the user's
data/processed/interactive. Set at import, before any kernel starts, so the kernels inherit it.
"""

from __future__ import annotations

import atexit
import importlib.machinery
import os
import shutil
import sys
import tempfile

import pytest

_INTERACTIVE_DIR = tempfile.mkdtemp(prefix="clientela-interactive-")
os.environ.setdefault("CLIENTELA_INTERACTIVE_DIR", _INTERACTIVE_DIR)
atexit.register(shutil.rmtree, _INTERACTIVE_DIR, True)

# A pytest-xdist worker runs with a bare `__main__` (no file, no spec). pyspark.sql.connect,
# imported by Great Expectations when pyspark is installed, takes that for its own doctest run
# and calls sys.exit(0), killing the worker. A spec named "__main__" is what `python -m` gives.
_main = sys.modules["__main__"]
if os.environ.get("PYTEST_XDIST_WORKER") and _main.__spec__ is None and not hasattr(_main, "__file__"):
    _main.__spec__ = importlib.machinery.ModuleSpec("__main__", None)


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook reads the groups
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Groups for pytest-xdist (`--dist loadgroup`): the stage notebooks run in order in one
    worker (each reads the tables the one before it wrote into the interactive folder), and each
    test file stays in one worker, so a module's expensive fixture (a whole pipeline run) runs
    once rather than once per worker."""
    for item in items:
        group = "notebooks" if item.path.suffix == ".ipynb" else item.path.name
        item.add_marker(pytest.mark.xdist_group(group))
