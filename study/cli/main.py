"""Command line: python -m study list | run EXPERIMENT...|all | status | crosscheck | figures | report.

Every input is checked before anything is written; a bad one ends with a one-line
error naming the valid choices and exit status 2, as does a data set this machine has not got (with the
way to get it). A missing or damaged input ends with
one line saying which command makes it (exit 1); Ctrl-C stops with one line saying what
finished and how to resume (exit 130).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time

# Before Keras is imported (by `run`, lazily): the backend is fixed at import time.
if not os.environ.get("KERAS_BACKEND"):  # unset or empty: the default, recorded by its name
    os.environ["KERAS_BACKEND"] = "tensorflow"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from study.cli.checks import (  # noqa: E402
    check_backend,
    check_executor,
    check_out,
    check_plotting,
    check_reference_kept,
    check_writable,
)
from study.cli.commands import COMMANDS, resources, say  # noqa: E402
from study.cli.parser import EXIT_INTERRUPTED, EXIT_USAGE, UsageError, build_parser, for_script  # noqa: E402
from study.cli.selection import resolve_user_activations, selection  # noqa: E402
from study.errors import MissingData, MissingInput, UnknownChoice  # noqa: E402
from study.run import pool as runner  # noqa: E402
from study.spec import config, grid  # noqa: E402


def check(args):
    """Every input checked before anything is written."""
    if args.command != "list":
        config.get_profile(args.profile)
        check_reference_kept(args)
        args.out = args.out or config.home(args.profile, args.command)
        check_out(args)
        selection(args)
        check_backend()
        check_executor(args)
        resolve_user_activations(args)
        if args.command != "status":  # status only reads
            check_writable(args.out)
    if args.command == "run" and args.executor != "local":
        resources(args)
    if args.command in ("figures", "report"):
        check_plotting()


def _stop(signum, frame):
    raise KeyboardInterrupt  # SIGTERM ends a command as Ctrl-C does: what it was writing is removed


def main(argv=None, script: str | None = None) -> int:
    """The command's exit status: 0, 1 (a missing input or a failed tool), 2 (bad input), 130 (interrupted)."""
    in_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _stop) if in_main else None
    try:
        argv = sys.argv[1:] if argv is None else list(argv)
        parser = build_parser() if script is None else for_script(build_parser(), script)
        args = parser.parse_args(argv)
        args.argv = argv
        check(args)
        t0 = time.perf_counter()
        COMMANDS[args.command](args)
        if args.command == "run":
            say(f"done in {time.perf_counter() - t0:.1f} s")
    except (UsageError, UnknownChoice, MissingData) as exc:
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
    finally:
        if in_main:
            signal.signal(signal.SIGTERM, previous)
    return 0


def run_script(experiment: grid.Experiment):
    """`python experiments/NAME.py [options]` is `python -m study run NAME [options]`."""
    sys.exit(main(["run", experiment.name, *sys.argv[1:]], script=experiment.name))
