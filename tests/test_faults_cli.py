"""Faults found by an adversarial pass through the command line: each ends as a user would expect, with one
line and a non-zero exit where the input is bad, nothing half-written, and a damaged store repaired by `run`."""

import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import run_study as study

from study import store
from study.spec import config, grid

REPO = Path(__file__).resolve().parent.parent
SWEEP = ["flips", "--profile", "smoke", "--seeds", "1", "--epochs", "1"]
SPECS = grid.Selection("smoke", seeds=1, epochs=1).every_setting(grid.get("flips"))


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    """A small finished sweep with its figures and report."""
    out = tmp_path_factory.mktemp("base")
    study("run", *SWEEP, out=out)
    study("report", "--with-figures", *SWEEP, out=out)
    return out


@pytest.fixture
def copy(base, tmp_path) -> Path:
    shutil.copytree(base, tmp_path / "out", symlinks=True)
    return tmp_path / "out"


def one_line(proc, status):
    assert proc.returncode == status, proc.stderr
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("error: "), proc.stderr
    assert "Traceback" not in proc.stderr


def snapshot(folder: Path) -> dict:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# --- where results go ----------------------------------------------------------------------


@pytest.mark.parametrize("out", ["", "."])
def test_an_empty_or_repository_out_is_refused(out):
    """`--out ''` used to write a run into the repository's results/ and redraw its committed figures."""
    before = sorted((REPO / "results" / "runs").iterdir())
    for command in ("run", "figures", "report", "status"):
        proc = study(command, *SWEEP, "--out", out, check=False)
        one_line(proc, 2)
        assert ("names no folder" if out == "" else "the repository holds the committed") in proc.stderr
    assert sorted((REPO / "results" / "runs").iterdir()) == before


def test_status_of_an_out_that_is_a_file_is_one_line(tmp_path):
    (tmp_path / "f").write_text("x")
    one_line(study("status", *SWEEP, out=tmp_path / "f", check=False), 2)


@pytest.mark.parametrize("part", ["results", "results/runs", "figures", "report"])
def test_a_file_where_a_folder_belongs_is_one_line(part, tmp_path):
    (tmp_path / part).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / part).write_text("a file")
    proc = study("run", *SWEEP, out=tmp_path, check=False)
    one_line(proc, 2)
    assert f"{tmp_path / part} is a file where a folder belongs" in proc.stderr
    assert (tmp_path / part).read_text() == "a file"


# --- a damaged store: named, never followed, repaired by the next run ----------------------


@pytest.mark.parametrize("what", ["link", "folder"])
def test_a_lock_that_is_no_lock_file_is_never_followed_and_is_repaired(what, tmp_path):
    out, victim = tmp_path / "out", tmp_path / "victim.txt"
    victim.write_text("precious")
    lock = store.lock_path(out / "results", SPECS[0])
    lock.parent.mkdir(parents=True)
    if what == "link":
        lock.symlink_to(victim)
    else:
        (lock / "inside").mkdir(parents=True)
    proc = study("run", *SWEEP, out=out)
    assert f"repaired: {lock}" in proc.stderr
    assert victim.read_text() == "precious"
    assert all(store.is_done(out / "results", s) for s in SPECS) and not lock.exists()


def test_a_run_folder_that_is_a_file_is_retrained(copy):
    path = store.run_dir(copy / "results", SPECS[0])
    shutil.rmtree(path)
    path.write_text("not a folder")
    proc = study("status", *SWEEP, out=copy)
    assert "damaged" in proc.stdout and "its folder is not a folder" in proc.stdout
    proc = study("run", *SWEEP, out=copy)
    assert "damaged, will be retrained" in proc.stderr and store.is_done(copy / "results", SPECS[0])


def test_a_marker_of_binary_bytes_means_damaged(copy):
    """A COMPLETE holding bytes that are no text used to end status, run and figures in a traceback."""
    marker = store.run_dir(copy / "results", SPECS[0]) / store.MARKER
    marker.write_bytes(b"\xff\xfe\x00\x81 not json")
    proc = study("status", *SWEEP, out=copy)
    assert "1 damaged" in proc.stdout and "its COMPLETE marker is unreadable" in proc.stdout
    proc = study("figures", *SWEEP, out=copy, check=False)
    one_line(proc, 1)
    assert "damaged" in proc.stderr
    proc = study("run", *SWEEP, out=copy)
    assert "damaged, will be retrained" in proc.stderr and store.is_done(copy / "results", SPECS[0])


def test_an_unfinished_benchmark_of_another_device_does_not_block_the_figures(tmp_path):
    """A stray folder holding only a benchmark's config.json for another device used to block figures for good."""
    from study.analysis.study import Study

    base = grid.Selection("smoke").specs(grid.get("cost"))[0]
    here = store.run_dir(tmp_path / "results", base)
    stray = store.run_dir(tmp_path / "results", type(base)(**{**base.to_dict(), "device": "GPU (elsewhere)"}))
    stray.mkdir(parents=True)
    (stray / "config.json").write_text(json.dumps({"spec": {**base.to_dict(), "device": "GPU (elsewhere)"}}))
    study_ = Study(tmp_path, grid.Selection("smoke"), [grid.get("cost")])
    assert [s.key() for s in study_.specs("cost")] == [base.key()]  # only this device's; the stray is ignored
    assert not here.exists()


# --- a group held by another worker ----------------------------------------------------------


@pytest.mark.faults  # slow: a held group and a take-over (make test-faults)
def test_run_waits_for_a_group_another_worker_holds_and_takes_it_over_when_it_dies(tmp_path):
    """A group held by a live lock used to end `run` with exit 0 and the group unfinished."""
    out, spec = tmp_path / "out", SPECS[0]
    code = (
        "import sys, time; from pathlib import Path; from study import store; "
        "from study.spec.config import GroupSpec; "
        f"c = store.claim(Path(sys.argv[1]), GroupSpec(**{spec.to_dict()!r})); "
        "print('held', flush=True); time.sleep(600)"
    )
    holder = subprocess.Popen([sys.executable, "-c", code, str(out / "results")], cwd=REPO, stdout=subprocess.PIPE,
                              text=True)  # fmt: skip
    said = []
    try:
        assert holder.stdout.readline().strip() == "held"
        run = subprocess.Popen([sys.executable, "-m", "study", "run", *SWEEP, "--out", str(out)], cwd=REPO,
                               stderr=subprocess.PIPE, text=True)  # fmt: skip
        reader = threading.Thread(target=lambda: said.extend(run.stderr), daemon=True)
        reader.start()
        wait_for(lambda: any("waiting for 1 group(s) another worker is training" in line for line in said))
        time.sleep(3)
        assert run.poll() is None  # still waiting for the held group
        holder.kill()
        run.wait(timeout=300)
        reader.join(timeout=10)
    finally:
        holder.kill()
    assert run.returncode == 0, "".join(said)
    assert all(store.is_done(out / "results", s) for s in SPECS)


# --- figures and report: whole or not at all ---------------------------------------------------


def wait_for(predicate, timeout=120):
    deadline = time.time() + timeout
    while not predicate():
        assert time.time() < deadline, "timed out"
        time.sleep(0.05)


def test_ctrl_c_during_figures_leaves_the_old_figures_whole(copy):
    """Ctrl-C during figures used to say 'nothing was written' after half the files were redrawn."""
    before = snapshot(copy / "figures")
    for _ in range(5):  # a busy machine may let the drawing finish before the signal lands: then again
        # a Ctrl-C reaches the child as at a terminal, even where this process ignores SIGINT (it would inherit that)
        proc = subprocess.Popen([sys.executable, "-m", "study", "figures", *SWEEP, "--out", str(copy)], cwd=REPO,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))  # fmt: skip
        wait_for(lambda: any(copy.glob(".figures.new-*")))  # drawing has begun: a flip's one figure is quick
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=120)
        if proc.returncode != 0:
            break
        assert snapshot(copy / "figures") == before  # finished whole: the same runs draw the same bytes
    assert proc.returncode == 130 and err.strip().endswith("interrupted: nothing was written"), err
    assert snapshot(copy / "figures") == before
    assert sorted(p.name for p in copy.iterdir()) == ["figures", "report", "results"]


def test_a_broken_chromium_is_one_line_and_leaves_the_report_as_it_was(copy):
    before = snapshot(copy / "report")
    proc = study("report", *SWEEP, out=copy, check=False, env={"CHROMIUM": "/bin/false"})
    one_line(proc, 1)
    assert "/bin/false made no PDF" in proc.stderr
    assert snapshot(copy / "report") == before


def test_sigterm_while_chromium_prints_ends_it_and_its_children_and_removes_its_folder(copy, tmp_path):
    """SIGTERM during the PDF used to leave Chromium's processes and a temporary folder behind."""
    fake, pids = tmp_path / "chromium", tmp_path / "pids"
    fake.write_text(f"#!/bin/sh\nsleep 300 &\necho $! >> {pids}\necho $$ >> {pids}\nwait\n")
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    before = snapshot(copy / "report")
    env = {**os.environ, "CHROMIUM": str(fake), "TMPDIR": str(scratch)}
    proc = subprocess.Popen([sys.executable, "-m", "study", "report", *SWEEP, "--out", str(copy)], cwd=REPO,
                            stderr=subprocess.PIPE, text=True, env=env)  # fmt: skip
    wait_for(lambda: pids.exists() and len(pids.read_text().split()) == 2)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "interrupted: nothing was written" in err, err
    for pid in map(int, pids.read_text().split()):
        wait_for(lambda pid=pid: not alive(pid), timeout=10)
    assert list(scratch.iterdir()) == []
    assert snapshot(copy / "report") == before


def alive(pid: int) -> bool:
    """Whether the process runs (a zombie, ended but not yet reaped by its parent, does not)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except FileNotFoundError:
        return False


def test_a_report_folder_holding_a_folder_where_a_file_belongs_is_replaced_whole(copy):
    shutil.rmtree(copy / "report")
    (copy / "report" / "report.md").mkdir(parents=True)
    study("report", *SWEEP, out=copy)
    assert (copy / "report" / "report.md").is_file()
    assert not [p for p in copy.rglob("*") if ".tmp" in p.name or ".new-" in p.name or ".old-" in p.name]


def test_figures_and_report_of_other_runs_in_the_out_folder_are_replaced_with_a_word(copy):
    other = ["flips", "--profile", "smoke", "--seeds", "1", "--epochs", "2"]
    study("run", *other, out=copy)
    proc = study("report", "--with-figures", *other, out=copy)
    assert f"replacing the figures in {copy / 'figures'}" in proc.stderr
    assert f"replacing the report in {copy / 'report'}" in proc.stderr


def test_the_report_names_only_the_backends_installed(base):
    from study.run.backends import installed

    text = (base / "report" / "report.md").read_text()
    assert f"every Keras backend installed here ({', '.join(installed())})" in text


# --- the cluster's settings ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "setting, words",
    [
        ('time = "abc"', "time must be a whole number of at least 1, got 'abc'"),
        ("groups_per_task = 0", "groups_per_task must be a whole number of at least 1, got 0"),
        ("mem = -4", "mem must be a whole number of at least 1, got -4"),
        ("cpus = 0", "cpus must be a whole number of at least 1, got 0"),
    ],
)
def test_a_cluster_setting_out_of_range_is_one_line_and_writes_nothing(setting, words, tmp_path):
    (tmp_path / "cluster.toml").write_text(setting + "\n")
    out = tmp_path / "out"
    proc = study("run", *SWEEP, "--executor", "submitit-local", "--cluster-config", tmp_path / "cluster.toml",
                 out=out, check=False)  # fmt: skip
    one_line(proc, 2)
    assert words in proc.stderr and not out.exists()


@pytest.mark.skipif(shutil.which("sbatch") is not None, reason="SLURM is installed here")
def test_slurm_where_there_is_none_is_one_line(tmp_path):
    proc = study("run", *SWEEP, "--executor", "slurm", out=tmp_path / "out", check=False)
    one_line(proc, 2)
    assert "sbatch" in proc.stderr and "submitit-local" in proc.stderr and not (tmp_path / "out").exists()


# --- signals while starting -------------------------------------------------------------------------


def test_ctrl_c_while_the_study_is_imported_is_no_traceback():
    proc = subprocess.Popen([sys.executable, "-m", "study", "status", *SWEEP], cwd=REPO, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)  # fmt: skip
    time.sleep(0.3)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert "Traceback" not in err
    assert proc.returncode in (130, -signal.SIGINT, 0), err  # 0: it finished before the signal came


def test_the_reference_home_is_still_the_repository():
    assert config.home(config.REFERENCE) == REPO
