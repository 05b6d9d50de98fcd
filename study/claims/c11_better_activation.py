"""C11: sigmoid, tanh and ReLU each have shortcomings; is there a better activation?

Read from the `leaderboard` experiment: nine activations on three tasks (MNIST-1D, digits, the
synthetic task) at two depths. Each activation is read at its best learning rate per task and
depth, chosen on the validation split; it is scored by test accuracy after the last epoch.
Per activation: the IQM over seeds and tasks with its interval, the probability of improvement
over ReLU (Agarwal et al. 2021: P(its accuracy > ReLU's) on a task, averaged over tasks) with a
stratified bootstrap interval, and its mean rank across the tasks.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from study.analysis import stats
from study.spec.activations import users_in
from study.claims import Finding, Key
from study.analysis.style import PALETTE
from study.analysis.selection import best_learning_rates, final_epoch, stalled_runs, stalled_share
from study.analysis.verdicts import NUANCED, REFUTED, SUPPORTED, Rule

CLAIM = "C11"
EXPERIMENTS = ("leaderboard",)
TASK = ["dataset", "depth"]

RULE = Rule(
    (SUPPORTED, "some activation's probability of improvement over ReLU, pooled over every task, has a 95% "
                "interval above one half",
     lambda e: bool(e["better_overall"])),
    (NUANCED, "some activation beats ReLU with an interval above one half on some tasks only",
     lambda e: bool(e["better_somewhere"])),
    otherwise=REFUTED,
)


def accuracy_at_best_rate(df) -> pd.DataFrame:
    """Test accuracy after the last epoch, per (activation, dataset, depth, seed), at each activation's best
    learning rate for that task (chosen on validation accuracy)."""
    best = best_learning_rates(df, score="val_accuracy", by=("activation", *TASK)).reset_index()
    last = final_epoch(df)
    test = df[(df["metric"] == "test_accuracy") & (df["epoch"] == last)]
    stalls = stalled_runs(df, by=("activation", *TASK, "learning_rate"))
    return test.merge(best, on=["activation", *TASK, "learning_rate"]).merge(
        stalls, on=["run", "activation", *TASK, "learning_rate", "seed"])


def task_table(acc, activation) -> np.ndarray:
    """(seeds, tasks) test accuracies of one activation, tasks in a fixed order."""
    return acc[acc["activation"] == activation].pivot_table(index="seed", columns=TASK, values="value").to_numpy()


def leaderboard(df) -> pd.DataFrame:
    acc = accuracy_at_best_rate(df)
    names = list(dict.fromkeys(acc["activation"]))
    relu = task_table(acc, "relu")
    by_task = acc.groupby(["activation", *TASK])["value"].agg(lambda v: stats.iqm(v.to_numpy())).unstack(TASK)
    ranks = by_task.rank(ascending=False).mean(axis=1)
    rows = {}
    for name in names:
        x = task_table(acc, name)
        per_task = {t: stats.improvement(x[:, [j]], relu[:, [j]]) for j, t in enumerate(by_task.columns)}
        rows[name] = {"accuracy": stats.bootstrap(x), "improvement": stats.improvement(x, relu),
                      "rank": ranks[name], "per_task": per_task,
                      "stalled": stalled_share(acc[acc["activation"] == name]["stalled"])}
    return pd.DataFrame(rows).T.sort_values("rank")


def finding(study) -> Finding:
    board = leaderboard(study.frame("leaderboard"))
    # the verdict reads the built-in activations; a user's sits in the table and figure beside them
    others = board.drop(index=["relu", *users_in(board.index)])
    better_overall = [a for a, r in others.iterrows() if r["improvement"].low > 0.5]
    better_somewhere = {a: [f"{d} depth {k}" for (d, k), e in r["per_task"].items() if e.low > 0.5]
                        for a, r in others.iterrows()}
    better_somewhere = {a: where for a, where in better_somewhere.items() if where}
    worse_overall = [a for a, r in others.iterrows() if r["improvement"].high < 0.5]
    verdict = RULE({"better_overall": better_overall, "better_somewhere": better_somewhere})
    top = max(others.index, key=lambda a: others.loc[a, "improvement"].value)
    tasks = list(board.iloc[0]["per_task"])
    n_data, n_depths = len({d for d, _ in tasks}), len({k for _, k in tasks})
    text = (
        f"Over {len(tasks)} tasks ({n_data} data set{'s' * (n_data > 1)} at {n_depths} depth{'s' * (n_depths > 1)}), "
        f"each activation at its best learning rate: "
        + (f"{', '.join(better_overall)} beat{'s' if len(better_overall) == 1 else ''} ReLU with a probability of "
           f"improvement whose interval lies above one half" if better_overall else
           "no activation beats ReLU with a pooled probability of improvement whose interval lies above one half")
        + f". The highest is {top}'s, {board.loc[top, 'improvement'].fmt()}. "
        + ("On single tasks: " + "; ".join(f"{a} on {', '.join(w)}" for a, w in better_somewhere.items()) + ". "
           if better_somewhere else "No activation beats ReLU on any single task with such an interval. ")
        + (f"ReLU beats {', '.join(worse_overall)} (their intervals lie below one half). " if worse_overall else "")
        + f"Mean ranks: {', '.join(f'{a} {r:.1f}' for a, r in board['rank'].items())}."
    )
    table = pd.DataFrame({
        "test accuracy (IQM over seeds and tasks)": {a: r["accuracy"].fmt(percent=True) for a, r in board.iterrows()},
        "P(better than ReLU)": {a: r["improvement"].fmt() if a != "relu" else "-" for a, r in board.iterrows()},
        "mean rank": {a: f"{r['rank']:.1f}" for a, r in board.iterrows()},
        "stalled (share of runs)": {a: r["stalled"] for a, r in board.iterrows()},
    })
    if "cost" in study.experiments:  # C8's training-step cost beside it: the trade-off a practitioner weighs
        from study.claims import c08_compute_cost as c8

        r = c8.ratios(c8.frame(study))
        device = r["device"].iloc[0]
        table[f"training-step time / ReLU's ({device}, C8)"] = {
            a: c8.median_ratio(r, device, a, "train_step_s", -1).fmt() if a in set(r["activation"]) else "-"
            for a in board.index}
        text += f" The last column gives each one's training-step time relative to ReLU's (C8, {device})."
    return Finding(CLAIM, verdict, Key.of(f"P({top} better than ReLU)", board.loc[top, "improvement"]), text, table,
                   "Ramachandran et al. (2017): Swish matched or beat ReLU on deep models; Clevert et al. (2016) ELU; "
                   "Klambauer et al. (2017) SELU; Hendrycks & Gimpel (2016) GELU.")


def improvement_over_relu(study):
    """Each activation's probability of improvement over ReLU with its 95% interval, pooled and per task."""
    board = leaderboard(study.frame("leaderboard")).drop(index="relu")
    tasks = list(board.iloc[0]["per_task"])
    fig, axes = plt.subplots(1, 2, figsize=(10, 0.45 * len(board) + 1.4), sharey=True,
                             gridspec_kw={"width_ratios": [1, 2]})
    per_task = np.array([[r["per_task"][t].value for t in tasks] for _, r in board.iterrows()])
    for i, (name, r) in enumerate(board.iterrows()):
        e = r["improvement"]
        axes[0].errorbar(e.value, i, xerr=[[e.value - e.low], [e.high - e.value]], fmt="o",
                         c=PALETTE.get(name, "k"), capsize=3)
        for j, t in enumerate(tasks):  # * : the task's own interval excludes one half
            p = r["per_task"][t]
            sure = "*" if p.low > 0.5 or p.high < 0.5 else ""
            axes[1].text(j, i, f"{p.value:.2f}{sure}", ha="center", va="center", fontsize=7,
                         color="white" if abs(p.value - 0.5) > 0.3 else "black")
    axes[0].axvline(0.5, ls="--", c="k", lw=1)
    axes[0].set_xlim(-0.02, 1.02)
    axes[0].set_xlabel("P(better than ReLU)")
    axes[0].set_yticks(range(len(board)), board.index)
    axes[0].set_ylim(len(board) - 0.5, -0.5)
    axes[0].set_title("pooled over tasks", fontsize=9)
    image = axes[1].imshow(per_task, cmap="RdBu", vmin=0, vmax=1, aspect="auto")
    short = {"few_relevant_10": "synthetic"}
    axes[1].set_xticks(range(len(tasks)), [f"{short.get(d, d)}\ndepth {k}" for d, k in tasks], fontsize=7)
    axes[1].grid(False)
    axes[1].set_title("per task (* its own 95% interval excludes 1/2)", fontsize=9)
    fig.colorbar(image, ax=axes[1], label="P(better than ReLU)")
    fig.suptitle("C11: is there a better activation? (each at its best learning rate; 95% intervals)")
    fig.tight_layout()
    return fig


FIGURES = {"improvement_over_relu": improvement_over_relu}
