"""The time estimate of `status` and `run`: from stored groups' measured times, scaled by their work."""

import json
from pathlib import Path

import pytest

from study.run import estimate
from study.spec.config import GroupSpec

SIZES = {"n_features": 40, "n_outputs": 10, "n_train": 3500}


def store_group(results: Path, spec: GroupSpec, seconds: float, cpu_count=None, device="CPU", wall_time_s=None):
    folder = results / "runs" / spec.key()
    folder.mkdir(parents=True)
    run = {**SIZES, "total_time_s": seconds, "device": device, "cpu_count": cpu_count or estimate.os.cpu_count()}
    run["wall_time_s"] = seconds if wall_time_s is None else wall_time_s
    (folder / "config.json").write_text(json.dumps({"key": spec.key(), "run": run, "spec": spec.to_dict()}))
    (folder / "COMPLETE").write_text("")


def group(depth=2, width=16, epochs=4, seeds=(0, 1), **kw):
    return GroupSpec(
        "mnist1d", depth=depth, width=width, activations=("relu", "tanh"), seeds=seeds, epochs=epochs, **kw
    )


def test_a_group_of_a_stored_structure_takes_its_measured_time(tmp_path, monkeypatch):
    monkeypatch.setattr(estimate, "ROOT", tmp_path / "none")  # no reference results
    store_group(tmp_path / "results", group(), 12.0)
    other_rate = group(learning_rate=0.01)  # another rate, the same structure
    assert estimate.estimate([other_rate], tmp_path / "results").seconds == [12.0]


def test_other_groups_scale_with_their_work_epochs_and_steps(tmp_path, monkeypatch):
    monkeypatch.setattr(estimate, "ROOT", tmp_path / "none")

    def seconds(spec):  # 2 s fixed, 0.1 s an epoch, 10 s per unit of work, 0.5 s per thousand layer steps, exactly
        return float(estimate.terms(spec.to_dict(), SIZES) @ [2.0, 0.1, 10.0, 0.5])

    for depth, width, epochs in [(1, 16, 4), (2, 32, 8), (4, 64, 2), (8, 64, 16), (2, 128, 4), (16, 8, 3)]:
        spec = group(depth, width, epochs)
        store_group(tmp_path / "results", spec, seconds(spec))
    new = group(6, 100, epochs=9)
    assert estimate.estimate([new], tmp_path / "results").seconds[0] == pytest.approx(seconds(new), rel=1e-6)
    # a deeper and wider group is estimated longer
    assert estimate.estimate([group(12, 100, epochs=9)], tmp_path / "results").seconds[0] > seconds(new)


def test_the_cost_benchmark_takes_its_stored_warm_up_and_time_per_repeat(tmp_path, monkeypatch):
    monkeypatch.setattr(estimate, "ROOT", tmp_path / "none")
    store_group(tmp_path / "results", group(), 12.0)
    store_group(tmp_path / "results", group(epochs=50, benchmark="cost"), 38.0, wall_time_s=30.0)  # 8 s warm-up
    assert estimate.estimate([group(epochs=3, benchmark="cost")], tmp_path / "results").seconds == [pytest.approx(9.8)]


def test_the_time_left_is_shared_among_workers_but_never_below_the_longest_group():
    guess = estimate.Estimate([100.0, 50.0, 30.0, 20.0], based_on=4)
    start = estimate.START_S
    assert guess.wall(1) == start + 200.0
    assert guess.wall(2) == 2 * start + 100.0  # the command starts, then its workers
    assert guess.wall(4) == 2 * start + 100.0  # the 100 s group alone
    assert "about 3 min with 1 worker, 2 min with 2 workers" in guess.line([1, 2])
    assert estimate.Estimate([], based_on=4).wall(2) == 0.0  # nothing left


def test_groups_of_another_machine_are_not_used(tmp_path, monkeypatch):
    monkeypatch.setattr(estimate, "ROOT", tmp_path / "none")
    store_group(tmp_path / "results", group(), 12.0, device="GPU (1x H200)")
    store_group(tmp_path / "results", group(depth=3), 12.0, cpu_count=999)
    assert estimate.estimate([group()], tmp_path / "results") is None


def test_status_prints_the_estimate_of_what_is_missing(tmp_path, study_cli):
    from study.spec import grid

    out = study_cli("status", "sparsity", "--profile", "smoke", "--out", tmp_path).stdout
    specs = grid.Selection("smoke").every_setting(grid.get("sparsity"))
    guess = estimate.estimate(specs, tmp_path / "results")  # from the repository's reference results, if alike
    cores = min(estimate.os.cpu_count(), len(specs))
    expected = guess.line(sorted({1, cores})) if guess else "time left: no stored group to tell from"
    assert expected in out.splitlines()
    assert not (tmp_path / "results").exists()  # status writes nothing
