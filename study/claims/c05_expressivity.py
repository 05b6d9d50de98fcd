"""C5: ReLU is more expressive than a linear function (MATLAB's purlin), especially in deep nets.

A stack of linear layers is one linear map however deep it is; a ReLU net is piecewise
linear, and the number of pieces it can cut input space into grows with depth (Raghu et
al. 2017; Hanin & Rolnick 2019 show trained nets use far fewer than the maximum).

Read from the `expressivity` experiment (linear nets) and the `sparsity` experiment (the four
activations, same depths, seeds and batches, Glorot uniform): test accuracy by depth against
a scikit-learn logistic regression on the same split, and the number of linear regions the
ReLU nets cross along straight lines through input space, at initialisation and trained.
"Especially in deep networks" is read along the whole depth axis: per seed, a line through ReLU's
advantage over linear against log2 of the depth gives its change per doubling of depth, each depth's
share of stalled ReLU runs beside it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from study.analysis import stats
from study.analysis.selection import final_epoch, per_seed, stalled_runs, stalled_share
from study.analysis.style import BOOT, break_at_gaps, colours, shown, words
from study.analysis.verdicts import (
    BELOW,
    BEYOND,
    INCONCLUSIVE,
    NUANCED,
    REFUTED,
    STRADDLES,
    SUPPORTED,
    WITHIN,
    Rule,
    Sesoi,
)
from study.claims import MAIN_INIT, Key

CLAIM = "C5"
EXPERIMENTS = ("expressivity", "sparsity")
LINEAR_MARGIN = 0.03  # deep linear nets "stay at the linear baseline" within 3 percentage points
SESOI = Sesoi(0.01, "test accuracy", "pp", "one point of accuracy is the smallest gain a user would pick a model for")

RULE = Rule(
    (
        REFUTED,
        "ReLU's advantage in test accuracy over the linear net (paired by seed) lies beyond the SESOI at no depth",
        lambda e: not any(SESOI.decide(a.low, a.high) == BEYOND for a in e.advantage.values()),
    ),
    (
        SUPPORTED,
        f"the linear nets stay within {LINEAR_MARGIN:.0%} of the logistic-regression baseline at every depth, and "
        "ReLU's advantage grows along the depth axis: its change per doubling of depth (fitted per seed) lies "
        "beyond the SESOI",
        lambda e: e.linear_at_baseline and e.trend_decided == BEYOND,
    ),
    (
        INCONCLUSIVE,
        "the change per doubling's interval holds +SESOI (it may grow by that much, or not)",
        lambda e: e.growth_undecided,
    ),
    otherwise=NUANCED,
    sesoi=(SESOI,),
)
# What each verdict means for someone choosing an activation (the report's 'What this means in practice')
PRACTICE = {
    SUPPORTED: (
        "A ReLU net fits what a linear model cannot, and depth helps it; a linear net gains nothing from depth."
    ),
    NUANCED: (
        "A ReLU net beats a linear model, but its advantage does not grow reliably with depth: add depth for "
        "other reasons."
    ),
    REFUTED: "A ReLU net is no better than a linear model on these tasks.",
    INCONCLUSIVE: "A ReLU net beats a linear model; whether depth adds to its lead, these runs cannot tell.",
}
LITERATURE = (
    "Raghu et al. (2017): the number of linear regions can grow exponentially with depth; Hanin & "
    "Rolnick (2019): in trained nets it grows about linearly with the number of neurons."
)


@dataclass(frozen=True)
class Evidence:
    epochs: int
    baseline: float  # the logistic regression's test accuracy on the same split
    depths: tuple[int, ...]
    accuracy: dict[int, dict[str, stats.Estimate]]  # {depth: {activation: IQM final test accuracy}}, linear first
    advantage: dict[int, stats.Estimate]  # {depth: ReLU's test accuracy minus linear's, paired by seed}
    trend: stats.Estimate  # ReLU's advantage's change per doubling of depth, a line per seed against log2(depth)
    regions: dict[tuple[int, int], stats.Estimate]  # {(depth, epoch): linear regions crossed per line, ReLU}
    relu_stalled: dict[int, tuple[bool, ...]]  # {depth: whether each ReLU run stalled}

    @property
    def linear(self) -> dict[int, stats.Estimate]:
        return {d: a["linear"] for d, a in self.accuracy.items()}

    @property
    def users(self) -> list[str]:
        """Any user activation in these runs, shown beside linear and ReLU."""
        return [a for a in self.accuracy[self.depths[0]] if a not in ("linear", "relu")]

    @property
    def linear_at_baseline(self) -> bool:
        return all(abs(e.value - self.baseline) <= LINEAR_MARGIN for e in self.linear.values())

    @property
    def growth_undecided(self) -> bool:
        """The change per doubling's interval holds +SESOI: it may grow by that much, or not."""
        return self.trend.low <= SESOI.size <= self.trend.high

    @property
    def trend_decided(self) -> str:
        return SESOI.decide(self.trend.low, self.trend.high)

    @property
    def key(self) -> Key:
        return Key.of("ReLU - linear advantage per doubling of depth", self.trend, "pp")


@functools.lru_cache(maxsize=4)
def logistic_regression(dataset: str, n_train, data_seed: int) -> dict[str, float]:
    """The linear baseline: multinomial logistic regression (scikit-learn, L2, C=1) on the nets' split."""
    from sklearn.linear_model import LogisticRegression

    from study.spec import datasets

    data = datasets.load(dataset, n_train=n_train, seed=data_seed)
    model = LogisticRegression(max_iter=5000).fit(data.x_train, data.y_train)
    return {
        split: float(model.score(x, y))
        for split, x, y in [
            ("train", data.x_train, data.y_train),
            ("val", data.x_val, data.y_val),
            ("test", data.x_test, data.y_test),
        ]
    }


def order(df) -> list[str]:
    """The linear control, the four, and any user activation."""
    return ["linear", *shown(df)]


def frames(study):
    df = pd.concat([study.frame("sparsity"), study.frame("expressivity")], ignore_index=True)
    df = df[(df["initializer"] == MAIN_INIT) & df["activation"].isin(order(df))]
    spec = study.specs("expressivity")[0]
    return df, logistic_regression(spec.dataset, spec.n_train, spec.data_seed)


def _regions(df, depths, last) -> dict[tuple[int, int], stats.Estimate]:
    return {
        (d, e): stats.bootstrap(
            per_seed(df, "linear_regions", columns="epoch", activation="relu", depth=d, layer=-1)[e].to_numpy()
        )
        for d in depths
        for e in (0, last)
    }


def _stalled(df, depths) -> dict[int, tuple[bool, ...]]:
    stalls = stalled_runs(df, by=("activation", "depth"))
    return {
        d: tuple(stalls[(stalls["activation"] == "relu") & (stalls["depth"] == d)]["stalled"].tolist()) for d in depths
    }


def evidence(study) -> Evidence:
    df, baseline = frames(study)
    last = final_epoch(df)
    acc = {
        d: per_seed(df, "test_accuracy", columns="activation", depth=d, epoch=last)
        for d in map(int, sorted(df["depth"].unique()))
    }
    depths = list(acc)
    advantage = {d: stats.paired_difference(a["relu"], a["linear"]) for d, a in acc.items()}
    gap = np.column_stack([acc[d]["relu"].to_numpy() - acc[d]["linear"].to_numpy() for d in depths])  # seeds x depths
    slopes = [np.polyfit(np.log2(depths), row, 1)[0] for row in gap if np.isfinite(row).all()]
    accuracy = {
        d: {a: stats.bootstrap(acc[d][a].to_numpy()) for a in ["linear", "relu", *shown(df)[4:]]} for d in depths
    }
    return Evidence(
        last,
        baseline["test"],
        tuple(depths),
        accuracy,
        advantage,
        stats.bootstrap(np.array(slopes)),
        _regions(df, depths, last),
        _stalled(df, depths),
    )


def straddling(e: Evidence) -> list:
    """The change per doubling, where its interval holds +SESOI."""
    return [(e.trend, SESOI, 0.0)] if e.growth_undecided else []


def verdict(e: Evidence) -> str:
    return RULE(e)


def stalls(e: Evidence, depth: int) -> str:
    """ " (3 of 10 ReLU runs stalled)" where some did, else ''."""
    flags = e.relu_stalled[depth]
    return f" ({sum(flags)} of {len(flags)} ReLU runs stalled)" if any(flags) else ""


def trend_words(e: Evidence) -> str:
    return {
        BEYOND: ": it grows with depth",
        BELOW: ": it shrinks with depth",
        WITHIN: f": flat, within plus or minus {100 * SESOI.size:g} pp",
        STRADDLES: f": undecided against plus or minus {100 * SESOI.size:g} pp",
    }[e.trend_decided] + (
        f"; whether it grows by {100 * SESOI.size:g} pp or more per doubling, these seeds cannot tell"
        if e.growth_undecided
        else ""
    )


def text(e: Evidence) -> str:
    first, deepest, last = e.depths[0], e.depths[-1], e.epochs
    linear, advantage, regions = e.linear, e.advantage, e.regions
    return (
        f"A scikit-learn logistic regression on the same split reaches {e.baseline:.1%} test accuracy. "
        f"The linear nets reach {linear[first].fmt(percent=True)} at depth {first} and "
        f"{linear[deepest].fmt(percent=True)} at depth {deepest}: "
        + (
            "however deep, they stay at the linear baseline. "
            if e.linear_at_baseline
            else f"they depart from the linear baseline by more than {LINEAR_MARGIN:.0%} at some depth. "
        )
        + "ReLU's advantage over linear, by depth: "
        + "; ".join(f"{d}: {advantage[d].fmt(points=True)}{stalls(e, d)}" for d in e.depths)
        + f". Along the depth axis it changes by {e.trend.fmt(points=True)} per doubling of depth (a line per seed "
        f"against log2 of the depth){trend_words(e)}. Along straight lines between probe examples the trained "
        f"depth-{first} ReLU nets cross {regions[(first, last)].fmt()} linear regions and the depth-"
        f"{deepest} nets {regions[(deepest, last)].fmt()} (at initialisation "
        f"{regions[(first, 0)].fmt()} and {regions[(deepest, 0)].fmt()})."
    )


def table(e: Evidence) -> pd.DataFrame:
    rows = {
        f"depth {d}": {
            "linear": e.accuracy[d]["linear"].fmt(percent=True),
            "relu": e.accuracy[d]["relu"].fmt(percent=True),
            "relu - linear": e.advantage[d].fmt(points=True),
            "relu stalled": stalled_share(list(e.relu_stalled[d])),
            **{a: e.accuracy[d][a].fmt(percent=True) for a in e.users},
            "relu regions per line (init)": e.regions[(d, 0)].fmt(),
            f"relu regions per line ({e.epochs} epochs)": e.regions[(d, e.epochs)].fmt(),
        }
        for d in e.depths
    }
    return pd.DataFrame(rows).T


def expressivity_by_depth(study):
    """Test accuracy by depth for linear nets and the four activations, beside a logistic regression on the
    same split (left), and the number of linear regions a ReLU or Leaky ReLU net crosses along straight lines
    between probe examples, at initialisation and after training (right, log scales). Lines and bars are IQMs
    over seeds, bands and bars their 95% bootstrap intervals; a line breaks where a depth of the doubling ladder
    was not run."""
    df, baseline = frames(study)
    last = final_epoch(df)
    fig, axes = plt.subplots(1, 2, figsize=(11.5, 3.6))
    acc = df[(df["metric"] == "test_accuracy") & (df["epoch"] == last)]
    sns.lineplot(
        acc,
        x="depth",
        y="value",
        hue="activation",
        hue_order=order(df),
        palette=colours(df),
        marker="o",
        err_style="bars",  # bars at the depths run: a band would bridge a missing one
        ax=axes[0],
        **BOOT,
    )
    axes[0].axhline(baseline["test"], ls="--", c="k", lw=1, label="logistic regression")
    axes[0].set_xscale("log", base=2)
    axes[0].set_ylabel(f"test accuracy after {last} epochs")
    axes[0].set_xlabel("depth (hidden layers)")
    axes[0].legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
    axes[0].set_title("accuracy by depth")
    regions = df[(df["metric"] == "linear_regions") & df["activation"].isin(["relu", "leaky_relu"])].copy()
    regions["state"] = np.where(regions["epoch"] == 0, "initialisation", f"trained ({last} epochs)")
    sns.lineplot(
        regions,
        x="depth",
        y="value",
        hue="activation",
        style="state",
        palette=colours(df),
        hue_order=["relu", "leaky_relu"],
        marker="o",
        err_style="bars",
        ax=axes[1],
        **BOOT,
    )
    axes[1].set_xscale("log", base=2)
    axes[1].set_yscale("log")
    axes[1].set_ylabel("linear regions crossed per line")
    axes[1].set_xlabel("depth (hidden layers)")
    axes[1].legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
    axes[1].set_title("linear regions along lines between examples")
    depths = sorted(df["depth"].unique())
    for ax in axes:
        break_at_gaps(ax)
        ax.set_xticks(depths, [str(d) for d in depths])
        ax.minorticks_off()
    fig.suptitle(f"C5: expressivity against linear nets ({words(MAIN_INIT)})")
    fig.tight_layout()
    return fig


FIGURES = {"expressivity_by_depth": expressivity_by_depth}
