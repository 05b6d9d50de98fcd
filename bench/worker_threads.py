"""Two workers on their share of the cores against two workers on every core, side by side in one run.

Trains two quick-profile groups at once in two fresh processes, as `run --jobs 2` does: first with
each process's backend on its share of the cores (study.run.threads, as the pool sets it), then on
every core (the backends' default), alternated; prints each round's wall time, the ratio, and
whether both stored the same numbers (they must: the thread count does not change a sum).
Run: python bench/worker_threads.py [--repeats N] [EXPERIMENT:INDEX EXPERIMENT:INDEX]
"""

import argparse
import os
import subprocess
import sys
import time

from study.run import threads

CHILD = """
import hashlib, sys
from study.spec import grid
from study.train import engine
name, index = sys.argv[1].split(":")
df, _ = engine.train_group(grid.get(name).specs("quick")[int(index)])
print(hashlib.sha256(df[df["metric"] != "wall_time"].to_csv().encode()).hexdigest())
"""


def both(groups, env) -> tuple[float, list[str]]:
    t0 = time.perf_counter()
    procs = [
        subprocess.Popen([sys.executable, "-c", CHILD, g], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        for g in groups
    ]
    digests = [p.communicate()[0].decode().strip() for p in procs]
    return time.perf_counter() - t0, digests


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("groups", nargs="*", default=["sparsity:3", "sparsity:4"])
    args = parser.parse_args()
    base = {k: v for k, v in os.environ.items() if k not in threads.variables(1)}
    ways = {"share": {**base, **threads.variables(threads.share(2))}, "every core": base}
    walls, digests = {k: [] for k in ways}, {}
    for i in range(args.repeats):
        for name in list(ways) if i % 2 == 0 else list(ways)[::-1]:
            wall, digests[name] = both(args.groups, ways[name])
            walls[name].append(wall)
            print(f"{name:>10}: {wall:.1f} s", flush=True)
    best = {k: min(v) for k, v in walls.items()}
    print(f"{threads.cores()} cores; two workers, groups {' and '.join(args.groups)}")
    print(f"ratio every core / share: {best['every core'] / best['share']:.2f}x")
    print(f"same numbers: {digests['share'] == digests['every core'] and all(digests['share'])}")


if __name__ == "__main__":
    main()
