"""The cost benchmark (C8): its rows, its ratios to ReLU, and its runs kept per device."""

import dataclasses

import numpy as np
import pandas as pd

from study import store
from study.analysis.study import Study
from study.claims import c08_compute_cost as c8
from study.spec import grid
from study.spec.config import GroupSpec
from study.train import cost
from study.train.measure import COLUMNS


def test_measure_times_every_activation_pass_and_size_each_repeat():
    spec = GroupSpec(
        "mnist1d",
        depth=2,
        width=8,
        activations=("relu", "sigmoid"),
        seeds=(0,),
        epochs=2,
        benchmark="cost",
        device="CPU",
    )
    rows, info = cost.measure(spec)
    assert list(rows.columns) == COLUMNS
    counts = rows.groupby(["activation", "metric"]).size().to_dict()
    per_size = {("relu", "forward_s"), ("relu", "backward_s"), ("sigmoid", "forward_s"), ("sigmoid", "backward_s")}
    assert {k: v for k, v in counts.items() if k in per_size} == {k: 2 * len(cost.SIZES) for k in per_size}
    assert counts[("relu", "train_step_s")] == counts[("sigmoid", "train_step_s")] == 2
    assert (rows["value"] > 0).all() and set(rows["epoch"]) == {0, 1}
    assert info["device"] and info["sizes"] == list(cost.SIZES)


def fake_cost(spec, sigmoid_times):
    rows = []
    for repeat, t in enumerate(sigmoid_times):
        for size in (*cost.SIZES, -1):
            metrics = ("train_step_s",) if size < 0 else ("forward_s", "backward_s")
            for metric in metrics:
                rows += [
                    ("relu", 0, repeat, size, metric, 1.0 + repeat, 0),
                    ("sigmoid", 0, repeat, size, metric, t * (1.0 + repeat), 0),
                    ("tanh", 0, repeat, size, metric, 1.5 * (1.0 + repeat), 0),
                    ("leaky_relu", 0, repeat, size, metric, 1.0 + repeat, 0),
                ]
    return pd.DataFrame(rows, columns=COLUMNS)


def test_ratios_are_taken_within_each_repeat_and_kept_per_device(tmp_path):
    """The machine slows down over the repeats (times 1, 2, 3, ...); ratios within a repeat do not see it."""
    base = grid.Selection("smoke").specs(grid.get("cost"))[0]
    for device, times in [("CPU", [2.0, 2.2, 1.8, 2.0, 2.0]), ("GPU (fake)", [1.0, 1.0, 1.02, 0.98, 1.0])]:
        spec = dataclasses.replace(base, device=device, epochs=5)
        store.save(tmp_path / "results", spec, fake_cost(spec, times), {"device": device})
    selection = dataclasses.replace(grid.Selection("smoke"), epochs=5)
    study = Study(tmp_path, selection, [grid.get("cost")])
    assert sorted(s.device for s in study.specs("cost")) == ["CPU", "GPU (fake)"]
    r = c8.ratios(c8.frame(study))
    cpu = c8.median_ratio(r, "CPU", "sigmoid", "backward_s", max(cost.SIZES))
    assert cpu.value == 2.0 and 1.8 <= cpu.low <= cpu.high <= 2.2 and cpu.n == 5
    assert c8.median_ratio(r, "GPU (fake)", "sigmoid", "train_step_s", -1).value == 1.0
    e = c8.evidence(study)
    assert (
        e.isolation and e.training and c8.verdict(e) == "supported"
    )  # 2x and 1.5x ReLU on the first device, in isolation and in a step
    table = c8.table(e)
    assert any("(GPU (fake))" in i for i in table.index) and any("(CPU)" in i for i in table.index)
    assert np.isclose(e.key.value, 2.0)
