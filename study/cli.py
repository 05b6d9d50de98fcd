"""Command line: python -m study list | run EXPERIMENT...|all | figures | report.

Every input is checked before anything is written; a bad one ends with a one-line
error naming the valid choices and exit status 2.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

# Before Keras is imported (by `run`, lazily): the backend is fixed at import time.
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("MPLBACKEND", "Agg")

from study import activations, config, grid  # noqa: E402
from study.errors import MissingInput  # noqa: E402

ROOT = config.ROOT
EXIT_USAGE = 2


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse prints usage over several lines; one line is enough
        raise UsageError(message)


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got '{text}'")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m study", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    sub.add_parser("list", help="the experiments, their claims and profiles")
    run = sub.add_parser("run", help="train the groups of one or more experiments")
    run.add_argument("experiments", nargs="+", metavar="EXPERIMENT", help="names, or 'all'")
    run.add_argument("--activations", help="comma-separated subset of activations")
    run.add_argument("--seeds", type=_positive_int, help="use only the profile's first N seeds")
    run.add_argument("--epochs", type=_positive_int, help="override the profile's epochs")
    run.add_argument("--jobs", type=_positive_int, default=1,
                     help="groups trained at once, each in a fresh process (default 1: in this one)")
    for name, text in [("figures", "draw the figures from stored results"),
                       ("report", "write the report from stored results and figures")]:
        sub.add_parser(name, help=text)
    for p in sub.choices.values():
        p.add_argument("--profile", default="quick", help=f"one of {', '.join(config.PROFILES)}")
        p.add_argument("--out", type=Path, default=ROOT,
                       help="folder holding results/, figures/ and report/ (default: the repository)")
    return parser


def _experiments(names) -> list[grid.Experiment]:
    known = grid.discover()
    chosen = [known[activations.check_choice("experiment", n, {**known, "all": None})] for n in names
              if n != "all"]
    return list(known.values()) if "all" in names else chosen


def _specs(args):
    acts = None
    if args.activations:
        acts = [activations.check_choice("activation", a.strip(), activations.ACTIVATIONS)
                for a in args.activations.split(",")]
    specs = {}
    for exp in _experiments(args.experiments):
        for s in exp.specs(args.profile, acts=acts, seeds=args.seeds, epochs=args.epochs):
            specs.setdefault(s.key(), s)
    return list(specs.values())


def cmd_list(args):
    for exp in grid.discover().values():
        print(f"{exp.name:<12} {', '.join(exp.claims):<14} {exp.title}")
    print("profiles: " + "; ".join(f"{p.name} ({p.description})" for p in config.PROFILES.values()))


def cmd_run(args):
    specs = _specs(args)  # every check happens before anything is trained or written
    from study import engine, store
    from tqdm import tqdm

    results = args.out / "results"
    todo = [s for s in specs if not store.is_done(results, s)]
    print(f"{len(specs)} groups, {len(specs) - len(todo)} already finished; profile {args.profile}, "
          f"results in {results}", file=sys.stderr)
    with tqdm(total=sum(s.epochs for s in todo), unit="epoch", file=sys.stderr, dynamic_ncols=True) as bar:
        if args.jobs == 1:
            for spec in todo:
                bar.set_postfix_str(f"depth {spec.depth} {spec.initializer} K={len(spec.branches)}")
                store.save(results, spec, *engine.train_group(spec, progress=lambda _: bar.update(1)))
            return
        # TensorFlow does not survive fork: each worker is a fresh (spawned) process.
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor, as_completed

        with ProcessPoolExecutor(args.jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
            # Deepest (slowest) groups first, so the pool does not end on one long group.
            ordered = sorted(todo, key=lambda s: -s.depth * len(s.branches))
            futures = {pool.submit(engine.train_and_store, results, s): s for s in ordered}
            for done in as_completed(futures):
                done.result()
                bar.update(futures[done].epochs)


def _stored(args):
    from study.selection import Study

    return Study(args.out, args.profile, list(grid.discover().values()))


def cmd_figures(args):
    from study import figures

    study = _stored(args)
    for path in figures.draw_all(study, args.out / "figures"):
        print(path)


def cmd_report(args):
    from study import report

    for path in report.write(_stored(args), args.out / "report"):
        print(path)


COMMANDS = {"list": cmd_list, "run": cmd_run, "figures": cmd_figures, "report": cmd_report}


def main(argv=None) -> int:
    try:
        args = build_parser().parse_args(argv)
        config.get_profile(args.profile)
        t0 = time.perf_counter()
        COMMANDS[args.command](args)
        if args.command == "run":
            print(f"done in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    except (UsageError, activations.UnknownChoice) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except MissingInput as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


def run_script(experiment: grid.Experiment):
    """`python experiments/NAME.py [options]` is `python -m study run NAME [options]`."""
    sys.exit(main(["run", experiment.name, *sys.argv[1:]]))
