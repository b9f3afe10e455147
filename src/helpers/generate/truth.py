"""`truth/` — which records belong to which true person (for measuring matching accuracy).

`records.csv`: one row per distinct people record (source, source_record_id) with its person and
household. `persons.csv`: the true people themselves, with the traits the tests and the
accuracy notebook look at (twins, namesakes, movers, email changers). Never inside source files.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from . import people as P
from . import phones
from . import text as T
from . import writers as W
from .pools import COUNTRIES
from .population import HH_TYPES, ROLES


def person_ids(x: np.ndarray, n: int) -> pa.Array:
    return T.prefixed_ids("P", x, max(7, len(str(n))))


def household_ids(x: np.ndarray, n: int) -> pa.Array:
    return T.prefixed_ids("H", x, max(7, len(str(n))))


def write(ctx: P.Ctx) -> None:
    pop = ctx.pop
    n = pop.n
    src, rid, per = [], [], []
    for name, ids, person in ctx.ledger.truth:
        src.append(pa.array([name], pa.string()).take(pa.array(np.zeros(len(person), np.int64))))
        rid.append(T.arr(ids))
        per.append(person)
    person = np.concatenate(per)
    cols = [
        pa.concat_arrays(src),
        pa.concat_arrays(rid),
        person_ids(person, n),
        household_ids(pop.household[person], n),
    ]
    lines = W.csv_lines(cols)
    W.write_text(
        ctx.out / "truth" / "records.csv",
        W.header_line(["source", "source_record_id", "person_truth_id", "household_truth_id"]),
        lines,
    )
    ctx.ledger.files["truth/records.csv"] = len(lines)

    idx = np.arange(n)
    moved = pop.moved_at >= 0
    changed = pop.email_changed_at >= 0
    e164 = phones.render(
        np.random.default_rng(0),
        np.maximum(pop.mobile, 0),
        pop.mobile_key.astype(np.int64),
        {"e164": 1.0},
        present=pop.mobile >= 0,
    )
    a = pop.addresses
    assert a.line1 is not None and a.line2 is not None  # rendered when the addresses are built
    cols = [
        person_ids(idx, n),
        household_ids(pop.household, n),
        pa.array(list(HH_TYPES)).take(pa.array(pop.hh_type[pop.household].astype(np.int64))),
        pa.array(list(ROLES)).take(pa.array(pop.role.astype(np.int64))),
        pa.array(list(COUNTRIES)).take(pa.array(pop.country.astype(np.int64))),
        T.where(pop.female, "F", "M"),
        T.fmt_date(pop.dob),
        pop.first_name,
        pop.last_name,
        pop.national_id,
        pop.email,
        pop.old_email,
        T.null_if(~changed, T.fmt_ts(np.maximum(pop.email_changed_at, 0), "%Y-%m-%d")),
        e164,
        T.arr(a.line1.take(pa.array(pop.addr))),
        T.arr(a.line2.take(pa.array(pop.addr))),
        T.arr(a.postcode.take(pa.array(pop.addr))),
        T.arr(a.city_name.take(pa.array(pop.addr))),
        T.null_if(~moved, T.take(a.line1, pop.old_addr)),
        T.null_if(~moved, T.take(a.postcode, pop.old_addr)),
        T.null_if(~moved, T.fmt_ts(np.maximum(pop.moved_at, 0), "%Y-%m-%d")),
        T.where(pop.twin, "1", "0"),
        T.null_if(pop.namesake_of < 0, person_ids(np.maximum(pop.namesake_of, 0), n)),
    ]
    header = [
        "person_truth_id",
        "household_truth_id",
        "household_type",
        "role",
        "country",
        "gender",
        "date_of_birth",
        "first_name",
        "last_name",
        "national_id",
        "email",
        "old_email",
        "email_changed_on",
        "mobile",
        "address_line1",
        "address_line2",
        "postcode",
        "city",
        "old_address_line1",
        "old_postcode",
        "moved_on",
        "twin",
        "namesake_of",
    ]
    lines = W.csv_lines(cols)
    W.write_text(ctx.out / "truth" / "persons.csv", W.header_line(header), lines)
    ctx.ledger.files["truth/persons.csv"] = len(lines)
