"""Reading the YAML files analysts edit (`config/*.yaml`), with one kind of error for all of them.

`read_yaml` turns an unreadable or malformed file into an error that names the file and what it
was meant to hold, instead of a bare YAML traceback; `read_checked` also refuses every key the
file's schema does not know (helpers.settings.keys), so each loader starts from a document whose
keys are all known and only has to judge the values.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from helpers.settings.keys import check_keys


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


def read_checked(path: str | Path, what: str, error: type[Exception], schema: Any) -> tuple[dict[str, Any], list[str]]:
    """The file's mapping and the problems of its unknown keys (each with its key path and a
    "did you mean" hint); the loader adds its value problems and raises them all together."""
    doc = read_yaml(path, what, error)
    return doc, check_keys(doc, schema)
