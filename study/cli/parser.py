"""The command line's options, each checked as it is read: a bad one is a one-line error naming the
valid choices."""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from study.commands import PROGRAM
from study.errors import UnknownChoice, check_choice
from study.run import backends as training_backends
from study.run import cluster
from study.spec import activations, config, grid, user_activations

EXIT_USAGE, EXIT_INTERRUPTED = 2, 130


BACKENDS = training_backends.BACKENDS


MAX_EPOCHS = 10_000  # beyond this a group runs for days on a CPU


MAX_LEARNING_RATE = 10.0
MIN_LEARNING_RATE = 1e-7  # Adam's steps are then about the rounding of float32 weights near 0.1


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


def _nonnegative_int(text):
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got '{text}'")
    return value


def _folder(text):
    if not text.strip():
        raise argparse.ArgumentTypeError("'' names no folder (give the folder for results/, figures/ and report/)")
    return Path(text)


def _epochs(text):
    value = _positive_int(text)
    if value > MAX_EPOCHS:
        raise argparse.ArgumentTypeError(f"{value} is more than this study allows (at most {MAX_EPOCHS})")
    return value


def _learning_rate(text):
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (MIN_LEARNING_RATE <= value <= MAX_LEARNING_RATE):
        raise argparse.ArgumentTypeError(
            f"expected a number in [{MIN_LEARNING_RATE:g}, {MAX_LEARNING_RATE:g}], got '{text}' (below "
            f"{MIN_LEARNING_RATE:g} a float32 net hardly moves from its initial weights)"
        )
    return value


def _backend_list(text):
    names = [n.strip() for n in text.split(",")]
    for n in names:
        if n not in BACKENDS:
            raise argparse.ArgumentTypeError(f"unknown backend '{n}' (choose from {', '.join(BACKENDS)})")
    if len(set(names)) != len(names):
        raise argparse.ArgumentTypeError(f"'{text}' names a backend twice")
    installed = training_backends.installed()
    missing = [n for n in names if n not in installed]
    if missing:
        raise argparse.ArgumentTypeError(f"{', '.join(missing)} not installed here (installed: {', '.join(installed)})")
    return names


def _setting(text):
    try:
        return check_choice("setting", text, grid.every_setting())
    except UnknownChoice as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _activation_list(text):
    names = [a.strip() for a in text.split(",")]
    if not any(names):
        raise argparse.ArgumentTypeError(f"no activation named (choose from {', '.join(activations.ACTIVATIONS)})")
    for a in names:
        if not a:
            raise argparse.ArgumentTypeError(f"empty name in '{text}'")
        try:
            if ":" not in a:
                activations.get(a)
            elif not user_activations.NAME.match(a):  # imported once the backend is checked
                user_activations.resolve(a)
        except UnknownChoice as exc:  # argparse words a ValueError's message its own way
            raise argparse.ArgumentTypeError(str(exc)) from None
    repeated = sorted({a for a in names if names.count(a) > 1})
    if repeated:
        raise argparse.ArgumentTypeError(f"{', '.join(repeated)} named more than once in '{text}'")
    return tuple(names)


def build_parser() -> argparse.ArgumentParser:
    acts = ", ".join(activations.ACTIVATIONS)
    parser = _Parser(
        prog=PROGRAM,
        description=__doc__.splitlines()[0],
        epilog=f"activations ({len(activations.ACTIVATIONS)}): {acts}",
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    sub.add_parser("list", help="the experiments, their claims, the activations and the profiles")
    _add_run(sub, acts)
    status = sub.add_parser(
        "status", help="finished, running and missing groups, read from the store alone", epilog=f"activations: {acts}"
    )
    status.add_argument("experiments", nargs="*", default=["all"], metavar="EXPERIMENT", help="names (default: all)")
    cross = sub.add_parser(
        "crosscheck", help="run on every installed backend and compare the verdicts", epilog=f"activations: {acts}"
    )
    cross.add_argument("experiments", nargs="*", default=["all"], metavar="EXPERIMENT", help="names (default: all)")
    cross.add_argument(
        "--backends",
        type=_backend_list,
        help=f"comma-separated (default: every installed one of {', '.join(training_backends.BACKENDS)})",
    )
    cross.add_argument("--jobs", type=_positive_int, default=1, help="groups trained at once per backend (default 1)")
    for name, text in [
        ("figures", "draw the figures from stored results"),
        ("report", "write the report from stored results and figures"),
    ]:
        p = sub.add_parser(name, help=text, epilog=f"activations: {acts}")
        what = "the experiments whose claims to draw (default: all)"
        p.add_argument("experiments", nargs="*", default=["all"], metavar="EXPERIMENT", help=what)
    sub.choices["report"].add_argument(
        "--with-figures",
        action="store_true",
        help="draw the figures first, in the same process: the claims' findings are computed once for both",
    )
    for name in ("run", "status", "crosscheck", "figures", "report"):  # what `run` trained is what the others draw
        _add_selection(sub.choices[name], acts)
    for name in ("run", "status"):
        sub.choices[name].add_argument(
            "--setting",
            type=_setting,
            help=f"one setting alone: {', '.join(grid.every_setting())} (default: each experiment's main setting "
            "and every setting it is repeated in)",
        )
    for p in sub.choices.values():
        p.add_argument(
            "--out",
            type=_folder,
            help=f"folder holding results/, figures/ and report/ (default: the repository for the "
            f"{config.REFERENCE} profile and for crosscheck, out/PROFILE/ for the others)",
        )
    return parser


def for_script(parser: argparse.ArgumentParser, experiment: str) -> argparse.ArgumentParser:
    """The parser as `python experiments/NAME.py` uses it: its `run` help names the script, not `python -m study`."""
    run = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices["run"]
    script = f"python experiments/{experiment}.py"
    run.prog, run.usage = script, f"{script} [options]"
    run.description = f"Trains the '{experiment}' experiment: the same as `{PROGRAM} run {experiment} [options]`."
    return parser


def _add_run(sub, acts: str):
    run = sub.add_parser("run", help="train the groups of one or more experiments", epilog=f"activations: {acts}")
    run.add_argument("experiments", nargs="+", metavar="EXPERIMENT", help="names, or 'all'")
    run.add_argument(
        "--main-setting",
        action="store_true",
        help="train each experiment's main setting only, not the settings it repeats in (digits, ...)",
    )
    run.add_argument(
        "--jobs",
        type=_positive_int,
        default=1,
        help="groups trained at once, by that many worker processes that each train group after group on "
        "their share of the cores (default 1: in this process); capped at the number of cores and of groups",
    )
    cl = run.add_argument_group(
        "cluster", "with --executor slurm (or submitit-local); see 'Run on a cluster' in the README"
    )
    cl.add_argument("--executor", default="local", help=f"one of {', '.join(cluster.EXECUTORS)} (default local)")
    cl.add_argument("--cluster-config", type=Path, help="a TOML file of the settings below")
    cl.add_argument("--partition", help="SLURM partition")
    cl.add_argument("--time", type=_positive_int, help="minutes per task (default 120)")
    cl.add_argument("--mem", type=_positive_int, help="GB of memory per task (default 8)")
    cl.add_argument("--cpus", type=_positive_int, help="CPUs per task (default 2)")
    cl.add_argument("--gpus", type=_nonnegative_int, help="GPUs per task (default 0)")
    cl.add_argument("--groups-per-task", type=_positive_int, help="groups each array task trains (default 1)")
    cl.add_argument("--parallel", type=_positive_int, help="array tasks running at once (default: the scheduler's)")
    cl.add_argument("--wait", action="store_true", help="wait for the array and report its outcome")


def _add_selection(p, acts: str):
    """The options that select runs, the same for every command that trains or reads them."""
    p.add_argument("--profile", default="quick", help=f"one of {', '.join(config.PROFILES)}")
    p.add_argument(
        "--activations",
        type=_activation_list,
        help=f"comma-separated subset of: {acts}; or your own, module.path:function, which "
        "joins each experiment's activations",
    )
    p.add_argument("--seeds", type=_positive_int, help="use only the profile's first N seeds")
    p.add_argument("--epochs", type=_epochs, help=f"override the profile's epochs (at most {MAX_EPOCHS})")
    p.add_argument("--optimizer", help=f"one of {', '.join(config.OPTIMIZERS)} (default: each experiment's)")
    p.add_argument(
        "--learning-rate", type=_learning_rate, help="one learning rate instead of each experiment's (or sweep's)"
    )
