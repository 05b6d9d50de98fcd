"""The time estimate of `status` and `run`: from stored groups' measured times, scaled by their work."""

import json
from pathlib import Path

import pytest

from study.run import estimate
from study.spec.config import GroupSpec

SIZES = {"n_features": 40, "n_outputs": 10, "n_train": 3500}


def store_group(results: Path, spec: GroupSpec, seconds: float, cpu_count=None, device="CPU"):
    folder = results / "runs" / spec.key()
    folder.mkdir(parents=True)
    run = {**SIZES, "total_time_s": seconds, "device": device, "cpu_count": cpu_count or estimate.os.cpu_count()}
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


def test_other_groups_scale_with_their_work(tmp_path, monkeypatch):
    monkeypatch.setattr(estimate, "ROOT", tmp_path / "none")
    # measured: 2 s of fixed cost plus 10 s per unit of work, exactly
    for depth, width in [(1, 16), (2, 32), (4, 64), (8, 64), (2, 128)]:
        spec = group(depth, width)
        store_group(tmp_path / "results", spec, 2 + 10 * estimate.work(spec.to_dict(), SIZES))
    new = group(6, 100, epochs=9)
    expected = 2 + 10 * estimate.work(new.to_dict(), SIZES)
    assert estimate.estimate([new], tmp_path / "results").seconds[0] == pytest.approx(expected, rel=1e-6)
    # a deeper and wider group is estimated longer
    assert estimate.estimate([group(12, 100, epochs=9)], tmp_path / "results").seconds[0] > expected


def test_the_time_left_is_shared_among_workers_but_never_below_the_longest_group():
    guess = estimate.Estimate([100.0, 50.0, 30.0, 20.0], based_on=4)
    assert guess.wall(1) == 200.0
    assert guess.wall(2) == 100.0
    assert guess.wall(4) == 100.0  # the 100 s group alone
    assert "about 3 min with 1 worker, 2 min with 2 workers" in guess.line([1, 2])


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
