"""`clientela forget` and `clientela subject-access`: the command-line side of data-subject requests.

Both read the project's parameters like `clientela run` (config/pipeline.yaml, `--set`
overrides), so they act on the same `processed_dir`, `reports_dir` and `decisions_dir` as the
scheduled runs. `forget` holds the run lock while it rewrites run folders: a run in progress
is never purged under its feet (and a run that starts later applies the tombstones anyway).
Neither prints an identifier: only counts, ids of erasures and, when an identifier is shared,
the person ids to choose from.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def add_parsers(sub: argparse._SubParsersAction) -> None:
    forget = sub.add_parser(
        "forget", help="erase people (GDPR/LGPD): tombstone them and purge latest and every kept run"
    )
    forget.add_argument(
        "requests",
        nargs="+",
        metavar="EMAIL|PHONE|ID|PERSON_ID",
        help="an email, phone (E.164, or national with --country), national id, or a person id of latest",
    )
    forget.add_argument("--note", help="why, or the ticket of the request (kept in the store; no personal data)")
    access = sub.add_parser(
        "subject-access", help="write everything the latest good run holds about one person (owner-only file)"
    )
    access.add_argument("request", metavar="EMAIL|PHONE|ID|PERSON_ID")
    access.add_argument("--out", type=Path, required=True, help="file to write: .json (default), .md or .html")
    access.add_argument("--force", action="store_true", help="overwrite --out if it exists")
    for p in (forget, access):
        p.add_argument("--country", help="ISO country of a national phone number or identity number (e.g. ES)")
        p.add_argument(
            "--set",
            action="append",
            default=[],
            metavar="KEY=VALUE",
            help="override a pipeline parameter (processed_dir, reports_dir, decisions_dir)",
        )
        p.add_argument("--project", type=Path, help="project folder (default: found from the working directory)")


def _parameters(args: argparse.Namespace) -> tuple[dict[str, Any], Path]:
    from helpers import runner

    root = args.project.resolve() if args.project else runner.find_project_root()
    params = runner.load_parameters(root, runner.RunOptions(overrides=runner.parse_set(args.set)))
    decisions = Path(str(params.get("decisions_dir") or "data/decisions")).expanduser()
    return params, decisions if decisions.is_absolute() else root / decisions


def run(args: argparse.Namespace) -> int:
    from helpers import runner
    from helpers.privacy_requests.erasure import AmbiguousRequest, forget
    from helpers.privacy_requests.subject_access import PersonNotFound, subject_access, write_answer
    from helpers.privacy_requests.tombstones import ErasureKeyError

    name = f"clientela {args.command}"
    try:
        params, decisions = _parameters(args)
        processed = Path(params["processed_dir"])
        if args.command == "forget":
            with runner.run_lock(processed):
                outcome = forget(
                    args.requests, processed, params.get("reports_dir"), decisions, country=args.country, note=args.note
                )
            print(
                f"{name}: {len(outcome.erasure_ids)} erasure(s) recorded in {decisions} "
                f"({', '.join(outcome.erasure_ids)}); {outcome.persons} person(s) of latest named"
            )
            for run_id, result in outcome.runs.items():
                removed = sum(t["removed"] for t in result.tables)
                changed = sum(t["anonymised"] for t in result.tables)
                print(
                    f"  {run_id:<22} persons {result.persons:>4}  records {result.records:>5}  "
                    f"rows removed {removed:>6}  rows anonymised {changed:>5}"
                )
            print("  every later run removes them at stage 04; see README 'Data-subject requests'")
            return 0
        if args.out.exists() and not args.force:
            print(f"{name}: {args.out} exists; give another --out or --force", file=sys.stderr)
            return 2
        answer = subject_access(processed, args.request, decisions, country=args.country)
        path = write_answer(answer, args.out)
        sizes = {k: len(v) for k, v in answer.items() if isinstance(v, list)}
        print(
            f"{name}: person {answer['request']['person_id']} of run {answer['request']['run_id']} → {path} "
            f"(owner-only); " + ", ".join(f"{k} {n}" for k, n in sizes.items())
        )
        return 0
    except (runner.RunError, AmbiguousRequest, PersonNotFound, ErasureKeyError, ValueError) as exc:
        print(f"{name}: {exc}", file=sys.stderr)
        return 2
