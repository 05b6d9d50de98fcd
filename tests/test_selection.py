"""Learning rates are chosen on the validation split, never on the test split."""

import numpy as np
import pandas as pd
import pytest

from study.analysis.selection import best_learning_rates
from study.spec import grid

RATES = (1e-3, 1e-2, 1e-1)


def sweep_frame(val_best, test_best, diverge=None):
    """Final and first epochs of a sweep of two activations x three rates x three seeds; the
    validation split favours `val_best`'s rate, the test split `test_best`'s."""
    rows = []
    for act in ("relu", "tanh"):
        for lr in RATES:
            for seed in range(3):
                for epoch in (0, 5):
                    for split, best in (("val", val_best[act]), ("test", test_best[act])):
                        acc = 0.9 if lr == best else 0.5 + 0.01 * seed
                        if diverge and (act, lr) == diverge and split == "val" and epoch == 5:
                            acc = np.nan
                        rows.append(
                            dict(
                                activation=act,
                                optimizer="adam",
                                learning_rate=lr,
                                seed=seed,
                                epoch=epoch,
                                epochs=5,
                                layer=-1,
                                metric=f"{split}_accuracy",
                                value=acc if epoch == 5 else 0.1,
                            )
                        )
                        rows.append(
                            dict(
                                activation=act,
                                optimizer="adam",
                                learning_rate=lr,
                                seed=seed,
                                epoch=epoch,
                                epochs=5,
                                layer=-1,
                                metric=f"{split}_loss",
                                value=1 - acc if epoch == 5 else 2.3,
                            )
                        )
    return pd.DataFrame(rows)


def test_choice_follows_validation_and_ignores_test():
    df = sweep_frame(val_best={"relu": 1e-2, "tanh": 1e-3}, test_best={"relu": 1e-1, "tanh": 1e-1})
    for score in ("val_accuracy", "val_loss"):
        best = best_learning_rates(df, score=score)
        assert best.to_dict() == {("relu", "adam"): 1e-2, ("tanh", "adam"): 1e-3}
    # The test rows can say anything, or be gone: the choice does not move.
    no_test = df[~df["metric"].str.startswith("test_")]
    assert best_learning_rates(no_test).to_dict() == best_learning_rates(df).to_dict()
    scrambled = df.copy()
    is_test = scrambled["metric"].str.startswith("test_")
    scrambled.loc[is_test, "value"] = np.random.default_rng(0).permutation(scrambled.loc[is_test, "value"].to_numpy())
    assert best_learning_rates(scrambled).to_dict() == best_learning_rates(df).to_dict()


def test_choosing_on_the_test_split_is_refused():
    df = sweep_frame(val_best={"relu": 1e-2, "tanh": 1e-3}, test_best={"relu": 1e-1, "tanh": 1e-1})
    for score in ("test_accuracy", "test_loss", "train_accuracy"):
        with pytest.raises(ValueError, match="validation split"):
            best_learning_rates(df, score=score)


def test_a_diverged_rate_is_never_chosen():
    df = sweep_frame(
        val_best={"relu": 1e-1, "tanh": 1e-3}, test_best={"relu": 1e-1, "tanh": 1e-1}, diverge=("relu", 1e-1)
    )
    assert best_learning_rates(df)[("relu", "adam")] != 1e-1


def test_a_run_stalled_when_it_stays_near_chance_or_its_loss_near_its_first():
    from study.analysis.selection import STALL_FRACTION, STALL_MARGIN, stalled_runs, stalled_share

    def rows(dataset, task, metric, values):
        return [
            {
                "run": dataset,
                "dataset": dataset,
                "task": task,
                "activation": "relu",
                "seed": s,
                "epoch": e,
                "epochs": 2,
                "layer": -1,
                "metric": metric,
                "value": v,
            }
            for s, by_epoch in enumerate(values)
            for e, v in enumerate(by_epoch)
        ]

    frame = pd.DataFrame(
        rows(
            "mnist1d",
            "classification",
            "train_accuracy",  # chance 0.1: the first two stalled
            [(0.1, 0.1, 0.1), (0.1, 0.12, 0.1 + STALL_MARGIN - 1e-6), (0.1, 0.3, 0.1 + STALL_MARGIN), (0.1, 0.5, 0.9)],
        )
        + rows(
            "abs_1d",
            "regression",
            "train_loss",  # the last fell exactly to the line: trained
            [(1.0, 0.99, 0.95), (1.0, 0.5, 0.2), (1.0, 0.95, STALL_FRACTION)],
        )
        + rows("mnist1d", "classification", "train_loss", [(9.0, 2.3, 2.3)] * 4)
    )  # a loss falling from a bad start is not read
    flags = stalled_runs(frame).sort_values(["run", "seed"])
    assert flags[flags["run"] == "mnist1d"]["stalled"].tolist() == [True, True, False, False]
    assert flags[flags["run"] == "abs_1d"]["stalled"].tolist() == [True, False, False]
    assert stalled_share(flags[flags["run"] == "mnist1d"]["stalled"]).endswith("bimodal (2 of 4)")
    assert "bimodal" not in stalled_share([False, False, False])


def test_a_replica_setting_repeats_the_grid_on_its_data_and_leaves_the_main_groups_alone():
    from dataclasses import replace

    from study.spec import grid
    from study.spec.grid import Selection

    exp = grid.get("gradients")
    main = Selection("quick").specs(exp)
    every = Selection("quick").every_setting(exp)
    assert every[: len(main)] == main
    digits = every[len(main) : 2 * len(main)]
    assert len(digits) == len(main) and {s.dataset for s in digits} == {"digits"}
    assert [replace(s, dataset="mnist1d") for s in digits] == main  # nothing else changes
    assert Selection("quick", setting="digits").specs(exp) == digits
    with pytest.raises(ValueError, match="digits"):
        Selection("quick", setting="cifar").specs(exp)


@pytest.mark.parametrize("profile, deepest", [("quick", 4), ("full", 32)])
def test_the_modern_settings_repeat_the_grid_with_only_the_model_changed(profile, deepest):
    from dataclasses import replace

    from study.spec import grid
    from study.spec.grid import Selection

    exp = grid.get("gradients")
    main = [s for s in Selection(profile).specs(exp) if s.initializer == "glorot_uniform" and s.depth <= deepest]
    for setting, model in [
        ("batchnorm", ("batchnorm", False)),
        ("residual", ("none", True)),
        ("resnorm", ("layernorm", True)),
    ]:
        specs = Selection(profile, setting=setting).specs(exp)
        assert {(s.normalization, s.residual) for s in specs} == {model} and max(s.depth for s in specs) == deepest
        assert [replace(s, normalization="none", residual=False) for s in specs] == main  # nothing else changes
        assert len({s.key() for s in specs} | {s.key() for s in main}) == 2 * len(main)  # groups of their own
    # collapse has He normal alone: the modern settings keep it rather than leave the experiment empty
    collapse = Selection("full", setting="residual").specs(grid.get("collapse"))
    assert {s.initializer for s in collapse} == {"he_normal"} and len(collapse) == len(
        Selection("full").specs(grid.get("collapse"))
    )


def test_the_cnn_setting_has_the_baseline_channels_depths_up_to_4_and_glorot_alone():
    from dataclasses import replace

    from study.spec import grid
    from study.spec.grid import Selection

    exp = grid.get("sparsity")
    main = Selection("full").specs(exp)
    cnn = Selection("full", setting="cnn").specs(exp)
    assert {s.architecture for s in cnn} == {"cnn"} and {s.width for s in cnn} == {25}
    assert sorted({s.depth for s in cnn}) == [1, 2, 4] and max(s.depth for s in main) == 32
    assert {s.initializer for s in cnn} == {"glorot_uniform"} < {s.initializer for s in main}
    # the same groups as the main setting's up to depth 4 under Glorot uniform, but for the architecture and width
    assert [replace(s, architecture="mlp", width=main[0].width) for s in cnn] == [
        s for s in main if s.depth <= 4 and s.initializer == "glorot_uniform"
    ]
    assert "cnn" not in exp.settings("quick")  # the reference run's alone


def test_a_setting_that_leaves_an_experiment_nothing_to_train_is_an_error():
    from dataclasses import replace

    from study.spec import grid

    deep = replace(grid.get("dead_units"), replicas={"quick": ("cnn",)})  # depth 8, beyond the CNN's 4
    with pytest.raises(ValueError, match="'cnn' setting leaves the 'dead_units' experiment no groups"):
        deep.specs("quick", setting="cnn")


def test_seeds_added_later_train_in_groups_of_their_own():
    board = grid.get("leaderboard")
    specs = board.specs("full")
    blocks = {s.seeds for s in specs}
    assert blocks == {(0, 1, 2), tuple(range(3, 10))}  # the first three seeds' groups keep their keys
    assert len(specs) == 2 * len(board.specs("full", seeds=3))
    assert {s.seeds for s in board.specs("full", seeds=5)} == {(0, 1, 2), (3, 4)}
    assert {s.seeds for s in board.specs("quick")} == {(0, 1, 2)}
