"""Applies to every test, the notebooks under nbval included (tests/conftest.py covers tests/ only).

nbval runs the notebooks with their default parameters (run_id "interactive"): their tables and
pages go to a temporary folder (helpers.run_context.INTERACTIVE_ENV), never into the user's
data/processed/interactive. Set at import, before any kernel starts, so the kernels inherit it.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile

_INTERACTIVE_DIR = tempfile.mkdtemp(prefix="clientela-interactive-")
os.environ.setdefault("CLIENTELA_INTERACTIVE_DIR", _INTERACTIVE_DIR)
atexit.register(shutil.rmtree, _INTERACTIVE_DIR, True)
