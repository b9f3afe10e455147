"""Run parameters checked by type and range before anything runs.

`config/pipeline.yaml` is itself the schema of the run parameters: a key it does not hold is not
a parameter (`--set` refuses it), and a key's default says what type its value must have (a
number for a number, true/false for a switch, text for text), so a parameter added to the file
tomorrow is checked without a line of code here. The keys that need more than their default's
type — thresholds, dates, engines, paths that must exist — have explicit rules below.

`--set match_threshold=abc` is thus refused in a second with exit 2, naming the parameter and
what to give, instead of a TypeError thirty seconds into stage 03.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

from helpers.settings.errors import ConfigError
from helpers.settings.keys import did_you_mean

BACKENDS = ("duckdb", "spark")
# Parameters naming a file that must exist / may be null but must exist when given / a folder.
REQUIRED_FILES = (
    "sources",
    "matching_model",
    "survivorship",
    "households",
    "contactability",
    "segments",
    "campaign_lists",
)
OPTIONAL_FILES = ("truth_path", "model_path")
FOLDERS = ("expectations_dir",)
TEXT_PATHS = ("processed_dir", "reports_dir")


class ParameterError(ConfigError):
    """Run parameters that cannot be used; `problems` names each parameter."""

    def __init__(self, problems: list[str]):
        super().__init__(problems, None, "run parameters (config/pipeline.yaml and --set)")


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _is_whole(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _probability(v: Any) -> str | None:
    if not _is_number(v) or not 0 < v < 1:
        return "must be a number between 0 and 1 (exclusive), e.g. 0.9"
    return None


def _non_negative_whole(v: Any) -> str | None:
    return None if _is_whole(v) and v >= 0 else "must be a whole number, 0 or more"


def _positive_number(v: Any) -> str | None:
    return None if _is_number(v) and v > 0 else "must be a number above 0"


def _reference_date(v: Any) -> str | None:
    if v is None or isinstance(v, (date, datetime)) or v in ("", "today"):
        return None
    try:
        date.fromisoformat(str(v))
    except ValueError:
        return "must be a date written YYYY-MM-DD (e.g. 2026-11-15), or null for the day the run starts"
    return None


def _backend(v: Any) -> str | None:
    return None if v in BACKENDS else f"must be one of {', '.join(BACKENDS)}"


def _text(v: Any) -> str | None:
    return None if isinstance(v, str) and v.strip() else "must be a path (text)"


def _optional_text(v: Any) -> str | None:
    return None if v is None else _text(v)


# Parameters whose value needs more than its default's type.
RULES: dict[str, Callable[[Any], str | None]] = {
    "match_threshold": _probability,
    "review_threshold": _probability,
    "reference_date": _reference_date,
    "backend": _backend,
    "seed": _non_negative_whole,
    "keep_runs": _non_negative_whole,
    "drift_points": _non_negative_whole,
    "stale_after_cadences": _positive_number,
    **{k: _text for k in (*REQUIRED_FILES, *FOLDERS, *TEXT_PATHS)},
    **{k: _optional_text for k in OPTIONAL_FILES},
}


def unknown_parameters(given: dict[str, Any], defaults: dict[str, Any]) -> list[str]:
    """A problem for each `--set` key that is not a parameter, with the closest known one."""
    return [
        f"--set {key}: not a parameter of config/pipeline.yaml{did_you_mean(key, defaults)}"
        for key in sorted(set(given) - set(defaults))
    ]


def by_default_type(value: Any, default: Any) -> str | None:
    """The check every parameter gets from its default: the same kind of value. A parameter
    whose default is null takes any value; one with a default never takes null."""
    if default is None:
        return None
    if value is None:
        return f"must not be null (its default is {default!r})"
    if isinstance(default, bool):
        return None if isinstance(value, bool) else "must be true or false"
    if isinstance(default, int):
        return None if _is_whole(value) else "must be a whole number"
    if isinstance(default, float):
        return None if _is_number(value) else "must be a number"
    if isinstance(default, str):
        return None if isinstance(value, str) else "must be text"
    if isinstance(default, list):
        return None if isinstance(value, list) else "must be a list"
    if isinstance(default, dict):
        return None if isinstance(value, dict) else "must be a mapping"
    return None


def check_values(params: dict[str, Any], defaults: dict[str, Any]) -> list[str]:
    """Type and range problems of the merged parameters (before paths are resolved)."""
    problems = []
    for key, value in params.items():
        rule = RULES.get(key)
        why = rule(value) if rule else by_default_type(value, defaults.get(key))
        if why:
            problems.append(f"{key}: {value!r} {why}")
    match, review = params.get("match_threshold"), params.get("review_threshold")
    if _probability(match) is None and _probability(review) is None and float(review) > float(match):  # type: ignore[arg-type]
        problems.append(
            f"review_threshold: {review!r} must not be above match_threshold ({match!r}): "
            "the review band runs from review_threshold up to match_threshold"
        )
    return problems


def check_paths(params: dict[str, Any]) -> list[str]:
    """Files and folders named by (resolved) parameters that do not exist."""
    problems = []
    for key in (*REQUIRED_FILES, *OPTIONAL_FILES):
        value = params.get(key)
        if isinstance(value, str) and value and not Path(value).is_file():
            problems.append(
                f"{key}: {value} does not exist"
                if not Path(value).exists()
                else f"{key}: {value} is a folder, not a file"
            )
    for key in FOLDERS:
        value = params.get(key)
        if isinstance(value, str) and value and not Path(value).is_dir():
            problems.append(f"{key}: {value} is not a folder")
    return problems
