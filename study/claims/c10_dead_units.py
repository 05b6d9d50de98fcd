"""C10: a ReLU's derivative is 0 on the negative side, so such a neuron stops training (a "dead
cell"); Leaky ReLU was invented to fix this.

Two experiments. `collapse`: deep narrow nets fitting y = |x| on an interval, as in Lu et
al. (2020); a net has collapsed when its output is constant over the interval
(`study.probes.collapsed`), and the collapse fraction over many initialisations is read at
initialisation and after training, by width. `dead_units`: MNIST-1D nets at increasing
learning rates; the fraction of units negative on every probe input (dead for ReLU,
"dormant" for Leaky ReLU, which still passes a 0.01 slope) through training, and the share
of those units that come back by the next recorded epoch.
"""

from __future__ import annotations

from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from study.analysis import stats
from study.analysis.selection import final_epoch, layer_mean, per_seed
from study.analysis.style import BOOT, PALETTE
from study.analysis.verdicts import BEYOND, INCONCLUSIVE, NUANCED, REFUTED, STRADDLES, SUPPORTED, Rule, Sesoi
from study.claims import Key, seeds_text
from study.train import probes

CLAIM = "C10"
EXPERIMENTS = ("collapse", "dead_units")
PAIR = ("relu", "leaky_relu")
NAMES = {"relu": "ReLU", "leaky_relu": "Leaky ReLU"}

SHARE = Sesoi(
    0.05, "nets collapsed, units dead, units revived", "pp", "five in a hundred is the least that changes a net"
)

RULE = Rule(
    (
        SUPPORTED,
        "(a) at the narrowest width, trained ReLU nets collapse more often than Leaky ReLU nets from the "
        "same initial weights and (b) at the highest learning rate trained ReLU nets keep dead units while a "
        "larger share of Leaky ReLU's dormant units revive than of ReLU's dead ones, each share and paired "
        "difference beyond the SESOI (95% intervals)",
        lambda e: e.part_a and e.part_b,
    ),
    (
        INCONCLUSIVE,
        "not both hold and an interval of the part that fails straddles the SESOI",
        lambda e: e.undecided,
    ),
    (NUANCED, "exactly one of (a) and (b) holds", lambda e: e.part_a != e.part_b),
    otherwise=REFUTED,
    sesoi=(SHARE,),
)
# What each verdict means for someone choosing an activation (the report's 'What this means in practice')
PRACTICE = {
    SUPPORTED: (
        "High learning rates leave ReLU units dead; Leaky ReLU's dormant units come back more often: lower "
        "the rate, or use Leaky ReLU in deep narrow nets."
    ),
    NUANCED: ("Dead ReLU units appear, but Leaky ReLU does not clearly fix them: watch the dead share at high rates."),
    REFUTED: "Dead ReLU units are no problem here.",
    INCONCLUSIVE: "Whether ReLU units die and Leaky ReLU's come back by a margin that matters, these runs cannot tell.",
}
LITERATURE = (
    "Lu et al. (2020): deep narrow ReLU nets collapse to a constant with a probability that grows with "
    "depth and falls with width; Maas et al. (2013) introduced the 0.01 slope."
)


def collapse_fractions(study):
    df = study.frame("collapse")
    last = final_epoch(df)
    out = {}
    for (depth, width), sub in df[df["metric"] == "collapsed"].groupby(["depth", "width"]):
        for epoch in (0, last):
            table = per_seed(sub, "collapsed", columns="activation", epoch=epoch)
            out[(depth, width, epoch)] = table
    return out, last


def revival_share(df, activation, lr):
    """Per seed: units that revived by the next recorded epoch / units dormant at the epoch before."""
    sub = df[(df["activation"] == activation) & (df["learning_rate"] == lr)]
    revived = per_seed(sub, "revived", columns=["epoch", "layer"])
    dormant = per_seed(sub, "dormant", columns=["epoch", "layer"])
    epochs = sorted(dormant.columns.get_level_values(0).unique())
    before = sum(dormant[e].to_numpy() for e in epochs[:-1])  # dormant at the epoch before each revival
    after = sum(revived[e].to_numpy() for e in epochs[1:])
    with np.errstate(invalid="ignore", divide="ignore"):
        return after.sum(1) / before.sum(1)


@dataclass(frozen=True)
class Evidence:
    # (a) the collapse experiment
    depth_a: int  # its deepest nets
    width: int  # its narrowest width
    epochs_a: int
    collapse: dict[tuple[int, int, int], dict[str, stats.Estimate]]  # {(depth, width, epoch): {"relu", "leaky_relu":
    #   fraction of nets collapsed (mean over seeds), "difference": relu - leaky_relu, paired}}, epoch 0 or epochs_a
    # (b) the dead_units experiment
    depth_b: int
    epochs_b: int
    top_rate: float  # the highest learning rate with models left
    tried_rate: float  # the highest learning rate tried
    dormant: dict[tuple[str, float], stats.Estimate]  # {(activation, rate): dead or dormant fraction, trained}
    revival: dict[tuple[str, float], stats.Estimate]  # {(activation, rate): revival share over the seeds that
    #   had dormant units; n = 0 where none ever had}
    revival_top: dict[str, stats.Estimate]  # {activation: revival share at top_rate, a seed without dormant units as 0}
    revival_gap: stats.Estimate  # Leaky ReLU's revival share minus ReLU's at top_rate, paired
    diverged: dict[tuple[str, float], tuple[int, int]]  # {(activation, rate): (seeds it diverged in, seeds)}

    @property
    def collapse_trained(self) -> dict[str, stats.Estimate]:
        return self.collapse[(self.depth_a, self.width, self.epochs_a)]

    @property
    def collapse_gap(self) -> stats.Estimate:
        return self.collapse_trained["difference"]

    @property
    def relu_dead(self) -> stats.Estimate:
        return self.dormant[("relu", self.top_rate)]

    @property
    def part_a(self) -> bool:
        return SHARE.decide(self.collapse_gap.low, self.collapse_gap.high) == BEYOND

    @property
    def part_b(self) -> bool:
        return all(SHARE.decide(x.low, x.high) == BEYOND for x in (self.relu_dead, self.revival_gap))

    @property
    def undecided(self) -> bool:
        """A part fails while one of its intervals straddles the SESOI."""
        a = not self.part_a and SHARE.decide(self.collapse_gap.low, self.collapse_gap.high) == STRADDLES
        b = not self.part_b and any(
            SHARE.decide(x.low, x.high) == STRADDLES for x in (self.relu_dead, self.revival_gap)
        )
        return a or b

    @property
    def key(self) -> Key:
        return Key.of(f"collapse ReLU - Leaky at width {self.width}", self.collapse_gap, "pp")


def _collapse(study) -> dict:
    fractions, last = collapse_fractions(study)
    collapse = {}
    for key, t in sorted(fractions.items()):
        collapse[key] = {a: stats.bootstrap(t[a].to_numpy(), statistic=stats.mean) for a in PAIR}
        collapse[key]["difference"] = stats.paired_difference(t["relu"], t["leaky_relu"], statistic=stats.mean)
    return dict(
        depth_a=max(d for d, _, _ in collapse), width=min(w for _, w, _ in collapse), epochs_a=last, collapse=collapse
    )


def _dead_units(study) -> dict:
    dead = study.frame("dead_units")
    last, top = final_epoch(dead), float(dead["learning_rate"].max())
    dormant, revival, shares = {}, {}, {}
    for lr in sorted(dead["learning_rate"].unique()):
        for a in PAIR:
            shares[(a, lr)] = share = revival_share(dead, a, lr)
            dormant[(a, float(lr))] = stats.bootstrap(
                layer_mean(dead, "dormant", activation=a, learning_rate=lr, epoch=last)
            )
            revival[(a, float(lr))] = stats.bootstrap(share[np.isfinite(share)])
    at_top = {a: np.nan_to_num(shares[(a, top)]) for a in PAIR}
    specs = {s.key(): s for s in study.specs("dead_units")}
    lost = study.excluded[study.excluded["run"].isin(list(specs))]
    diverged = {
        (a, float(s.learning_rate)): (int(((lost["run"] == key) & (lost["activation"] == a)).sum()), len(s.seeds))
        for key, s in specs.items()
        for a in PAIR
    }
    return dict(
        diverged=diverged,
        depth_b=int(dead["depth"].max()),
        epochs_b=last,
        top_rate=top,
        tried_rate=float(max(s.learning_rate for s in study.specs("dead_units"))),
        dormant=dormant,
        revival=revival,
        revival_top={a: stats.bootstrap(at_top[a]) for a in PAIR},
        revival_gap=stats.paired_difference(at_top["leaky_relu"], at_top["relu"]),
    )


def evidence(study) -> Evidence:
    return Evidence(**_collapse(study), **_dead_units(study))


def straddling(e: Evidence) -> list:
    """The shares and differences whose intervals straddle the SESOI."""
    parts = (e.collapse_gap, e.relu_dead, e.revival_gap)
    return [(x, SHARE, 0.0) for x in parts if SHARE.decide(x.low, x.high) == STRADDLES]


def verdict(e: Evidence) -> str:
    return RULE(e)


def mechanism(e: Evidence) -> str:
    """One sentence from the measurements, compared across settings (normalisation, skips)."""
    trained = e.collapse_trained
    return (
        f"at Adam {e.top_rate:g}, {e.relu_dead.fmt(percent=True)} of ReLU's units end dead or dormant, and "
        f"{trained['relu'].fmt(percent=True)} of the depth-{e.depth_a}, width-{e.width} ReLU nets collapse "
        f"(Leaky ReLU {trained['leaky_relu'].fmt(percent=True)})"
    )


def diverged_text(e: Evidence) -> str:
    """Which activation diverged at which rate, and whether that rate kept any model (a seed's models go together)."""
    rates = sorted({lr for (_, lr), (k, _) in e.diverged.items() if k})
    each = []
    for lr in rates:
        found = sorted(((k, n, a) for (a, r), (k, n) in e.diverged.items() if r == lr), reverse=True)
        counts = " and ".join(
            f"the {NAMES[a]} models {'diverged ' if i == 0 else ''}in {seeds_text(k, n)}"
            for i, (k, n, a) in enumerate(found)
        )
        kept = "no model at that rate is left" if lr > e.top_rate else "the other seeds' models are read"
        each.append(f"at Adam {lr:g} {counts}; as a seed's models are left out together, {kept}")
    return ("; ".join(each) + ". ") if each else ""


def by_rate_text(e: Evidence) -> str:
    """ReLU's dead and Leaky ReLU's dormant share at every rate with models left."""
    rates = sorted({lr for _, lr in e.dormant})
    each = "; ".join(
        f"{lr:g}: {e.dormant[('relu', lr)].fmt(percent=True)} against {e.dormant[('leaky_relu', lr)].fmt(percent=True)}"
        for lr in rates
    )
    return f"After training, ReLU's dead share against Leaky ReLU's dormant share, by Adam rate: {each}. "


def text(e: Evidence) -> str:
    highest = f"Adam's highest rate with models left ({e.top_rate:g})"
    trained = e.collapse_trained
    return (
        f"(a) Of the depth-{e.depth_a}, width-{e.width} nets fitting |x|, "
        f"{trained['relu'].fmt(percent=True)} of the ReLU nets and "
        f"{trained['leaky_relu'].fmt(percent=True)} of the Leaky "
        f"ReLU nets started from the same weights compute a constant after {e.epochs_a} epochs (to within "
        f"{probes.COLLAPSE_LEVEL:.1%} of |x|'s range over the interval; difference "
        f"{e.collapse_gap.fmt(points=True)}); the table gives every width, at initialisation and trained. "
        f"(b) In the depth-{e.depth_b} MNIST-1D nets, {diverged_text(e)}{by_rate_text(e)}At {highest}, "
        f"{e.relu_dead.fmt(percent=True)} of ReLU units are dead after {e.epochs_b} epochs; of the units negative on "
        f"every probe input at one recorded epoch, "
        f"{e.revival_top['relu'].fmt(percent=True)} come back by the next for ReLU and "
        f"{e.revival_top['leaky_relu'].fmt(percent=True)} for Leaky ReLU (difference "
        f"{e.revival_gap.fmt(points=True)}). A dead ReLU unit gets no gradient through itself, but it can still "
        f"come back when the layers below it move."
    )


def table(e: Evidence) -> pd.DataFrame:
    rows = {}
    for (depth, width, epoch), est in e.collapse.items():
        label = f"depth {depth}, width {width}, " + ("init" if epoch == 0 else f"{e.epochs_a} epochs")
        rows[label] = {f"{a} collapsed": est[a].fmt(percent=True) for a in PAIR}
        rows[label]["relu - leaky"] = est["difference"].fmt(points=True)
    for (a, lr), dormant in e.dormant.items():
        share = e.revival[(a, lr)]
        rows[f"MNIST-1D, Adam {lr:g}, {a}"] = {
            "dead or dormant (trained)": dormant.fmt(percent=True),
            "revival share": share.fmt(percent=True) if share.n else "no unit was ever dormant",
        }
    return pd.DataFrame(rows).T.fillna("")


def collapse_by_width(study):
    """The fraction of deep narrow nets fitting |x| whose output is constant over the input interval, by width
    and depth, at initialisation and after training, for ReLU and Leaky ReLU: means over seeds with 95%
    bootstrap intervals."""
    df = study.frame("collapse")
    last = final_epoch(df)
    sub = df[(df["metric"] == "collapsed") & df["epoch"].isin([0, last])].copy()
    sub["state"] = np.where(sub["epoch"] == 0, "initialisation", f"trained ({last} epochs)")
    g = sns.relplot(
        sub,
        x="width",
        y="value",
        hue="activation",
        style="state",
        col="depth",
        kind="line",
        palette=PALETTE,
        hue_order=list(PAIR),
        marker="o",
        height=3.2,
        aspect=1.2,
        estimator="mean",
        errorbar=("ci", 95),
        n_boot=200,
        seed=0,
    )
    g.set_axis_labels("width (units per hidden layer)", "fraction of nets that are constant")
    g.figure.suptitle("C10 (a): deep narrow nets collapsing to a constant, fitting |x|", y=1.03)
    return g.figure


def dead_units_through_training(study):
    """The fraction of hidden units negative on every probe input (dead ReLUs, dormant Leaky ReLUs) per epoch,
    at each Adam learning rate, MNIST-1D. Lines and bars are IQMs over seeds, bands and bars their 95%
    bootstrap intervals."""
    df = study.frame("dead_units")
    sub = df[df["metric"] == "dormant"]
    sub = sub.groupby(["activation", "learning_rate", "epoch", "seed"], as_index=False)["value"].mean()
    g = sns.relplot(
        sub,
        x="epoch",
        y="value",
        hue="activation",
        col="learning_rate",
        kind="line",
        palette=PALETTE,
        hue_order=list(PAIR),
        marker="o",
        height=3,
        aspect=1,
        **BOOT,
    )
    g.set_titles("Adam, learning rate {col_name}")
    g.set_axis_labels("epoch", "units negative on every probe input")
    g.figure.suptitle("C10 (b): dead (ReLU) and dormant (Leaky ReLU) units, MNIST-1D", y=1.03)
    plt.setp(g.axes.flat, ylim=(-0.02, 1.02))
    return g.figure


FIGURES = {"collapse_by_width": collapse_by_width, "dead_units_through_training": dead_units_through_training}
