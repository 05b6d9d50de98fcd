"""The time estimate `status` and `run` print, against a measured run, side by side.

Estimates a profile's groups on an empty folder (from the repository's reference results and
nothing else), then trains them there with `python -m study run all` and times it. Prints both
and their ratio; exits 1 when the ratio is outside 1/1.5-1.5.
Run: python bench/estimate.py [--profile smoke] [--jobs 2]
"""

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from study.cli.parser import build_parser
from study.cli.selection import specs_of
from study.run import estimate

LIMIT = 1.5


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="smoke")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        argv = ["run", "all", "--profile", args.profile, "--jobs", str(args.jobs), "--out", str(out)]
        specs = specs_of(build_parser().parse_args(argv))  # the groups that command trains, each once
        guess = estimate.estimate(specs, out / "results")
        if guess is None:
            sys.exit("no stored group measured on a machine like this one: nothing to estimate from")
        predicted = guess.wall(args.jobs)
        print(f"{len(specs)} groups of the {args.profile} profile; {guess.line([args.jobs])}", flush=True)
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "study", *argv], check=True, capture_output=True)
        measured = time.perf_counter() - t0
    ratio = predicted / measured
    print(f"estimated {predicted:.0f} s, measured {measured:.0f} s: ratio {ratio:.2f} (limit 1/{LIMIT:g}-{LIMIT:g})")
    sys.exit(0 if 1 / LIMIT <= ratio <= LIMIT else 1)


if __name__ == "__main__":
    main()
