"""Reading the YAML files analysts edit (`config/*.yaml`), with one kind of error for all of them.

Every loader then checks its own keys; this only turns an unreadable or malformed file into an
error that names the file and what it was meant to hold, instead of a bare YAML traceback.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


def read_yaml(path: str | Path, what: str, error: type[Exception]) -> dict[str, Any]:
    """The file's mapping of keys ({} for an empty file); `error` when it cannot be read, is
    not YAML, or holds something else than a mapping."""
    path = Path(path)
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise error(f"{path}: cannot read the {what}: {exc}") from exc
    if doc is None:
        return {}
    if not isinstance(doc, dict):
        raise error(f"{path}: expected a mapping of keys for the {what}, found {type(doc).__name__}")
    return doc
