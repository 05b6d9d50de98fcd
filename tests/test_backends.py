"""The study on every installed Keras backend (TensorFlow, and JAX and PyTorch where installed:
`make test` installs their CPU builds from requirements-backends.txt).

One `crosscheck` of the sparsity experiment's smoke groups trains them on each backend into one
store; the tests read that store: each backend's runs, its own figures and report, and the
TensorFlow report's "Backends" section comparing them.
"""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from study import store
from study.report import backends as comparison
from study.run import backends as crosscheck
from study.spec import grid
from study.spec.grid import Selection
from tests.conftest import REPO, run_study

OTHERS = [b for b in crosscheck.installed() if b != os.environ["KERAS_BACKEND"]]
needs_another = pytest.mark.skipif(not OTHERS, reason="only one Keras backend is installed")


@pytest.fixture(scope="module")
def crosschecked(tmp_path_factory):
    """`python -m study crosscheck sparsity --profile smoke` on every installed backend; (out, stdout)."""
    out = tmp_path_factory.mktemp("crosscheck")
    proc = run_study("crosscheck", "sparsity", "--profile", "smoke", "--jobs", "2", out=out, timeout=900)
    return out, proc.stdout


WEIGHTS = """
import keras, numpy as np
from study.train import models
for init in ("glorot_uniform", "he_normal"):  # one process per backend: its start-up is most of the time
    g = models.stacked_mlp(3, 16, [("relu", 0), ("tanh", 1)], 40, 10, init)
    print(",".join(repr(float(np.asarray(keras.ops.convert_to_numpy(w), dtype=np.float64).sum())) for w in g.weights))
"""


@needs_another
def test_every_backend_starts_from_the_same_weights():
    sums = {}
    for b in crosscheck.installed():
        proc = subprocess.run(
            [sys.executable, "-c", WEIGHTS],
            cwd=REPO,
            capture_output=True,
            text=True,
            env={**os.environ, "KERAS_BACKEND": b},
            timeout=300,
            check=True,
        )
        sums[b] = tuple(proc.stdout.strip().splitlines()[-2:])
    assert len(set(sums.values())) == 1, sums
    assert len(set(next(iter(sums.values())))) == 2  # the two initialisers draw different weights


@needs_another
@pytest.mark.slow
def test_crosscheck_trains_every_backend_and_prints_each_verdict(crosschecked):
    out, printed = crosschecked
    keys = set()
    for b in crosscheck.installed():
        specs = Selection("smoke", backend=b).specs(grid.get("sparsity"))
        assert all(store.is_done(out / "results", s) for s in specs), b
        config = json.loads((store.run_dir(out / "results", specs[0]) / "config.json").read_text())
        assert config["run"]["backend"] == b and config["run"]["total_time_s"] >= config["run"]["wall_time_s"] > 0
        assert f"{b} verdict" in printed
        keys |= {s.key() for s in specs}
    assert len(keys) == len(specs) * len(crosscheck.installed())  # each backend's runs under keys of their own
    for claim in ("C1", "C2"):  # the claims the sparsity runs answer alone (C12 needs activity_penalty too)
        assert claim in printed
    assert "C12" not in printed
    assert "verdicts agree" in printed.splitlines()[0]


@needs_another
@pytest.mark.parametrize("backend", OTHERS)
def test_smoke_study_end_to_end_on_another_backend(crosschecked, backend):
    """Train (done by the crosscheck), draw and report under JAX or PyTorch alone."""
    out, _ = crosschecked
    env = {"KERAS_BACKEND": backend}
    for cmd in ("figures", "report"):
        run_study(cmd, "sparsity", "--profile", "smoke", out=out, env=env)
    md = (out / "report" / "report.md").read_text()
    assert f"| backend | {backend} |" in md
    assert all(f"## {c}:" in md for c in ("C1", "C2"))
    assert "## Backends" in md and "tensorflow verdict" in md


@needs_another
@pytest.mark.slow
def test_report_compares_the_backends_stored(crosschecked):
    out, _ = crosschecked
    run_study("figures", "sparsity", "--profile", "smoke", out=out)
    run_study("report", "sparsity", "--profile", "smoke", out=out)
    md = (out / "report" / "report.md").read_text()
    section = md.split("## Backends", 1)[1].split("\n## ", 1)[0]
    for b in crosscheck.installed():
        assert f"{b} verdict" in section
    assert "same initial" in section
    table = comparison.compare({b: comparison.on_backend(_study(out), b) for b in crosscheck.installed()})
    assert set(table.index) == {"C1", "C2"}
    assert np.isin(table["verdicts agree"], ["yes", "no"]).all()
    assert comparison.disagreements(table) in " ".join(section.split())


def _study(out):
    from study.analysis.study import Study

    return Study(out, Selection("smoke"), [grid.get("sparsity")], subset=["sparsity"])


def test_only_one_backend_stored_is_said(tmp_path, smoke_run):
    """With one backend's runs the section names the command that adds the others."""
    from study.analysis.study import Study
    from study.report.sections import backends_section

    study = Study(smoke_run, Selection("smoke"), list(grid.discover().values()))
    assert "python -m study crosscheck" in backends_section(study)


def test_device_names_read_plainly():
    from study.store.provenance import device_label

    assert device_label("CPU (cpu)") == "CPU" and device_label("CPU") == "CPU"
    assert device_label("GPU (NVIDIA H200)") == "GPU (NVIDIA H200)"
