"""Training the matching model the way Splink recommends, and refusing a degenerate result.

Order: the prior (probability two random records match) from near-certain deterministic rules;
u probabilities from random pairs (seeded); m probabilities by expectation maximisation over
several blocks. EM assumes fields disagree independently among true matches; when they do not
(emails built from names, a block on names) it can converge to nonsense — typically a field
whose exact agreement stops counting. `check_model` looks for exactly those symptoms and
stops the stage with a message an analyst can act on.
"""

from __future__ import annotations

import itertools
import json
import logging
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
from splink.blocking_analysis import count_comparisons_from_blocking_rules
from splink.internals.exceptions import SplinkException

from helpers.match.features import FEATURES
from helpers.match.model import (
    ModelSpec,
    ResolvedModel,
    TrainingLimits,
    blocking_rule,
    comparison_columns,
    rule_columns,
    scored_levels,
)

TINY = 1e-12  # the smallest m or u kept: EM can reach denormal floats Splink cannot load

DEFAULT_SANITY = {"min_exact_bayes_factor": 1.0, "min_exact_m": 0.005, "max_else_m": 0.8, "max_exact_u": 0.95}


class DegenerateModel(RuntimeError):
    """The trained m/u values are not believable; the message lists each problem."""


def em_sessions(
    resolved: ResolvedModel, min_sessions_per_comparison: int = 2, blocks: list[list[str]] | None = None
) -> list[list[str]]:
    """The EM blocks to train on, in configured order, until each comparison is estimated often enough.

    A comparison is not estimated in a session blocked on one of its own columns, so the blocks
    are taken in order while some comparison still has fewer than `min_sessions_per_comparison`
    sessions (or at least one when the data cannot give two). `blocks` narrows the candidates
    (to those that give enough pairs in this run's data); by default all of the resolved model's.
    """
    counts = {c["name"]: 0 for c in resolved.comparisons}
    cols = {c["name"]: set(comparison_columns(c)) for c in resolved.comparisons}
    chosen: list[list[str]] = []
    for block in resolved.em_blocks if blocks is None else blocks:
        trains = [n for n in counts if not cols[n] & set(rule_columns(block))]
        if any(counts[n] < min_sessions_per_comparison for n in trains):
            chosen.append(block)
            for n in trains:
                counts[n] += 1
        if all(v >= min_sessions_per_comparison for v in counts.values()):
            break
    return chosen


@dataclass
class TrainingOutcome:
    """What training did, for the stage report: which blocks trained m, which were skipped and
    why, which comparisons fell back to the shipped default m (or u), and where the prior came from."""

    em_blocks: list[list[str]] = field(default_factory=list)
    skipped_blocks: list[str] = field(default_factory=list)
    default_m: list[str] = field(default_factory=list)
    default_u: bool = False
    prior: str = ""
    prior_value: float | None = None
    deterministic_pairs: int = 0


# Splink's own errors and the arithmetic ones its EM can raise on degenerate blocks (a log of 0 or
# of a negative odds): caught per training step, reported, never a run's failure reason.
TRAINING_ERRORS = (SplinkException, ValueError, ArithmeticError, duckdb.Error)


def block_pairs(table: pd.DataFrame, block: list[str]) -> int:
    """Pairs an EM block gives: Σ c(c−1)/2 over the groups of records agreeing on every term.

    Counted from value counts (one group-by, no pair is built), so checking a block costs
    nothing even at a million records; `col:n` terms group on the first n characters.
    """
    if table.empty:
        return 0
    keys = {}
    for term in block:
        col, _, n = str(term).partition(":")
        if col not in table.columns:
            return 0
        keys[term] = table[col].str.slice(0, int(n)) if n else table[col]
    groups = pd.DataFrame(keys).dropna().value_counts(sort=False).to_numpy(dtype="float64")
    return int((groups * (groups - 1) / 2).sum())


def usable_blocks(table: pd.DataFrame, blocks: list[list[str]], min_pairs: int) -> tuple[list[list[str]], list[str]]:
    """The EM blocks giving at least `min_pairs` pairs, and the others as 'block: n pairs' lines."""
    kept, skipped = [], []
    for block in blocks:
        n = block_pairs(table, block)
        if n >= min_pairs:
            kept.append(block)
        else:
            skipped.append(f"{' + '.join(block)}: {n:,} pairs (fewer than min_em_pairs {min_pairs:,})")
    return kept, skipped


def deterministic_pairs(records: Any, rules: list[list[str]]) -> int:
    """Pairs at least one deterministic rule accepts, counted by Splink's pair counter (0 when none can be counted)."""
    if not rules or records is None:
        return 0
    try:
        counts = count_comparisons_from_blocking_rules(
            records,
            blocking_rules=[blocking_rule(r) for r in rules],
            link_type="dedupe_only",
            record_sample_proportion=1.0,
        )
    except TRAINING_ERRORS as exc:
        logging.getLogger(__name__).warning("counting deterministic pairs failed (%s); default prior used", exc)
        return 0
    return int(counts[-1]["cumulative_comparison_count"])


def prior_from_pairs(
    found: int, n_records: int, recall: float, limits: TrainingLimits, recall_how: str = ""
) -> tuple[float, str]:
    """The prior from `found` deterministic pairs believed to be `recall` of all matches; (value, how).

    Splink's estimator raises when the result exceeds every pair (two records that match) and
    gives 0 when no pair qualifies, whose log then breaks EM. Here the result is clamped to
    `prior_bounds`; with no qualifying pair — a file without duplicates on those fields, or
    without the fields — each record is assumed to have `default_matches_per_record` partners:
    a prior that shrinks with the file as a real one does.
    """
    total = n_records * (n_records - 1) / 2
    low, high = limits.prior_bounds
    if total < 1:
        return high, "one record: nothing to compare"
    if found == 0:
        prior = limits.default_matches_per_record * n_records / 2 / total
        how = f"default: no deterministic pair; {limits.default_matches_per_record:g} matching partners per record assumed"
    else:
        prior = found / recall / total
        how = f"{found:,} deterministic pairs / recall {recall:.3g}{recall_how} / {total:,.0f} possible pairs"
    clamped = min(max(prior, low), high)
    if clamped != prior:
        how += f" (clamped from {prior:.3g} into [{low:g}, {high:g}])"
    return clamped, how


def estimate_prior(
    records: Any, n_records: int, rules: list[list[str]], recall: float, limits: TrainingLimits
) -> tuple[float, str]:
    """Probability that two random records match, from near-certain rules with a believed recall; (value, how)."""
    return prior_from_pairs(deterministic_pairs(records, rules), n_records, recall, limits)


def rule_recall(model: dict, table: pd.DataFrame, rules: list[list[str]]) -> float | None:
    """Share of true matches at least one deterministic rule accepts, as the trained model sees it; None if it cannot say.

    Why: the configured recall (0.6) is a guess that holds for tidy data; on a file whose
    fields are often missing or misspelt the rules find far fewer of the matches, the prior
    comes out too small and true pairs fall below the threshold. The model itself says how
    often a true match agrees exactly on each rule column (m of the levels that imply it) and
    the data how often both records have it (fill rate squared); with the independence the
    model already assumes, the union of the rules is exact over the few columns involved.
    """
    cols = sorted({c for r in rules for c in rule_columns(r)})
    agree = {}
    for col in cols:
        m = _exact_m(model, col)
        if m is None or col not in table.columns:
            return None
        agree[col] = m * float(table[col].notna().mean()) ** 2
    miss_all = 0.0
    for pattern in itertools.product((False, True), repeat=len(cols)):
        p = math.prod(agree[c] if on else 1 - agree[c] for c, on in zip(cols, pattern))
        on_cols = {c for c, on in zip(cols, pattern) if on}
        if not any(set(rule_columns(r)) <= on_cols for r in rules):
            miss_all += p
    return 1 - miss_all


def _exact_m(model: dict, col: str) -> float | None:
    """m of the levels that imply exact agreement on `col`: the comparison's levels down to the one
    testing `col` = `col` (exact on a key implies the same nickname form, for instance)."""
    exact = re.compile(rf'^\s*"?{re.escape(col)}_l"?\s*=\s*"?{re.escape(col)}_r"?\s*$')
    for comp in model["comparisons"]:
        levels = scored_levels(comp)
        for i, lv in enumerate(levels):
            if exact.match(lv["sql_condition"]):
                ms = [_probability(x.get("m_probability")) for x in levels[: i + 1]]
                known = [m for m in ms if m is not None]
                return None if len(known) < len(ms) else min(sum(known), 1.0)
    return None


def refine_prior(
    model: dict,
    table: pd.DataFrame,
    rules: list[list[str]],
    found: int,
    limits: TrainingLimits,
    configured_recall: float,
) -> tuple[dict, str]:
    """The model's prior recomputed with the recall of the deterministic rules the trained model implies
    (see `rule_recall`); the configured recall where the model cannot say."""
    recall = rule_recall(model, table, rules) if found else None
    how = " (estimated from the model)"
    if recall is None or recall <= 0:
        recall, how = configured_recall, " (configured)"
    prior, text = prior_from_pairs(found, len(table), recall, limits, how)
    model["probability_two_random_records_match"] = prior
    if found:
        model, discounted = discount_known_matches(model, table, rules, limits)
        if discounted:
            text += "; u of exact agreement without the deterministic pairs: " + ", ".join(discounted)
    return model, text


# Strangers never seen agreeing (every agreeing pair is a deterministic pair): u is taken as this
# share of one pair of the file — as rare as one pair in a hundred files of its size.
UNSEEN_STRANGERS = 0.01


def discount_known_matches(
    model: dict, table: pd.DataFrame, rules: list[list[str]], limits: TrainingLimits
) -> tuple[dict, list[str]]:
    """u of exact agreement on each deterministic-rule column, without the pairs the rules call one person.

    Why: u is the chance that two *different* people agree, but it is measured on random pairs
    (or value counts), which include the duplicates. For a name that hardly matters; for an
    identifier in a small file nearly every pair sharing it is a duplicate — in an email-only file
    of 60 records the one shared address made u as large as the prior, and the pair scored 0.5.
    The pairs a deterministic rule accepts (all of whose columns agree: counted from value
    counts) are near-certain matches, so their share of all pairs is taken out of u. On a large
    file that share is tiny and u barely moves; term-frequency adjusted levels use each value's
    own frequency and are not affected. Skipped when u came from the shipped defaults (too few
    pairs to sample). Returns the model and the levels changed ('col: u before → after').
    """
    n = len(table)
    total = n * (n - 1) / 2
    if total < max(limits.min_u_pairs, 1):
        return model, []
    changed = []
    for col in sorted({c for r in rules for c in rule_columns(r)}):
        known = max((block_pairs(table, r) for r in rules if col in rule_columns(r)), default=0)
        level = _exact_level(model, col)
        u = _probability(level.get("u_probability")) if level else None
        if not known or level is None or u is None:  # u is None whenever level is
            continue
        new = max(u - known / total, UNSEEN_STRANGERS / total)
        if new < u:
            level["u_probability"] = new
            changed.append(f"{col} {u:.3g} → {new:.3g}")
    return model, changed


def _exact_level(model: dict, col: str) -> dict | None:
    """The first level of a comparison when it tests `col_l = col_r` exactly. Only a first level:
    levels are exclusive, so a later one (same nickname) holds just the pairs earlier levels missed."""
    exact = re.compile(rf'^\s*"?{re.escape(col)}_l"?\s*=\s*"?{re.escape(col)}_r"?\s*$')
    for comp in model["comparisons"]:
        levels = scored_levels(comp)
        if levels and exact.match(levels[0]["sql_condition"]):
            return levels[0]
    return None


def train(
    linker: Any, records: Any, table: pd.DataFrame, spec: ModelSpec, resolved: ResolvedModel, seed: int
) -> TrainingOutcome:
    """Estimate the prior, u and m in place on `linker`; returns what was done and what was skipped.

    Every step adapts to the data it is given: blocks too small for EM are skipped (counted
    first), a failing EM session is skipped and named, u that cannot be sampled (a tiny file)
    and m that no session could estimate come from the shipped defaults (`apply_defaults`).
    """
    limits = spec.limits
    log = logging.getLogger(__name__)
    out = TrainingOutcome()
    out.deterministic_pairs = deterministic_pairs(records, resolved.deterministic_rules)
    prior, out.prior = prior_from_pairs(out.deterministic_pairs, len(table), spec.deterministic_recall, limits)
    # Splink's own estimator stores its result here too; there is no public setter.
    linker._settings_obj._probability_two_random_records_match = prior
    if len(table) * (len(table) - 1) / 2 < limits.min_u_pairs:
        out.default_u = True
    else:
        try:
            linker.training.estimate_u_using_random_sampling(max_pairs=spec.u_max_pairs, seed=seed)
        except TRAINING_ERRORS as exc:
            log.warning("u sampling failed (%s); default u used", exc)
            out.default_u = True
    if out.default_u:
        out.skipped_blocks = [f"{' + '.join(b)}: u not estimable on {len(table):,} records" for b in resolved.em_blocks]
        trained_blocks: list[list[str]] = []
    else:
        candidates, out.skipped_blocks = usable_blocks(table, resolved.em_blocks, limits.min_em_pairs)
        trained_blocks = _run_em(linker, em_sessions(resolved, blocks=candidates), spec, out)
    out.em_blocks = trained_blocks
    # A failed EM session can leave its own blocked-pair prior behind on the linker; the
    # prior of the model is the one estimated above (see fit, which writes it into the model).
    linker._settings_obj._probability_two_random_records_match = prior
    out.prior_value = prior
    trained = {n for b in trained_blocks for n in trained_comparisons(resolved, b)}
    out.default_m = [c["name"] for c in resolved.comparisons if c["name"] not in trained]
    return out


def _run_em(linker: Any, blocks: list[list[str]], spec: ModelSpec, out: TrainingOutcome) -> list[list[str]]:
    """One EM session per block; a session Splink refuses or that fails numerically is skipped and named."""
    used = []
    for block in blocks:
        # A session works on the linker's own comparisons (it removes those it cannot estimate and
        # puts them back at the end): a session that fails midway would leave the model without
        # them. Splink's own copy of the settings is kept and restored on failure.
        saved = linker._settings_obj.core_model_settings.copy()
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(
                blocking_rule(block), max_pairs=spec.em_max_pairs, estimate_without_term_frequencies=True
            )
        except TRAINING_ERRORS as exc:
            linker._settings_obj.core_model_settings = saved
            # e.g. a level's m underflowing (3.5e-318) in a block where it never occurs among
            # matches, or no pair at all: the session is dropped; its comparisons keep the
            # estimates of other sessions, or the shipped defaults.
            reason = str(exc).strip().splitlines()[0][:160] if str(exc).strip() else type(exc).__name__
            out.skipped_blocks.append(f"{' + '.join(block)}: EM failed ({type(exc).__name__}: {reason})")
            logging.getLogger(__name__).warning("EM on %s failed (%s); session skipped", block, exc)
            continue
        used.append(block)
    return used


def trained_comparisons(resolved: ResolvedModel, block: list[str]) -> list[str]:
    """Comparisons an EM session blocked on `block` estimates: those reading none of its columns."""
    cols = set(rule_columns(block))
    return [c["name"] for c in resolved.comparisons if not set(comparison_columns(c)) & cols]


def apply_defaults(model: dict, defaults: dict[str, dict[str, list[float]]], m_for: list[str], all_u: bool) -> dict:
    """Put the shipped default m (for comparisons in `m_for`) and, when `all_u`, default u into a saved model.

    Defaults are per comparison and level label (`default_parameters` in config/matching.yaml,
    measured on models trained on the demo data and the public benchmarks). A level the
    defaults do not name gets m = u (no evidence either way; `neutralise_unobserved` when u is
    not known yet); the named values are rescaled to sum to 1 with the others, since the data
    may have fewer levels than the model the defaults came from.
    """
    for comp in model["comparisons"]:
        name = comp["output_column_name"]
        table = defaults.get(name, {})
        levels = scored_levels(comp)
        if all_u:
            _set_normalised(levels, "u_probability", [(table.get(_label(lv)) or (None, None))[1] for lv in levels])
        if name in m_for:
            ms = [(table.get(_label(lv)) or (None, None))[0] for lv in levels]
            us = [_probability(lv.get("u_probability")) for lv in levels]
            _set_normalised(levels, "m_probability", [m if m is not None else u for m, u in zip(ms, us)])
    return model


def _label(level: dict) -> str:
    return level.get("label_for_charts") or level["sql_condition"]


def _set_normalised(levels: list[dict], key: str, values: list[float | None]) -> None:
    """Write the given values rescaled to sum to 1; a level without one is left unset (filled later as neutral)."""
    given = [v for v in values if v is not None and v > 0]
    if not given:
        return
    total = sum(given)
    for lv, v in zip(levels, values):
        if v is not None and v > 0:
            lv[key] = max(v / total, TINY)
        else:
            lv.pop(key, None)


def drop_small_term_frequencies(
    model: dict, table: pd.DataFrame, columns: set[str] | None = None
) -> tuple[dict, list[str]]:
    """Switch off term-frequency adjustment where the file is too small for it; returns the model and those levels.

    A term-frequency adjustment replaces u of exact agreement by the value's own frequency
    (its count over the records with the column filled). A value carried only by one person's
    two records has frequency 2/n, so when 2/n is not below u the adjustment can only weaken
    agreement, however rare the value: in a file of two records of one person every name has
    frequency 1 ("everyone is called Ana"), and in a few hundred records a unique email looks
    common. Such a level keeps its plain u, the average over all values. Decided per level
    from the counts (n) and u of this run, so large files keep every adjustment.

    `columns` limits this to some columns: identifiers (email, phone, national id) are meant to
    be one person's, so in a small file a value's count is mostly that person's own duplicates;
    a name or a place is shared by different people, and even in a small file its frequency
    says how common it is (households share a surname). None: every column (a tiny file).
    """
    dropped: list[str] = []
    for comp in model["comparisons"]:
        for lv in comp["comparison_levels"]:
            col = lv.get("tf_adjustment_column")
            if not col or (columns is not None and col not in columns):
                continue
            n = int(table[col].notna().sum()) if col in table.columns else 0
            u = _probability(lv.get("u_probability"))
            if n >= 2 and u is not None and 2 / n < u:
                continue
            # removed, not weighted 0: Splink reads a weight of 0 back from JSON as "unset" (1.0)
            lv.pop("tf_adjustment_column", None)
            lv.pop("tf_adjustment_weight", None)
            dropped.append(f"{comp['output_column_name']}: {_label(lv)}")
    return model, dropped


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
                SanityFinding(
                    name,
                    f"random pairs agree exactly {exact['u']:.0%} of the time (maximum {limits['max_exact_u']:.0%})",
                )
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
    p = min(
        max(float(model["probability_two_random_records_match"]), 1e-12), 1 - 1e-12
    )  # a reused model may hold 0 or 1
    return math.log2(p / (1 - p))


def load_model(path: str) -> dict:
    """A model saved by an earlier run (`matching_model.json`), checked to be a Splink model."""
    try:
        model = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DegenerateModel(
            f"model_path {path}: cannot read a saved model ({exc}); set model_path to null to retrain"
        ) from exc
    if not isinstance(model, dict) or "comparisons" not in model or "probability_two_random_records_match" not in model:
        raise DegenerateModel(
            f"model_path {path}: not a Splink model JSON (no comparisons); set model_path to null to retrain"
        )
    return model


def model_columns(model: dict) -> set[str]:
    """Matching columns a saved model reads (to check them against this run's data)."""
    text = " ".join(
        [lv["sql_condition"] for c in model["comparisons"] for lv in c["comparison_levels"]]
        + [
            r["blocking_rule"] if isinstance(r, dict) else str(r)
            for r in model.get("blocking_rules_to_generate_predictions", [])
        ]
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
