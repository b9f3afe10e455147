"""The household rules of `config/households.yaml`, checked before anything is grouped.

A mistyped rule name would otherwise silently fall back to some default and change every
household id in the run; the loader names the file, the key and the allowed values instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from helpers.config_file import read_checked
from helpers.settings import ANY, ConfigError, Each

RULES = ("dwelling", "family", "address")
EVIDENCE = ("surname", "phone", "email")


class HouseholdRulesError(ConfigError):
    """config/households.yaml cannot be used; `problems` names each key."""


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


# The keys config/households.yaml may hold (a misspelt `child_age:` would silently keep 18).
SCHEMA = {
    "rule": ANY,
    "evidence": ANY,
    "child_below_age": ANY,
    "senior_from_age": ANY,
    "children_follow_moves": ANY,
    "rare_surname_chance": ANY,
    "salutations": Each({"family": ANY, "pair": ANY, "unrelated": ANY}),
    "single": ANY,
}
SALUTATION_FORMS = ("family", "pair", "unrelated")


def load_rules(path: str | Path) -> HouseholdRules:
    """Read and check `config/households.yaml`; every problem is reported at once. A key the file
    leaves out takes the HouseholdRules default (the one place defaults are written)."""
    path = Path(path)
    spec, problems = read_checked(path, "household rules", HouseholdRulesError, SCHEMA)
    base = HouseholdRules()
    rule = spec.get("rule", base.rule)
    if rule not in RULES:
        problems.append(f"rule: {rule!r} is not one of {', '.join(RULES)}")
    evidence = spec.get("evidence", list(base.evidence)) or []
    if not isinstance(evidence, list):
        problems.append(f"evidence: {evidence!r} must be a list of {', '.join(EVIDENCE)}")
        evidence = []
    evidence = tuple(evidence)
    bad = [e for e in evidence if e not in EVIDENCE]
    if bad:
        problems.append(f"evidence: {', '.join(map(str, bad))} not among {', '.join(EVIDENCE)}")
    ages = {}
    for key in ("child_below_age", "senior_from_age"):
        value = spec.get(key, getattr(base, key))
        if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 130:
            problems.append(f"{key}: {value!r} is not an age in years")
        ages[key] = value
    rare = spec.get("rare_surname_chance", base.rare_surname_chance)
    if isinstance(rare, bool) or not isinstance(rare, (int, float)) or not 0 <= rare < 1:
        problems.append(f"rare_surname_chance: {rare!r} is not a number from 0 (off) to below 1")
        rare = base.rare_surname_chance
    follow = spec.get("children_follow_moves", base.children_follow_moves)
    if not isinstance(follow, bool):
        problems.append(f"children_follow_moves: {follow!r} must be true or false")
    salutations = spec.get("salutations", base.salutations) or {}
    if not isinstance(salutations, dict):
        problems.append("salutations: expected a mapping of country code to {family, pair, unrelated}")
        salutations = {}
    if "default" not in salutations:
        problems.append("salutations: a 'default' entry is needed for countries not listed")
    for country, forms in salutations.items():
        if not isinstance(forms, dict) or not set(SALUTATION_FORMS) <= set(forms):
            problems.append(f"salutations.{country}: give 'family', 'pair' and 'unrelated'")
        elif "{surname}" not in str(forms["family"]):
            problems.append(f"salutations.{country}.family: must contain {{surname}}")
        elif not 0 <= str(forms["pair"]).find("{name}") < str(forms["pair"]).find("{other}"):
            problems.append(f"salutations.{country}.pair: must contain {{name}}, then {{other}}")
    single = spec.get("single", base.single)
    if "{name}" not in str(single):
        problems.append("single: must contain {name}")
    if problems:
        raise HouseholdRulesError(problems, path, "household rules")
    return HouseholdRules(
        rule=rule,
        evidence=evidence,
        child_below_age=ages["child_below_age"],
        senior_from_age=ages["senior_from_age"],
        children_follow_moves=bool(follow),
        rare_surname_chance=float(rare),
        salutations={str(k): {f: str(v[f]) for f in SALUTATION_FORMS} for k, v in salutations.items()},
        single=str(single),
    )
