"""The cluster executor, without a cluster: submitit's LocalExecutor runs the same job array
as SLURM would (real subprocesses, the same code path but the scheduler)."""

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from conftest import run_study as study
from conftest import stored_metrics

from study import store
from study.run import cluster
from study.spec import grid

REPO = Path(__file__).resolve().parent.parent
SWEEP = ["sparsity", "--profile", "smoke", "--seeds", "1"]
SPECS = grid.get("sparsity").specs("smoke", seeds=1)
ARRAY = ["--executor", "submitit-local", "--wait", "--groups-per-task", "2"]

pytest.importorskip("submitit")


def metrics(out):
    runs = stored_metrics(out, SPECS)
    assert len(runs) == len(SPECS)
    return runs


def timed(*args, out):
    t0 = time.monotonic()
    proc = study(*args, out=out)
    return proc, time.monotonic() - t0


@pytest.fixture(scope="module")
def pool_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("pool")
    _, seconds = timed("run", *SWEEP, "--jobs", "2", out=out)
    return {"out": out, "metrics": metrics(out), "seconds": seconds}


@pytest.mark.slow  # tests/test_slurm.py checks the same against a real SLURM (make test-cluster)
def test_job_array_gives_the_process_pool_results(pool_run, tmp_path):
    proc, seconds = timed("run", *SWEEP, *ARRAY, out=tmp_path)
    assert re.search(r"submitted job array \S+: 2 tasks for 4 groups \(submitit-local\); logs in ", proc.stderr)
    assert f"progress: python -m study status {' '.join(SWEEP)} --out {tmp_path}" in proc.stderr
    assert "4 groups trained, 0 skipped" in proc.stderr
    got = metrics(tmp_path)
    for key, df in pool_run["metrics"].items():
        pd.testing.assert_frame_equal(got[key], df, check_exact=True)
    assert list((tmp_path / "logs").glob("*_log.out"))  # submitit's logs, where the message said
    print(
        f"\nsmoke sweep: process pool (--jobs 2) {pool_run['seconds']:.1f} s, "
        f"submitit LocalExecutor (2 tasks) {seconds:.1f} s"
    )


@pytest.mark.slow  # tests/test_slurm.py cancels a task of a real SLURM the same way
def test_killed_task_is_rerun_by_resubmitting_and_nothing_finished_is_lost(pool_run, tmp_path):
    results = tmp_path / "results"
    proc = subprocess.Popen(
        [sys.executable, "-m", "study", "run", *SWEEP, *ARRAY, "--epochs", "2", "--out", str(tmp_path)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    # Kill a task while it trains its second group: its first is finished and must stay so.
    victim, deadline = None, time.monotonic() + 300
    while victim is None and time.monotonic() < deadline and proc.poll() is None:
        done = [s for s in SPECS if store.is_done(results, s)]
        for s in SPECS:
            held = store.holder(results, s)
            if done and held and s not in done:
                victim = held["pid"]
                os.kill(victim, signal.SIGKILL)
                break
        time.sleep(0.02)
    _, err = proc.communicate(timeout=600)
    if victim is None:
        pytest.skip("every task finished before one could be killed")
    finished = {
        s.key(): store.run_dir(results, s).joinpath("metrics.parquet").stat().st_mtime_ns
        for s in SPECS
        if store.is_done(results, s)
    }
    assert 1 <= len(finished) < len(SPECS)
    assert proc.returncode == 1, err
    assert re.search(r"task \S+ did not finish", err), err
    last = err.strip().splitlines()[-1]
    assert last.startswith(
        f"error: {len(SPECS) - len(finished)} of 4 groups did not finish; resubmit with: python -m study run"
    )

    status = study("status", *SWEEP, out=tmp_path)
    assert f"{len(finished)} finished, 0 running, 0 damaged, {len(SPECS) - len(finished)} missing" in status.stdout
    assert f"finish the rest with: python -m study run {' '.join(SWEEP)} --out {tmp_path}" in status.stdout

    again = study("run", *SWEEP, *ARRAY, "--epochs", "2", out=tmp_path)
    assert f"4 groups, {len(finished)} already finished" in again.stderr
    for key, mtime in finished.items():  # not trained again
        assert (
            store.run_dir(results, next(s for s in SPECS if s.key() == key))
            .joinpath("metrics.parquet")
            .stat()
            .st_mtime_ns
            == mtime
        )
    got = metrics(tmp_path)
    for key, df in pool_run["metrics"].items():
        pd.testing.assert_frame_equal(got[key], df, check_exact=True)


def test_status_names_groups_held_by_live_workers(tmp_path):
    spec = SPECS[0]
    with store.claim(tmp_path / "results", spec):
        proc = study("status", *SWEEP, out=tmp_path)
    assert "0 finished, 1 running, 0 damaged, 3 missing" in proc.stdout
    assert re.search(
        rf"running  {spec.key()}  depth {spec.depth}, adam 0.001: \S+ pid {os.getpid()} since ", proc.stdout
    )


def test_resources_from_file_and_options(tmp_path):
    path = tmp_path / "cluster.toml"
    path.write_text('partition = "gpu"\ntime = 30\ngpus = 1\ngroups_per_task = 3\n')
    r = cluster.Resources.from_file(path)
    assert (r.partition, r.time, r.gpus, r.groups_per_task, r.mem) == ("gpu", 30, 1, 3, 8)
    params = r.executor_parameters()
    assert params["slurm_partition"] == "gpu" and params["gpus_per_node"] == 1 and params["timeout_min"] == 30
    shares = cluster.chunks(SPECS, 3)
    assert [len(c) for c in shares] == [3, 1] and sorted(s.key() for c in shares for s in c) == sorted(
        s.key() for s in SPECS
    )
    path.write_text("bogus = 1\n")
    with pytest.raises(ValueError, match="unknown setting bogus"):
        cluster.Resources.from_file(path)
