"""The tuned setting: each activation's rate chosen on the validation split, its rows alone kept, edges found."""

import numpy as np
import pandas as pd
import pytest

from study.analysis import tuning
from study.spec import grid

RATES = (1e-4, 1e-3, 1e-2)


def frame(scores: dict) -> pd.DataFrame:
    """Final-epoch rows of val_accuracy (and a test_accuracy row to keep) per (activation, rate): seeds 0-2."""
    rows = []
    for (act, rate), values in scores.items():
        for seed, v in enumerate(values):
            base = dict(dataset="mnist1d", depth=2, width=8, initializer="glorot_uniform", activity_l1=0.0)
            base |= dict(architecture="mlp", normalization="none", residual=False, optimizer="adam", epochs=3)
            base |= dict(activation=act, learning_rate=rate, seed=seed, epoch=3, layer=-1, run=f"r{rate:g}")
            rows += [{**base, "metric": "val_accuracy", "value": v}, {**base, "metric": "test_accuracy", "value": v}]
    return pd.DataFrame(rows)


def test_each_activation_is_read_at_its_best_validation_rate():
    df = frame(
        {
            ("relu", 1e-4): [0.5, 0.5, 0.5],
            ("relu", 1e-3): [0.8, 0.8, 0.8],
            ("relu", 1e-2): [0.6, 0.6, 0.6],
            ("tanh", 1e-4): [0.5, 0.5, 0.5],
            ("tanh", 1e-3): [0.6, 0.6, 0.6],
            ("tanh", 1e-2): [0.7, 0.7, 0.7],
        }
    )
    chosen = tuning.chosen_rates(df, 1e-3)
    assert chosen.xs("relu", level="activation").item() == 1e-3
    assert chosen.xs("tanh", level="activation").item() == 1e-2
    kept = tuning.at_rates(df, chosen)
    assert set(map(tuple, kept[["activation", "learning_rate"]].drop_duplicates().values)) == {
        ("relu", 1e-3),
        ("tanh", 1e-2),
    }
    assert len(kept) == 2 * 3 * 2  # two activations, three seeds, two metrics
    table = tuning.sweep(df, chosen).set_index("activation")
    assert not table.loc["relu", "edge"] and table.loc["tanh", "edge"]  # tanh's best may lie above the sweep
    assert list(tuning.edges(table.reset_index())["activation"]) == ["tanh"]


def test_a_rate_where_a_model_diverged_is_not_chosen_on_its_survivors():
    df = frame(
        {
            ("relu", 1e-4): [0.5, 0.5, 0.5],
            ("relu", 1e-3): [0.7, 0.7, 0.7],
            ("relu", 1e-2): [0.9, np.nan, 0.9],  # one model's outputs not finite
        }
    )
    assert tuning.chosen_rates(df, 1e-3).item() == 1e-3
    flag = df[(df["learning_rate"] == 1e-3) & (df["seed"] == 0)].iloc[[0]].assign(metric="diverged", value=1.0)
    df = pd.concat([df.fillna(0.9), flag])  # now the flag alone says a model at 0.001 diverged
    assert tuning.chosen_rates(df, 1e-3).item() == 1e-2


def test_rates_within_a_point_of_the_best_are_tied_and_the_nearest_the_shared_rate_wins():
    df = frame(
        {
            ("linear", 1e-4): [0.962] * 3,  # the best by noise alone: a plateau's end
            ("linear", 1e-3): [0.956] * 3,
            ("linear", 1e-2): [0.959] * 3,
            ("tanh", 1e-4): [0.92] * 3,
            ("tanh", 1e-3): [0.90] * 3,  # more than a point below the best: not tied
            ("tanh", 1e-2): [0.915] * 3,
            ("relu", 1e-4): [0.70] * 3,
            ("relu", 1e-3): [0.80] * 3,
            ("relu", 1e-2): [0.85] * 3,  # a real gain at the top of the sweep
        }
    )
    chosen = tuning.chosen_rates(df, 1e-3)
    assert chosen.xs("linear", level="activation").item() == 1e-3
    assert chosen.xs("tanh", level="activation").item() == 1e-4  # as near as 0.01, and the better score
    assert chosen.xs("relu", level="activation").item() == 1e-2
    table = tuning.sweep(df, chosen)
    assert set(tuning.edges(table)["activation"]) == {"tanh", "relu"}


def test_where_no_rate_trains_beyond_chance_the_shared_rate_is_kept():
    df = frame(
        {
            ("relu", 1e-4): [0.09] * 3,
            ("relu", 1e-3): [0.09] * 3,
            ("relu", 1e-2): [0.114] * 3,  # 2.4 points better, but within the stall margin of chance (10%)
            ("tanh", 1e-4): [0.09] * 3,
            ("tanh", 1e-3): [0.09] * 3,
            ("tanh", 1e-2): [0.2] * 3,  # trains: chosen, at the sweep's edge
        }
    )
    chosen = tuning.chosen_rates(df, 1e-3)
    assert chosen.xs("relu", level="activation").item() == 1e-3
    assert chosen.xs("tanh", level="activation").item() == 1e-2


def test_the_tuned_setting_sweeps_the_shared_rate_and_its_neighbours():
    for profile in ("quick", "full"):
        specs = grid.get("sparsity").specs(profile, setting="tuned")
        rates = sorted({s.learning_rate for s in specs})
        assert len(rates) >= 5 and 1e-3 in rates and rates[0] < 1e-3 < rates[-1]
        assert np.allclose(np.diff(np.log10(rates)), 0.5, atol=0.01)  # log-spaced, half a decade apart
        main = {s.key() for s in grid.get("sparsity").specs(profile)}
        shared = [s for s in specs if s.learning_rate == 1e-3]
        assert shared and all(s.key() in main for s in shared)  # the shared rate's groups are the main setting's
    with pytest.raises(ValueError, match="sweeps its own learning rates"):
        grid.get("convergence").specs("quick", setting="tuned")
