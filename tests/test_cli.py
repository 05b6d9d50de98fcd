"""The command line: bad input ends with one line naming the valid choices, and writes nothing."""

import subprocess
import sys
from pathlib import Path

import pytest

from study import activations, config

REPO = Path(__file__).resolve().parent.parent


def study(*args):
    return subprocess.run([sys.executable, "-m", "study", *map(str, args)], cwd=REPO,
                          capture_output=True, text=True, timeout=120)


SMOKE = ["--profile", "smoke"]
BAD = {
    "unknown experiment": (["run", "bogus", *SMOKE], ["'bogus'", "gradients", "sparsity"]),
    "unknown experiment beside a known one": (["run", "sparsity", "bogus", *SMOKE],
                                              ["'bogus'", "gradients", "sparsity"]),
    "unknown profile": (["run", "all", "--profile", "bogus"], ["'bogus'", *config.PROFILES]),
    "unknown profile for figures": (["figures", "--profile", "bogus"], ["'bogus'", *config.PROFILES]),
    "unknown activation": (["run", "sparsity", *SMOKE, "--activations", "relu,bogus"],
                           ["'bogus'", *activations.ACTIVATIONS]),
    "zero epochs": (["run", "sparsity", *SMOKE, "--epochs", "0"], ["--epochs", "positive integer", "'0'"]),
    "negative seeds": (["run", "sparsity", *SMOKE, "--seeds", "-1"], ["--seeds", "positive integer", "'-1'"]),
    "non-numeric epochs": (["run", "sparsity", *SMOKE, "--epochs", "abc"],
                           ["--epochs", "positive integer", "'abc'"]),
    "unknown experiment beside all": (["run", "all", "bogus", *SMOKE], ["'bogus'", "gradients", "sparsity"]),
    "more seeds than the profile has": (["run", "sparsity", *SMOKE, "--seeds", "5"], ["--seeds", "1-2"]),
    "unknown command": (["bogus"], ["'bogus'", "list", "run", "figures", "report"]),
    "no experiment": (["run", *SMOKE], ["EXPERIMENT"]),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_input_is_one_line_exit_2_and_writes_nothing(case, tmp_path):
    args, mentioned = BAD[case]
    out = tmp_path / "x"
    proc = study(*args, "--out", out)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error:")
    for word in mentioned:
        assert word in lines[0]
    assert proc.stdout == ""
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_list_prints_every_experiment_with_its_claims():
    proc = study("list")
    assert proc.returncode == 0, proc.stderr
    lines = [line for line in proc.stdout.splitlines() if not line.startswith("profiles:")]
    names = [line.split()[0] for line in lines]
    assert names == ["collapse", "convergence", "dead_units", "expressivity", "flips", "gradients", "sparsity"]
    for name, claims in [("flips", "C3"), ("expressivity", "C5"), ("convergence", "C7"), ("collapse", "C10"),
                         ("dead_units", "C10"), ("sparsity", "C1, C2, C12"), ("gradients", "C6, C9")]:
        assert claims in lines[names.index(name)]
    for profile in config.PROFILES:
        assert profile in proc.stdout

