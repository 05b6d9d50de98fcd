"""A user's activations (module:function@hash) in every claim: each one against ReLU, read the same
way in every section.

Each claim's own table and figures show a user's activation beside the four where they are per
activation; its verdict rule is about the activations of the source text and reads only them.
This table adds, per claim, how the user's activation fared against ReLU over every setting of
the claim's experiments that both trained (same data, depth, initialiser, optimiser and rate;
same seeds, so the same initial weights and batches): the IQM of its final test score with its
interval, ReLU's, and the probability that it beats ReLU (Agarwal et al. 2021, P(X > Y) per
setting averaged over settings) with a stratified bootstrap interval.
"""

from __future__ import annotations

import pandas as pd

from study.analysis import stats
from study.analysis.selection import stalled_runs, stalled_share
from study.spec.activations import users_in
from study.store import CONFIG_COLUMNS

SETTING = [c for c in CONFIG_COLUMNS if c not in ("backend", "task")]


def final_scores(df) -> pd.DataFrame:
    """The final test score per run: accuracy for classification, minus the loss for regression."""
    last = df[df["epoch"] == df["epochs"]]
    acc = last[last["metric"] == "test_accuracy"]
    loss = last[(last["metric"] == "test_loss") & (last["task"] != "classification")]
    return pd.concat([acc, loss.assign(value=-loss["value"])])


def against_relu(study, experiments) -> pd.DataFrame:
    """One row per user activation: its test score and ReLU's over the shared settings, and P(better)."""
    rows = {}
    frames = [study.frame(e) for e in experiments if not study.experiments[e].options.get("benchmark")]
    if not frames:
        return pd.DataFrame()
    df = pd.concat(frames, ignore_index=True)
    names = users_in(df["activation"].unique())
    if not names:
        return pd.DataFrame()
    scores = final_scores(df)
    stalls = stalled_runs(df)
    relu = scores[scores["activation"] == "relu"].pivot_table(index="seed", columns=SETTING, values="value")
    accuracy = (scores["metric"] == "test_accuracy").all()
    what = "test accuracy" if accuracy else "test score (accuracy; minus the loss for regression)"
    for name in names:
        mine = scores[scores["activation"] == name].pivot_table(index="seed", columns=SETTING, values="value")
        shared = mine.columns.intersection(relu.columns)
        if shared.empty:
            continue
        x, y = mine[shared].to_numpy(), relu[shared].to_numpy()
        rows[name] = {
            "settings": len(shared),
            "seeds": len(mine.index),
            f"{what}, IQM": stats.bootstrap(x).fmt(percent=accuracy),
            "ReLU's": stats.bootstrap(y).fmt(percent=accuracy),
            "P(better than ReLU)": stats.improvement(x, y).fmt(),
            "stalled": stalled_share(stalls[stalls["activation"] == name]["stalled"]),
        }
    return pd.DataFrame(rows).T
