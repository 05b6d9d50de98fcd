"""C11: sigmoid, tanh and ReLU each have shortcomings; is there a better activation?

Read from the `leaderboard` experiment: nine activations on three data sets (MNIST-1D, digits and
Fashion-MNIST in the reference run; the synthetic task in place of Fashion-MNIST in the quick one)
at two depths. Each activation is read at its best learning rate per task and depth, chosen on the
validation split; it is scored by test accuracy after the last epoch.
Per activation: the IQM over seeds and tasks with its interval, the probability of improvement
over ReLU (Agarwal et al. 2021: P(its accuracy > ReLU's) on a task, averaged over tasks) with a
stratified bootstrap interval, and its mean rank across the tasks.
"""

from __future__ import annotations

from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from study.analysis import stats
from study.analysis.selection import best_learning_rates, stalled_runs
from study.analysis.style import PALETTE
from study.analysis.verdicts import INCONCLUSIVE, NUANCED, REFUTED, SUPPORTED, Rule, Sesoi
from study.claims import Key
from study.spec.activations import users_in

CLAIM = "C11"
EXPERIMENTS = ("leaderboard",)
TASK = ["dataset", "depth"]

EDGE = Sesoi(
    0.1, "probability of improvement above one half", "", "a 60% chance to beat ReLU is the least worth a switch"
)
BETTER = 0.5 + EDGE.size

RULE = Rule(
    (
        SUPPORTED,
        "some activation's probability of improvement over ReLU, pooled over every task, has a 95% "
        "interval above one half plus the SESOI",
        lambda e: bool(e.better_overall),
    ),
    (
        NUANCED,
        "some activation beats ReLU with such an interval on some tasks only",
        lambda e: bool(e.better_somewhere),
    ),
    (
        INCONCLUSIVE,
        "some activation's pooled interval holds one half plus the SESOI",
        lambda e: bool(e.undecided_overall),
    ),
    otherwise=REFUTED,
    sesoi=(EDGE,),
)
# What each verdict means for someone choosing an activation (the report's 'What this means in practice')
PRACTICE = {
    SUPPORTED: "Some activation beats ReLU over these tasks: try it (the answer names it) before settling on ReLU.",
    NUANCED: "No activation beats ReLU everywhere, some on single tasks: compare a few on your own task.",
    REFUTED: "No activation beats ReLU on these tasks: ReLU is a sound default.",
    INCONCLUSIVE: "Whether some activation beats ReLU by a margin worth a switch, these runs cannot tell.",
}
LITERATURE = (
    "Ramachandran et al. (2017): Swish matched or beat ReLU on deep models; Clevert et al. (2016) ELU; "
    "Klambauer et al. (2017) SELU; Hendrycks & Gimpel (2016) GELU."
)


def accuracy_at_best_rate(df) -> pd.DataFrame:
    """Test accuracy after the last epoch, per (activation, dataset, depth, seed), at each activation's best
    learning rate for that task (chosen on validation accuracy)."""
    best = best_learning_rates(df, score="val_accuracy", by=("activation", *TASK)).reset_index()
    # each group's own last epoch: a data set may train for fewer epochs than the others (Fashion-MNIST's limits)
    test = df[(df["metric"] == "test_accuracy") & (df["epoch"] == df["epochs"])]
    stalls = stalled_runs(df, by=("activation", *TASK, "learning_rate"))
    return test.merge(best, on=["activation", *TASK, "learning_rate"]).merge(
        stalls, on=["run", "activation", *TASK, "learning_rate", "seed"]
    )


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
        stalled = acc[acc["activation"] == name]["stalled"].to_numpy(dtype=float)
        rows[name] = {
            "accuracy": stats.bootstrap(x),
            "improvement": stats.improvement(x, relu),
            "rank": ranks[name],
            "per_task": per_task,
            "stalled": stats.bootstrap(stalled, statistic=stats.mean),
            "stalled_runs": int(stalled.sum()),
        }
    return pd.DataFrame(rows).T.sort_values("rank")


@dataclass(frozen=True)
class Evidence:
    # per activation, the leaderboard's order (best mean rank first), each at its best learning rate per task
    accuracy: dict[str, stats.Estimate]  # test accuracy, IQM over seeds and tasks
    improvement: dict[str, stats.Estimate]  # probability of improvement over ReLU, pooled over tasks
    per_task: dict[str, dict[tuple[str, int], stats.Estimate]]  # {activation: {(dataset, depth): the same, one task}}
    rank: dict[str, float]  # mean rank across tasks
    stalled: dict[str, stats.Estimate]  # share of runs that stalled (mean over runs)
    stalled_runs: dict[str, int]  # runs that stalled
    builtin: tuple[str, ...]  # the built-in activations other than ReLU, which the verdict reads
    device: str | None = None  # C8's device, where the cost experiment is among the study's
    step_time: dict[str, stats.Estimate] | None = None  # training-step time / ReLU's there (C8), per activation

    @property
    def tasks(self) -> list[tuple[str, int]]:
        return list(next(iter(self.per_task.values())))

    @property
    def better_overall(self) -> list[str]:
        return [a for a in self.builtin if self.improvement[a].low > BETTER]

    @property
    def undecided_overall(self) -> list[str]:
        """The activations whose pooled interval holds one half plus the SESOI."""
        return [a for a in self.builtin if self.improvement[a].low <= BETTER <= self.improvement[a].high]

    @property
    def better_somewhere(self) -> dict[str, list[tuple[str, int]]]:
        """{activation: the tasks on which its interval lies above one half plus the SESOI}, those with any."""
        where = {a: [t for t, p in self.per_task[a].items() if p.low > BETTER] for a in self.builtin}
        return {a: w for a, w in where.items() if w}

    @property
    def worse_overall(self) -> list[str]:
        return [a for a in self.builtin if self.improvement[a].high < 1 - BETTER]

    @property
    def top(self) -> str:
        return max(self.builtin, key=lambda a: self.improvement[a].value)

    @property
    def key(self) -> Key:
        return Key.of(f"P({self.top} better than ReLU)", self.improvement[self.top])


def _step_times(study, names) -> dict:
    """C8's training-step time relative to ReLU's, per activation it measured, where the study has it."""
    if "cost" not in study.experiments:
        return {}
    from study.claims import c08_compute_cost as c8

    r = c8.ratios(c8.frame(study))
    device = r["device"].iloc[0]
    measured = set(r["activation"])
    return dict(
        device=device, step_time={a: c8.median_ratio(r, device, a, "train_step_s", -1) for a in names if a in measured}
    )


def evidence(study) -> Evidence:
    board = leaderboard(study.frame("leaderboard"))
    # the verdict reads the built-in activations; a user's sits in the table and figure beside them
    others = board.drop(index=["relu", *users_in(board.index)])
    column = {c: {a: r[c] for a, r in board.iterrows()} for c in ("accuracy", "improvement", "per_task", "stalled")}
    return Evidence(
        **column,
        rank={a: float(r) for a, r in board["rank"].items()},
        stalled_runs={a: int(k) for a, k in board["stalled_runs"].items()},
        builtin=tuple(others.index),
        **_step_times(study, list(board.index)),
    )


def straddling(e: Evidence) -> list:
    """The pooled probabilities of improvement whose intervals hold one half plus the SESOI."""
    return [(e.improvement[a], EDGE, 0.5) for a in e.undecided_overall]


def verdict(e: Evidence) -> str:
    return RULE(e)


def answer(e: Evidence) -> str:
    """The question's answer in words, read from the same numbers as the verdict."""
    if e.better_overall:
        return (
            f"yes: {', '.join(e.better_overall)}, each with a probability above {BETTER:g} of beating ReLU over every "
            "task pooled"
        )
    if e.better_somewhere:
        where = "; ".join(f"{a} on {', '.join(f'{d} depth {k}' for d, k in w)}" for a, w in e.better_somewhere.items())
        return f"only on some tasks ({where}); over every task pooled none beats ReLU"
    if RULE(e) == INCONCLUSIVE:
        return "not decided: none is shown to beat ReLU, and these seeds cannot rule it out"
    return "no: none of them beats ReLU on any task"


def text(e: Evidence) -> str:
    better_overall, better_somewhere, worse_overall = e.better_overall, e.better_somewhere, e.worse_overall
    tasks = e.tasks
    n_data, n_depths = len({d for d, _ in tasks}), len({k for _, k in tasks})
    out = (
        f"Over {len(tasks)} tasks ({n_data} data set{'s' * (n_data > 1)} at {n_depths} depth{'s' * (n_depths > 1)}), "
        f"each activation at its best learning rate: "
        + (
            f"{', '.join(better_overall)} beat{'s' if len(better_overall) == 1 else ''} ReLU with a probability of "
            f"improvement whose interval lies above {BETTER:g} (one half plus the SESOI)"
            if better_overall
            else f"no activation beats ReLU with a pooled probability of improvement whose interval is above {BETTER:g}"
        )
        + f". The highest is {e.top}'s, {e.improvement[e.top].fmt()}. "
        + (
            "On single tasks: "
            + "; ".join(f"{a} on {', '.join(f'{d} depth {k}' for d, k in w)}" for a, w in better_somewhere.items())
            + ". "
            if better_somewhere
            else "No activation beats ReLU on any single task with such an interval. "
        )
        + (
            f"ReLU beats {', '.join(worse_overall)} (their intervals lie below {1 - BETTER:g}). "
            if worse_overall
            else ""
        )
        + f"Mean ranks: {', '.join(f'{a} {r:.1f}' for a, r in e.rank.items())}."
    )
    if e.device is not None:
        out += f" The last column gives each one's training-step time relative to ReLU's (C8, {e.device})."
    return out


def _stalled_text(share: stats.Estimate, stalled: int) -> str:
    """As `selection.stalled_share`: the share with its interval, and whether the outcomes are bimodal."""
    return share.fmt(percent=True) + (f", bimodal ({stalled} of {share.n})" if 0 < stalled < share.n else "")


def table(e: Evidence) -> pd.DataFrame:
    out = pd.DataFrame(
        {
            "test accuracy (IQM over seeds and tasks)": {a: x.fmt(percent=True) for a, x in e.accuracy.items()},
            "P(better than ReLU)": {a: p.fmt() if a != "relu" else "-" for a, p in e.improvement.items()},
            "mean rank": {a: f"{r:.1f}" for a, r in e.rank.items()},
            "stalled (share of runs)": {a: _stalled_text(s, e.stalled_runs[a]) for a, s in e.stalled.items()},
        }
    )
    if e.device is not None:  # C8's training-step cost beside it: the trade-off a practitioner weighs
        out[f"training-step time / ReLU's ({e.device}, C8)"] = {
            a: e.step_time[a].fmt() if a in e.step_time else "-" for a in e.accuracy
        }
    return out


def improvement_over_relu(study):
    """Each activation's probability of improvement over ReLU with its 95% interval, pooled and per task."""
    board = leaderboard(study.frame("leaderboard")).drop(index="relu")
    tasks = list(board.iloc[0]["per_task"])
    fig, axes = plt.subplots(
        1, 2, figsize=(10, 0.45 * len(board) + 1.4), sharey=True, gridspec_kw={"width_ratios": [1, 2]}
    )
    per_task = np.array([[r["per_task"][t].value for t in tasks] for _, r in board.iterrows()])
    for i, (name, r) in enumerate(board.iterrows()):
        e = r["improvement"]
        axes[0].errorbar(
            e.value, i, xerr=[[e.value - e.low], [e.high - e.value]], fmt="o", c=PALETTE.get(name, "k"), capsize=3
        )
        for j, t in enumerate(tasks):  # * : the task's own interval excludes one half
            p = r["per_task"][t]
            sure = "*" if p.low > 0.5 or p.high < 0.5 else ""
            axes[1].text(
                j,
                i,
                f"{p.value:.2f}{sure}",
                ha="center",
                va="center",
                fontsize=7,
                color="white" if abs(p.value - 0.5) > 0.3 else "black",
            )
    axes[0].axvline(0.5, ls="--", c="k", lw=1)
    axes[0].set_xlim(-0.02, 1.02)
    axes[0].set_xlabel("P(better than ReLU)")
    axes[0].set_yticks(range(len(board)), board.index)
    axes[0].set_ylim(len(board) - 0.5, -0.5)
    axes[0].set_title("pooled over tasks", fontsize=9)
    axes[0].set_ylabel("activation")
    image = axes[1].imshow(per_task, cmap="RdBu", vmin=0, vmax=1, aspect="auto")
    short = {"few_relevant_10": "synthetic", "fashion_mnist": "fashion"}
    axes[1].set_xticks(range(len(tasks)), [f"{short.get(d, d)}\ndepth {k}" for d, k in tasks], fontsize=7)
    axes[1].grid(False)
    axes[1].set_xlabel("task (data set, depth)")
    axes[1].set_ylabel("activation")
    axes[1].set_title("per task (* its own 95% interval excludes 1/2)", fontsize=9)
    fig.colorbar(image, ax=axes[1], label="P(better than ReLU)")
    fig.suptitle("C11: is there a better activation? (each at its best learning rate; 95% intervals)")
    fig.tight_layout()
    return fig


FIGURES = {"improvement_over_relu": improvement_over_relu}
