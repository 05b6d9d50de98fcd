"""A user's activation named by import path: resolved, differentiated, stored apart, reported."""

import json
import re
import shutil
import sys
import textwrap

import numpy as np
import pytest

from study.claims import modules
from study.spec import activations, grid, user_activations, user_sources

MODULE = """
from keras import ops


def mish(x):
    return x * ops.tanh(ops.softplus(x))


def swish_by_hand(x):
    return x * ops.sigmoid(x)


def with_derivative(x):
    return ops.relu(x)


with_derivative.derivative = lambda x: ops.cast(ops.greater_equal(x, 0), "float32")  # 1 at 0: its own


def broken(x):
    return x.no_such_method()


def squash(x):
    return ops.sum(x)


def explodes(x):
    return ops.exp(100.0 * x)
"""


@pytest.fixture
def user_module(tmp_path, monkeypatch):
    """A module `my_acts` on sys.path, written fresh for each test (a unique name keeps imports apart)."""
    name = f"my_acts_{abs(hash(str(tmp_path))) % 10**8}"
    (tmp_path / f"{name}.py").write_text(MODULE)
    monkeypatch.syspath_prepend(str(tmp_path))
    return name


def test_the_name_carries_the_hash_of_the_module_source(user_module, tmp_path):
    act = activations.get(f"{user_module}:mish")
    assert act.name.startswith(f"{user_module}:mish@") and len(act.name.rsplit("@")[1]) == 8
    assert activations.get(act.name) is act  # the full name resolves to the same activation
    # the same source elsewhere has the same hash; one changed character, another
    (tmp_path / "same_copy.py").write_text(MODULE)
    (tmp_path / "changed_copy.py").write_text(MODULE.replace("100.0", "99.0"))
    assert activations.get("same_copy:mish").name.rsplit("@")[1] == act.name.rsplit("@")[1]
    assert activations.get("changed_copy:mish").name.rsplit("@")[1] != act.name.rsplit("@")[1]


def test_a_stale_hash_is_refused(user_module):
    with pytest.raises(user_activations.BadActivation, match="has changed since .* no copy of the source of @00000000"):
        activations.get(f"{user_module}:mish@00000000")


def test_an_earlier_source_stored_with_the_runs_is_used_for_its_hash(user_module, tmp_path, capsys):
    act = activations.get(f"{user_module}:mish")
    user_sources.save(tmp_path / "results", act.name, user_activations.sources[act.name])
    stored = tmp_path / "results" / "activations" / f"{user_module}.mish@{act.name.rsplit('@')[1]}.json"
    assert stored.exists()
    # the module is edited (a comment) and imported afresh, as by a later command
    (tmp_path / f"{user_module}.py").write_text("# edited\n" + MODULE)
    sys.modules.pop(user_module)
    user_activations._resolved.clear()
    assert activations.get(f"{user_module}:mish").name != act.name
    with pytest.raises(user_activations.BadActivation, match="no copy of the source"):
        activations.get(act.name)  # not looked for there yet
    user_activations._resolved.clear()
    user_sources.look_in(tmp_path / "results")
    old = activations.get(act.name)
    assert old.name == act.name and old.values == act.values
    assert f"activation {act.name}: its module has changed since" in capsys.readouterr().err
    assert user_sources.others(user_module, "mish", act.name) == []
    # a stored source that does not hash to its name is never used
    stored.write_text(stored.read_text().replace("ops.tanh", "ops.sigmoid"))
    user_activations._resolved.clear()
    with pytest.raises(user_activations.BadActivation, match="no copy of the source"):
        activations.get(act.name)


def test_the_derivative_comes_from_autodiff_or_the_function(user_module):
    x = np.linspace(-4, 4, 17, dtype="float32").reshape(1, -1)
    by_hand = activations.get(f"{user_module}:swish_by_hand")
    expected = np.asarray(activations.ops.convert_to_numpy(activations.get("swish").derivative(x)))
    got = np.asarray(activations.ops.convert_to_numpy(by_hand.derivative(x)))
    np.testing.assert_allclose(got, expected, atol=1e-6)
    assert by_hand.max_derivative == pytest.approx(activations.get("swish").max_derivative, abs=1e-3)
    given = activations.get(f"{user_module}:with_derivative")  # checked against autodiff off the kink, then used
    at_zero = np.asarray(activations.ops.convert_to_numpy(given.derivative(np.zeros((1, 1), "float32"))))
    assert at_zero.item() == 1.0  # autodiff's would be 0


@pytest.mark.parametrize(
    "function, words",
    [
        ("broken", ["fails on a tensor", "AttributeError"]),
        ("squash", ["shape", "elementwise"]),
        ("explodes", ["not finite"]),
        ("nothing_here", ["no function 'nothing_here'", "mish", "squash"]),
    ],
)
def test_a_function_that_does_not_work_is_refused(user_module, function, words):
    with pytest.raises(user_activations.BadActivation) as exc:
        activations.get(f"{user_module}:{function}")
    for w in words:
        assert w in str(exc.value)


def test_the_user_activation_trains_in_groups_of_its_own(user_module):
    exp = grid.get("sparsity")
    built_in = exp.specs("smoke")
    name = activations.get(f"{user_module}:mish").name
    both = exp.specs("smoke", acts=(f"{user_module}:mish",))
    assert both[: len(built_in)] == built_in  # the built-in groups keep their keys and stored runs
    mine = both[len(built_in) :]
    assert mine and all(s.activations == (name,) for s in mine)
    assert {(s.depth, s.initializer) for s in mine} == {(s.depth, s.initializer) for s in built_in}
    # a benchmark times it beside ReLU in the same run
    cost = grid.get("cost").specs("smoke", acts=(f"{user_module}:mish",))
    assert all(s.activations[-1] == name and "relu" in s.activations for s in cost)


BAD_PATHS = {
    "a module that is not there": ("no_such_module_xyz:mish", ["cannot import module 'no_such_module_xyz'"]),
    "a function that is not there": ("{m}:nope", ["no function 'nope'", "mish"]),
    "a function that fails on a tensor": ("{m}:broken", ["fails on a tensor"]),
    "a path that is not one": ("{m}:mish:x", ["not an activation path", "module.path:function"]),
}


@pytest.mark.parametrize("case", list(BAD_PATHS))
def test_a_bad_path_is_one_line_exit_2_and_writes_nothing(case, tmp_path, study_cli):
    (tmp_path / "mods").mkdir()
    (tmp_path / "mods" / "cli_acts.py").write_text(MODULE)
    name, words = BAD_PATHS[case]
    out = tmp_path / "out"
    proc = study_cli(
        "run",
        "sparsity",
        "--profile",
        "smoke",
        "--activations",
        f"relu,{name.format(m='cli_acts')}",
        out=out,
        check=False,
        env={"PYTHONPATH": str(tmp_path / "mods")},
    )
    assert proc.returncode == 2, proc.stderr
    assert len(proc.stderr.splitlines()) == 1 and proc.stderr.startswith("error:"), proc.stderr
    for w in words:
        assert w in proc.stderr
    assert not out.exists()


@pytest.mark.slow
def test_a_user_activation_runs_through_the_smoke_profile_and_every_claim_reports_it(smoke_run, tmp_path, study_cli):
    """Beside the stored built-in runs only its own groups train; every claim section and the leaderboard show it."""
    (tmp_path / "mods").mkdir()
    (tmp_path / "mods" / "smoke_acts.py").write_text(textwrap.dedent(MODULE))
    out = tmp_path / "study"
    shutil.copytree(smoke_run / "results", out / "results")
    env = {"PYTHONPATH": str(tmp_path / "mods")}
    options = ["--profile", "smoke", "--activations", "smoke_acts:mish"]
    built_in = {p.name for p in (out / "results" / "runs").iterdir() if p.is_dir()}
    ran = study_cli("run", "all", *options, "--jobs", "2", out=out, env=env)
    total, finished = map(int, re.search(r"(\d+) groups, (\d+) already finished", ran.stderr).groups())
    assert 0 < finished < total  # the built-in groups were found stored, the user's trained
    full = re.search(r"^activation (smoke_acts:mish@[0-9a-f]{8})$", ran.stderr, re.M).group(1)  # said in full
    new = [p for p in (out / "results" / "runs").iterdir() if p.is_dir() and p.name not in built_in]
    assert len(new) == total - finished  # only its groups trained: every built-in one was reused
    for spec in (json.loads((p / "config.json").read_text())["spec"] for p in new):
        # its own groups; the cost benchmark times it beside the built-ins in the same run
        assert spec["activations"] == [full] or (spec["benchmark"] and spec["activations"][-1] == full), spec
    study_cli("figures", *options, out=out, env=env)
    study_cli("report", *options, out=out, env=env)
    report = (out / "report" / "report.md").read_text()
    sections = report.split("\n## ")
    for m in modules():
        section = next(s for s in sections if s.startswith(f"{m.CLAIM}:"))
        assert full in section, m.CLAIM  # in its own table, figures or the comparison with ReLU
        if not all(grid.get(e).options.get("benchmark") for e in m.EXPERIMENTS):  # C8 times; it trains nothing
            assert "Your activations against ReLU" in section, m.CLAIM
    c11 = next(s for s in sections if s.startswith("C11:"))
    assert c11.count(full) >= 2  # the leaderboard's own table and the comparison below it
    assert "automatic differentiation" in report

    # An edit of a comment makes new runs, and the earlier ones stay readable under their full name.
    module = tmp_path / "mods" / "smoke_acts.py"
    module.write_text("# tidied\n" + module.read_text())
    again = study_cli("report", "--profile", "smoke", "--activations", full, out=out, env=env)
    assert f"activation {full}: its module has changed since" in again.stderr
    status = study_cli("status", *options, out=out, env=env)
    assert f"runs of earlier sources are stored too: {full}" in status.stderr
