"""Training the matching model the way Splink recommends, and refusing a degenerate result.

Order: the prior (probability two random records match) from near-certain deterministic rules;
u probabilities from random pairs (seeded); m probabilities by expectation maximisation over
several blocks. EM assumes fields disagree independently among true matches; when they do not
(emails built from names, a block on names) it can converge to nonsense — typically a field
whose exact agreement stops counting. `check_model` looks for exactly those symptoms and
stops the stage with a message an analyst can act on.
"""

from __future__ import annotations

import json
import logging
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from helpers.match.features import FEATURES
from helpers.match.model import (
    ModelSpec,
    ResolvedModel,
    blocking_rule,
    comparison_columns,
    rule_columns,
    scored_levels,
)

TINY = 1e-12  # the smallest m or u kept: EM can reach denormal floats Splink cannot load

DEFAULT_SANITY = {"min_exact_bayes_factor": 1.0, "min_exact_m": 0.05, "max_else_m": 0.6, "max_exact_u": 0.95}


class DegenerateModel(RuntimeError):
    """The trained m/u values are not believable; the message lists each problem."""


def em_sessions(resolved: ResolvedModel, min_sessions_per_comparison: int = 2) -> list[list[str]]:
    """The EM blocks to train on, in configured order, until each comparison is estimated often enough.

    A comparison is not estimated in a session blocked on one of its own columns, so the blocks
    are taken in order while some comparison still has fewer than `min_sessions_per_comparison`
    sessions (or at least one when the data cannot give two).
    """
    counts = {c["name"]: 0 for c in resolved.comparisons}
    cols = {c["name"]: set(comparison_columns(c)) for c in resolved.comparisons}
    chosen: list[list[str]] = []
    for block in resolved.em_blocks:
        trains = [n for n in counts if not cols[n] & set(rule_columns(block))]
        if any(counts[n] < min_sessions_per_comparison for n in trains):
            chosen.append(block)
            for n in trains:
                counts[n] += 1
        if all(v >= min_sessions_per_comparison for v in counts.values()):
            break
    return chosen


def train(linker: Any, spec: ModelSpec, resolved: ResolvedModel, seed: int) -> list[list[str]]:
    """Estimate the prior, u and m in place on `linker`; returns the EM blocks used."""
    linker.training.estimate_probability_two_random_records_match(
        [blocking_rule(r) for r in resolved.deterministic_rules], recall=spec.deterministic_recall
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=spec.u_max_pairs, seed=seed)
    used = []
    for block in em_sessions(resolved):
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(
                blocking_rule(block), max_pairs=spec.em_max_pairs, estimate_without_term_frequencies=True
            )
        except ValueError as exc:
            # Splink refuses its own EM result when a level's m underflows (e.g. 3.5e-318) —
            # a block where some level never occurs among matches. The session is dropped and
            # said so; if that leaves a comparison untrained, the sanity check stops the stage.
            if "below the minimum allowed value" not in str(exc):
                raise
            logging.getLogger(__name__).warning("EM on %s did not converge (%s); session skipped", block, exc)
            continue
        used.append(block)
    return used


def fill_exact_u(model: dict, table: pd.DataFrame, comparisons: list[dict[str, Any]]) -> tuple[dict, list[str]]:
    """Compute u of exact agreement where random sampling saw none; returns the model and names.

    For an identifier (email, phone, national id, full address) two random records agree so
    rarely that a few million sampled pairs may contain none, and Splink leaves u empty. But
    that u is simply the chance that two records with a value share it — Σ c(c−1) / N(N−1)
    over the value counts c — which the data gives exactly.
    """
    columns = {c["name"]: comparison_columns(c)[0] for c in comparisons}
    filled: list[str] = []
    for comp in model["comparisons"]:
        name = comp["output_column_name"]
        exact = scored_levels(comp)[0]
        if _probability(exact.get("u_probability")) is not None or columns.get(name) not in table.columns:
            continue
        counts = table[columns[name]].value_counts(dropna=True).to_numpy(dtype="float64")
        n = counts.sum()
        if n < 2:
            continue
        exact["u_probability"] = max(float((counts * (counts - 1)).sum() / (n * (n - 1))), 1e-12)
        filled.append(f"{name}: {exact.get('label_for_charts') or exact['sql_condition']}")
    return model, filled


def neutralise_unobserved(model: dict, else_floor: float = 0.01) -> tuple[dict, list[str]]:
    """Give levels never seen among training matches a defensible weight; returns the model and their names.

    Splink leaves a level's m empty when no training pair fell into it — a rare level such as
    "one typo in the national id", or, on small or clean data, true matches never disagreeing
    on a field — and would then score it with a default that can be wildly negative. So:

    - an intermediate level gets m = u (Bayes factor 1): evidence never observed counts for nothing;
    - the last level ('all other comparisons') gets m = `else_floor`: disagreement was not seen
      among matches, so it counts against a match, but by a bounded amount (1% ≈ −6.6 bits).

    The first level is not touched: if exact agreement is untrained the model is unusable and
    `check_model` says so.
    """
    touched: list[str] = []
    for comp in model["comparisons"]:
        levels = scored_levels(comp)
        for lv in levels:  # EM can converge to denormal values (1e-318) Splink refuses to load
            for key in ("m_probability", "u_probability"):
                if isinstance(lv.get(key), (int, float)) and lv[key] < TINY:
                    lv[key] = TINY
        for i, lv in enumerate(levels[1:], start=1):
            m, u = _probability(lv.get("m_probability")), _probability(lv.get("u_probability"))
            if m is not None and u is not None:
                continue
            if i == len(levels) - 1:
                lv["m_probability"] = else_floor
                lv["u_probability"] = u if u is not None else 1.0
            else:
                lv["m_probability"] = lv["u_probability"] = m if m is not None else u if u is not None else 1e-6
            touched.append(f"{comp['output_column_name']}: {lv.get('label_for_charts') or lv['sql_condition']}")
    return model, touched


def parameters_table(model: dict) -> pd.DataFrame:
    """One row per comparison level of a Splink model (as saved to JSON): m, u, Bayes factor."""
    rows = []
    for comp in model["comparisons"]:
        levels = scored_levels(comp)
        for i, lv in enumerate(levels):
            m, u = _probability(lv.get("m_probability")), _probability(lv.get("u_probability"))
            rows.append(
                {
                    "comparison": comp["output_column_name"],
                    "level": lv.get("label_for_charts") or lv["sql_condition"],
                    "position": i,
                    "is_else": lv["sql_condition"].strip().upper() == "ELSE",
                    "m": m,
                    "u": u,
                    "bayes_factor": (m / u) if m and u else None,
                    "match_weight": math.log2(m / u) if m and u else None,
                }
            )
    return pd.DataFrame(rows)


def _probability(value: Any) -> float | None:
    """A saved m/u value, or None when Splink recorded none (missing or 'level not observed')."""
    return float(value) if isinstance(value, (int, float)) else None


@dataclass
class SanityFinding:
    comparison: str
    problem: str


def check_model(model: dict, sanity: dict[str, float] | None = None) -> list[SanityFinding]:
    """Everything implausible about a trained model; empty when it may be used.

    A believable model has, for every comparison: m and u for every level; exact agreement
    (the first level) counting for a match (Bayes factor ≥ `min_exact_bayes_factor`) and seen
    in at least `min_exact_m` of true matches; random pairs not agreeing exactly most of the
    time (u ≤ `max_exact_u`); and true matches not disagreeing completely most of the time
    (m of the last level ≤ `max_else_m`).
    """
    limits = {**DEFAULT_SANITY, **(sanity or {})}
    table = parameters_table(model)
    findings: list[SanityFinding] = []
    for name, levels in table.groupby("comparison", sort=False):
        missing = levels[levels["m"].isna() | levels["u"].isna()]
        if len(missing):
            findings.append(SanityFinding(name, f"untrained levels: {', '.join(missing['level'])}"))
            continue
        exact, last = levels.iloc[0], levels.iloc[-1]
        if exact["bayes_factor"] < limits["min_exact_bayes_factor"]:
            findings.append(
                SanityFinding(
                    name,
                    f"'{exact['level']}' makes a match only {exact['bayes_factor']:.2f}× as likely "
                    f"(m={exact['m']:.3f}, u={exact['u']:.3f}; minimum {limits['min_exact_bayes_factor']:g}×)",
                )
            )
        if exact["m"] < limits["min_exact_m"]:
            findings.append(
                SanityFinding(
                    name,
                    f"only {exact['m']:.1%} of true matches are estimated to agree exactly on '{exact['level']}' "
                    f"(minimum {limits['min_exact_m']:.0%})",
                )
            )
        if exact["u"] > limits["max_exact_u"]:
            findings.append(
                SanityFinding(name, f"random pairs agree exactly {exact['u']:.0%} of the time (maximum {limits['max_exact_u']:.0%})")
            )
        if last["is_else"] and last["m"] > limits["max_else_m"]:
            findings.append(
                SanityFinding(
                    name,
                    f"{last['m']:.0%} of true matches are estimated to disagree completely "
                    f"(maximum {limits['max_else_m']:.0%})",
                )
            )
    return findings


def assert_sane(model: dict, sanity: dict[str, float] | None = None, where: str = "config/matching.yaml") -> None:
    findings = check_model(model, sanity)
    if findings:
        lines = "\n".join(f"  - {f.comparison}: {f.problem}" for f in findings)
        raise DegenerateModel(
            "The trained matching model is degenerate and was not used:\n"
            f"{lines}\n"
            "Usual cause: EM trained on a block whose fields drive other fields (e.g. names and "
            f"emails built from names). Change training.em_blocks in {where}, or reuse a model "
            "that was good (parameter model_path)."
        )


def prior_weight(model: dict) -> float:
    """The match weight before any comparison: log2 of the prior odds that two records match."""
    p = float(model["probability_two_random_records_match"])
    return math.log2(p / (1 - p))


def load_model(path: str) -> dict:
    """A model saved by an earlier run (`matching_model.json`), checked to be a Splink model."""
    try:
        model = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DegenerateModel(f"model_path {path}: cannot read a saved model ({exc}); set model_path to null to retrain") from exc
    if not isinstance(model, dict) or "comparisons" not in model or "probability_two_random_records_match" not in model:
        raise DegenerateModel(f"model_path {path}: not a Splink model JSON (no comparisons); set model_path to null to retrain")
    return model


def model_columns(model: dict) -> set[str]:
    """Matching columns a saved model reads (to check them against this run's data)."""
    text = " ".join(
        [lv["sql_condition"] for c in model["comparisons"] for lv in c["comparison_levels"]]
        + [r["blocking_rule"] if isinstance(r, dict) else str(r) for r in model.get("blocking_rules_to_generate_predictions", [])]
    )
    return {c for c in FEATURES if re.search(rf"\b{c}(_l|_r)?\b", text)}


def check_model_fits(model: dict, present: list[str], path: str) -> None:
    """A reused model must only read matching columns this run's data has."""
    missing = sorted(model_columns(model) - set(present))
    if missing:
        raise DegenerateModel(
            f"model_path {path}: the saved model compares {', '.join(missing)}, which this run's data lacks "
            "(or fills on under 1% of records); retrain (model_path: null) or restore those columns"
        )
