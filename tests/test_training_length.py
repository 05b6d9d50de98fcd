"""The training-length check: whether the ReLU MLP has converged (validation), its MNIST-1D test accuracy,
the baseline."""

import numpy as np
import pandas as pd
import pytest

from study.analysis import training_length


class Runs:
    """A study holding only the sparsity experiment's depth-2 ReLU MLPs, with made-up accuracies and losses."""

    experiments = {"sparsity": None}

    def __init__(self, final_change: float, epochs: int = 50, seeds: int = 10, lowest_loss: int = 30):
        rows = []
        for seed in range(seeds):
            for epoch in range(epochs + 1):
                # accuracy levels off at 0.6 + seed/100; the last fifth of the epochs sits final_change above it
                late = epoch > epochs - epochs // 5
                acc = 0.6 + seed / 100 - 0.3 * np.exp(-epoch / 5) + final_change * late
                for metric, value in (
                    ("val_accuracy", acc),
                    ("test_accuracy", acc - 0.01),
                    ("train_accuracy", min(1.0, acc + 0.35)),
                    ("val_loss", 1.0 + ((epoch - lowest_loss) / epochs) ** 2 + seed / 100),
                ):
                    rows.append(
                        dict(
                            run="k",
                            activation="relu",
                            seed=seed,
                            epoch=epoch,
                            layer=-1,
                            metric=metric,
                            value=value,
                            dataset="mnist1d",
                            depth=2,
                            width=100,
                            initializer="glorot_uniform",
                            architecture="mlp",
                            epochs=epochs,
                        )
                    )
        self.df = pd.DataFrame(rows)

    def frame(self, name):
        return self.df

    def info(self):
        return [
            {"key": "other", "run": {"n_train": 1, "n_val": 1}, "spec": {}},
            {"key": "k", "run": {"n_train": 3500, "n_val": 500}, "spec": {"optimizer": "adam", "learning_rate": 0.001}},
        ]


def test_a_flat_end_has_converged_and_the_numbers_are_the_runs():
    s = training_length.summary(Runs(final_change=0.0))
    assert s["epochs"] == 50 and s["fifth"] == 10 and s["seeds"] == 10 and s["lowest_loss"] == 30
    assert abs(s["change"].value) < 1e-3
    assert s["test"].value == pytest.approx(0.6 + 0.045 - 0.01, abs=1e-3)  # IQM of 0.59 + seed/100 over ten seeds
    text = training_length.sentence(Runs(final_change=0.0))
    assert "it has converged" in text and "63.5% [" in text and "68 ± 2%" in text and "2 hidden layers of 100" in text
    assert "all 4000 training examples" in text and "train with Adam at 0.001 on 3500 (500 are the validation" in text
    assert "lowest at epoch 30" in text and "over the last 10 of its 50 epochs" in text


@pytest.mark.parametrize("change, words", [(0.03, "still rising"), (-0.03, "passed its best")])
def test_a_moving_end_has_not_converged(change, words):
    text = training_length.sentence(Runs(final_change=change))
    assert words in text and f"{100 * change:+.1f} pp" in text and "it has converged" not in text


def test_a_loss_still_falling_at_the_end_is_said():
    text = training_length.sentence(Runs(final_change=0.0, lowest_loss=60))
    assert "still falls at the end" in text and "lowest at epoch" not in text


def test_no_sentence_without_the_runs_or_with_too_few_seeds():
    runs = Runs(final_change=0.0)
    runs.df = runs.df[runs.df["depth"] != 2]
    assert training_length.sentence(runs) == ""
    assert training_length.sentence(Runs(final_change=0.0, seeds=training_length.MIN_SEEDS - 1)) == ""
