"""C6: ReLU's constant slope means no vanishing gradient; deep sigmoid nets stall.

Read from the `gradients` experiment: at initialisation, the weight-gradient norm of the
first hidden layer of the deepest nets against their last hidden layer and against the
shallowest net's first layer, under both initialisers; and whether the deepest sigmoid
nets train at all.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import seaborn as sns

from study.analysis import stats
from study.analysis.selection import STALL_MARGIN, deepest, final_epoch, per_seed, stalled_runs, stalled_share
from study.analysis.style import BOOT, colours, in_words, line_styles, rows_shown, shown, with_state, words
from study.analysis.verdicts import INCONCLUSIVE, NUANCED, REFUTED, SUPPORTED, Rule, Sesoi
from study.claims import MAIN_INIT, Key

CLAIM = "C6"
EXPERIMENTS = ("gradients",)
STALLED_ACCURACY = 0.2  # chance is 10% on MNIST-1D
VANISHED = 0.01  # a gradient ratio below this has vanished
STALL = Sesoi(
    STALLED_ACCURACY - 0.1,
    "training accuracy above chance (10%)",
    "pp",
    "a net within ten points of chance has learned next to nothing: it stalled",
)

RULE = Rule(
    (
        REFUTED,
        f"the deepest sigmoid nets do not stall: their training accuracy's 95% interval lies above "
        f"{STALLED_ACCURACY:.0%}, chance plus the SESOI",
        lambda e: e.sigmoid_accuracy.low >= STALLED_ACCURACY,
    ),
    (
        INCONCLUSIVE,
        f"that interval straddles {STALLED_ACCURACY:.0%}",
        lambda e: e.sigmoid_accuracy.low < STALLED_ACCURACY <= e.sigmoid_accuracy.high,
    ),
    (
        SUPPORTED,
        f"under every initialiser the first hidden layer of the deepest ReLU nets gets at least "
        f"{VANISHED} times the gradient norm of their last hidden layer and of the shallowest net's "
        "first layer (at initialisation)",
        lambda e: not any(e.relu_vanishes.values()),
    ),
    otherwise=NUANCED,
    sesoi=(STALL,),
)
# What each verdict means for someone choosing an activation (the report's 'What this means in practice')
PRACTICE = {
    SUPPORTED: (
        "Deep plain sigmoid nets stall while ReLU nets train: do not stack sigmoid layers without "
        "normalisation or skips."
    ),
    NUANCED: (
        "Deep plain sigmoid nets train poorly and some stall: prefer ReLU in deep plain MLPs, or add "
        "normalisation or skips."
    ),
    REFUTED: (
        "Sigmoid nets of this depth train here: the vanishing gradient is no reason to avoid them in this setting."
    ),
    INCONCLUSIVE: (
        "Whether deep plain sigmoid nets stall here, these runs cannot tell: some seeds train and some do not."
    ),
}
LITERATURE = (
    "Glorot & Bengio (2010): deep sigmoid nets' top layer saturates early; MNIST "
    "test error 2.21% sigmoid vs 1.76% tanh."
)


@dataclass(frozen=True)
class Evidence:
    depth: int  # the deepest nets
    shallow: int  # the shallowest nets
    epochs: int  # the last epoch
    inits: tuple[str, ...]  # the initialisers, sorted
    # each {(activation, initialiser): ...}, in the order the table lists them
    within: dict[tuple[str, str], stats.Estimate]  # deepest nets at init: layer 1's gradient norm / the last layer's
    across: dict[tuple[str, str], stats.Estimate]  # at init: layer 1's gradient norm, deepest / shallowest net
    accuracy: dict[tuple[str, str], stats.Estimate]  # deepest nets' final training accuracy
    stalled: dict[tuple[str, str], tuple[float, ...]]  # deepest nets, per seed: 1 if it stalled, else 0

    @property
    def sigmoid_accuracy(self) -> stats.Estimate:
        return self.accuracy[("sigmoid", MAIN_INIT)]

    @property
    def relu_vanishes(self) -> dict[str, bool]:
        """{initialiser: whether a ReLU gradient ratio fell below VANISHED}."""
        return {i: min(self.within[("relu", i)].value, self.across[("relu", i)].value) < VANISHED for i in self.inits}

    @property
    def bimodal(self) -> dict[tuple[str, str], tuple[int, int]]:
        """{(activation, initialiser): (seeds stalled, seeds)} where some seeds stalled and others did not."""
        return {k: (int(sum(f)), len(f)) for k, f in self.stalled.items() if 0 < sum(f) < len(f)}

    @property
    def key(self) -> Key:
        return Key.of(f"sigmoid depth {self.depth} train accuracy", self.sigmoid_accuracy, "%")


def _gradient_ratios(df, a, init, depth, shallow) -> tuple[stats.Estimate, stats.Estimate]:
    """Within the deep net: first hidden layer vs last. Across nets: the deep net's first layer vs the
    shallowest net's, which also sees a gradient that is small everywhere."""
    g = per_seed(df, "grad_norm", activation=a, depth=depth, epoch=0, initializer=init)
    g0 = per_seed(df, "grad_norm", activation=a, depth=shallow, epoch=0, initializer=init)
    return (
        stats.bootstrap(g.iloc[:, 0].to_numpy() / g.iloc[:, -1].to_numpy()),
        stats.bootstrap(g.iloc[:, 0].to_numpy() / g0.iloc[:, 0].to_numpy()),
    )


def evidence(study) -> Evidence:
    df = study.frame("gradients")
    depth, shallow, last = deepest(df), int(df["depth"].min()), final_epoch(df)
    inits = tuple(sorted(df["initializer"].unique()))
    stalls = stalled_runs(df[df["depth"] == depth], by=("activation", "initializer"))
    within, across, accuracy, stalled = {}, {}, {}, {}
    for init in inits:
        for a in shown(df):
            within[(a, init)], across[(a, init)] = _gradient_ratios(df, a, init, depth, shallow)
            acc = per_seed(
                df, "train_accuracy", columns="epoch", activation=a, depth=depth, initializer=init, layer=-1
            )[last].to_numpy()
            accuracy[(a, init)] = stats.bootstrap(acc)
            flags = stalls[(stalls["activation"] == a) & (stalls["initializer"] == init)]["stalled"]
            stalled[(a, init)] = tuple(float(f) for f in flags)
    return Evidence(depth, shallow, last, inits, within, across, accuracy, stalled)


def straddling(e: Evidence) -> list:
    """The deepest sigmoid nets' training accuracy, read against chance (10%), where it straddles the stall line."""
    a = e.sigmoid_accuracy
    return [(a, STALL, STALLED_ACCURACY - STALL.size)] if a.low < STALLED_ACCURACY <= a.high else []


def verdict(e: Evidence) -> str:
    return RULE(e)


def mechanism(e: Evidence) -> str:
    """One sentence from the measurements, compared across settings (normalisation, skips)."""
    return (
        f"at initialisation layer 1 of the depth-{e.depth} nets gets {e.within[('sigmoid', MAIN_INIT)].fmt()} "
        f"(sigmoid) and {e.within[('relu', MAIN_INIT)].fmt()} (ReLU) times the last hidden layer's gradient norm, "
        f"and the sigmoid nets reach {e.sigmoid_accuracy.fmt(percent=True)} training accuracy"
    )


def text(e: Evidence) -> str:
    out = (
        f"At initialisation, the first hidden layer of the depth-{e.depth} nets receives a gradient "
        + "; ".join(
            f"{e.within[(a, i)].fmt()} times the last layer's and {e.across[(a, i)].fmt()} times "
            f"the depth-{e.shallow} net's for {a} ({i})"
            for a in ("sigmoid", "relu")
            for i in e.inits
        )
        + f". After {e.epochs} epochs the depth-{e.depth} sigmoid nets ({MAIN_INIT}) reach "
        f"{e.sigmoid_accuracy.fmt(percent=True)} training accuracy (chance is about 10%)."
    )
    if e.bimodal:
        each = ", ".join(f"{a} ({init}, {k} of {n} seeds stalled)" for (a, init), (k, n) in e.bimodal.items())
        out += (
            f" At depth {e.depth} the outcomes are bimodal for {each}: some seeds stall (final "
            f"training accuracy within {100 * STALL_MARGIN:.0f} pp of chance) while the others train, so the "
            "accuracy's IQM there is not a typical run."
        )
    if any(e.relu_vanishes.values()):
        out += (
            f" ReLU's gradient vanishes too under {', '.join(i for i, v in e.relu_vanishes.items() if v)}, "
            "in scale rather than from layer to layer: its slope of one passes the gradient back, but each "
            "layer that switches off half its units halves the signal's variance unless the initialiser "
            "makes up for it, so the deep net's first layer gets a small fraction of the shallow net's "
            "gradient."
        )
    return out


def table(e: Evidence) -> pd.DataFrame:
    rows = {
        f"{a}, {init}": {
            f"layer 1 / layer {e.depth} (init)": e.within[(a, init)].fmt(),
            f"layer 1, depth {e.depth} / depth {e.shallow} (init)": e.across[(a, init)].fmt(),
            "final train accuracy": e.accuracy[(a, init)].fmt(percent=True),
            "stalled (share of seeds)": stalled_share(e.stalled[(a, init)]),
        }
        for a, init in e.within
    }
    return pd.DataFrame(rows).T


def gradient_norm_by_layer(study):
    """The norm of the loss gradient with respect to each hidden layer's weights in the deepest nets, at
    initialisation and after training, by activation. Lines and bars are IQMs over seeds, bands and bars their
    95% bootstrap intervals."""
    df = study.frame("gradients")
    depth = deepest(df)
    sub = with_state(rows_shown(df, depth=depth), final_epoch(df))
    sub = in_words(sub[sub["metric"] == "grad_norm"], "initializer")
    g = sns.relplot(
        sub,
        x="layer",
        y="value",
        hue="activation",
        style="state",
        col="initializer",
        kind="line",
        palette=colours(df),
        hue_order=shown(df),
        height=3.2,
        aspect=1.1,
        **BOOT,
    )
    g.set(yscale="log")
    g.set_titles("{col_name}")
    g.set_axis_labels("hidden layer (1 = input side)", "||dL/dW|| on the probe set")
    g.figure.suptitle(f"C6: gradient norm by layer, depth {depth}", y=1.03)
    return g.figure


def training_curves(study):
    """Training loss per epoch at a shallow, a middle and the deepest depth, Glorot uniform initialisation.
    Lines and bars are IQMs over seeds, bands and bars their 95% bootstrap intervals."""
    df = study.frame("gradients")
    depths = sorted(df["depth"].unique())
    picked = sorted({depths[0], depths[len(depths) // 2], depths[-1]})
    sub = rows_shown(df, initializer=MAIN_INIT)
    sub = sub[(sub["metric"] == "train_loss") & sub["depth"].isin(picked)]
    g = sns.relplot(
        sub,
        x="epoch",
        y="value",
        hue="activation",
        col="depth",
        kind="line",
        palette=colours(df),
        hue_order=shown(df),
        height=3,
        aspect=1,
        **line_styles(df),
        **BOOT,
    )
    g.set_titles("depth {col_name}")
    g.set_axis_labels("epoch", "training loss (cross-entropy)")
    g.figure.suptitle(f"C6: training curves ({words(MAIN_INIT)})", y=1.03)
    return g.figure


FIGURES = {"gradient_norm_by_layer": gradient_norm_by_layer, "training_curves": training_curves}
