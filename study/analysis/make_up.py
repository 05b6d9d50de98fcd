"""How much a model's final numbers move with the make-up of its group (experiments/make_up.py).

The same model (activation, seed, settings: the same initial weights and batches) trained alone and in
the sparsity experiment's group of four activations; per metric, the differences over seeds and depths
beside the spread across seeds (the standard deviation over seeds of the in-group values, at each depth).
The report's methods state it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from study.analysis.selection import stalled_runs

METRICS = {"test_accuracy": "test accuracy", "train_loss": "training loss"}


def compare(study) -> pd.DataFrame:
    """Per metric: the largest and median |alone - in group| and the median seed spread, and stall changes."""
    alone = study.frame("make_up")
    group = study.frame("sparsity")
    group = group[
        group["activation"].isin(alone["activation"].unique())
        & group["depth"].isin(alone["depth"].unique())
        & (group["initializer"].isin(alone["initializer"].unique()))
    ]
    keys = ["activation", "depth", "seed"]
    rows = {}
    for metric, label in METRICS.items():

        def final(df, metric=metric):
            last = df[(df["metric"] == metric) & (df["epoch"] == df["epochs"]) & (df["layer"] == -1)]
            return last.set_index(keys)["value"]

        a, g = final(alone), final(group)
        both = pd.concat({"alone": a, "group": g}, axis=1).dropna()
        diff = (both["alone"] - both["group"]).abs()
        spread = both["group"].groupby(level=["activation", "depth"]).std()
        rows[label] = {
            "largest difference": diff.max(),
            "median difference": diff.median(),
            "seed spread (median sd)": spread.median(),
            "models": len(both),
        }
    flips = pd.concat(
        {
            "alone": stalled_runs(alone, by=keys[:-1]).set_index(keys)["stalled"],
            "group": stalled_runs(group, by=keys[:-1]).set_index(keys)["stalled"],
        },
        axis=1,
    ).dropna()
    table = pd.DataFrame(rows).T
    table.attrs["stall_changes"] = int((flips["alone"] != flips["group"]).sum())
    table.attrs["depths"] = sorted(int(d) for d in alone["depth"].unique())
    return table


def sentence(study) -> str:
    t = compare(study)
    acc, loss = t.loc["test accuracy"], t.loc["training loss"]
    ratio = acc["largest difference"] / acc["seed spread (median sd)"] if acc["seed spread (median sd)"] > 0 else np.inf
    return (
        f"**Group make-up.** The same ReLU model (same seed, weights and batches) trained alone and in the group "
        f"of four activations ends {100 * acc['median difference']:.2f} pp apart in test accuracy at the median "
        f"and {100 * acc['largest difference']:.2f} pp at most ({int(acc['models'])} models, depths "
        f"{', '.join(map(str, t.attrs['depths']))}), against a seed spread (standard deviation over seeds) of "
        f"{100 * acc['seed spread (median sd)']:.2f} pp: "
        f"{'no difference at all' if ratio == 0 else f'at most {ratio:.2g} times it'}. The final training loss "
        f"differs by {loss['median difference']:.2g} at the median and {loss['largest difference']:.2g} at most "
        f"(seed spread {loss['seed spread (median sd)']:.2g}); {t.attrs['stall_changes']} model"
        f"{'s' * (t.attrs['stall_changes'] != 1)} stalled in one make-up and not the other. The two differ only in "
        "the shape of the batched matrix products, so floating-point rounding is the only source of the difference "
        "(`experiments/make_up.py`)."
    )
