"""Loading the reference metrics: `study.data.load_metrics()` against the frame-by-frame way it used to.

    python bench/load_metrics.py [--repeats 3]

Both read the same stored runs (every group of the full profile, about 6 million rows) and give equal
frames (checked). The earlier way read each run with pandas, inserted its settings as columns one by
one, concatenated, and mapped the owning experiments and setting row by row; today's reads with
pyarrow into one table, repeats each group's settings over its rows by index, and keeps text columns
as categoricals (each value once, an index per row).
Runs alternate, the first of each discarded as warm-up (file cache, imports); prints the best of the
rest and the ratio.
"""

from __future__ import annotations

import argparse
import time

import pandas as pd

from study import store
from study.data import load_metrics
from study.spec import grid
from study.spec.config import home


def frame_by_frame() -> pd.DataFrame:
    """The earlier load_metrics, kept here as the baseline."""
    from study.analysis.study import Study

    known = grid.discover()
    study = Study(home("full"), grid.Selection("full"), list(known.values()))
    owners, specs, settings = {}, {}, {}
    for setting, view in study.views().items():
        for n in view.experiments:
            for s in view.specs(n):
                specs.setdefault(s.key(), s)
                settings.setdefault(s.key(), setting)
                owners.setdefault(s.key(), []).append(n)
    root = home("full") / "results"
    store.check(root, list(specs.values()))
    frames = []
    for spec in specs.values():
        df = pd.read_parquet(store.run_dir(root, spec) / "metrics.parquet")
        df.insert(0, "run", spec.key())
        values = spec.to_dict()
        for i, col in enumerate(store.results.CONFIG_COLUMNS, start=1):
            df.insert(i, col, values[col])
        frames.append(df)
    df = pd.concat(frames, ignore_index=True)
    df.insert(1, "experiments", df["run"].map(lambda k: ", ".join(owners[k])))
    df.insert(2, "setting", df["run"].map(settings))
    return df


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    ways = {"frame by frame (earlier)": frame_by_frame, "load_metrics (pyarrow)": load_metrics}
    best = {name: float("inf") for name in ways}
    frames = {}
    for r in range(args.repeats + 1):
        for name, load in ways.items():
            t0 = time.perf_counter()
            frames[name] = load()
            if r:  # the first round warms the file cache and the imports
                best[name] = min(best[name], time.perf_counter() - t0)
    earlier, today = frames.values()
    # the same numbers; today's text columns are categoricals of the same values
    pd.testing.assert_frame_equal(today, earlier, check_exact=True, check_categorical=False, check_dtype=False)
    rows = len(today)
    for name, seconds in best.items():
        print(f"{name:<26} {seconds:6.2f} s  ({rows:,} rows, best of {args.repeats})")
    slow, fast = best.values()
    print(f"ratio earlier / load_metrics: {slow / fast:.1f}x (frames equal)")


if __name__ == "__main__":
    main()
