"""`clientela decide | merge | split`: a person's decision written to the store from the command line.

Record keys and person ids are checked against the latest good run (`<processed_dir>/latest`),
so a typo is refused at once rather than kept for ever in an append-only log; `--force`
records a decision about records the latest run does not hold (an export not yet run).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from helpers.catalog import T

if TYPE_CHECKING:  # the parsers are built on every `clientela` call: pandas only when a decision is made
    import pandas as pd

    from helpers.decisions.store import DecisionStore


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """The three subcommands, for `helpers.cli`."""
    dec = sub.add_parser("decide", help="record that two records are the same person, or different people")
    dec.add_argument("decision", choices=["same", "different", "unsure"])
    dec.add_argument("record_a", metavar="SOURCE:ID")
    dec.add_argument("record_b", metavar="SOURCE:ID")
    merge = sub.add_parser("merge", help="record that two persons of the latest run are one")
    merge.add_argument("person_a", metavar="PERSON_ID")
    merge.add_argument("person_b", metavar="PERSON_ID")
    split = sub.add_parser("split", help="record that some records of a person of the latest run are someone else")
    split.add_argument("person", metavar="PERSON_ID")
    split.add_argument("--records", required=True, help="SOURCE:ID,SOURCE:ID… of the records that leave the person")
    for p in (dec, merge, split):
        p.add_argument("--by", required=True, help="who decides (kept in the log)")
        p.add_argument("--note", default="", help="why (kept in the log)")
        p.add_argument("--project", type=Path, help="project folder (default: found from the working directory)")
        p.add_argument("--force", action="store_true", help="accept records the latest run does not hold")


def _context(args: argparse.Namespace) -> tuple[DecisionStore, Path | None]:
    from helpers import runner
    from helpers.decisions.store import DecisionStore, resolve_store_dir

    root = args.project.resolve() if args.project else runner.find_project_root()
    params = runner.load_parameters(root, runner.RunOptions())
    store = DecisionStore(resolve_store_dir(params.get("decisions_dir") or "data/decisions", root))
    latest = Path(params["processed_dir"]) / "latest"
    return store, (latest if (latest / T.record_links.file).exists() else None)


def _latest_links(latest: Path | None, command: str) -> pd.DataFrame:
    import pandas as pd

    from helpers.decisions.store import DecisionError

    if latest is None:
        raise DecisionError(f"{command}: no good run yet (processed_dir/latest); person ids exist only after a run")
    return pd.read_parquet(latest / T.record_links.file, columns=["record_key", "person_id"])


def run(args: argparse.Namespace) -> int:
    from helpers import runner
    from helpers.decisions.persons import merge_decisions, split_decisions
    from helpers.decisions.store import Decision, DecisionError

    try:
        store, latest = _context(args)
        run_id = latest.resolve().name if latest else None
        if args.command == "decide":
            decisions = [
                Decision(args.decision, args.record_a, args.record_b, args.by, args.note, run_id).checked("decide")
            ]
            if latest is not None and not args.force:
                known = set(_latest_links(latest, "decide")["record_key"].astype(str))
                unknown = [r for r in (decisions[0].record_a, decisions[0].record_b) if r not in known]
                if unknown:
                    raise DecisionError(
                        f"decide: {', '.join(unknown)} not in the latest run ({run_id}); check the "
                        "key (SOURCE:ID as in record_links.parquet) or add --force"
                    )
        elif args.command == "merge":
            decisions = merge_decisions(
                _latest_links(latest, "merge"), args.person_a, args.person_b, args.by, args.note, run_id
            )
        else:
            records = [r for r in args.records.split(",") if r.strip()]
            decisions = split_decisions(
                _latest_links(latest, "split"), args.person, records, args.by, args.note, run_id
            )
        store.append(decisions)
    except (DecisionError, runner.RunError) as exc:
        print(f"clientela {args.command}: {exc}", file=sys.stderr)
        return 2
    print(f"clientela {args.command}: {len(decisions)} decision(s) added to {store.log}; the next run applies them")
    for d in decisions:
        print(f"  {d.decision:<9} {d.record_a}  {d.record_b}")
    return 0
