"""Row conditions of the expectation suites, as Great Expectations' own Condition objects.

GX 1.9 deprecated string row conditions (`row_condition: "email.notna()"` with
`condition_parser: pandas`) and GX 2.0 removes them. The suites say a condition as a small
mapping instead, turned here into GX's `Condition` objects, which GX checks and applies itself:

    row_condition: {column: email, is_null: false}          # the rows that have an email
    row_condition: {column: frequency, op: ">", value: 0}   # the rows of buyers
    row_condition: [{column: a, is_null: false}, {column: b, op: "==", value: x}]   # both

A string condition is refused with the mapping to write instead, so an old suite gets a clear
message at load time, not a GX error at gate time.
"""

from __future__ import annotations

from typing import Any

from great_expectations.expectations.row_conditions import (
    AndCondition,
    Column,
    ComparisonCondition,
    Condition,
    NullityCondition,
    Operator,
)

OPERATORS = {op.value: op for op in Operator}
KEYS = {"column", "is_null", "op", "value"}


def condition_problems(spec: Any, where: str) -> list[str]:
    """What is wrong with one suite's `row_condition` value (empty when it is good)."""
    if spec is None:
        return []
    if isinstance(spec, str):
        return [
            f"{where}: a text row condition ({spec!r}) is removed in Great Expectations 2.0; "
            "write it as a mapping, e.g. {column: email, is_null: false} or {column: frequency, op: '>', value: 0}"
        ]
    parts = spec if isinstance(spec, list) else [spec]
    problems = []
    for i, part in enumerate(parts):
        at = f"{where}[{i}]" if isinstance(spec, list) else where
        if not isinstance(part, dict):
            problems.append(f"{at}: expected a mapping with 'column' and either 'is_null' or 'op' and 'value'")
            continue
        unknown = sorted(set(part) - KEYS)
        if unknown:
            problems.append(f"{at}: unknown key(s) {', '.join(unknown)}; a condition has {', '.join(sorted(KEYS))}")
        if not isinstance(part.get("column"), str):
            problems.append(f"{at}.column: the column name the condition tests")
        if "is_null" in part:
            if not isinstance(part["is_null"], bool):
                problems.append(f"{at}.is_null: true or false")
            if "op" in part or "value" in part:
                problems.append(f"{at}: give either is_null, or op and value, not both")
        elif str(part.get("op")) not in OPERATORS or "value" not in part:
            problems.append(f"{at}: needs is_null, or op (one of {', '.join(OPERATORS)}) and value")
    return problems


def to_condition(spec: Any) -> Condition | None:
    """GX's Condition for a suite's `row_condition` mapping (or list of mappings, all must hold)."""
    if spec is None:
        return None
    problems = condition_problems(spec, "row_condition")
    if problems:
        raise ValueError("; ".join(problems))
    parts = [_one(p) for p in (spec if isinstance(spec, list) else [spec])]
    return parts[0] if len(parts) == 1 else AndCondition(conditions=parts)


def condition_columns(spec: Any) -> set[str]:
    """The columns a `row_condition` mapping reads."""
    if not spec or isinstance(spec, str):
        return set()
    return {p["column"] for p in (spec if isinstance(spec, list) else [spec]) if isinstance(p, dict) and "column" in p}


def _one(part: dict[str, Any]) -> Condition:
    column = Column(name=part["column"])
    if "is_null" in part:
        return NullityCondition(column=column, is_null=bool(part["is_null"]))
    return ComparisonCondition(column=column, operator=OPERATORS[str(part["op"])], parameter=part["value"])
