"""The command line: bad input ends with one line naming the valid choices, and writes nothing."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from study.spec import activations, config

REPO = Path(__file__).resolve().parent.parent


def study(*args):
    return subprocess.run(
        [sys.executable, "-m", "study", *map(str, args)], cwd=REPO, capture_output=True, text=True, timeout=120
    )


SMOKE = ["--profile", "smoke"]
ACTS = list(activations.ACTIVATIONS)
EXPS = ["'bogus'", "gradients", "sparsity"]
# (arguments, words the one-line error must contain); every case exits 2 and writes nothing
BAD = {
    "unknown experiment": (["run", "bogus", *SMOKE], EXPS),
    "unknown experiment beside a known one": (["run", "sparsity", "bogus", *SMOKE], EXPS),
    "unknown experiment beside all": (["run", "all", "bogus", *SMOKE], EXPS),
    "unknown experiment for figures": (["figures", "bogus", *SMOKE], EXPS),
    "unknown experiment for report": (["report", "sparsity", "bogus", *SMOKE], EXPS),
    "unknown profile": (["run", "all", "--profile", "bogus"], ["'bogus'", *config.PROFILES]),
    "unknown profile for figures": (["figures", "--profile", "bogus"], ["'bogus'", *config.PROFILES]),
    "unknown profile for report": (["report", "--profile", "bogus"], ["'bogus'", *config.PROFILES]),
    "unknown activation": (["run", "sparsity", *SMOKE, "--activations", "relu,bogus"], ["'bogus'", *ACTS]),
    "unknown activation for figures": (["figures", *SMOKE, "--activations", "bogus"], ["'bogus'", *ACTS]),
    "empty activation list": (["run", "sparsity", *SMOKE, "--activations", ""], ["--activations", *ACTS]),
    "activation list of commas": (["run", "sparsity", *SMOKE, "--activations", " , "], ["--activations", *ACTS]),
    "empty name in the activation list": (
        ["run", "sparsity", *SMOKE, "--activations", "relu,,tanh"],
        ["--activations", "empty name"],
    ),
    "activation named twice": (
        ["run", "sparsity", *SMOKE, "--activations", "relu,tanh,relu"],
        ["--activations", "relu", "more than once"],
    ),
    "zero epochs": (["run", "sparsity", *SMOKE, "--epochs", "0"], ["--epochs", "positive integer", "'0'"]),
    "non-numeric epochs": (["run", "sparsity", *SMOKE, "--epochs", "abc"], ["--epochs", "positive integer", "'abc'"]),
    "absurdly many epochs": (["run", "sparsity", *SMOKE, "--epochs", "100000000"], ["--epochs", "at most 10000"]),
    "fractional epochs": (["run", "sparsity", *SMOKE, "--epochs", "2.5"], ["--epochs", "'2.5'"]),
    "negative seeds": (["run", "sparsity", *SMOKE, "--seeds", "-1"], ["--seeds", "positive integer", "'-1'"]),
    "more seeds than the profile has": (["run", "sparsity", *SMOKE, "--seeds", "5"], ["--seeds", "1-2"]),
    "zero jobs": (["run", "sparsity", *SMOKE, "--jobs", "0"], ["--jobs", "positive integer"]),
    "unknown optimiser": (["run", "sparsity", *SMOKE, "--optimizer", "rmsprop"], ["'rmsprop'", *config.OPTIMIZERS]),
    "zero learning rate": (["run", "sparsity", *SMOKE, "--learning-rate", "0"], ["--learning-rate", "[1e-07, 10]"]),
    "negative learning rate": (
        ["run", "sparsity", *SMOKE, "--learning-rate", "-0.1"],
        ["--learning-rate", "[1e-07, 10]"],
    ),
    "absurd learning rate": (["run", "sparsity", *SMOKE, "--learning-rate", "1e9"], ["--learning-rate", "[1e-07, 10]"]),
    "learning rate not a number": (["run", "sparsity", *SMOKE, "--learning-rate", "nan"], ["--learning-rate", "'nan'"]),
    "infinite learning rate": (["run", "sparsity", *SMOKE, "--learning-rate", "inf"], ["--learning-rate", "'inf'"]),
    "unknown command": (["bogus"], ["'bogus'", "list", "run", "figures", "report"]),
    "no experiment": (["run", *SMOKE], ["EXPERIMENT"]),
    "unknown option": (["run", "sparsity", *SMOKE, "--bogus"], ["--bogus"]),
    "unknown executor": (
        ["run", "sparsity", *SMOKE, "--executor", "pbs"],
        ["'pbs'", "local", "slurm", "submitit-local"],
    ),
    "cluster config that is not there": (
        ["run", "sparsity", *SMOKE, "--executor", "submitit-local", "--cluster-config", "/nonexistent/cluster.toml"],
        ["--cluster-config", "No such file"],
    ),
    "negative GPUs per task": (
        ["run", "sparsity", *SMOKE, "--executor", "submitit-local", "--gpus", "-1"],
        ["--gpus", "non-negative"],
    ),
    "a learning rate too small to train": (
        ["run", "sparsity", *SMOKE, "--learning-rate", "1e-50"],
        ["--learning-rate", "1e-07", "'1e-50'"],
    ),
    "cluster options with the local executor": (
        ["run", "sparsity", *SMOKE, "--partition", "cpu", "--mem", "4"],
        ["--partition", "--mem", "--executor slurm"],
    ),
    "unknown setting": (["run", "sparsity", *SMOKE, "--setting", "groupnorm"], ["'groupnorm'", "main", "resnorm"]),
    "unknown setting for status": (["status", *SMOKE, "--setting", "bogus"], ["'bogus'", "batchnorm", "residual"]),
    "a setting none of the experiments named repeats in": (
        ["run", "dead_units", *SMOKE, "--setting", "residual"],
        ["--setting residual", "main"],
    ),
    "one user activation named twice": (
        ["run", "sparsity", *SMOKE, "--activations", "relu,relu"],
        ["relu named more than once"],
    ),
}


def check_refused(proc, out, mentioned, status=2):
    """One line, starting 'error:', naming what it should; the status; nothing written."""
    assert proc.returncode == status, proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error:")
    for word in mentioned:
        assert word in lines[0]
    assert proc.stdout == ""
    assert not out.exists()
    assert sorted(p.name for p in out.parent.iterdir()) == []


@pytest.mark.parametrize("case", list(BAD))
def test_bad_input_is_one_line_exit_2_and_writes_nothing(case, tmp_path):
    args, mentioned = BAD[case]
    out = tmp_path / "x"
    check_refused(study(*args, "--out", out), out, mentioned)


def study_env(env, *args):
    return subprocess.run(
        [sys.executable, "-m", "study", *map(str, args)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **env},
    )


BACKENDS = ["tensorflow", "jax", "torch"]
BAD_ENV = {
    "unknown Keras backend": (
        {"KERAS_BACKEND": "bogus"},
        ["run", "sparsity", *SMOKE],
        ["KERAS_BACKEND", "'bogus'", *BACKENDS],
    ),
    "unknown Keras backend for figures": ({"KERAS_BACKEND": "bogus"}, ["figures", *SMOKE], ["'bogus'", *BACKENDS]),
    "unknown matplotlib backend": ({"MPLBACKEND": "bogus"}, ["figures", *SMOKE], ["MPLBACKEND", "'bogus'", "agg"]),
    "unknown matplotlib backend for report": ({"MPLBACKEND": "bogus"}, ["report", *SMOKE], ["MPLBACKEND", "agg"]),
}


@pytest.mark.parametrize("case", list(BAD_ENV))
def test_bad_environment_is_one_line_exit_2_and_writes_nothing(case, tmp_path):
    env, args, mentioned = BAD_ENV[case]
    out = tmp_path / "x"
    check_refused(study_env(env, *args, "--out", out), out, mentioned)


def test_a_backend_that_is_not_installed_is_named(tmp_path, tmp_path_factory):
    # Hidden from the subprocess where it is installed: sys.modules[name] = None makes find_spec say "absent".
    hide = tmp_path_factory.mktemp("hide")
    (hide / "sitecustomize.py").write_text("import sys\nsys.modules['torch'] = None\n")
    out = tmp_path / "x"
    env = {"KERAS_BACKEND": "torch", "PYTHONPATH": str(hide)}
    check_refused(
        study_env(env, "run", "sparsity", *SMOKE, "--out", out), out, ["torch", "not installed", "tensorflow"]
    )


@pytest.mark.parametrize("command", ["run", "figures", "report"])
def test_out_that_is_a_file_is_refused(command, tmp_path):
    target = tmp_path / "a-file"
    target.write_text("not a folder")
    proc = study(command, *(["sparsity"] if command == "run" else []), *SMOKE, "--out", target / "inside")
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1, proc.stderr
    assert "is a file, not a folder" in proc.stderr
    assert target.read_text() == "not a folder" and sorted(tmp_path.iterdir()) == [target]


def test_out_on_a_file_system_that_takes_no_files_is_refused():
    proc = study("run", "sparsity", *SMOKE, "--out", "/proc/study-results")  # procfs: even root cannot create
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1, proc.stderr
    assert proc.stderr.startswith("error: --out /proc/study-results: cannot write in /proc")


def test_out_on_a_full_file_system_is_refused(tmp_path, monkeypatch, capsys):
    from study import cli
    from study.cli import checks

    monkeypatch.setattr(checks.shutil, "disk_usage", lambda path: shutil._ntuple_diskusage(10**9, 10**9 - 2**20, 2**20))
    assert cli.main(["run", "sparsity", *SMOKE, "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "only 1 MB free" in err and f"at least {checks.MIN_FREE_MB} MB" in err
    assert list(tmp_path.iterdir()) == []


def test_empty_keras_backend_is_tensorflow(tmp_path):
    """KERAS_BACKEND= (empty) is the default backend, recorded by its name, so its runs are the TensorFlow ones."""
    proc = study_env(
        {"KERAS_BACKEND": ""},
        "run",
        "sparsity",
        *SMOKE,
        "--activations",
        "relu",
        "--seeds",
        "1",
        "--epochs",
        "1",
        "--out",
        tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    configs = [json.loads(p.read_text()) for p in tmp_path.glob("results/runs/*/config.json")]
    assert configs and {c["spec"]["backend"] for c in configs} == {"tensorflow"}
    assert {c["run"]["backend"] for c in configs} == {"tensorflow"}


def test_missing_input_hints_repeat_every_option(tmp_path):
    out = tmp_path / "elsewhere"
    out.mkdir()
    proc = study(
        "figures", "sparsity", *SMOKE, "--activations", "relu,tanh", "--seeds", "1", "--epochs", "3", "--out", out
    )
    assert proc.returncode == 1 and proc.stderr.count("\n") == 1, proc.stderr
    hint = proc.stderr.split("run '")[1].split("'")[0]
    assert (
        hint == f"python -m study run sparsity --profile smoke --activations relu,tanh --seeds 1 --epochs 3 --out {out}"
    )
    proc = study("report", *SMOKE, "--out", out)
    assert f"python -m study run all --profile smoke --out {out}" in proc.stderr


def test_list_and_help_name_every_activation():
    for args in (["list"], ["--help"], ["run", "--help"]):
        proc = study(*args)
        assert proc.returncode == 0, proc.stderr
        text = " ".join(proc.stdout.split())
        assert f"activations ({len(ACTS)})" in text or args != ["list"]
        for name in ACTS:
            assert name in text, (args, name)


def test_list_prints_every_experiment_with_its_claims():
    proc = study("list")
    assert proc.returncode == 0, proc.stderr
    table = proc.stdout.split("\nsettings")[0]
    lines = [line for line in table.splitlines() if not line.startswith(("profiles:", "activations"))]
    names = [line.split()[0] for line in lines]
    assert names == [
        "activity_penalty",
        "collapse",
        "convergence",
        "cost",
        "dead_units",
        "expressivity",
        "feature_selection",
        "flips",
        "flips_exact",
        "glorot_bengio",
        "gradients",
        "leaderboard",
        "make_up",
        "saturation",
        "sparsity",
    ]
    for name, claims in [
        ("flips", "C3"),
        ("flips_exact", "C3"),
        ("glorot_bengio", "C9"),
        ("expressivity", "C5"),
        ("convergence", "C7"),
        ("collapse", "C10"),
        ("dead_units", "C10"),
        ("sparsity", "C1, C2, C12"),
        ("gradients", "C6, C9"),
        ("feature_selection", "C4"),
        ("cost", "C8"),
        ("saturation", "C9"),
        ("leaderboard", "C11"),
        ("activity_penalty", "C12"),
    ]:
        assert claims in lines[names.index(name)]
    for profile in config.PROFILES:
        assert profile in proc.stdout


def test_other_profiles_than_the_reference_write_outside_the_repository_by_default():
    """The committed results/, figures/ and report/ are the full profile's: any other profile goes to
    out/PROFILE/, which git ignores, so `make study` (quick) never overwrites the reference; only the quick
    crosscheck, whose runs on every backend are committed beside the reference, reads and writes there."""
    assert config.home(config.REFERENCE) == REPO
    assert config.home("quick") == REPO / "out" / "quick" != config.home("smoke")
    assert config.home(config.CROSSCHECKED, "crosscheck") == REPO
    assert config.home("smoke", "crosscheck") == REPO / "out" / "smoke"
    ignored = subprocess.run(["git", "check-ignore", "-q", "out/quick/report/index.html"], cwd=REPO)
    assert ignored.returncode == 0, "out/ is not git-ignored"
    proc = study("status", *SMOKE)  # reads only: the folder it would use is named
    assert proc.returncode == 0 and f"groups in {REPO / 'out' / 'smoke' / 'results'}:" in proc.stdout, proc.stderr


@pytest.mark.parametrize("command", ["run", "figures", "report"])
def test_a_narrowed_reference_selection_needs_its_own_out(command):
    """--seeds 2 on the full profile would mix into the committed reference: refused, one line, nothing written."""
    before = {p: p.stat().st_mtime_ns for p in (REPO / "figures").glob("*")} if (REPO / "figures").exists() else {}
    proc = study(command, "sparsity", "--profile", config.REFERENCE, "--seeds", "2")
    assert proc.returncode == 2 and len(proc.stderr.splitlines()) == 1, proc.stderr
    assert "--seeds 2" in proc.stderr and "--out" in proc.stderr
    after = {p: p.stat().st_mtime_ns for p in (REPO / "figures").glob("*")} if (REPO / "figures").exists() else {}
    assert after == before


def test_list_shows_each_experiments_settings_per_profile():
    out = study("list").stdout
    rows = {line.split()[0]: line for line in out.split("\nsettings")[1].splitlines()[1:] if line.startswith("  ")}
    assert "quick: digits, fashion, tuned, batchnorm, residual, resnorm" in rows["sparsity"]
    assert "full: digits, cnn, fashion, tuned, batchnorm, residual, resnorm" in rows["gradients"]
    assert "quick: -; full: fashion, batchnorm, residual, resnorm" in rows["dead_units"]
    assert "quick: -; full: -" in rows["leaderboard"]
    assert "resnorm: each experiment's own data, the pre-norm residual MLP" in out
    assert "tuned: each experiment's own data and MLP, every activation at its own best Adam learning rate" in out


def test_one_setting_alone_is_trained_and_counted_per_setting(tmp_path, study_cli):
    """run --setting trains that setting's groups only; status counts each setting's."""
    args = ["gradients", "--profile", "smoke", "--seeds", "1", "--epochs", "1", "--out", tmp_path]
    before = study_cli("status", *args).stdout
    # the modern settings train under Glorot uniform alone: 2 depths, where the main setting has 2 x 2 initialisers;
    # the tuned setting 3 rates at depth 1, one of them (0.001) the main setting's group, counted there
    assert "by setting: main 0 of 4; digits 0 of 4; cnn 0 of 2; resnorm 0 of 2; tuned 0 of 2" in before
    study_cli("run", *args, "--setting", "resnorm", "--jobs", "2")
    status = study_cli("status", *args).stdout
    assert "14 groups" in status and "2 finished" in status and "12 missing" in status
    assert "by setting: main 0 of 4; digits 0 of 4; cnn 0 of 2; resnorm 2 of 2; tuned 0 of 2" in status
    alone = study_cli("status", *args, "--setting", "resnorm").stdout
    assert alone.startswith("2 groups") and "2 finished" in alone and "by setting" not in alone
    main = study_cli("status", *args, "--setting", "main").stdout
    assert "4 missing" in main and "run gradients --profile smoke --seeds 1 --epochs 1 --setting main" in main
