"""The same run in two fresh processes stores the same numbers, bit for bit (but wall time)."""

import json
from pathlib import Path

import pandas as pd
import pytest


def stored(out: Path):
    """{run key: (spec, metrics without wall_time)} of every finished run under out/results."""
    runs = {}
    for path in sorted((out / "results" / "runs").iterdir()):
        assert (path / "COMPLETE").exists(), path
        spec = json.loads((path / "config.json").read_text())["spec"]
        if spec.get("benchmark"):  # the cost benchmark stores timings: never the same twice
            continue
        df = pd.read_parquet(path / "metrics.parquet")
        runs[path.name] = (spec, df[df["metric"] != "wall_time"].reset_index(drop=True))
    return runs


def same_numbers(first, second):
    assert second and set(second) <= set(first)  # the same configurations, so the same run keys
    for key in second:
        spec_a, a = first[key]
        spec_b, b = second[key]
        assert spec_a == spec_b
        assert len(a) > 0 and "wall_time" not in set(a["metric"])
        assert {"train_loss", "test_loss", "hoyer", "grad_norm"} <= set(a["metric"])
        # numbers that training moves, so that equality below is not trivial
        losses = a[a["metric"] == "train_loss"].groupby("epoch")["value"].mean()
        assert losses.loc[0] != losses.loc[losses.index.max()]
        pd.testing.assert_frame_equal(a, b, check_exact=True)


# smoke_run is `python -m study run all --profile smoke` in its own process; run the very same
# command once more in another, fresh process and compare every stored number. The first ran in
# two workers of one thread each (study.run.threads), the second in one process with every core:
# the thread count must not change a number either.


def test_two_fresh_processes_store_identical_numbers(smoke_run, tmp_path, study_cli):
    # three experiments: classification and regression, Adam and SGD with momentum, several depths
    args = ["sparsity", "collapse", "convergence", "--profile", "smoke", "--setting", "main", "--jobs", "1"]
    study_cli("run", *args, "--out", tmp_path)
    same_numbers(stored(smoke_run), stored(tmp_path))


@pytest.mark.slow
def test_two_fresh_processes_store_identical_numbers_for_every_group(smoke_run, tmp_path, study_cli):
    study_cli("run", "all", "--profile", "smoke", "--jobs", "1", "--out", tmp_path)
    first, second = stored(smoke_run), stored(tmp_path)
    from study.spec import grid

    every = {
        s.key() for e in grid.discover().values() for s in grid.Selection("smoke").every_setting(e) if not s.benchmark
    }
    assert len(first) == len(every)  # every group of every setting, each once
    assert sorted(first) == sorted(second)
    same_numbers(first, second)
