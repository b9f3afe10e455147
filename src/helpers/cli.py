"""The `clientela` command: generate demo data, propose and check a registry, run the pipeline."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="clientela",
        description="Turn scattered customer exports into one trustworthy customer database.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    gen = sub.add_parser("generate", help="write realistic demo exports with ground truth")
    gen.add_argument("--persons", type=int, default=20_000, help="number of people (default 20000)")
    gen.add_argument("--seed", type=int, default=42)
    gen.add_argument("--out", required=True, help="folder to write the exports into")
    gen.add_argument("--as-of", type=date.fromisoformat, default=None, help="the demo's 'today' (YYYY-MM-DD)")
    gen.add_argument(
        "--registry-prefix", default="", help="prefix for paths in the written sources.yaml (default: none)"
    )

    run = sub.add_parser("run", help="run the pipeline's stage notebooks with Papermill")
    run.add_argument("--sources", help="source registry (default: the `sources` of config/pipeline.yaml)")
    run.add_argument("--run-id", help="name of the run folder (default: a UTC timestamp)")
    run.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override a pipeline parameter")
    run.add_argument("--from", dest="from_stage", help="first stage to run (number or name)")
    run.add_argument("--to", dest="to_stage", help="last stage to run (number or name)")
    promote = run.add_mutually_exclusive_group()
    promote.add_argument(
        "--promote",
        dest="promote",
        action="store_true",
        default=None,
        help="let a --from run that passes become 'latest'",
    )
    promote.add_argument(
        "--no-promote",
        dest="promote",
        action="store_false",
        help="never move 'latest', even when every stage passes (experiments)",
    )
    run.add_argument("--project", type=Path, help="project folder (default: found from the working directory)")

    val = sub.add_parser("validate", help="check the parameters, registry, config files and suites; run nothing")
    val.add_argument("--sources", help="source registry (default: the one in config/pipeline.yaml)")
    val.add_argument("--project", type=Path)
    val.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE", help="a parameter as `run` would get it"
    )

    sub.add_parser("stages", help="list the pipeline's stages").add_argument("--project", type=Path)

    init = sub.add_parser("init", help="look at export files and write a proposed registry to review")
    init.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="csv, jsonl, xlsx or parquet files")
    init.add_argument("--out", type=Path, default=Path("sources.yaml"), help="registry to write (default sources.yaml)")
    init.add_argument("--force", action="store_true", help="overwrite --out if it exists")

    pub = sub.add_parser("publish", help="copy a run's shareable pages (customer report, index) to a folder")
    pub.add_argument("run", help="a run id, or latest")
    pub.add_argument("--to", type=Path, required=True, help="folder to copy them into")
    pub.add_argument("--project", type=Path)
    pub.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="processed_dir, reports_dir")

    from helpers.decisions.commands import add_parsers as add_decision_parsers

    add_decision_parsers(sub)  # decide, merge, split: people's corrections (helpers/decisions)

    from helpers.privacy_requests.commands import add_parsers as add_request_parsers

    add_request_parsers(sub)  # forget, subject-access: data-subject requests (helpers/privacy_requests)

    args = parser.parse_args(argv)
    return COMMANDS[args.command](args)


def _generate(args: argparse.Namespace) -> int:
    from helpers.generate import DEFAULT_AS_OF, generate

    summary = generate(
        persons=args.persons,
        seed=args.seed,
        out=args.out,
        as_of=args.as_of or DEFAULT_AS_OF,
        registry_path_prefix=args.registry_prefix,
    )
    print(f"clientela generate: {args.persons:,} persons (seed {args.seed}) → {args.out}")
    for name, rows in summary.get("files", {}).items():
        print(f"  {name:<28} {rows:>10,} rows")
    if "seconds" in summary:
        print(f"  done in {summary['seconds']:.1f} s")
    return 0


def _run(args: argparse.Namespace) -> int:
    from helpers import runner

    try:
        root = args.project.resolve() if args.project else runner.find_project_root()
        options = runner.RunOptions(
            sources=args.sources,
            run_id=args.run_id,
            overrides=runner.parse_set(args.set),
            from_stage=args.from_stage,
            to_stage=args.to_stage,
            promote=args.promote,
        )
    except runner.RunError as exc:
        print(f"clientela: {exc}", file=sys.stderr)
        return 2
    return runner.run(root, options)


def _validate(args: argparse.Namespace) -> int:
    """Check what a run would check before stage 01 — parameters, the registry and its files, every
    config file and expectation suite — and list every problem at once (exit 2)."""
    from helpers import runner
    from helpers.settings import ConfigError
    from helpers.settings.project import check_project

    try:
        root = args.project.resolve() if args.project else runner.find_project_root()
        params = runner.load_parameters(
            root, runner.RunOptions(sources=args.sources, overrides=runner.parse_set(args.set))
        )
        registry = check_project(params, root)
    except (ConfigError, runner.RunError) as exc:
        print(f"clientela: {exc}", file=sys.stderr)
        return 2
    print(f"{registry.path}: {len(registry.sources)} sources, all files and mapped columns found")
    for s in registry.sources:
        print(f"  {s.name:<22} {s.kind:<16} {s.format:<8} {len(s.columns):>3} columns  {s.path.name}")
    print("Parameters, configuration files and expectation suites: no unknown keys, every value usable.")
    return 0


def _init(args: argparse.Namespace) -> int:
    """Write the proposal, then validate it as `clientela validate` would, so the user sees at
    once whether it runs as written or what to fix first."""
    from helpers.init_registry import propose_registry
    from helpers.registry import RegistryError, load_registry

    missing = [str(p) for p in args.paths if not p.is_file()]
    if missing:
        print(f"clientela init: no such file(s): {', '.join(missing)}", file=sys.stderr)
        return 2
    if args.out.exists() and not args.force:
        print(f"clientela init: {args.out} exists; give another --out or --force to overwrite it", file=sys.stderr)
        return 2
    try:
        text, proposals = propose_registry(args.paths, args.out)
    except ValueError as exc:
        print(f"clientela init: {exc}", file=sys.stderr)
        return 2
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(f"clientela init: proposed {len(proposals)} source(s) in {args.out}; review every '# guess' comment")
    for p in proposals:
        print(
            f"  {p.name:<22} {p.kind:<16} {p.sample.format:<8} {len(p.columns):>3} columns mapped, "
            f"{len(p.unplaced)} not placed"
        )
    try:
        load_registry(args.out)
    except RegistryError as exc:
        print(f"clientela init: the proposal does not validate yet:\n{exc}", file=sys.stderr)
        return 0
    print(f"  it passes `clientela validate --sources {args.out}` as written")
    return 0


def _stages(args: argparse.Namespace) -> int:
    from helpers import runner

    root = args.project.resolve() if args.project else runner.find_project_root()
    for s in runner.discover_stages(root):
        print(s.name)
    return 0


def _publish(args: argparse.Namespace) -> int:
    """The manager's copy: only the customer report and the index, links to other pages removed."""
    from helpers import runner
    from helpers.publish import PublishError, publish
    from helpers.settings import ConfigError

    try:
        root = args.project.resolve() if args.project else runner.find_project_root()
        params = runner.load_parameters(root, runner.RunOptions(overrides=runner.parse_set(args.set)))
        done = publish(Path(params["processed_dir"]), Path(params["reports_dir"]), args.run, args.to)
    except (ConfigError, runner.RunError, PublishError) as exc:
        print(f"clientela publish: {exc}", file=sys.stderr)
        return 2
    print(
        f"clientela publish: run {done.run_id} → {done.folder}: "
        + ", ".join(p.name for p in done.files)
        + f" ({done.links_removed} links to pages not published removed)"
    )
    return 0


COMMANDS = {
    "generate": _generate,
    "run": _run,
    "validate": _validate,
    "stages": _stages,
    "init": _init,
    "publish": _publish,
}


def _decision(args: argparse.Namespace) -> int:
    from helpers.decisions.commands import run as run_decision

    return run_decision(args)


COMMANDS.update({"decide": _decision, "merge": _decision, "split": _decision})


def _subject_request(args: argparse.Namespace) -> int:
    from helpers.privacy_requests.commands import run as run_request

    return run_request(args)


COMMANDS.update({"forget": _subject_request, "subject-access": _subject_request})

if __name__ == "__main__":
    sys.exit(main())
