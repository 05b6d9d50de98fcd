"""The cluster path against a real scheduler: one node of Debian's slurm-wlm on this machine.

`make test-cluster` installs the packages and runs these tests as root; the module's fixture
starts munged, slurmctld and slurmd from a folder of its own and stops them on every exit path,
then checks that no SLURM or munge process is left. Where no node can be started (not root, no
packages) every test here is skipped, so `make test` passes without SLURM.
"""

import contextlib
import os
import re
import shlex
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest
import slurm_node
from conftest import REPO
from conftest import run_study as study
from test_cluster import SPECS, SWEEP, metrics, pool_run  # noqa: F401  (pool_run: the process pool's results)

from study import store
from study.spec import grid

pytestmark = pytest.mark.cluster
SLURM = ["--executor", "slurm", "--wait"]
# Long enough that a group outlives scancel's grace period (KillWait, 2 s here): submitit lets its task
# run on after SIGTERM, and SLURM kills it at the end of that period.
EPOCHS = "400"  # long enough that a task is cancelled while it trains, not while it ends
LONG = grid.get("sparsity").specs("smoke", seeds=1, epochs=int(EPOCHS))


@pytest.fixture(scope="module")
def node(tmp_path_factory):
    why = slurm_node.available()
    if why and os.environ.get("STUDY_REQUIRE_SLURM") == "1":  # make test-cluster: a skip would hide it
        pytest.fail(why)
    if why:
        pytest.skip(why)
    before = set(slurm_node.running_daemons())
    if before:
        pytest.skip(f"SLURM or munge already runs here ({', '.join(sorted(before))}): not starting another")
    previous = signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    n = slurm_node.Node(tmp_path_factory.mktemp("slurm"))
    old = os.environ.get("SLURM_CONF")
    os.environ["SLURM_CONF"] = n.env["SLURM_CONF"]
    try:
        with n:
            yield n
    finally:
        signal.signal(signal.SIGTERM, previous)
        os.environ.pop("SLURM_CONF") if old is None else os.environ.__setitem__("SLURM_CONF", old)
        left = slurm_node.running_daemons()
        assert not left, f"left running after the node stopped: {left}"


@contextlib.contextmanager
def launched(*argvs):
    """`python -m study ARGV` for each argv, at once; any still running at the end (a failed test) is killed."""
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "study", *argv], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for argv in argvs
    ]
    try:
        yield procs
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def array_id(stderr: str) -> str:
    return re.search(r"submitted job array (\d+):", stderr).group(1)


def test_slurm_array_gives_the_process_pool_results(node, pool_run, tmp_path):  # noqa: F811
    t0 = time.monotonic()
    proc = study("run", *SWEEP, *SLURM, "--groups-per-task", "2", "--cpus", "1", out=tmp_path)
    seconds = time.monotonic() - t0
    assert re.search(r"submitted job array \d+: 2 tasks for 4 groups \(slurm\)", proc.stderr)
    assert "4 groups trained, 0 skipped" in proc.stderr
    got = metrics(tmp_path)
    for key, df in pool_run["metrics"].items():
        pd.testing.assert_frame_equal(got[key], df, check_exact=True)
    assert "Slurm accounting" not in proc.stderr and "sacct" not in proc.stderr  # no database here: quiet
    print(f"\nsmoke sweep: process pool (--jobs 2) {pool_run['seconds']:.1f} s, SLURM array (2 tasks) {seconds:.1f} s")


def test_resources_from_the_toml_file_reach_the_scheduler(node, tmp_path):
    config = tmp_path / "cluster.toml"
    config.write_text(f'partition = "{slurm_node.PARTITION}"\ntime = 7\nmem = 2\ncpus = 1\ngroups_per_task = 2\n')
    proc = study("run", *SWEEP, "--executor", "slurm", "--cluster-config", config, out=tmp_path / "out")
    job = array_id(proc.stderr)
    try:
        tasks = node.run("squeue", "--noheader", "--array", "--states=all", "--jobs", job, "--format=%i").stdout
        assert len(tasks.split()) == 2  # 4 groups, 2 per task
        shown = node.run("scontrol", "show", "job", job).stdout
        assert f"Partition={slurm_node.PARTITION}" in shown
        assert "TimeLimit=00:07:00" in shown
        assert re.search(r"MinMemoryNode=2G\b", shown)
        assert re.search(r"NumCPUs=1\b", shown)
    finally:
        node.run("scancel", job, check=False)


def test_a_cancelled_task_is_named_and_resubmitting_trains_only_the_missing_groups(node, tmp_path):
    results = tmp_path / "results"
    argv = ["run", *SWEEP, *SLURM, "--groups-per-task", "2", "--epochs", EPOCHS, "--out", str(tmp_path)]
    with launched(argv) as (proc,):
        # Cancel the running task while it trains its second group: its first is finished and must stay so.
        cancelled, deadline = None, time.monotonic() + 300
        while cancelled is None and time.monotonic() < deadline and proc.poll() is None:
            done = [s for s in LONG if store.is_done(results, s)]
            if done and any(store.holder(results, s) for s in LONG if s not in done):
                running = node.run("squeue", "--noheader", "--array", "--states=R", "--format=%i").stdout.split()
                if running:
                    cancelled = running[0]
                    node.run("scancel", cancelled)
            time.sleep(0.1)
        _, err = proc.communicate(timeout=600)
    if cancelled is None:
        pytest.skip(f"every task finished before one could be cancelled: {err}")
    finished = {s.key(): store.run_dir(results, s).stat().st_mtime_ns for s in LONG if store.is_done(results, s)}
    assert 1 <= len(finished) < len(LONG), err
    assert proc.returncode == 1, err
    assert f"task {cancelled} did not finish: it ended CANCELLED without a result" in err
    last = err.strip().splitlines()[-1]
    missing = len(LONG) - len(finished)
    assert last.startswith(f"error: {missing} of 4 groups did not finish; resubmit with: python -m study run")

    status = study("status", *SWEEP, "--epochs", EPOCHS, out=tmp_path)
    assert f"{len(finished)} finished, 0 running, 0 damaged, {missing} missing" in status.stdout

    resubmit = shlex.split(last.split("resubmit with: ", 1)[1])
    again = study(*resubmit[3:])  # the printed command, as a user would paste it
    assert f"4 groups, {len(finished)} already finished" in again.stderr
    assert f"{missing} groups trained, 0 skipped" in again.stderr
    for s in LONG:
        if s.key() in finished:  # not trained again
            assert store.run_dir(results, s).stat().st_mtime_ns == finished[s.key()]
        assert store.is_done(results, s)


def test_two_arrays_into_one_folder_train_each_group_once(node, tmp_path):
    argv = ["run", *SWEEP, *SLURM, "--cpus", "1", "--out", str(tmp_path)]
    with launched(argv, argv) as procs:
        errs = [p.communicate(timeout=600)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], errs
    trained = [int(re.search(r"(\d+) groups trained, (\d+) skipped", e).group(1)) for e in errs]
    assert sum(trained) == len(SPECS), errs  # the group locks: no group trained twice
    assert all(store.is_done(tmp_path / "results", s) for s in SPECS)
    node.drain()  # a task may still be ending after its result is written


@pytest.mark.parametrize(
    "options, said",
    [
        (["--partition", "nosuch"], f"invalid partition specified: nosuch (partitions here: {slurm_node.PARTITION})"),
        (["--time", str(slurm_node.MAX_TIME + 1)], "Requested time limit is invalid"),
    ],
)
def test_a_request_the_scheduler_refuses_ends_in_one_line(node, tmp_path, options, said):
    before = node.jobs()
    proc = study("run", *SWEEP, *SLURM, *options, out=tmp_path, check=False)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert lines[-1].startswith("error: the scheduler refused the job array: ") and said in lines[-1], lines
    assert not any("sbatch" in line or "Traceback" in line for line in lines), lines
    assert not (tmp_path / "logs").exists() and not (tmp_path / "results" / "runs").exists()
    assert node.jobs() <= before  # nothing was queued
