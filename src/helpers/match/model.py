"""The matching model: `config/matching.yaml` turned into Splink settings for the columns present.

The YAML names a small vocabulary of comparison kinds (given_name, surname, date, email,
identifier, place, exact, text); this module is the one place that says what each kind means
in Splink levels. Rules and comparisons whose columns are missing from the data are dropped
here, so the notebook never has to care which sources a company has.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import SettingsCreator, block_on

from helpers.config_file import read_checked
from helpers.match.features import FEATURES
from helpers.settings import ANY, ConfigError, ListOf

if TYPE_CHECKING:  # splink.comparison_library does not export the base class
    from splink.internals.comparison_creator import ComparisonCreator

KINDS = ("given_name", "surname", "date", "email", "identifier", "place", "exact", "text")


class ModelSpecError(ConfigError):
    """The matching configuration is unusable; the message says where and what to change."""


# Every key config/matching.yaml may hold. A misspelt optional key (`nicknam:`) would silently
# drop a comparison level; a misspelt training key (`deterministic_recal:`) would silently keep
# its default. Add a key here when the code starts reading a new one.
COMPARISON_KEYS = (
    "name",
    "kind",
    "column",
    "columns",
    "nickname",
    "first_word",
    "swapped_with",
    "crossed_words",
    "lone_name",
    "parts",
    "frequency_within",
    "user",
)
TRAINING_KEYS = (
    "deterministic_rules",
    "deterministic_recall",
    "u_max_pairs",
    "em_blocks",
    "em_max_pairs",
    "min_em_pairs",
    "min_u_pairs",
    "prior_bounds",
    "default_matches_per_record",
)
SANITY_KEYS = ("min_exact_bayes_factor", "min_exact_m", "max_else_m", "max_exact_u")
SCHEMA = {
    "comparisons": ListOf(dict.fromkeys(COMPARISON_KEYS, ANY)),
    "blocking_rules": ListOf({"swapped": ANY, "crossed": ANY, "same": ANY}, label=None),
    "training": dict.fromkeys(TRAINING_KEYS, ANY),
    "sanity": dict.fromkeys(SANITY_KEYS, ANY),
    "default_parameters": ANY,
    "max_pairs_per_record": ANY,
    "vetoes": ListOf({"when_different": ANY, "unless_same": ANY, "max_m": ANY}, label=None),
}


@dataclass
class TrainingLimits:
    """How much data each estimate needs, and what stands in when the data has less (`training:` in
    config/matching.yaml; see helpers.match.training)."""

    min_em_pairs: int = 5  # a training block giving fewer pairs is skipped: nothing to estimate from
    min_u_pairs: int = 1000  # fewer possible pairs than this: u cannot be sampled; the shipped defaults are used
    prior_bounds: tuple[float, float] = (1e-9, 0.5)  # the estimated prior is clamped into this range
    default_matches_per_record: float = 0.1  # prior when no deterministic pair exists: partners per record
    default_parameters: dict[str, dict[str, list[float]]] = field(default_factory=dict)  # comparison → level → [m, u]


@dataclass
class ModelSpec:
    comparisons: list[dict[str, Any]]
    blocking_rules: list[list[str] | dict[str, list[str]]]
    deterministic_rules: list[list[str]]
    deterministic_recall: float
    u_max_pairs: int
    em_blocks: list[list[str]]
    em_max_pairs: int
    sanity: dict[str, float] = field(default_factory=dict)
    vetoes: list[dict[str, Any]] = field(default_factory=list)
    path: str = "config/matching.yaml"
    limits: TrainingLimits = field(default_factory=TrainingLimits)
    # A blocking rule that would compare more pairs than this per record is left out
    # (helpers/match/blocking_guard.py): matching cost stays linear in the number of records.
    max_pairs_per_record: float = 100.0


def comparison_columns(comparison: dict[str, Any]) -> list[str]:
    """Every matching column a comparison reads (the first is the one it cannot do without)."""
    cols = [comparison["column"]] if "column" in comparison else list(comparison.get("columns", []))
    for key in ("nickname", "first_word", "crossed_words", "user"):
        if key in comparison:
            cols.append(comparison[key])
    cols += [c for c in comparison.get("swapped_with", []) if c not in cols]
    cols += list(comparison.get("parts", []))
    cols += [c for c in comparison.get("lone_name", []) if c not in cols]
    return cols


def frequency_columns(comparison: dict[str, Any], present: list[str] | set[str]) -> list[str]:
    """The columns whose term frequencies a comparison's exact levels use, when the comparison
    counts them `frequency_within` a scope (see features.frequencies_within); else none."""
    scope = comparison.get("frequency_within")
    if scope is None or scope not in present:
        return []
    cols = [comparison["column"]] if "column" in comparison else list(comparison.get("columns", []))
    return [c for c in cols if c in present]


def _term_column(term: str) -> str:
    """`col` or `col:n` (the first n characters of col) → col."""
    return str(term).split(":", 1)[0]


def _term_sql(term: str) -> str:
    """`col:n` → `substr(col, 1, n)`: agreement on a prefix survives a typo later in the word."""
    col, _, n = str(term).partition(":")
    return f"substr({col}, 1, {int(n)})" if n else col


def _side_sql(term: str, side: str) -> str:
    """`col:n` of one side of a pair (`l` or `r`) as SQL."""
    col, _, n = str(term).partition(":")
    return f"substr({side}.{col}, 1, {int(n)})" if n else f"{side}.{col}"


def rule_columns(rule: list[str] | dict[str, list[str]] | str) -> list[str]:
    """Columns a rule reads: `[a, b:3]` (agree on a and on b's first 3 characters),
    `{swapped: [a, b]}` (a of one record = b of the other, and the other way round) or
    `{crossed: [a, b], same: [c]}` (a of one record = b of the other, and both agree on c)."""
    if isinstance(rule, dict):
        return (
            list(rule.get("swapped", []))
            + list(rule.get("crossed", []))
            + [_term_column(t) for t in rule.get("same", [])]
        )
    return [_term_column(t) for t in (rule if isinstance(rule, list) else [rule])]


def blocking_rule(rule: list[str] | dict[str, list[str]]) -> Any:
    """A Splink blocking rule; `swapped` catches given name and surname typed in each other's field.

    A `crossed` rule is two Splink rules (see `splink_blocking_rules`)."""
    if isinstance(rule, dict):
        if "crossed" in rule:
            raise ModelSpecError(
                f"{describe_rule(rule)}: a crossed rule is two Splink rules; use splink_blocking_rules"
            )
        if "no_pairs" in rule:
            return NO_PAIRS_SQL
        a, b = rule["swapped"]
        return f"l.{a} = r.{b} AND l.{b} = r.{a}"
    return block_on(*[_term_sql(t) for t in rule])


def splink_blocking_rules(rule: list[str] | dict[str, list[str]]) -> list[tuple[str, Any]]:
    """(description, Splink rule) for each join a configured rule makes.

    `{crossed: [a, b], same: [c]}` joins a record's a to another's b. Splink compares each pair
    once (left id < right id), so the one-sided join is written both ways round. Each way is a
    plain equi-join on (a, c) = (b, c): when a is filled on few records (a lone name), it costs
    only their pairs — an OR of both ways, or a join on c alone, would pair every record of
    a city.
    """
    if isinstance(rule, dict) and "crossed" in rule:
        a, b = rule["crossed"]
        rest = "".join(f" AND {_side_sql(t, 'l')} = {_side_sql(t, 'r')}" for t in rule.get("same", []))
        return [
            (f"{a} → {b}" + "".join(f" + {t}" for t in rule.get("same", [])), f"l.{a} = r.{b}{rest}"),
            (f"{b} ← {a}" + "".join(f" + {t}" for t in rule.get("same", [])), f"l.{b} = r.{a}{rest}"),
        ]
    return [(describe_rule(rule), blocking_rule(rule))]


def describe_rule(rule: list[str] | dict[str, list[str]]) -> str:
    if isinstance(rule, dict) and "no_pairs" in rule:
        return "no pair compared (no blocking rule fits this data)"
    if isinstance(rule, dict):
        if "crossed" in rule:
            a, b = rule["crossed"]
            return f"{a} ⇢ {b}" + "".join(f" + {t}" for t in rule.get("same", []))
        a, b = rule["swapped"]
        return f"{a} ⇄ {b}"
    return " + ".join(t if ":" not in str(t) else f"{_term_column(t)}[:{str(t).split(':')[1]}]" for t in rule)


def load_spec(path: str | Path) -> ModelSpec:
    """Read and check the matching configuration; every problem is reported at once."""
    path = Path(path)
    raw, problems = read_checked(path, "matching model", ModelSpecError, SCHEMA)
    comparisons = raw.get("comparisons") or []
    if not isinstance(comparisons, list) or not all(isinstance(c, dict) for c in comparisons):
        problems.append("comparisons: expected a list of {name, kind, column, …} entries")
        comparisons = [c for c in comparisons if isinstance(c, dict)] if isinstance(comparisons, list) else []
    names = [c.get("name") for c in comparisons]
    for i, comp in enumerate(comparisons):
        where = f"comparisons[{i}] ({comp.get('name', 'unnamed')})"
        if comp.get("kind") not in KINDS:
            problems.append(f"{where}: kind {comp.get('kind')!r} is not one of {', '.join(KINDS)}")
        if not comparison_columns(comp):
            problems.append(f"{where}: give `column:` (or `columns:` for kind place)")
        for col in comparison_columns(comp):
            if col not in FEATURES:
                problems.append(f"{where}: {col!r} is not a matching column ({', '.join(FEATURES)})")
        scope = comp.get("frequency_within")
        if scope is not None and scope not in FEATURES:
            problems.append(f"{where}: frequency_within {scope!r} is not a matching column")
    if len(set(names)) != len(names):
        problems.append("comparisons: names must be unique")
    training = raw.get("training") or {}
    rule_lists = {
        "blocking_rules": raw.get("blocking_rules") or [],
        "training.deterministic_rules": training.get("deterministic_rules") or [],
        "training.em_blocks": training.get("em_blocks") or [],
    }
    for where, rules in rule_lists.items():
        if not rules:
            problems.append(f"{where}: at least one rule is needed")
        for rule in rules:
            if isinstance(rule, dict) and where != "blocking_rules":
                problems.append(f"{where}: {rule} — only blocking_rules may use `swapped:` or `crossed:`")
            elif isinstance(rule, dict) and not (
                (set(rule) == {"swapped"} and len(rule["swapped"]) == 2)
                or (set(rule) <= {"crossed", "same"} and len(rule.get("crossed") or []) == 2)
            ):
                problems.append(f"{where}: {rule} — write `swapped: [a, b]` or `crossed: [a, b]` (with `same: [...]`)")
            for col in rule_columns(rule):
                if col not in FEATURES:
                    problems.append(f"{where}: {col!r} is not a matching column")
    vetoes = raw.get("vetoes") or []
    for i, veto in enumerate(vetoes):
        if veto.get("when_different") not in names:
            problems.append(f"vetoes[{i}]: when_different must name a comparison ({', '.join(map(str, names))})")
        for other in veto.get("unless_same") or []:
            if other not in names:
                problems.append(f"vetoes[{i}]: unless_same {other!r} is not a comparison")
    recall = training.get("deterministic_recall", 0.6)
    if not _number_in(recall, 0, 1):
        problems.append(f"training.deterministic_recall: {recall!r} must be a number in (0, 1]")
        recall = 0.6
    for key, value in (raw.get("sanity") or {}).items():
        if not _number_in(value, 0, float("inf")):
            problems.append(f"sanity.{key}: {value!r} must be a positive number")
    for key in ("u_max_pairs", "em_max_pairs", "min_em_pairs", "min_u_pairs"):
        value = training.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            problems.append(f"training.{key}: {value!r} must be a whole number of pairs (0 or more)")
            training.pop(key)
    value = training.get("default_matches_per_record")
    if value is not None and not _number_in(value, 0, float("inf")):
        problems.append(f"training.default_matches_per_record: {value!r} must be a positive number")
        training.pop("default_matches_per_record")
    bounds = training.get("prior_bounds")
    if bounds is not None and not (
        isinstance(bounds, list) and len(bounds) == 2 and all(_number_in(b, 0, 1) for b in bounds)
    ):
        problems.append("training.prior_bounds: give [low, high] with 0 < low < high < 1")
        training.pop("prior_bounds")
    limits = _limits(training, raw.get("default_parameters") or {}, names, problems)
    max_pairs = raw.get("max_pairs_per_record", 100)
    if not _number_in(max_pairs, 0, float("inf")):
        problems.append(f"max_pairs_per_record: {max_pairs!r} must be a positive number")
        max_pairs = 100
    if problems:
        raise ModelSpecError(problems, path, "matching model")
    return ModelSpec(
        comparisons=comparisons,
        blocking_rules=list(rule_lists["blocking_rules"]),
        deterministic_rules=[list(r) for r in rule_lists["training.deterministic_rules"]],
        deterministic_recall=float(recall),
        u_max_pairs=int(training.get("u_max_pairs", 5_000_000)),
        em_blocks=[list(r) for r in rule_lists["training.em_blocks"]],
        em_max_pairs=int(training.get("em_max_pairs", 2_000_000)),
        sanity={k: float(v) for k, v in (raw.get("sanity") or {}).items()},
        vetoes=[
            {
                "when_different": v["when_different"],
                "unless_same": list(v.get("unless_same") or []),
                "max_m": float(v.get("max_m", 0.05)),
            }
            for v in vetoes
        ],
        path=str(path),
        limits=limits,
        max_pairs_per_record=float(max_pairs),
    )


def _number_in(value: Any, low: float, high: float) -> bool:
    """A number in (low, high]; YAML text such as `1e-06` (no dot) counts, booleans do not."""
    if isinstance(value, bool):
        return False
    try:
        return low < float(value) <= high
    except (TypeError, ValueError):
        return False


def _probabilities(pair: Any) -> list[float] | None:
    """[m, u] as floats in (0, 1], or None. YAML reads 1e-06 (no dot) as text, so text is converted."""
    try:
        values = [float(v) for v in pair] if isinstance(pair, list) and len(pair) == 2 else None
    except (TypeError, ValueError):
        return None
    return values if values and all(0 < v <= 1 for v in values) else None


def _limits(training: dict, defaults: dict, names: list[str], problems: list[str]) -> TrainingLimits:
    """`training:` minimums, prior bounds and `default_parameters:`, checked (problems appended)."""
    base = TrainingLimits()
    bounds = training.get("prior_bounds", list(base.prior_bounds))
    if not (isinstance(bounds, list) and len(bounds) == 2 and 0 < float(bounds[0]) < float(bounds[1]) < 1):
        problems.append("training.prior_bounds: give [low, high] with 0 < low < high < 1")
        bounds = list(base.prior_bounds)
    table: dict[str, dict[str, list[float]]] = {}
    for comp, levels in defaults.items():
        if comp not in names:
            problems.append(f"default_parameters: {comp!r} is not a comparison")
            continue
        for label, mu in (levels or {}).items():
            values = _probabilities(mu)
            if values is None:
                problems.append(f"default_parameters.{comp}.{label}: give [m, u], both in (0, 1]")
                continue
            table.setdefault(comp, {})[str(label)] = values
    return TrainingLimits(
        min_em_pairs=int(training.get("min_em_pairs", base.min_em_pairs)),
        min_u_pairs=int(training.get("min_u_pairs", base.min_u_pairs)),
        prior_bounds=(float(bounds[0]), float(bounds[1])),
        default_matches_per_record=float(training.get("default_matches_per_record", base.default_matches_per_record)),
        default_parameters=table,
    )


# --- comparison kinds -------------------------------------------------------------------------


class PerDialectLevel(cll.CustomLevel):
    """A custom level written once per engine: list functions differ between DuckDB and Spark,
    and sqlglot does not translate them."""

    def __init__(self, sql_by_dialect: dict[str, str], label: str):
        super().__init__(sql_by_dialect["duckdb"], label_for_charts=label)
        self.sql_by_dialect = sql_by_dialect

    def create_sql(self, sql_dialect: Any) -> str:
        return self.sql_by_dialect[sql_dialect.sql_dialect_str]


def _null_and_exact(col: str) -> list:
    """The opening levels of most comparisons: nothing to compare, then exact agreement weighted
    by how common the value is (term frequency)."""
    return [cll.NullLevel(col), cll.ExactMatchLevel(col).configure(tf_adjustment_column=col)]


def _named(comparison: ComparisonCreator, name: str) -> cl.CustomComparison:
    """A library comparison under the model's own name (charts and parameters use it)."""
    # list(): CustomComparison takes a list[level | dict], and list is invariant
    return cl.CustomComparison(list(comparison.get_configured_comparison_levels()), output_column_name=name)


# A lone name within this many typos of the other record's surname is taken to be that surname.
LONE_NAME_TYPOS = 2


def _lone_is_surname(c: dict, present: set[str], max_typos: int = 0) -> str | None:
    """SQL: one record's lone name (no surname; see features) is the other record's surname.

    `lone_name: [lone, surname]` in the configuration names the two columns."""
    pair = c.get("lone_name") or []
    if len(pair) != 2 or not set(pair) <= present:
        return None
    lone, surname = pair
    # coalesce: a comparison with a null is unknown in SQL, and NOT unknown is unknown — the
    # level must say plainly false when either side has no value
    if max_typos:
        return (
            f"(coalesce(levenshtein({lone}_l, {surname}_r) <= {max_typos}, false) "
            f"OR coalesce(levenshtein({lone}_r, {surname}_l) <= {max_typos}, false))"
        )
    return f"(coalesce({lone}_l = {surname}_r, false) OR coalesce({lone}_r = {surname}_l, false))"


def _null_unless_lone(col: str, c: dict, present: set[str]) -> list:
    """The null level of a name comparison, when the data has lone names.

    Given-name comparison: a lone name that is (nearly) the other record's surname is a surname
    in the given-name field — there is no given name to compare, so no evidence (instead of a
    false "initial agrees" or a disagreement that would trigger the veto).
    Surname comparison: such a pair is *not* null — the lone name is compared with the surname
    (levels "Lone name is this surname").
    """
    lone = _lone_is_surname(c, present, max_typos=LONE_NAME_TYPOS)
    plain = f"({col}_l IS NULL OR {col}_r IS NULL)"
    if lone is None:
        return [cll.NullLevel(col)]
    if c["kind"] == "given_name":
        sql, label = f"{plain} OR {lone}", f"{col} is null, or the only name is the other's surname"
    else:
        sql, label = f"{plain} AND NOT {lone}", f"{col} is null (and no lone name to compare)"
    return [cll.CustomLevel(sql, label_for_charts=label).configure(is_null_level=True)]


def _cut_short(col: str) -> str:
    """SQL: one value is the start of the other, 3 letters at least (one letter more is already a
    typo). Plain substr/length: the same SQL on every engine."""
    return (
        f"(length({col}_l) >= 3 AND length({col}_r) > length({col}_l) AND substr({col}_r, 1, length({col}_l)) = {col}_l)"
        f" OR (length({col}_r) >= 3 AND length({col}_l) > length({col}_r) AND substr({col}_l, 1, length({col}_r)) = {col}_r)"
    )


def _given_name(c: dict, present: set[str]) -> cl.CustomComparison:
    col = c["column"]
    levels = [*_null_unless_lone(col, c, present), cll.ExactMatchLevel(col).configure(tf_adjustment_column=col)]
    if c.get("nickname") in present:
        levels.append(cll.ExactMatchLevel(c["nickname"]).configure(label_for_charts="Same after nicknames"))
    levels.append(cll.LevenshteinLevel(col, 1).configure(label_for_charts="One typo"))
    if c.get("first_word") in present:
        levels.append(cll.ExactMatchLevel(c["first_word"]).configure(label_for_charts="Same first word"))
    # "M. Pilar" = "María Pilar", "Carmen" = "María Carmen": a given-name word in common.
    levels.append(
        PerDialectLevel(
            {
                "duckdb": f"list_has_any(string_split({col}_l, ' '), string_split({col}_r, ' '))",
                "spark": f"arrays_overlap(split({col}_l, ' '), split({col}_r, ' '))",
            },
            label="A given-name word in common",
        )
    )
    # "Franci" = "Francesca", "Dani" = "Daniel": a name cut short (3 letters at least; one
    # letter more is already a typo). Plain substr/length: the same SQL on every engine.
    levels.append(cll.CustomLevel(_cut_short(col), label_for_charts="One name the start of the other (Dani = Daniel)"))
    initial = f"(length({col}_l) = 1 OR length({col}_r) = 1) AND substr({col}_l, 1, 1) = substr({col}_r, 1, 1)"
    levels.append(cll.CustomLevel(initial, label_for_charts="Initial agrees (J = John)"))
    levels.append(cll.LevenshteinLevel(col, 2).configure(label_for_charts="Two typos"))
    swap = c.get("swapped_with") or []
    if len(swap) == 2 and set(swap) <= present:
        # e.g. "Rodríguez Ruiz, Palmira" typed as given name "Rodríguez Ruiz", surname "Palmira"
        a, b = swap
        swapped = cll.CustomLevel(f"{a}_l = {b}_r AND {a}_r = {b}_l", label_for_charts="Given name and surname swapped")
        levels.append(swapped)
        # "Oliva Clarke" = "Clarke Olivia": swapped, and one of the names mistyped on the way.
        fuzzy = f"levenshtein({a}_l, {b}_r) <= 1 AND levenshtein({a}_r, {b}_l) <= 1"
        levels.append(cll.CustomLevel(fuzzy, label_for_charts="Given name and surname swapped, with a typo"))
    words, first = c.get("crossed_words"), c.get("first_word")
    if words in present and first in present:
        # "Pérez Ureña Mayte" typed as given name "Pérez", surname "Ureña Mayte": at least two
        # name words shared and one record's given name among the other's words (siblings
        # share two surname words, but not a given name).
        levels.append(
            PerDialectLevel(
                {
                    "duckdb": f"len(list_intersect({words}_l, {words}_r)) >= 2 AND "
                    f"(list_contains({words}_r, {first}_l) OR list_contains({words}_l, {first}_r))",
                    "spark": f"size(array_intersect({words}_l, {words}_r)) >= 2 AND "
                    f"(array_contains({words}_r, {first}_l) OR array_contains({words}_l, {first}_r))",
                },
                label="Same names across fields",
            )
        )
    levels.append(cll.ElseLevel())
    return cl.CustomComparison(levels, output_column_name=c["name"])


def _surname(c: dict, present: set[str]) -> cl.CustomComparison:
    col = c["column"]
    levels = [
        *_null_unless_lone(col, c, present),
        cll.ExactMatchLevel(col).configure(tf_adjustment_column=col),
        cll.LevenshteinLevel(col, 1).configure(label_for_charts="One typo"),
    ]
    lone = _lone_is_surname(c, present)
    if lone is not None:
        # "Stonehewer" alone in the given-name field = surname Stonehewer; weighed by how
        # common that surname is (term frequency of the record that has it).
        levels.append(
            cll.CustomLevel(lone, label_for_charts="Lone name is this surname").configure(tf_adjustment_column=col)
        )
        typo = _lone_is_surname(c, present, max_typos=LONE_NAME_TYPOS)
        assert typo is not None, "the same lone_name columns as `lone`, which is not None"
        levels.append(cll.CustomLevel(typo, label_for_charts="Lone name is this surname, with typos"))
    parts = [p for p in c.get("parts", []) if p in present]
    if len(parts) == 2:
        a, b = parts
        pairs = ((a, a), (a, b), (b, a), (b, b))
        shared = " OR ".join(f"{x}_l = {y}_r" for x, y in pairs)
        levels.append(cll.CustomLevel(f"({shared})", label_for_charts="One surname in common"))
        # "Lopea" vs "Gonçalves Lopes": the surname both records share, misspelt in one.
        typo = " OR ".join(f"levenshtein({x}_l, {y}_r) <= 1" for x, y in pairs)
        levels.append(cll.CustomLevel(f"({typo})", label_for_charts="One surname in common, with a typo"))
    levels += [cll.LevenshteinLevel(col, 2).configure(label_for_charts="Two typos")]
    # "Gon" = "Gonzalez": a surname cut short by a fixed-width field or a hurried typist.
    levels.append(
        cll.CustomLevel(_cut_short(col), label_for_charts="One surname the start of the other (Gon = Gonzalez)")
    )
    swap = c.get("swapped_with") or []
    if len(swap) == 2 and set(swap) <= present:
        # Given name and surname typed in each other's field: the given-name comparison counts
        # that as one piece of evidence. Here it is no evidence either way — neither a
        # disagreement (which would cancel the swap) nor a second agreement (counting it twice).
        x, y = swap
        swapped = f"levenshtein({x}_l, {y}_r) <= 1 AND levenshtein({x}_r, {y}_l) <= 1"
        levels.append(
            cll.CustomLevel(swapped, label_for_charts="Swapped with the given name (counted there)").configure(
                is_null_level=True
            )
        )
    levels.append(cll.ElseLevel())
    return cl.CustomComparison(levels, output_column_name=c["name"])


def _date(c: dict, present: set[str]) -> cl.CustomComparison:
    # Splink's date-of-birth levels, with term frequencies on exact agreement so that a
    # placeholder date many records share (1900-01-01) weighs little.
    col = c["column"]
    levels = cl.DateOfBirthComparison(
        col, input_is_string=True, datetime_thresholds=[1, 1, 10], datetime_metrics=["month", "year", "year"]
    ).get_configured_comparison_levels()
    levels[1].configure(tf_adjustment_column=col)
    # 1972-05-10 = 1972-10-05: day and month read the other way round (a US-format date taken for
    # a European one, or the reverse). ISO text, plain substr: the same SQL on every engine.
    swapped = (
        f"substr({col}_l, 1, 4) = substr({col}_r, 1, 4) AND substr({col}_l, 6, 2) = substr({col}_r, 9, 2) "
        f"AND substr({col}_l, 9, 2) = substr({col}_r, 6, 2)"
    )
    levels.insert(2, cll.CustomLevel(swapped, label_for_charts="Day and month swapped"))
    # 1999-03-16 = 2009-03-16: the year mistyped (a digit of the decade), day and month intact.
    # After "one typo" (1968 = 1969), before the distance levels (which would call it 10 years).
    same_day = f"substr({col}_l, 6, 5) = substr({col}_r, 6, 5)"
    levels.insert(4, cll.CustomLevel(same_day, label_for_charts="Same day and month, year mistyped"))
    return cl.CustomComparison(list(levels), output_column_name=c["name"])  # list(): as in _named


def _email(c: dict, present: set[str]) -> cl.CustomComparison:
    # Exact only: similar addresses, or the same user name at another provider
    # (peterwilliams@hotmail vs peterwilliams@yahoo), are mostly the same *name* — evidence
    # the name comparisons already counted, and the mark of namesakes.
    col = c["column"]
    levels = [*_null_and_exact(col)]
    user = c.get("user")
    if user in present:
        # marta432560@example.com = marta432560@exsmple.com, tanya.bosco90@example.com =
        # tanya.bosco90@proton.me: one user at a misspelt or another domain. Weighed by how common
        # the user name is (term frequency): "info" or a bare first name says little, a name with
        # digits much; how often strangers share one is learnt like any level.
        levels.append(
            cll.ExactMatchLevel(user).configure(
                label_for_charts="Same user name, other domain", tf_adjustment_column=user
            )
        )
    # t.m39@brooks-sawyer.com = t.m39@brooks-sawer.com, lrobinson@wolf.org = lrobinson@wolfo.org: an
    # address typed over with a slip or two. How often strangers' addresses are that close
    # (namesakes at one provider: ana.ruiz@ = ana.ruiz1@) is learnt like any level's u.
    levels.append(cll.LevenshteinLevel(col, 2).configure(label_for_charts="One or two typos"))
    levels.append(cll.ElseLevel())
    return cl.CustomComparison(levels, output_column_name=c["name"])


def _identifier(c: dict, present: set[str]) -> cl.CustomComparison:
    col = c["column"]
    levels = [
        *_null_and_exact(col),
        cll.DamerauLevenshteinLevel(col, 1).configure(label_for_charts="One typo"),
        cll.ElseLevel(),
    ]
    return cl.CustomComparison(levels, output_column_name=c["name"])


PLACE_LABELS = {
    "address_key": "Same address",
    "building_key": "Same building",
    "postcode": "Same postcode",
    "city": "Same city",
}


def _place(c: dict, present: set[str]) -> cl.CustomComparison:
    cols = [col for col in c["columns"] if col in present]
    # Null only when no column can be compared on both sides.
    null_sql = " AND ".join(f"({col}_l IS NULL OR {col}_r IS NULL)" for col in cols)
    levels: list = [cll.CustomLevel(null_sql, label_for_charts="Nothing to compare").configure(is_null_level=True)]
    for col in cols:
        label = PLACE_LABELS.get(col, f"Same {col}")
        # term frequencies: sharing a village says more than sharing London
        levels.append(cll.ExactMatchLevel(col).configure(label_for_charts=label, tf_adjustment_column=col))
    # "Kingson upon Hull" = "Kingston upon Hull": a hand-typed place name with a typo or two still
    # names the same place (the broadest column only: a postcode or street one typo away is another place).
    if cols and cols[-1] == "city":
        levels.append(cll.LevenshteinLevel("city", 2).configure(label_for_charts="Same city, with typos"))
    levels.append(cll.ElseLevel())
    return cl.CustomComparison(levels, output_column_name=c["name"])


def _exact(c: dict, present: set[str]) -> ComparisonCreator:
    return _named(cl.ExactMatch(c["column"]), c["name"])


def _text(c: dict, present: set[str]) -> cl.CustomComparison:
    col = c["column"]
    levels = [
        *_null_and_exact(col),
        cll.LevenshteinLevel(col, 2).configure(label_for_charts="Two typos"),
        cll.ElseLevel(),
    ]
    return cl.CustomComparison(levels, output_column_name=c["name"])


BUILDERS = {
    "given_name": _given_name,
    "surname": _surname,
    "date": _date,
    "email": _email,
    "identifier": _identifier,
    "place": _place,
    "exact": _exact,
    "text": _text,
}


# The comparison kinds whose values belong to one person (an email, a phone, an identity number).
IDENTIFIER_KINDS = ("email", "identifier")

# A blocking rule that compares no pair: what `resolve` uses when no configured rule fits the data.
NO_PAIRS: dict[str, list[str]] = {"no_pairs": []}
NO_PAIRS_SQL = "1 = 0"


@dataclass
class ResolvedModel:
    """The spec cut down to this run's columns, with what was left out and why."""

    comparisons: list[dict[str, Any]]
    blocking_rules: list[list[str] | dict[str, list[str]]]
    deterministic_rules: list[list[str]]
    em_blocks: list[list[str]]
    left_out: list[str]


def resolve(spec: ModelSpec, present: list[str]) -> ResolvedModel:
    """Keep the comparisons and rules this run's data can support."""
    have = set(present)
    left_out: list[str] = []
    comparisons = []
    for comp in spec.comparisons:
        cols = comparison_columns(comp)
        usable = [c for c in cols if c in have]
        main_ok = (comp["kind"] == "place" and usable) or (comp["kind"] != "place" and cols[0] in have)
        if main_ok:
            comparisons.append(comp)
        else:
            left_out.append(
                f"comparison {comp['name']}: no {cols[0] if comp['kind'] != 'place' else ' / '.join(cols)} in the data"
            )

    def rules(kind: str, candidates: list) -> list:
        kept = [r for r in candidates if set(rule_columns(r)) <= have]
        left_out.extend(f"{kind} {describe_rule(r)}: column missing" for r in candidates if r not in kept)
        return kept

    blocking = rules("blocking rule", spec.blocking_rules)
    if not blocking:
        # A file whose columns fit no rule (given names only) cannot be matched: every record
        # stays its own person, and the run says so instead of failing.
        blocking = [NO_PAIRS]
        left_out.append(
            "matching: no blocking rule fits the columns of this data, so no pair of records is compared and "
            "every record stays its own person; map a surname, birth date, email, phone, id or postcode to match"
        )
    deterministic = rules("deterministic rule", spec.deterministic_rules)
    if not deterministic:
        # Where no configured rule applies (an email-only file), a shared personal identifier is
        # the near-certain evidence there is: it sets the prior, and such pairs are not counted
        # as strangers agreeing (training.refine_prior).
        deterministic = [
            [c["column"]] for c in comparisons if c["kind"] in IDENTIFIER_KINDS and c.get("column") in have
        ]
        if deterministic:
            left_out.append(
                "deterministic rules: none fits this data; a shared "
                + " / ".join(r[0] for r in deterministic)
                + " alone is taken as the same person"
            )
    return ResolvedModel(
        comparisons=comparisons,
        blocking_rules=blocking,
        deterministic_rules=deterministic,
        em_blocks=rules("training block", spec.em_blocks),
        left_out=left_out,
    )


def splink_settings(resolved: ResolvedModel, present: list[str]) -> SettingsCreator:
    """Splink settings (untrained) for the resolved model; `unique_id` identifies a record."""
    if not resolved.comparisons:
        raise ModelSpecError("no comparison can be made: the data has none of the matching columns filled")
    have = set(present)
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=[BUILDERS[c["kind"]](c, have) for c in resolved.comparisons],
        blocking_rules_to_generate_predictions=[
            br for r in resolved.blocking_rules for _, br in splink_blocking_rules(r)
        ],
        retain_intermediate_calculation_columns=True,
        additional_columns_to_retain=["source"],
    )


def find_comparison(model: dict, name: str) -> dict:
    """A comparison of a Splink model (as saved to JSON) by its output name."""
    return next(c for c in model["comparisons"] if c["output_column_name"] == name)


def scored_levels(comparison: dict) -> list[dict]:
    """A saved comparison's levels without the null level: strongest first, 'all other' last."""
    return [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
