"""Command line: python -m study list | run EXPERIMENT...|all | status | crosscheck | figures | report.

Every input is checked before anything is written; a bad one ends with a one-line
error naming the valid choices and exit status 2. A missing or damaged input ends with
one line saying which command makes it (exit 1); Ctrl-C stops with one line saying what
finished and how to resume (exit 130).
"""

from __future__ import annotations

import importlib.util
import os
import sys
import time

# Before Keras is imported (by `run`, lazily): the backend is fixed at import time.
if not os.environ.get("KERAS_BACKEND"):  # unset or empty: the default, recorded by its name
    os.environ["KERAS_BACKEND"] = "tensorflow"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from study.cli.checks import check_backend, check_plotting, check_reference_kept, check_writable  # noqa: E402
from study.cli.commands import COMMANDS, resources, say  # noqa: E402
from study.cli.parser import EXIT_INTERRUPTED, EXIT_USAGE, UsageError, build_parser  # noqa: E402
from study.cli.selection import resolve_user_activations, selection  # noqa: E402
from study.errors import MissingInput, UnknownChoice, check_choice  # noqa: E402
from study.run import cluster  # noqa: E402
from study.run import pool as runner  # noqa: E402
from study.spec import config, grid  # noqa: E402


def check(args):
    """Every input checked before anything is written."""
    if args.command != "list":
        config.get_profile(args.profile)
        check_reference_kept(args)
        args.out = args.out or config.home(args.profile, args.command)
        selection(args)
        check_backend()
        resolve_user_activations(args)
        if args.command != "status":  # status only reads
            check_writable(args.out)
    if args.command == "run" and args.executor != "local":
        check_choice("executor", args.executor, cluster.EXECUTORS)
        resources(args)
        if importlib.util.find_spec("submitit") is None:
            raise UsageError("--executor needs submitit: pip install submitit")
    if args.command in ("figures", "report"):
        check_plotting()


def main(argv=None) -> int:
    try:
        argv = sys.argv[1:] if argv is None else list(argv)
        args = build_parser().parse_args(argv)
        args.argv = argv
        check(args)
        t0 = time.perf_counter()
        COMMANDS[args.command](args)
        if args.command == "run":
            say(f"done in {time.perf_counter() - t0:.1f} s")
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
