"""The results store: finished runs are marked, loaded and skipped; interrupted ones are not."""

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from conftest import METRIC_COLUMNS, fake_metrics, tiny_spec

from study import store
from study.spec import grid
from study.spec.config import GroupSpec

REPO = Path(__file__).resolve().parent.parent


def test_save_marks_done_and_load_returns_long_format(tmp_path):
    spec = tiny_spec()
    metrics = fake_metrics(spec)
    assert not store.is_done(tmp_path, spec)
    path = store.save(tmp_path, spec, metrics, {"wall_time_s": 1.5})
    assert path == tmp_path / "runs" / spec.key()
    assert store.is_done(tmp_path, spec)
    assert sorted(p.name for p in path.iterdir()) == ["COMPLETE", "config.json", "metrics.parquet"]

    saved = json.loads((path / "config.json").read_text())
    assert saved["key"] == spec.key()
    assert GroupSpec.from_dict(saved["spec"]) == spec
    assert store.load_info(tmp_path, [spec]) == [{"wall_time_s": 1.5}]

    df = store.load(tmp_path, [spec])
    assert list(df.columns) == ["run", *store.CONFIG_COLUMNS, *METRIC_COLUMNS]
    assert list(df.columns[:7]) == ["run", "dataset", "depth", "width", "initializer", "epochs", "backend"]
    assert len(df) == len(metrics)
    assert (df["run"] == spec.key()).all()
    assert (df["dataset"] == "digits").all() and (df["depth"] == 2).all() and (df["width"] == 8).all()
    assert (df["initializer"] == "glorot_uniform").all() and (df["epochs"] == 1).all()
    assert (df["backend"] == spec.backend).all()
    pd.testing.assert_frame_equal(df[METRIC_COLUMNS], metrics, check_exact=True)


def test_load_concatenates_runs_and_keys_follow_settings(tmp_path):
    a, b = tiny_spec(), tiny_spec(depth=3)
    assert a.key() == tiny_spec().key()  # the same settings: the same run
    assert a.key() != b.key()  # a changed setting: a new run
    store.save(tmp_path, a, fake_metrics(a), {})
    store.save(tmp_path, b, fake_metrics(b), {})
    df = store.load(tmp_path, [a, b])
    assert df.groupby("run")["depth"].first().to_dict() == {a.key(): 2, b.key(): 3}
    assert len(df) == len(fake_metrics(a)) + len(fake_metrics(b))


def interrupt(root, spec):
    """An attempt killed after writing its config and metrics, before the marker."""
    path = store.run_dir(root, spec)
    path.mkdir(parents=True)
    (path / "config.json").write_text(json.dumps({"key": spec.key(), "spec": spec.to_dict(), "run": {}}))
    fake_metrics(spec, offset=100.0).to_parquet(path / "metrics.parquet", index=False)
    (path / "stray.tmp-1").write_text("half written")
    return path


def test_interrupted_run_is_not_done_and_not_loaded(tmp_path):
    done, interrupted = tiny_spec(), tiny_spec(width=16)
    store.save(tmp_path, done, fake_metrics(done), {})
    interrupt(tmp_path, interrupted)
    assert store.is_done(tmp_path, done)
    assert not store.is_done(tmp_path, interrupted)
    with pytest.raises(store.MissingRuns, match="1 of 2"):
        store.load(tmp_path, [done, interrupted])
    with pytest.raises(store.MissingRuns):
        store.load(tmp_path, [interrupted])
    assert isinstance(store.MissingRuns("x"), LookupError)  # the CLI turns it into exit status 1
    assert len(store.load(tmp_path, [done])) == len(fake_metrics(done))


def test_save_replaces_an_interrupted_run(tmp_path):
    spec = tiny_spec()
    path = interrupt(tmp_path, spec)
    metrics = fake_metrics(spec)
    assert store.save(tmp_path, spec, metrics, {"attempt": 2}) == path
    assert sorted(p.name for p in path.iterdir()) == ["COMPLETE", "config.json", "metrics.parquet"]
    assert store.is_done(tmp_path, spec)
    assert store.load_info(tmp_path, [spec]) == [{"attempt": 2}]
    pd.testing.assert_frame_equal(store.load(tmp_path, [spec])[METRIC_COLUMNS], metrics, check_exact=True)


def test_smoke_run_fixture_holds_every_smoke_run(smoke_run):
    """The session fixture other tests build on: every group of every experiment, finished."""
    results = smoke_run / "results"
    experiments = grid.discover()
    from study.train import environment

    specs = {s.key(): s for exp in experiments.values() for s in environment.on_this_device(exp.specs("smoke"))}
    per_experiment = {
        name: {s.key() for s in environment.on_this_device(exp.specs("smoke"))} for name, exp in experiments.items()
    }
    # sparsity's 2 depths x 2 initialisers, shared with gradients; the others have their own groups but one
    assert per_experiment["sparsity"] == per_experiment["gradients"] and len(per_experiment["sparsity"]) == 4
    # make_up's ReLU-alone group is activity_penalty's unpenalised one
    assert per_experiment["make_up"] <= per_experiment["activity_penalty"]
    assert len(specs) == sum(len(k) for k in per_experiment.values()) - 4 - len(per_experiment["make_up"])
    every = {
        s.key()
        for exp in experiments.values()
        for s in environment.on_this_device(grid.Selection("smoke").every_setting(exp))
    }
    assert set(specs) < every  # and the groups of the settings some experiments repeat in (gradients on digits)
    assert {p.name for p in (results / "runs").iterdir()} == every
    df = store.load(results, [s for s in specs.values() if s.key() in per_experiment["sparsity"]])
    assert set(df["activation"]) == {"sigmoid", "tanh", "relu", "leaky_relu"}
    assert set(df["seed"]) == {0, 1}
    assert set(df["depth"]) == {1, 4} and set(df["initializer"]) == {"glorot_uniform", "he_normal"}
    assert set(df["epoch"]) == {0, 1, 2}
    assert df["value"].notna().any()
    everything = store.load(results, list(specs.values()))
    assert set(everything["optimizer"]) == {"adam", "momentum", "sgd"}  # sgd: the saturation experiment
    assert set(everything["task"]) == {"classification", "regression"}


# --- the command line: a killed run, resumed, then skipped -----------------------------

CLI_ARGS = ["run", "sparsity", "--profile", "smoke", "--activations", "relu", "--seeds", "1"]
FINISHED = re.compile(r"(\d+) groups, (\d+) already finished")


def cli_specs():
    return grid.get("sparsity").specs("smoke", acts=["relu"], seeds=1)


def mtimes(root):
    return {p.parent.name: p.stat().st_mtime_ns for p in Path(root, "runs").glob("*/metrics.parquet")}


def finished_counts(stderr):
    m = FINISHED.search(stderr)
    assert m, stderr[-2000:]
    return int(m[1]), int(m[2])


@pytest.fixture(scope="module")
def killed_and_resumed(tmp_path_factory, study_cli):
    out = tmp_path_factory.mktemp("killed")
    results = out / "results"
    specs = cli_specs()
    assert len(specs) == 4

    # Start a run and SIGKILL it as soon as its first group is marked complete.
    log = out.parent / f"{out.name}.log"
    with open(log, "w") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "study", *CLI_ARGS, "--out", str(out)],
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
        deadline = time.monotonic() + 300
        try:
            while proc.poll() is None and time.monotonic() < deadline:
                if any((results / "runs").glob("*/COMPLETE")):
                    os.kill(proc.pid, signal.SIGKILL)
                    break
                time.sleep(0.02)
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
    killed = proc.returncode == -signal.SIGKILL
    done = [s for s in specs if store.is_done(results, s)]
    assert done, log.read_text()[-2000:]
    if len(done) == len(specs):  # it finished before the kill landed: make it look killed
        for s in specs[1:]:
            (store.run_dir(results, s) / store.MARKER).unlink()
        done = specs[:1]
    # ... and one more group killed while being saved: config and metrics, no marker
    todo = [s for s in specs if s not in done]
    half = store.run_dir(results, todo[0])
    if half.exists():
        assert not (half / store.MARKER).exists()
    else:
        interrupt(results, todo[0])

    try:
        store.load(results, specs)
        load_error = None
    except store.MissingRuns as exc:
        load_error = str(exc)
    loaded_runs = set(store.load(results, done)["run"])

    before = mtimes(results)
    resumed = study_cli(*CLI_ARGS, "--out", out)
    return {
        "out": out,
        "specs": specs,
        "done": done,
        "todo": todo,
        "killed": killed,
        "load_error": load_error,
        "loaded_runs": loaded_runs,
        "before": before,
        "resumed": resumed,
    }


def test_killed_run_leaves_only_finished_groups_loadable(killed_and_resumed):
    r = killed_and_resumed
    assert r["killed"] or len(r["done"]) == 1
    assert 1 <= len(r["done"]) < len(r["specs"])
    assert r["load_error"] == f"{len(r['todo'])} of {len(r['specs'])} runs are not in {r['out'] / 'results' / 'runs'}"
    assert r["loaded_runs"] == {s.key() for s in r["done"]}


def test_rerun_finishes_only_what_is_missing(killed_and_resumed):
    r = killed_and_resumed
    results = r["out"] / "results"
    assert finished_counts(r["resumed"].stderr) == (len(r["specs"]), len(r["done"]))
    after = mtimes(results)
    for s in r["done"]:  # finished groups were not trained again
        assert after[s.key()] == r["before"][s.key()]
    for s in r["todo"]:
        assert store.is_done(results, s)
    # the half-written group was replaced: its stray file is gone, its numbers are real
    half = store.run_dir(results, r["todo"][0])
    assert sorted(p.name for p in half.iterdir()) == ["COMPLETE", "config.json", "metrics.parquet"]
    df = store.load(results, r["specs"])
    assert set(df["run"]) == {s.key() for s in r["specs"]}
    assert df["value"].max() < 100  # not the fake metrics, which all exceed 100
    assert not list(results.rglob("*.tmp-*"))


def test_cli_run_skips_finished_runs(killed_and_resumed, study_cli):
    r = killed_and_resumed
    results = r["out"] / "results"
    before = mtimes(results)
    assert len(before) == len(r["specs"])
    again = study_cli(*CLI_ARGS, "--out", r["out"])
    assert finished_counts(again.stderr) == (len(r["specs"]), len(r["specs"]))
    assert mtimes(results) == before
