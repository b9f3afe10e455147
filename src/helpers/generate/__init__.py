"""Synthetic demo data for Clientela: one company's customers, as its systems really export them.

`generate(persons, seed, out)` builds a true population (households, people, life events), then
writes what each source system would hold about them — legacy CRM, online shop, web sign-ups,
call centre, hand-typed event leads, till receipts, suppression lists, change-of-address file —
each in its own format and with its own habits, plus `sources.yaml` (the registry the pipeline
reads) and `truth/` (which records are the same person; never inside the source files).

Deterministic: the same (persons, seed, as_of) gives byte-identical files. Every part draws from
its own named random stream (rng.py), so adding a source never changes the others' output.
Vectorised throughout (numpy / pyarrow.compute); a million persons take about a minute.

Modules, in the order the data flows:
  pools        curated reference data (countries, cities, streets, names, domains, nicknames)
  rng, clock   seeded streams and sampling helpers; time relative to the as-of date
  text         vectorised string building (Arrow kernels, code-point templates, date formats)
  ids, phones  national ids with valid check digits; valid phone numbers and their many spellings
  addresses    street tables, buildings with flats, per-source address renderings
  population   the true world: households, persons, names, contacts, moves, email changes
  noise        typos, nicknames, case, spaces, accents, email and digit mistakes
  people       what people sources share: membership, snapshots, habits (noise profiles)
  crm, ecommerce, web_signups, callcentre, marketing, pos, suppressions
               one module per exported file family
  writers      CSV / JSON lines / xlsx writing (with the deliberate glitches)
  registry     the source specs and the sources.yaml text
  truth        truth/records.csv and truth/persons.csv
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

from .registry import registry_yaml

DEFAULT_AS_OF = dt.date(2026, 11, 15)

__all__ = ["generate", "registry_yaml", "DEFAULT_AS_OF"]


def generate(
    persons: int, seed: int, out: str | Path, as_of: dt.date = DEFAULT_AS_OF, registry_path_prefix: str = ""
) -> dict:
    """Write the whole synthetic data set into `out` and return a summary of what was written."""
    from . import callcentre, crm, ecommerce, marketing, pos, suppressions, truth, web_signups
    from .clock import Clock
    from .people import Ctx
    from .population import build as build_population

    if persons < 1:
        raise ValueError("persons must be positive")
    t0 = time.perf_counter()
    out = Path(out)
    (out / "truth").mkdir(parents=True, exist_ok=True)
    clock = Clock(as_of)
    pop = build_population(seed, persons, clock)
    ctx = Ctx(seed=seed, clock=clock, pop=pop, out=out)
    for module in (crm, ecommerce, web_signups, callcentre, marketing):
        module.build(ctx)
    pos.build(ctx)
    suppressions.build(ctx)
    truth.write(ctx)
    (out / "sources.yaml").write_text(registry_yaml(as_of, registry_path_prefix), encoding="utf-8")
    files = dict(sorted(ctx.ledger.files.items()))
    return {
        "persons": persons,
        "households": int(len(pop.hh_type)),
        "seed": seed,
        "as_of": as_of.isoformat(),
        "files": files,
        "people_records": int(sum(len(ids) for _, ids, _ in ctx.ledger.truth)),
        "seconds": round(time.perf_counter() - t0, 2),
    }
