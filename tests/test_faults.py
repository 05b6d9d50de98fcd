"""Faults: damaged files, killed runs, Ctrl-C, concurrent workers, diverging models.

Nothing that finished is lost, nothing damaged is loaded, and every fault ends in one line.
The kill -9 trials run a few at a time by default; all of them with `make test-faults`.
"""

import json
import math
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from conftest import fake_metrics, stored_metrics, tiny_spec
from conftest import run_study as study

from study import store
from study.spec import grid

REPO = Path(__file__).resolve().parent.parent
# A small sweep that answers claims (C1, C2): 4 groups (2 depths x 2 initialisers) of the
# four activations, one seed, 2 epochs each.
SWEEP = ["sparsity", "--profile", "smoke", "--seeds", "1"]
SPECS = grid.get("sparsity").specs("smoke", seeds=1)


def start(*args, out, new_session=True) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "study", *map(str, args), "--out", str(out)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=new_session,
    )


def stored(out) -> dict[str, pd.DataFrame]:
    """{run key: metrics without wall_time} of every finished run of the sweep."""
    return stored_metrics(out, SPECS)


def assert_same_results(out, reference):
    got = stored(out)
    assert sorted(got) == sorted(reference)
    for key in reference:
        pd.testing.assert_frame_equal(got[key], reference[key], check_exact=True)
    leftovers = [p.name for p in (out / "results" / "runs").rglob("*") if ".tmp-" in p.name or p.suffix == ".lock"]
    assert leftovers == []


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The sweep run once, uninterrupted, by a single worker; and how long it took."""
    out = tmp_path_factory.mktemp("reference")
    t0 = time.monotonic()
    study("run", *SWEEP, out=out)
    runs = stored(out)
    assert len(runs) == len(SPECS)
    return {"out": out, "runs": runs, "seconds": time.monotonic() - t0}


# --- damaged files: detected, named, retrained, never loaded ------------------------------


def truncate(path):
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def replace_metrics(path):  # a valid parquet file, but not this one
    df = pd.read_parquet(path)
    df["value"] = df["value"] + 1
    df.to_parquet(path, index=False)


def edit_device(path):
    config = json.loads(path.read_text())
    config["run"]["device"] = "GPU (made up)"
    path.write_text(json.dumps(config))


def edit_spec_and_checksum(path):  # the spec changed and the marker rewritten to match: the hash still tells
    config = json.loads(path.read_text())
    config["spec"]["width"] = 9
    path.write_text(json.dumps(config))
    marker = path.parent / store.MARKER
    m = json.loads(marker.read_text())
    m["files"]["config.json"] = store.sha256(path)
    marker.write_text(json.dumps(m))


DAMAGE = {
    "metrics truncated": ("metrics.parquet", truncate, "metrics.parquet does not match its checksum"),
    "metrics replaced": ("metrics.parquet", replace_metrics, "metrics.parquet does not match its checksum"),
    "metrics deleted": ("metrics.parquet", Path.unlink, "metrics.parquet is missing"),
    "config edited": ("config.json", edit_device, "config.json does not match its checksum"),
    "config deleted": ("config.json", Path.unlink, "config.json is missing"),
    "spec edited with its checksum": ("config.json", edit_spec_and_checksum, "does not hash to its folder's name"),
    "marker garbled": ("COMPLETE", lambda p: p.write_text("{not json"), "marker is unreadable"),
    "marker of the older store format": (
        "COMPLETE",
        lambda p: p.write_text(p.parent.name + "\n"),
        "marker predates checksums",
    ),
    "marker of another run": (
        "COMPLETE",
        lambda p: p.write_text(json.dumps({"key": "0" * 16, "files": {}})),
        "does not describe this run",
    ),
}


@pytest.mark.parametrize("case", list(DAMAGE))
def test_damaged_run_is_named_and_never_loaded(case, tmp_path):
    name, damage, reason = DAMAGE[case]
    good, bad = tiny_spec(), tiny_spec(width=16)
    for spec in (good, bad):
        store.save(tmp_path, spec, fake_metrics(spec), {"device": "CPU"})
    assert store.is_done(tmp_path, bad)
    damage(store.run_dir(tmp_path, bad) / name)
    assert store.is_done(tmp_path, good) and not store.is_done(tmp_path, bad)
    assert reason in store.state(tmp_path, bad)
    assert store.damaged(store.states(tmp_path, [good, bad])) == {bad.key(): store.state(tmp_path, bad)}
    with pytest.raises(store.DamagedRuns, match=f"runs/{bad.key()}: .*{re.escape(reason)}"):
        store.load(tmp_path, [good, bad])
    assert len(store.load(tmp_path, [good])) == len(fake_metrics(good))


def test_damaged_run_is_refused_by_figures_and_report_then_retrained_by_run(reference, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(reference["out"], out)
    victim = SPECS[1]
    truncate(store.run_dir(out / "results", victim) / "metrics.parquet")
    for command in ("figures", "report"):
        proc = study(command, "sparsity", *SWEEP[1:], out=out, check=False)
        assert proc.returncode == 1 and proc.stderr.count("\n") == 1, proc.stderr
        assert f"runs/{victim.key()}: metrics.parquet does not match its checksum" in proc.stderr
        assert f"run 'python -m study run sparsity {' '.join(SWEEP[1:])} --out {out}' first" in proc.stderr
    rerun = study("run", *SWEEP, out=out)
    assert f"damaged, will be retrained: {store.run_dir(out / 'results', victim)}" in rerun.stderr
    assert "4 groups, 3 already finished" in rerun.stderr and "1 groups trained" in rerun.stderr
    assert_same_results(out, reference["runs"])


# --- figures: whole files, checked by the report ------------------------------------------


@pytest.fixture
def drawn(reference, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(reference["out"], out)
    study("figures", "sparsity", *SWEEP[1:], out=out)
    return out


def test_manifest_holds_each_figure_checksum_and_report_refuses_a_damaged_figure(drawn):
    manifest = json.loads((drawn / "figures" / "manifest.json").read_text())
    files = sorted(p.name for p in (drawn / "figures").iterdir() if p.name != "manifest.json")
    assert sorted(manifest["files"]) == files and len(files) >= 2
    assert not [p for p in (drawn / "figures").iterdir() if ".tmp-" in p.name]
    study("report", "sparsity", *SWEEP[1:], out=drawn)
    victim = drawn / "figures" / files[0]
    victim.write_bytes(victim.read_bytes()[:-100])
    proc = study("report", "sparsity", *SWEEP[1:], out=drawn, check=False)
    assert proc.returncode == 1 and proc.stderr.count("\n") == 1, proc.stderr
    assert f"figure {victim} does not match its checksum" in proc.stderr
    assert f"run 'python -m study figures sparsity {' '.join(SWEEP[1:])} --out {drawn}' first" in proc.stderr


def test_a_failed_drawing_leaves_the_old_figures_and_their_manifest_whole(drawn, monkeypatch):
    from study import cli
    from study.claims import c01_sparsity

    def broken(study):
        raise RuntimeError("drawing failed")

    before = {p.name: p.read_bytes() for p in (drawn / "figures").iterdir()}
    monkeypatch.setitem(c01_sparsity.FIGURES, next(iter(c01_sparsity.FIGURES)), broken)
    with pytest.raises(RuntimeError):
        cli.main(["figures", "sparsity", *SWEEP[1:], "--out", str(drawn)])
    assert {p.name: p.read_bytes() for p in (drawn / "figures").iterdir()} == before
    assert not [p for p in drawn.iterdir() if p.name.startswith(".")]  # no half-drawn folder left
    study("report", "sparsity", *SWEEP[1:], out=drawn)  # the old figures still match their manifest


# --- diverging models: flagged, the sweep goes on, left out with a count ------------------


def test_diverged_models_are_flagged_and_left_out_with_a_count(tmp_path):
    rate = ["sparsity", "--profile", "smoke", "--optimizer", "sgd", "--learning-rate", "3"]
    study("run", *rate, out=tmp_path)
    study("figures", *rate, out=tmp_path)
    study("report", *rate, out=tmp_path)
    specs = grid.get("sparsity").specs("smoke", optimizer="sgd", learning_rate=3.0)
    df = store.load(tmp_path / "results", specs)
    flags = df[df["metric"] == "diverged"].pivot_table(
        index=["run", "activation", "seed"], columns="epoch", values="value"
    )
    assert ((flags.diff(axis=1).fillna(0)) >= 0).all().all()  # once flagged, flagged from then on
    diverged = flags[flags.iloc[:, -1] > 0]
    assert 0 < len(diverged) < len(flags)  # some diverged, the others trained on
    last = df[(df["metric"] == "train_loss") & (df["epoch"] == df["epochs"])].set_index(["run", "activation", "seed"])
    healthy = last.drop(index=diverged.index)["value"]
    assert len(healthy) and healthy.map(math.isfinite).all()
    text = (tmp_path / "report" / "report.md").read_text()
    assert f"{len(diverged)} of the {len(flags)} models diverged" in text
    # Each claim of the experiment is answered from the models left, or named with the reason it is not.
    answered = set(re.findall(r"^## (C\d+):", text, flags=re.M))
    emptied = set(
        re.findall(
            r"(C\d+) is not tested from these runs \(every model of every group of [a-z_, ]+ "
            r"diverged\)",
            text,
        )
    )
    assert answered | emptied == {"C1", "C2"} and not answered & emptied  # C12 needs activity_penalty too
    assert text.count("**Verdict:") == len(answered)


# --- stopping: Ctrl-C, kill -9, workers ---------------------------------------------------


def wait_for(predicate, timeout=300, step=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return False


def descendants(pid) -> set[int]:
    children = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def alive(pid) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.parametrize("jobs", [1, 2])
def test_ctrl_c_stops_in_seconds_with_one_line_and_resumes(jobs, reference, tmp_path):
    out = tmp_path / "out"
    longer = [*SWEEP, "--epochs", "40"]
    proc = start("run", *longer, "--jobs", jobs, out=out)
    assert wait_for(lambda: len(list((out / "results" / "runs").glob("*.lock"))) >= jobs)
    time.sleep(1.0)
    workers = descendants(proc.pid)
    t0 = time.monotonic()
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal sends the whole foreground group
    _, err = proc.communicate(timeout=60)
    assert time.monotonic() - t0 < 15
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    lines = [line for line in err.replace("\r", "\n").splitlines() if line.strip()]
    resume = f"python -m study run {' '.join(longer)} --jobs {jobs} --out {out}".replace(f" --jobs {jobs}", "")
    assert re.fullmatch(
        r"interrupted: \d of 4 groups are finished and stored; resume with: " + re.escape(resume), lines[-1]
    ), lines[-1]
    assert wait_for(lambda: not any(alive(p) for p in workers), timeout=10)
    assert not list((out / "results" / "runs").glob("*.lock"))


def test_workers_end_with_their_parent(tmp_path):
    out = tmp_path / "out"
    proc = start("run", *SWEEP, "--epochs", "40", "--jobs", "2", out=out)
    try:
        assert wait_for(lambda: len(list((out / "results" / "runs").glob("*.lock"))) == 2)
        workers = descendants(proc.pid)
        assert len(workers) >= 2
        proc.kill()  # the parent alone
        proc.wait()
        assert wait_for(lambda: not any(alive(p) for p in workers), timeout=10), "workers outlived their parent"
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()


def kill_trial(trial, reference, out):
    """kill -9 of the whole run at a random moment, then a rerun: the results equal an uninterrupted run's."""
    rng = random.Random(trial)
    jobs = 1 + trial % 2
    proc = start("run", *SWEEP, "--jobs", jobs, out=out)
    time.sleep(rng.uniform(0.5, reference["seconds"]))
    os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate()
    finished_before = len(stored(out)) if (out / "results").exists() else 0
    study("run", *SWEEP, out=out)
    assert_same_results(out, reference["runs"])
    return finished_before


DEFAULT_TRIALS = 2
TRIALS = [pytest.param(t, marks=[] if t < DEFAULT_TRIALS else [pytest.mark.faults]) for t in range(20)]


@pytest.mark.parametrize("trial", TRIALS)
def test_kill_9_at_a_random_moment_loses_nothing(trial, reference, tmp_path):
    kill_trial(trial, reference, tmp_path / "out")


# --- concurrent workers on one folder -----------------------------------------------------


@pytest.mark.parametrize("workers", [2, pytest.param(4, marks=pytest.mark.slow)])
def test_concurrent_workers_train_each_group_once(workers, reference, tmp_path):
    out = tmp_path / "out"
    procs = [start("run", *SWEEP, out=out, new_session=False) for _ in range(workers)]
    errs = [p.communicate(timeout=600)[1] for p in procs]
    assert [p.returncode for p in procs] == [0] * workers, errs
    trained = [int(m[1]) if (m := re.search(r"(\d+) groups trained", e)) else 0 for e in errs]
    assert sum(trained) == len(SPECS), errs
    assert_same_results(out, reference["runs"])


# --- claims: the lock protocol ------------------------------------------------------------


def test_claim_is_exclusive_and_released(tmp_path):
    spec = tiny_spec()
    first = store.claim(tmp_path, spec)
    assert first is not None and first.took_over is None
    held = store.holder(tmp_path, spec)
    assert held["pid"] == os.getpid() and "host" in held and "started" in held
    assert store.claim(tmp_path, spec) is None  # held: another claim (another open file) is refused
    first.release()
    assert store.holder(tmp_path, spec) is None and not store.lock_path(tmp_path, spec).exists()
    with store.claim(tmp_path, spec) as again:
        assert again is not None
    assert not store.lock_path(tmp_path, spec).exists()


def test_lock_of_a_killed_worker_is_taken_over(tmp_path):
    spec = tiny_spec()
    code = (
        "import sys, time; from pathlib import Path; from study import store; "
        "from study.spec.config import GroupSpec; "
        f"c = store.claim(Path(sys.argv[1]), GroupSpec(**{spec.to_dict()!r})); "
        "print('held', flush=True); time.sleep(60)"
    )
    holder = subprocess.Popen([sys.executable, "-c", code, str(tmp_path)], cwd=REPO, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        assert store.claim(tmp_path, spec) is None
        assert store.holder(tmp_path, spec)["pid"] == holder.pid
    finally:
        holder.kill()
        holder.wait()
    assert store.lock_path(tmp_path, spec).exists()  # left behind by the kill
    assert store.holder(tmp_path, spec) is None  # but nobody holds it
    taken = store.claim(tmp_path, spec)
    assert taken is not None and taken.took_over["pid"] == holder.pid
    taken.release()


# --- hygiene ------------------------------------------------------------------------------


def test_messages_once_and_no_empty_progress_bar(reference):
    again = study("run", *SWEEP, out=reference["out"])
    assert "4 groups, 4 already finished" in again.stderr
    assert "%|" not in again.stderr and "oneDNN" not in again.stderr  # nothing to train: no bar, no backend


def test_jobs_capped_and_progress_reported_per_epoch_from_workers(tmp_path):
    proc = study("run", *SWEEP, "--epochs", "3", "--jobs", "64", out=tmp_path)
    cores = os.cpu_count()
    assert f"--jobs 64 capped at {min(cores, len(SPECS))} ({len(SPECS)} groups to train, {cores} cores)" in proc.stderr
    for message in ("oneDNN custom operations", "Could not find cuda drivers"):
        assert proc.stderr.count(message) <= 1
    counts = {int(m) for m in re.findall(r"\| *(\d+)/12 ", proc.stderr)}
    if min(cores, len(SPECS)) > 1:
        assert counts - {0, 3, 6, 9, 12}, counts  # epochs reported as they end, not only whole groups
