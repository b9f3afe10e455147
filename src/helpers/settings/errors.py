"""`ConfigError`: the one kind of error for a configuration that cannot be used as written.

It carries the list of problems (each a key path and what is wrong) and the file they are in,
so that `clientela validate` and the start of a run can gather the problems of every file into
one message instead of stopping at the first file, and a scheduler's log shows them all at once.
"""

from __future__ import annotations

from pathlib import Path


class ConfigError(ValueError):
    """A configuration file (or the run parameters) cannot be used; `problems` lists every mistake.

    `ConfigError("one sentence")` keeps working for loaders that raise with a message; with
    `path`, each problem is a key path and a sentence (`groups.name.rule: 'best' is not …`) and
    the message names the file once, as every loader did before this class existed.
    """

    def __init__(self, problems: str | list[str], path: str | Path | None = None, what: str = "configuration"):
        self.path = None if path is None else str(path)
        self.what = what
        if isinstance(problems, str):
            self.problems = [problems]
            message = problems
        else:
            self.problems = list(problems)
            head = f"{self.path}: the {what} have problems:" if self.path else f"the {what} have problems:"
            message = head + "\n  - " + "\n  - ".join(self.problems)
        super().__init__(message)

    def located(self, display: str | None = None) -> list[str]:
        """Each problem prefixed with its file (`display` instead of the stored path when given)."""
        if self.path is None:
            return list(self.problems)
        where = display or self.path
        return [f"{where}: {p}" for p in self.problems]
