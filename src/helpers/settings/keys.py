"""Key schemas for the YAML files analysts edit, and the check that refuses an unknown key.

A misspelt key is the mistake YAML never catches: `source_prority:` is read as a new key, the
real `source_priority` falls back to its default, and the run quietly does something else than
the file says. Each loader therefore describes the keys its file may hold — a small tree of
plain dicts — and `check_keys` walks the document against it, naming the key path of every
unknown key and the known key it most resembles (difflib), e.g.

    groups.name.sources: …          source_prority: unknown key; did you mean 'source_priority'?

Schema vocabulary:
- `{"key": sub_schema, …}`  a mapping with exactly these keys (a value that is not a mapping is
  left to the loader's own value checks);
- `ANY`                     any value (free-form, or checked by the loader);
- `Each(sub_schema)`        a mapping whose keys are names chosen by the user (groups, countries,
                            currencies), each value following `sub_schema`;
- `ListOf(sub_schema)`      a list whose entries follow `sub_schema`.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

ANY = None


@dataclass(frozen=True)
class Each:
    """A mapping of user-chosen names, each value following `schema`."""

    schema: Any


@dataclass(frozen=True)
class ListOf:
    """A list of entries following `schema`; `start` is the index the loader's messages count from
    (so the key check and the loader name one entry alike) and `label` the key naming an entry."""

    schema: Any
    start: int = 0
    label: str | None = "name"


def did_you_mean(word: str, known: Iterable[str]) -> str:
    """'; did you mean 'x'?' for the closest known word, else the list of known words."""
    known = sorted(str(k) for k in known)
    close = difflib.get_close_matches(str(word), known, n=1, cutoff=0.6)
    if close:
        return f"; did you mean '{close[0]}'?"
    return f" (known: {', '.join(known)})"


def check_keys(doc: Any, schema: Any, where: str = "") -> list[str]:
    """Problems for every key of `doc` the schema does not know, with its key path."""
    if schema is ANY:
        return []
    if isinstance(schema, Each):
        if not isinstance(doc, dict):
            return []
        return [p for name, value in doc.items() for p in check_keys(value, schema.schema, _join(where, str(name)))]
    if isinstance(schema, ListOf):
        if not isinstance(doc, list):
            return []
        problems = []
        for i, item in enumerate(doc, start=schema.start):
            label = item.get(schema.label) if schema.label and isinstance(item, dict) else None
            path = f"{where}[{i}]" + (f" ({label})" if label else "")
            problems += check_keys(item, schema.schema, path)
        return problems
    if not isinstance(doc, dict):
        return []
    problems = []
    for key, value in doc.items():
        path = _join(where, str(key))
        if key not in schema:
            problems.append(f"{path}: unknown key{did_you_mean(str(key), schema)}")
        else:
            problems += check_keys(value, schema[key], path)
    return problems


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key
