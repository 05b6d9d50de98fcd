"""The training-length check: the ReLU MLP's MNIST-1D accuracy, whether it has converged, and the baseline."""

import numpy as np
import pandas as pd
import pytest

from study import baseline


class Runs:
    """A study holding only the sparsity experiment's depth-2 ReLU MLPs, with made-up accuracies."""

    experiments = {"sparsity": None}

    def __init__(self, final_rise: float, epochs: int = 50, seeds: int = 10):
        rows = []
        for seed in range(seeds):
            for epoch in range(epochs + 1):
                # test accuracy levels off at 0.6 + seed/100; the last fifth adds final_rise, linearly
                late = max(0, epoch - (epochs - epochs // 5)) / (epochs // 5)
                acc = 0.6 + seed / 100 - 0.3 * np.exp(-epoch / 5) + final_rise * late
                for metric, value in (("test_accuracy", acc), ("train_accuracy", min(1.0, acc + 0.35))):
                    rows.append(dict(activation="relu", seed=seed, epoch=epoch, layer=-1, metric=metric, value=value,
                                     dataset="mnist1d", depth=2, initializer="glorot_uniform", architecture="mlp",
                                     epochs=epochs))
        self.df = pd.DataFrame(rows)

    def frame(self, name):
        return self.df

    def info(self):
        return [{"spec": {"dataset": "mnist1d"}, "run": {"n_train": 3500, "n_val": 500}}]


def test_a_flat_end_has_converged_and_the_numbers_are_the_runs():
    s = baseline.summary(Runs(final_rise=0.0))
    assert s["epochs"] == 50 and s["earlier"] == 40 and s["seeds"] == 10
    assert s["test"].value == pytest.approx(0.6 + 0.045, abs=1e-3)  # IQM of 0.6 + seed/100 over ten seeds
    text = baseline.sentence(Runs(final_rise=0.0))
    assert "it has converged" in text and "64.5% [" in text and "68 ± 2%" in text
    assert "all 4000 training examples" in text and "train on 3500 (500 are the validation split)" in text


def test_a_rise_over_the_last_fifth_has_not_converged():
    text = baseline.sentence(Runs(final_rise=0.03))
    assert "it has not converged" in text and "+3.0 pp" in text


def test_no_depth_2_relu_mlp_no_sentence():
    runs = Runs(final_rise=0.0)
    runs.df = runs.df[runs.df["depth"] != 2]
    assert baseline.sentence(runs) == ""
