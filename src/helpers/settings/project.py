"""Every configuration file a run reads, loaded and checked at once, before stage 01.

Each stage notebook loads its own config file, so without this a misspelt key in
`campaign_lists.yaml` would be found by stage 07, after the hour stages 01–06 took. `check_project`
runs every loader (the same functions the notebooks call) on the files the run parameters name,
and gathers every problem of every file into one ConfigError: a project with a mistake in each
of six files hears about all six in one message.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from helpers.settings.errors import ConfigError
from helpers.settings.keys import did_you_mean


def _loaders() -> dict[str, Callable[[str], Any]]:
    """Parameter → the loader of the file it names (imported here: the loaders import this package)."""
    from helpers.contact.rules import load_rules as contact_rules
    from helpers.golden.survivorship import load_rules as survivorship_rules
    from helpers.household.rules import load_rules as household_rules
    from helpers.match.model import load_spec
    from helpers.segment.config import load_segment_config
    from helpers.segment.lists import load_campaign_lists

    return {
        "matching_model": load_spec,
        "survivorship": survivorship_rules,
        "households": household_rules,
        "contactability": contact_rules,
        "segments": load_segment_config,
        "campaign_lists": load_campaign_lists,
    }


class ProjectConfigError(ConfigError):
    """One or more configuration files of the run cannot be used; every problem of every file."""

    def __init__(self, problems: list[str]):
        super().__init__(problems, None, "configuration files")
        self.message = (
            f"{len(problems)} problem(s) in the configuration files:\n  - "
            + "\n  - ".join(problems)
            + "\nFix them and run again (`clientela validate` checks them without running anything)."
        )

    def __str__(self) -> str:
        return self.message


def check_project(params: dict[str, Any], root: Path | None = None, check_files: bool = True) -> Any:
    """Load every config file the (already checked and resolved) parameters name; return the
    source registry, or raise ProjectConfigError listing every problem of every file."""
    from helpers.registry import RegistryError, load_registry

    display = _display(root)
    problems: list[str] = []
    registry = None
    if not params.get("sources"):
        problems.append("sources: name the source registry (`sources:` in config/pipeline.yaml, or --sources)")
    else:
        try:
            registry = load_registry(params["sources"], check_files=check_files)
        except RegistryError as exc:
            problems += _registry_problems(exc, display(exc.registry_path))
        problems += _registry_keys(Path(params["sources"]), display)
    for key, load in _loaders().items():
        if params.get(key):
            try:
                load(params[key])
            except ConfigError as exc:
                problems += exc.located(display(exc.path) if exc.path else None)
            except Exception as exc:  # a shape no check foresaw (`training: 5`): still a config problem, exit 2
                problems.append(
                    f"{display(str(params[key]))}: cannot be read as the {key} file: {type(exc).__name__}: {exc}"
                )
    if params.get("expectations_dir"):
        problems += _suite_problems(Path(params["expectations_dir"]), display)
    if problems:
        raise ProjectConfigError(problems)
    return registry


def _suite_problems(folder: Path, display: Callable[[str], str]) -> list[str]:
    from helpers.gates import check_suite_file

    problems = []
    for path in sorted(folder.glob("*.yaml")):
        try:
            check_suite_file(path)
        except ConfigError as exc:
            problems += exc.located(display(exc.path) if exc.path else None)
    return problems


def _registry_problems(exc: Any, where: str) -> list[str]:
    """The registry's own problems, without its unknown-key lines (`_registry_keys` names those
    with a did-you-mean)."""
    return [f"{where}: {p}" for p in exc.problems if ": unknown key(s) " not in p]


def _registry_keys(path: Path, display: Callable[[str], str]) -> list[str]:
    """Unknown keys of the registry's entries, with the key each most resembles."""
    import yaml

    from helpers.registry import KNOWN_KEYS

    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return []  # load_registry has said why
    if not isinstance(doc, dict) or not isinstance(doc.get("sources"), list):
        return []
    problems = []
    for i, entry in enumerate(doc["sources"], start=1):
        if not isinstance(entry, dict):
            continue
        where = f"source '{entry['name']}'" if entry.get("name") else f"entry #{i}"
        for key in sorted(set(entry) - KNOWN_KEYS, key=str):
            problems.append(f"{display(str(path))}: {where}: {key}: unknown key{did_you_mean(str(key), KNOWN_KEYS)}")
    return problems


def _display(root: Path | None) -> Callable[[str], str]:
    """Paths inside the project are shown relative to it (config/survivorship.yaml)."""

    def show(path: str) -> str:
        if root is None:
            return path
        try:
            return str(Path(path).resolve().relative_to(Path(root).resolve()))
        except ValueError:
            return path

    return show
