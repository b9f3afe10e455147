"""The household rules of `config/households.yaml`, checked before anything is grouped.

A mistyped rule name would otherwise silently fall back to some default and change every
household id in the run; the loader names the file, the key and the allowed values instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from helpers.config_file import read_yaml

RULES = ("dwelling", "family", "address")
EVIDENCE = ("surname", "phone", "email")


class HouseholdRulesError(ValueError):
    pass


@dataclass(frozen=True)
class HouseholdRules:
    rule: str = "dwelling"
    evidence: tuple[str, ...] = EVIDENCE
    child_below_age: int = 18
    senior_from_age: int = 65
    children_follow_moves: bool = True
    rare_surname_chance: float = 0.1
    salutations: dict[str, dict[str, str]] = field(
        default_factory=lambda: {
            "default": {"family": "The {surname} Household", "pair": "{name} & {other}", "unrelated": "The Residents"}
        }
    )
    single: str = "{name}"

    def salutation(self, country: str | None, kind: str) -> str:
        by_country = self.salutations.get(country or "", self.salutations["default"])
        return by_country[kind]


def load_rules(path: str | Path) -> HouseholdRules:
    path = Path(path)
    spec = read_yaml(path, "household rules", HouseholdRulesError)
    problems: list[str] = []
    rule = spec.get("rule", "dwelling")
    if rule not in RULES:
        problems.append(f"rule: {rule!r} is not one of {', '.join(RULES)}")
    evidence = tuple(spec.get("evidence", EVIDENCE) or ())
    bad = [e for e in evidence if e not in EVIDENCE]
    if bad:
        problems.append(f"evidence: {', '.join(map(str, bad))} not among {', '.join(EVIDENCE)}")
    ages = {}
    for key, default in (("child_below_age", 18), ("senior_from_age", 65)):
        value = spec.get(key, default)
        if not isinstance(value, int) or not 0 < value < 130:
            problems.append(f"{key}: {value!r} is not an age in years")
        ages[key] = value
    rare = spec.get("rare_surname_chance", 0.1)
    if isinstance(rare, bool) or not isinstance(rare, (int, float)) or not 0 <= rare < 1:
        problems.append(f"rare_surname_chance: {rare!r} is not a number from 0 (off) to below 1")
    salutations = spec.get("salutations") or {}
    if "default" not in salutations:
        problems.append("salutations: a 'default' entry is needed for countries not listed")
    for country, forms in salutations.items():
        if not isinstance(forms, dict) or set(forms) != {"family", "pair", "unrelated"}:
            problems.append(f"salutations.{country}: give exactly 'family', 'pair' and 'unrelated'")
        elif "{surname}" not in forms["family"]:
            problems.append(f"salutations.{country}.family: must contain {{surname}}")
        elif not 0 <= forms["pair"].find("{name}") < forms["pair"].find("{other}"):
            problems.append(f"salutations.{country}.pair: must contain {{name}}, then {{other}}")
    single = spec.get("single", "{name}")
    if "{name}" not in str(single):
        problems.append("single: must contain {name}")
    if problems:
        raise HouseholdRulesError(f"{path}: the household rules have problems:\n  - " + "\n  - ".join(problems))
    return HouseholdRules(
        rule=rule,
        evidence=evidence,
        child_below_age=ages["child_below_age"],
        senior_from_age=ages["senior_from_age"],
        children_follow_moves=bool(spec.get("children_follow_moves", True)),
        rare_surname_chance=float(rare),
        salutations={str(k): dict(v) for k, v in salutations.items()},
        single=str(single),
    )
