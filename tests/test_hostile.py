"""User activations that misbehave (tests/hostile/): each is refused in one line, or contained so that it cannot
change any other group's numbers, and the identity of a user activation covers the code it runs."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import keras
import pytest

from study.spec import user_activations
from study.spec.user_activations import BadActivation

HOSTILE = Path(__file__).resolve().parent / "hostile"
SMOKE = ["--profile", "smoke", "--seeds", "1", "--epochs", "1"]


@pytest.fixture(autouse=True)
def hostile_on_path(monkeypatch):
    monkeypatch.syspath_prepend(str(HOSTILE))
    monkeypatch.setattr(user_activations, "_resolved", {})


@pytest.mark.parametrize(
    "name, words",
    [
        ("exits_on_import:act", "module 'exits_on_import' calls sys.exit(0) on import"),
        ("exits_with_3:act", "module 'exits_with_3' calls sys.exit(3) on import"),
        ("exits_when_called:act", "its value calls sys.exit(0) on a tensor"),
        ("not_elementwise:act", "it is not elementwise"),
        ("wrong_derivative:act", "its derivative is not the function's"),
        ("sets_dtype_policy:act", "changes Keras's global settings (dtype policy float32 -> mixed_float16)"),
    ],
)
def test_a_hostile_module_is_refused_in_one_line(name, words):
    with pytest.raises(BadActivation) as info:
        user_activations.resolve(name)
    assert words in str(info.value) and "\n" not in str(info.value)
    assert keras.config.dtype_policy().name == "float32"  # whatever the module did, Keras is as it was


def test_a_good_module_and_a_given_right_derivative_pass():
    assert user_activations.resolve("good:mish").name.startswith("good:mish@")


def test_a_slow_import_says_so(monkeypatch, capsys):
    monkeypatch.setattr(user_activations, "SLOW_IMPORT", 0.2)
    monkeypatch.setenv("HOSTILE_IMPORT_SECONDS", "0.6")
    user_activations.resolve("slow_import:act")
    assert "importing module 'slow_import' (activation 'slow_import:act') is taking a while" in capsys.readouterr().err


def resolved_name(path: Path, name: str) -> str:
    """The activation's full name, resolved in a fresh process with `path` first on the module path."""
    code = f"from study.spec import user_activations as u; print(u.resolve({name!r}).name)"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(path)})  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout.strip().splitlines()[-1]


def test_editing_a_helper_module_names_new_runs(tmp_path):
    shutil.copytree(HOSTILE / "helped", tmp_path / "helped")
    before = resolved_name(tmp_path, "helped.acts:leaky")
    slopes = tmp_path / "helped" / "slopes.py"
    slopes.write_text(slopes.read_text().replace("0.05", "0.1"))
    after = resolved_name(tmp_path, "helped.acts:leaky")
    assert before.startswith("helped.acts:leaky@") and after.startswith("helped.acts:leaky@") and before != after


def study(*args, out, env=None):
    return subprocess.run([sys.executable, "-m", "study", *map(str, args), "--out", str(out)], capture_output=True,
                          text=True, timeout=600, cwd=Path(__file__).resolve().parent.parent,
                          env={**os.environ, "PYTHONPATH": str(HOSTILE), **(env or {})})  # fmt: skip


@pytest.mark.parametrize("module, code", [("exits_on_import", 0), ("exits_with_3", 3), ("sets_dtype_policy", 0)])
def test_through_the_cli_a_hostile_module_is_one_line_exit_2_and_nothing_written(module, code, tmp_path):
    """sys.exit(0) on import used to end `run` with exit 0 and nothing done; a dtype policy set on import used
    to change the built-in groups trained beside it."""
    proc = study("run", "flips", *SMOKE, "--activations", f"relu,{module}:act", out=tmp_path / "out")
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and proc.stderr.startswith("error: "), proc.stderr
    assert not (tmp_path / "out").exists()


def test_one_activation_named_with_and_without_its_hash_is_refused(tmp_path):
    digest = user_activations.resolve("good:mish").name
    proc = study("run", "flips", *SMOKE, "--activations", f"good:mish,{digest}", out=tmp_path / "out")
    assert proc.returncode == 2 and "more than once" in proc.stderr and proc.stderr.count("\n") == 1
    assert not (tmp_path / "out").exists()


@pytest.mark.faults  # slow: three runs (make test-faults)
def test_an_activation_that_reads_its_environment_cannot_reuse_runs_made_under_another(tmp_path):
    """One name, other values: the runs stored under it are not this activation's, and `run` says so."""
    out = tmp_path / "out"
    args = ["run", "flips", *SMOKE, "--activations", "relu,reads_environment:act"]
    assert study(*args, out=out, env={"HOSTILE_SLOPE": "0.01"}).returncode == 0
    again = study(*args, out=out, env={"HOSTILE_SLOPE": "0.01"})
    assert again.returncode == 0 and "already finished" in again.stderr
    proc = study(*args, out=out, env={"HOSTILE_SLOPE": "0.3"})
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1, proc.stderr
    assert "computes other values than when its runs" in proc.stderr
