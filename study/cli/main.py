"""Command line: python -m study list | run EXPERIMENT...|all | status | figures | report.

Every input is checked before anything is written; a bad one ends with a one-line
error naming the valid choices and exit status 2. A missing or damaged input ends with
one line saying which command makes it (exit 1); Ctrl-C stops with one line saying what
finished and how to resume (exit 130).
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import os
import shlex
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

# Before Keras is imported (by `run`, lazily): the backend is fixed at import time.
if not os.environ.get("KERAS_BACKEND"):  # unset or empty: the default, recorded by its name
    os.environ["KERAS_BACKEND"] = "tensorflow"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from study.spec import activations, config, grid, user_activations  # noqa: E402
from study.run import cluster, backends as crosscheck, pool as runner
from study.errors import MissingInput, UnknownChoice, check_choice  # noqa: E402

EXIT_USAGE, EXIT_INTERRUPTED = 2, 130
BACKENDS = crosscheck.BACKENDS
MAX_EPOCHS = 10_000  # beyond this a group runs for days on a CPU
MAX_LEARNING_RATE = 10.0
MIN_FREE_MB = 100  # a quick profile's results, figures and report take about 20 MB


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
    return 0 if text.strip() == "0" else _positive_int(text)


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
    if not (0 < value <= MAX_LEARNING_RATE):
        raise argparse.ArgumentTypeError(f"expected a number in (0, {MAX_LEARNING_RATE:g}], got '{text}'")
    return value


def _backend_list(text):
    names = [n.strip() for n in text.split(",")]
    for n in names:
        if n not in BACKENDS:
            raise argparse.ArgumentTypeError(f"unknown backend '{n}' (choose from {', '.join(BACKENDS)})")
    if len(set(names)) != len(names):
        raise argparse.ArgumentTypeError(f"'{text}' names a backend twice")
    installed = crosscheck.installed()
    missing = [n for n in names if n not in installed]
    if missing:
        raise argparse.ArgumentTypeError(f"{', '.join(missing)} not installed here (installed: "
                                         f"{', '.join(installed)})")
    return names


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
    parser = _Parser(prog="python -m study", description=__doc__.splitlines()[0],
                     epilog=f"activations ({len(activations.ACTIVATIONS)}): {acts}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    sub.add_parser("list", help="the experiments, their claims, the activations and the profiles")
    run = sub.add_parser("run", help="train the groups of one or more experiments",
                         epilog=f"activations: {acts}")
    run.add_argument("experiments", nargs="+", metavar="EXPERIMENT", help="names, or 'all'")
    run.add_argument("--main-setting", action="store_true",
                     help="train each experiment's main setting only, not the settings it repeats in (digits, ...)")
    run.add_argument("--jobs", type=_positive_int, default=1,
                     help="groups trained at once, each in a fresh process (default 1: in this one); "
                          "capped at the number of cores and of groups")
    cl = run.add_argument_group("cluster", "with --executor slurm (or submitit-local); see 'Run on a cluster' in the README")
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
    status = sub.add_parser("status", help="finished, running and missing groups, read from the store alone",
                            epilog=f"activations: {acts}")
    status.add_argument("experiments", nargs="*", default=["all"], metavar="EXPERIMENT",
                        help="names (default: all)")
    cross = sub.add_parser("crosscheck", help="run on every installed backend and compare the verdicts",
                           epilog=f"activations: {acts}")
    cross.add_argument("experiments", nargs="*", default=["all"], metavar="EXPERIMENT", help="names (default: all)")
    cross.add_argument("--backends", type=_backend_list, help="comma-separated (default: every installed one of "
                       f"{', '.join(crosscheck.BACKENDS)})")
    cross.add_argument("--jobs", type=_positive_int, default=1, help="groups trained at once per backend (default 1)")
    for name, text in [("figures", "draw the figures from stored results"),
                       ("report", "write the report from stored results and figures")]:
        p = sub.add_parser(name, help=text, epilog=f"activations: {acts}")
        p.add_argument("experiments", nargs="*", default=["all"], metavar="EXPERIMENT",
                       help="the experiments whose claims to draw (default: all)")
    for name in ("run", "status", "crosscheck", "figures", "report"):  # one selection: what `run` trained is what the others draw
        p = sub.choices[name]
        p.add_argument("--profile", default="quick", help=f"one of {', '.join(config.PROFILES)}")
        p.add_argument("--activations", type=_activation_list,
                       help=f"comma-separated subset of: {acts}; or your own, module.path:function, which "
                            "joins each experiment's activations")
        p.add_argument("--seeds", type=_positive_int, help="use only the profile's first N seeds")
        p.add_argument("--epochs", type=_epochs, help=f"override the profile's epochs (at most {MAX_EPOCHS})")
        p.add_argument("--optimizer", help=f"one of {', '.join(config.OPTIMIZERS)} (default: each experiment's)")
        p.add_argument("--learning-rate", type=_learning_rate,
                       help="one learning rate instead of each experiment's (or sweep's)")
    for p in sub.choices.values():
        p.add_argument("--out", type=Path,
                       help=f"folder holding results/, figures/ and report/ (default: the repository for the "
                            f"{config.REFERENCE} profile and for crosscheck, out/PROFILE/ for the others)")
    return parser


def _experiments(names) -> list[grid.Experiment]:
    known = grid.discover()
    chosen = [known[check_choice("experiment", n, {**known, "all": None})] for n in names
              if n != "all"]
    return list(known.values()) if "all" in names else list({e.name: e for e in chosen}.values())


def _selection(args) -> grid.Selection:
    if args.optimizer is not None:
        check_choice("optimizer", args.optimizer, config.OPTIMIZERS)
    return grid.Selection(args.profile, args.activations, args.seeds, args.epochs, args.optimizer,
                          args.learning_rate)


def _rerun_options(args) -> list[str]:
    """Every option the user gave, to repeat in hints: following one writes where they asked."""
    out = [] if args.out == config.home(args.profile, args.command) else ["--out", str(args.out)]
    return _selection(args).options() + out


def _check_reference_kept(args):
    """The repository holds the reference profile's results/, figures/ and report/: a narrowed selection of that
    profile (other seeds, epochs, activations...) would mix into them, so it needs its own --out."""
    narrowed = _selection(args).options()[2:]  # beyond --profile
    if args.out is None and args.profile == config.REFERENCE and narrowed and args.command != "status":
        raise UsageError(f"{' '.join(narrowed)} narrows the {config.REFERENCE} profile, whose results/, figures/ and "
                         f"report/ in the repository are the committed reference: give it its own --out")


def _specs(args):
    selection, specs = _selection(args), {}
    for exp in _experiments(args.experiments):
        every = selection.specs(exp) if getattr(args, "main_setting", False) else selection.every_setting(exp)
        for s in every:
            specs.setdefault(s.key(), s)
    found = list(specs.values())
    if any(s.benchmark for s in found):  # a benchmark is kept per device: the one this process uses
        runner.quiet_import()  # the backend's start-up messages: nothing a user acts on
        from study.train import environment

        found = environment.on_this_device(found)
    return found


def _resolve_user_activations(args):
    """A user's activation is imported and tried on a tensor before anything runs, and named from then
    on with the hash of its source (module:function@1a2b3c4d): hints and stored runs carry it."""
    if any(":" in a for a in args.activations or ()):
        runner.quiet_import()
        args.activations = tuple(activations.get(a).name for a in args.activations)


def check_backend():
    name = os.environ["KERAS_BACKEND"]
    check_choice("KERAS_BACKEND", name, BACKENDS)
    installed = crosscheck.installed()
    if name not in installed:
        raise UsageError(f"KERAS_BACKEND is '{name}' but {BACKENDS[name]} is not installed here "
                         f"(installed: {', '.join(installed)})")


def check_plotting():
    """Figures are drawn to files with Agg; a bogus MPLBACKEND would make matplotlib fail on import."""
    given = os.environ.pop("MPLBACKEND", None)
    import matplotlib.rcsetup
    from matplotlib.backends import backend_registry

    os.environ["MPLBACKEND"] = "Agg"
    if given:
        try:
            matplotlib.rcsetup.validate_backend(given)
        except ValueError:
            raise UsageError(f"MPLBACKEND '{given}' is not a matplotlib backend (figures are drawn with "
                             f"Agg; unset it or choose from {', '.join(backend_registry.list_builtin())})") from None


def check_writable(out: Path):
    """The output folder, or the nearest folder above it that exists, must take new files."""
    out = Path(out).absolute()
    existing = out
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise UsageError(f"--out {out}: {existing} is a file, not a folder")
    try:
        fd, probe = tempfile.mkstemp(dir=existing, prefix=".study-write-check-")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise UsageError(f"--out {out}: cannot write in {existing} ({exc.strerror or exc})") from None
    free_mb = shutil.disk_usage(existing).free / 2**20
    if free_mb < MIN_FREE_MB:
        raise UsageError(f"--out {out}: only {free_mb:.0f} MB free on its file system (at least {MIN_FREE_MB} MB needed)")


def cmd_list(args):
    for exp in grid.discover().values():
        print(f"{exp.name:<12} {', '.join(exp.claims):<14} {exp.title}")
    print(f"activations ({len(activations.ACTIVATIONS)}): {', '.join(activations.ACTIVATIONS)}")
    print("profiles: " + "; ".join(f"{p.name} ({p.description})" for p in config.PROFILES.values()))


def _say(text):
    print(text, file=sys.stderr, flush=True)


def cmd_run(args):
    specs = _specs(args)  # every check happens before anything is trained or written
    from study import store
    from tqdm import tqdm

    results = args.out / "results"
    states = store.states(results, specs)
    todo = [s for s in specs if states[s.key()] != store.FINISHED]
    _say(f"{len(specs)} groups, {len(specs) - len(todo)} already finished; profile {args.profile}, "
         f"results in {results}")
    for key, why in store.damaged(states).items():
        _say(f"damaged, will be retrained: {results / 'runs' / key} ({why})")
    if not todo:
        return
    if args.executor != "local":
        return _submit(args, todo, results)
    for line in runner.quiet_import():  # TensorFlow's start-up messages, once
        _say(line)
    jobs = min(args.jobs, len(todo), os.cpu_count() or 1)
    if jobs < args.jobs:
        _say(f"--jobs {args.jobs} capped at {jobs} ({len(todo)} groups to train, {os.cpu_count()} cores)")
    resume = " ".join(["python -m study run", *args.experiments, *_rerun_options(args)])
    with tqdm(total=sum(s.epochs for s in todo), unit="epoch", file=sys.stderr, dynamic_ncols=True) as bar:
        def on_group(spec, outcome):
            if outcome == "skipped":  # its epochs will never come
                bar.total -= spec.epochs
                bar.refresh()

        try:
            # a benchmark times its activations with nothing else running: after the training, alone
            trained, timed = [s for s in todo if not s.benchmark], [s for s in todo if s.benchmark]
            counts = Counter()
            for specs_now, jobs_now in [(trained, jobs), (timed, 1)]:
                if specs_now:
                    counts += runner.run(specs_now, results, min(jobs_now, len(specs_now)),
                                         on_epoch=lambda: bar.update(1), on_group=on_group)
        except runner.Interrupted:
            bar.close()
            done = sum(store.is_done(results, s) for s in specs)
            _say(f"interrupted: {done} of {len(specs)} groups are finished and stored; "
                 f"resume with: {resume}")
            raise
    _say(f"{counts['trained']} groups trained, {counts['skipped']} skipped (taken by another worker)")


def _resources(args) -> cluster.Resources:
    try:
        resources = cluster.Resources.from_file(args.cluster_config)
    except (OSError, ValueError, TypeError) as exc:  # unreadable, not TOML, or an unknown or mistyped setting
        raise UsageError(f"--cluster-config: {exc}") from None
    for name in ("partition", "time", "mem", "cpus", "gpus", "groups_per_task", "parallel"):
        if getattr(args, name) is not None:
            setattr(resources, name, getattr(args, name))
    return resources


def _submit(args, todo, results):
    """The groups still to train, as one job array; with --wait, its outcome."""
    from study import store

    logs = args.out / "logs"
    jobs = cluster.submit(todo, results, logs, args.executor, _resources(args))
    status = " ".join(["python -m study status", *args.experiments, *_rerun_options(args)])
    _say(f"submitted job array {jobs[0].job_id.split('_')[0]}: {len(jobs)} tasks for {len(todo)} groups "
         f"({args.executor}); logs in {logs}; progress: {status}")
    if not args.wait:
        return
    counts, failures = cluster.wait(jobs)
    for line in failures:
        _say(line)
    _say(f"{counts['trained']} groups trained, {counts['skipped']} skipped (taken by another worker)")
    missing = sum(not store.is_done(results, s) for s in todo)
    if missing:
        raise MissingInput(f"{missing} of {len(todo)} groups did not finish; resubmit with: {shlex.join(['python', '-m', 'study', *args.argv])}")


def cmd_status(args):
    from study import store

    specs = _specs(args)
    results = args.out / "results"
    finished, running, damaged, missing = [], [], [], []
    for s in specs:
        state = store.state(results, s)
        held = store.holder(results, s) if state != store.FINISHED else None
        (finished if state == store.FINISHED else running if held is not None
         else missing if state == store.ABSENT else damaged).append((s, held or state))
    print(f"{len(specs)} groups in {results}: {len(finished)} finished, {len(running)} running, "
          f"{len(damaged)} damaged, {len(missing)} missing")
    for s, held in running:
        print(f"running  {s.key()}  depth {s.depth}, {s.optimizer} {s.learning_rate:g}: "
              f"{held.get('host', '?')} pid {held.get('pid', '?')} since {held.get('started', '?')}")
    for s, why in damaged:
        print(f"damaged  {s.key()}  {why}")
    if damaged or missing:
        print("finish the rest with: " + " ".join(["python -m study run", *args.experiments, *_rerun_options(args)]))


def _stored(args):
    from study.analysis.study import Study

    return Study(args.out, _selection(args), _experiments(args.experiments), _rerun_options(args),
                 subset=[] if "all" in args.experiments else args.experiments)


def cmd_figures(args):
    from study.report import figures

    for path in figures.draw_all(_stored(args), args.out / "figures"):
        print(path)


def cmd_report(args):
    from study import report

    for path in report.write(_stored(args), args.out / "report"):
        print(path)


def cmd_crosscheck(args):
    backends = args.backends or crosscheck.installed()
    options = _rerun_options(args)
    options = options[: options.index("--out")] if "--out" in options else options
    for b in backends:
        _say(f"{b}: python -m study run {' '.join(args.experiments)} {' '.join(options)}")
        _say(f"{b}: finished in {crosscheck.train(b, args.experiments, options, args.jobs, args.out):.0f} s")
    study = _stored(args)
    table = crosscheck.compare({b: crosscheck.on_backend(study, b) for b in backends})
    with pd_display():
        print(table.to_string())
    print(crosscheck.disagreements(table))


def pd_display():
    import pandas as pd

    return pd.option_context("display.width", 250, "display.max_columns", 30, "display.max_colwidth", 60)


COMMANDS = {"list": cmd_list, "run": cmd_run, "status": cmd_status, "crosscheck": cmd_crosscheck,
            "figures": cmd_figures, "report": cmd_report}


def main(argv=None) -> int:
    try:
        argv = sys.argv[1:] if argv is None else list(argv)
        args = build_parser().parse_args(argv)
        args.argv = argv
        if args.command != "list":
            config.get_profile(args.profile)
            _check_reference_kept(args)
            args.out = args.out or config.home(args.profile, args.command)
            _selection(args)
            check_backend()
            _resolve_user_activations(args)
            if args.command != "status":  # status only reads
                check_writable(args.out)
        if args.command == "run" and args.executor != "local":
            check_choice("executor", args.executor, cluster.EXECUTORS)
            _resources(args)
            if importlib.util.find_spec("submitit") is None:
                raise UsageError("--executor needs submitit: pip install submitit")
        if args.command in ("figures", "report"):
            check_plotting()
        t0 = time.perf_counter()
        COMMANDS[args.command](args)
        if args.command == "run":
            _say(f"done in {time.perf_counter() - t0:.1f} s")
    except (UsageError, UnknownChoice) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except MissingInput as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except runner.Interrupted:  # cmd_run has said what finished and how to resume
        return EXIT_INTERRUPTED
    except KeyboardInterrupt:
        print("interrupted: nothing was written", file=sys.stderr)
        return EXIT_INTERRUPTED
    except OSError as exc:  # a disk that filled up or went away after the checks
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


def run_script(experiment: grid.Experiment):
    """`python experiments/NAME.py [options]` is `python -m study run NAME [options]`."""
    sys.exit(main(["run", experiment.name, *sys.argv[1:]]))
