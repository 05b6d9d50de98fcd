"""C9: the sigmoid derivative is useful only near 0; in saturation it tends to 0 and the gradient diffuses.

Read from the deepest sigmoid nets of the `gradients` experiment (glorot_uniform): by what
factor the weight-gradient norm shrinks per layer on its way back at initialisation, the
mean |f'(z)|, and how many activations sit in the saturated regions. And from the `saturation`
experiment, Glorot & Bengio's (2010) setting (four sigmoid layers, their "standard"
initialisation, plain SGD), traced every two steps: whether the top hidden layer saturates
(its mean activation falls below 0.1, towards sigmoid's flat lower end), how early, and
whether it escapes by the end; the same nets under glorot_uniform beside them. And, where the study has it, from
the `glorot_bengio` experiment, their setting as they ran it (1000 units a layer, minibatches of 10, tens of
thousands of SGD updates at a rate chosen on validation, standardised and [0, 1] inputs): where, when and for how
long the top layer saturates. The rule reads that setting where it is, the shortened one elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from study.analysis import saturation, stats
from study.analysis.selection import deepest, final_epoch, layer_mean, per_seed
from study.analysis.style import BOOT, colours, own_ylabels, rows_shown, shown, with_state, words
from study.analysis.verdicts import NUANCED, REFUTED, SUPPORTED, Rule, Sesoi
from study.claims import MAIN_INIT, Key

CLAIM = "C9"
EXPERIMENTS = ("gradients", "saturation")
SHRINKS = 0.5  # a per-layer gradient factor below this counts as vanishing
SATURATED = 0.5  # share of saturated activations in the most saturated trained layer
TOP_LOW = 0.1  # the top sigmoid layer is saturated while its mean activation is below this
THRESHOLDS = (
    Sesoi(
        1 - SHRINKS,
        "gradient shrink per layer",
        "",
        "halving at every layer is what makes a deep net's gradient vanish",
    ),
    Sesoi(
        SATURATED,
        "saturated activations in a layer",
        "pp",
        "a layer with half its units saturated passes half its gradient",
    ),
)
GB_INIT = "legacy_uniform"  # Glorot & Bengio's "standard" initialisation
AS_RUN = "glorot_bengio"  # their setting as they ran it, read where the study has it
INPUT_WORDS = {"standardised": "standardised", "unit_range": "[0, 1]"}

RULE = Rule(
    (
        REFUTED,
        f"the sigmoid gradient does not shrink by more than {1 / SHRINKS:.0f}x per layer at initialisation "
        "and the top layer in Glorot & Bengio's setting (as they ran it, where the study has it, under either "
        "input scaling) does not saturate in most seeds",
        lambda e: not e.factor.value < SHRINKS and not e.gb_saturates,
    ),
    (
        SUPPORTED,
        f"over {SATURATED:.0%} of the activations of the most saturated trained layer are saturated, or the "
        f"top hidden layer in Glorot & Bengio's setting saturates (mean activation below {TOP_LOW:g}) in most seeds",
        lambda e: e.saturated_trained.value > SATURATED or e.gb_saturates,
    ),
    otherwise=NUANCED,  # the gradient vanishes without saturation
    sesoi=(*THRESHOLDS,),
)
# What each verdict means for someone choosing an activation (the report's 'What this means in practice')
PRACTICE = {
    SUPPORTED: (
        "Sigmoid units saturate and pass back little gradient: keep pre-activations near 0 (initialisation, "
        "normalisation) or use ReLU."
    ),
    NUANCED: (
        "The sigmoid's small derivative shrinks the gradient layer by layer, though its units seldom saturate"
        " here: the derivative's ceiling of 1/4, not saturation, is what to design around."
    ),
    REFUTED: "Sigmoid's derivative does not starve these nets of gradient.",
}
LITERATURE = (
    "Glorot & Bengio (2010), Figure 2: with 4 hidden layers the sigmoid top layer saturates at 0 "
    "early in training and slowly desaturates around epoch 100; with 5 it never escaped."
)


@dataclass(frozen=True)
class Course:
    """The top sigmoid layer in Glorot & Bengio's setting under one initialiser, over its seeds."""

    seeds: int
    saturated: int  # seeds whose top layer's mean activation fell below TOP_LOW
    first_epoch: float  # median over those seeds of the first epoch below TOP_LOW; NaN if none
    escaped: int  # of those, seeds whose mean activation is back at or above TOP_LOW at the end
    final: stats.Estimate  # the top layer's mean activation at the end, over all seeds


@dataclass(frozen=True)
class AsRun:
    """The top sigmoid layer in Glorot & Bengio's setting as they ran it, under one input scaling, at the rate
    chosen on the validation split."""

    rate: float
    depth: int
    width: int
    batch: int
    updates: int  # SGD updates in all
    seeds: int
    saturated: int  # seeds whose top layer's mean activation fell below TOP_LOW
    onset: float  # median over those seeds of the update at which it first did; NaN if none
    lasted: float  # median over those seeds of the updates it stayed below (to its end, or to the last update)
    escaped: int  # of those, seeds back at or above TOP_LOW at the last update
    accuracy: stats.Estimate  # test accuracy after the last epoch, over all seeds


@dataclass(frozen=True)
class Evidence:
    depth: int
    epochs: int
    factor: stats.Estimate  # geometric-mean factor of the weight-gradient norm per layer back, at initialisation
    derivative_init: stats.Estimate  # mean |f'(z)| at initialisation
    derivative_trained: stats.Estimate  # and after the last epoch
    saturated_init: stats.Estimate  # the saturated fraction of the most saturated layer at initialisation
    saturated_trained: stats.Estimate  # and after the last epoch
    courses: dict[str, Course]  # {initialiser: the top layer's course}, Glorot & Bengio's "standard" one first
    gb_epochs: int  # epochs of the saturation experiment
    as_run: dict[str, AsRun] = field(default_factory=dict)  # {input scaling: the setting as run}; {} where absent

    @property
    def gb_saturates(self) -> bool:
        """The top layer saturates in most seeds under Glorot & Bengio's initialisation: as they ran it (under
        either input scaling) where the study has it, else in the shortened setting."""
        if self.as_run:
            return any(2 * a.saturated > a.seeds for a in self.as_run.values())
        c = self.courses.get(GB_INIT)  # absent where a setting trains Glorot uniform alone (the modern MLPs)
        return c is not None and 2 * c.saturated > c.seeds

    @property
    def key(self) -> Key:
        return Key.of("gradient factor per layer", self.factor)


def _course(study, initializer) -> Course:
    df = study.frame("saturation")
    per_epoch = df["step"].max() / df["epoch"].max() if df["epoch"].max() else 1
    c = saturation.courses(df, TOP_LOW, activation="sigmoid", initializer=initializer)
    saturated, final = c["saturated"].astype(bool), c["final"].astype(float)
    hit = int(saturated.sum())
    first = float(np.nanmedian(c["onset"].astype(float))) / per_epoch if hit else np.nan
    return Course(len(c), hit, first, int((saturated & c["escaped"].astype(bool)).sum()), stats.bootstrap(final))


def as_run(study) -> dict[str, AsRun]:
    """{input scaling: the top layer's course at the rate chosen on validation} in Glorot & Bengio's setting."""
    batch = study.specs(AS_RUN)[0].batch_size
    return {i: _as_run(runs, batch) for i, runs in saturation.at_chosen_rates(study.frame(AS_RUN)).items()}


def _as_run(runs: pd.DataFrame, batch: int) -> AsRun:
    c = saturation.courses(runs, TOP_LOW, activation="sigmoid")
    hit = c[c["saturated"].astype(bool)]
    onset, lasted = (float(np.median(hit[col].astype(float))) if len(hit) else np.nan for col in ("onset", "lasted"))
    accuracy = per_seed(runs, "test_accuracy", epoch=final_epoch(runs)).to_numpy().ravel()
    return AsRun(
        float(runs["learning_rate"].iloc[0]),
        int(runs["depth"].iloc[0]),
        int(runs["width"].iloc[0]),
        batch,
        int(runs["step"].max()),
        len(c),
        len(hit),
        onset,
        lasted,
        int(hit["escaped"].astype(bool).sum()),
        stats.bootstrap(accuracy),
    )


def evidence(study) -> Evidence:
    df = study.frame("gradients")
    depth, last = deepest(df), final_epoch(df)
    where = dict(activation="sigmoid", depth=depth, initializer=MAIN_INIT)
    g = per_seed(df, "grad_norm", epoch=0, **where).to_numpy()
    # Geometric-mean factor by which the gradient norm shrinks per layer on the way back, from the
    # last hidden layer to the second: all of them take sigmoid outputs as input (the first takes
    # the standardised features, whose scale would enter the factor).
    first = 1 if depth > 2 else 0
    factor = stats.bootstrap((g[:, first] / g[:, -1]) ** (1.0 / max(depth - 1 - first, 1)))
    deriv = {e: stats.bootstrap(layer_mean(df, "mean_abs_derivative", epoch=e, **where)) for e in (0, last)}
    sat = {e: stats.bootstrap(per_seed(df, "saturated", epoch=e, **where).max(axis=1).to_numpy()) for e in (0, last)}
    trained = set(study.frame("saturation")["initializer"].unique())
    courses = {init: _course(study, init) for init in (GB_INIT, MAIN_INIT) if init in trained}
    return Evidence(
        depth,
        last,
        factor,
        deriv[0],
        deriv[last],
        sat[0],
        sat[last],
        courses,
        int(study.frame("saturation")["epoch"].max()),
        as_run(study) if AS_RUN in study.experiments else {},
    )


def verdict(e: Evidence) -> str:
    return RULE(e)


def _course_text(e: Evidence, init: str) -> str:
    c = e.courses[init]
    if not c.saturated:
        return f"under {init} it saturates in none of {c.seeds} seeds (final mean {c.final.fmt()})"
    return (
        f"under {init} it saturates in {c.saturated} of {c.seeds} seeds, first after "
        f"{c.first_epoch:.2g} epochs (median), and {c.escaped} of those "
        f"{c.saturated} have escaped by epoch {e.gb_epochs}"
    )


def mechanism(e: Evidence) -> str:
    """One sentence from the measurements, compared across settings (normalisation, skips)."""
    return (
        f"the depth-{e.depth} sigmoid nets' gradient norm changes by {e.factor.fmt()} per layer back at "
        f"initialisation, and their most saturated layer ends {e.saturated_trained.fmt(percent=True)} saturated"
    )


def text(e: Evidence) -> str:
    shrinks, saturates = e.factor.value < SHRINKS, e.saturated_trained.value > SATURATED
    out = (
        f"Sigmoid's derivative is at most 0.25. In the depth-{e.depth} sigmoid nets its mean |f'(z)| is "
        f"{e.derivative_init.fmt()} at initialisation and {e.derivative_trained.fmt()} after {e.epochs} epochs, "
        f"and the "
        f"weight-gradient norm changes by a factor of {e.factor.fmt()} per layer on its way back. In the "
        f"most saturated layer {e.saturated_init.fmt(percent=True)} of activations are saturated at "
        f"initialisation and {e.saturated_trained.fmt(percent=True)} after training"
    )
    if shrinks and not saturates:
        out += ": the gradient vanishes without saturation, because a slope of at most 0.25 is already far below 1."
    elif shrinks:
        out += ": saturation adds to the small slope near 0."
    else:
        out += ": the gradient does not shrink by more than half per layer."
    out += (
        f" In Glorot & Bengio's (2010) setting shortened (depth-4 sigmoid nets of the study's width and minibatches, "
        f"plain SGD at 0.1, {e.gb_epochs} epochs traced every two steps), the top hidden layer counts as saturated "
        f"while its mean activation is below {TOP_LOW:g}: {'; '.join(_course_text(e, init) for init in e.courses)}."
    )
    if e.as_run:
        a = next(iter(e.as_run.values()))
        out += (
            f" As they ran it ({a.depth} hidden layers of {a.width} sigmoid units, their standard initialisation, "
            f"minibatches of {a.batch}, plain SGD at the rate chosen on the validation split): "
            + "; ".join(_as_run_text(inputs, a) for inputs, a in e.as_run.items())
            + "."
        )
    return out


def _as_run_text(inputs: str, a: AsRun) -> str:
    head = f"with {INPUT_WORDS.get(inputs, inputs)} inputs, at {a.rate:g} over {a.updates:,} updates,"
    if not a.saturated:
        return (
            f"{head} the top layer saturates in none of {a.seeds} seeds (test accuracy {a.accuracy.fmt(percent=True)})"
        )
    return (
        f"{head} it saturates in {a.saturated} of {a.seeds} seeds, after {a.onset:,.0f} updates (median), stays "
        f"saturated for {a.lasted:,.0f} updates, and is back above {TOP_LOW:g} at the end in {a.escaped} of them "
        f"(test accuracy {a.accuracy.fmt(percent=True)})"
    )


def table(e: Evidence) -> pd.DataFrame:
    out = pd.DataFrame(
        {
            "initialisation": {
                "mean |f'(z)|": e.derivative_init.fmt(),
                "most saturated layer": e.saturated_init.fmt(percent=True),
            },
            "trained": {
                "mean |f'(z)|": e.derivative_trained.fmt(),
                "most saturated layer": e.saturated_trained.fmt(percent=True),
            },
        }
    ).T
    out["gradient factor per layer (init)"] = [e.factor.fmt(), ""]
    for init, c in e.courses.items():
        out.loc[f"Glorot & Bengio shortened, {init}", "top layer saturated (seeds)"] = f"{c.saturated} of {c.seeds}"
    for inputs, a in e.as_run.items():
        row = f"Glorot & Bengio as run, {INPUT_WORDS.get(inputs, inputs)} inputs, SGD {a.rate:g}"
        out.loc[row, "top layer saturated (seeds)"] = f"{a.saturated} of {a.seeds}"
        if a.saturated:
            out.loc[row, "saturated from update (median)"] = f"{a.onset:,.0f}"
            out.loc[row, "for updates (median)"] = f"{a.lasted:,.0f}"
            out.loc[row, "back above at the end"] = f"{a.escaped} of {a.saturated}"
    return out.fillna("")


def derivative_by_layer(study):
    """The mean |f'(z)| of each hidden layer and the fraction of its units that are saturated (|f'(z)| below
    5% of its largest value; sigmoid and tanh only), deepest nets, Glorot uniform, at initialisation and after
    training. Lines and bars are IQMs over seeds, bands and bars their 95% bootstrap intervals."""
    df = study.frame("gradients")
    depth = deepest(df)
    last = final_epoch(df)
    sub = with_state(rows_shown(df, depth=depth, initializer=MAIN_INIT), last)
    sub = sub[sub["metric"].isin(["mean_abs_derivative", "saturated"])].dropna(subset=["value"])
    panels = {"mean_abs_derivative": "mean |f'(z)| over units and examples", "saturated": "saturated units (fraction)"}
    g = sns.relplot(
        sub.assign(metric=sub["metric"].map(panels)),
        x="layer",
        y="value",
        hue="activation",
        style="state",
        col="metric",
        col_order=[panels[m] for m in panels if m in set(sub["metric"])],
        kind="line",
        palette=colours(df),
        hue_order=shown(df),
        height=3.2,
        aspect=1.1,
        facet_kws={"sharey": False},
        **BOOT,
    )
    g.set_titles("{col_name}")
    g.set_axis_labels("hidden layer", "")
    own_ylabels(g)
    g.figure.suptitle(f"C9: mean |f'(z)| and saturated fraction, depth {depth}", y=1.03)
    return g.figure


def traced_means(df: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Seed means of each layer's traced mean activation and 2nd and 98th percentiles, by `by`, layer and step."""
    traced = df[df["metric"].isin(["act_mean", "act_p02", "act_p98"])]
    return traced.groupby([*by, "layer", "step", "metric"])["value"].mean().unstack("metric")


def draw_layers(ax, means: pd.DataFrame, scale: float, depth: int, line: bool):
    """One panel of Figure 2: per layer, its mean activation (line) and 2nd-98th percentiles (band) against
    steps / scale; the saturation line where `line`."""
    colours = sns.color_palette("viridis", depth)
    for layer, course in means.groupby(level="layer"):
        t = course.index.get_level_values("step") / scale
        ax.plot(t, course["act_mean"], c=colours[layer], lw=1.2, label=f"layer {layer + 1}")
        ax.fill_between(t, course["act_p02"], course["act_p98"], color=colours[layer], alpha=0.15, lw=0)
    if line:
        ax.axhline(TOP_LOW, ls=":", c="k", lw=0.8)
    ax.set_ylabel("activation")


def activations_in_early_training(study):
    """Glorot & Bengio (2010), Figure 2, shortened: each hidden layer's mean activation (line) and 2nd-98th
    percentiles (band) against training time, seed means; sigmoid and tanh, two initialisations."""
    df = study.frame("saturation")
    per_epoch = df["step"].max() / df["epoch"].max() if df["epoch"].max() else 1
    means = traced_means(df, ["activation", "initializer"])
    acts, inits = ["sigmoid", "tanh"], [GB_INIT, MAIN_INIT]
    fig, axes = plt.subplots(2, 2, figsize=(9, 5.6), sharex=True)
    for (i, act), (j, init) in [((i, a), (j, n)) for i, a in enumerate(acts) for j, n in enumerate(inits)]:
        draw_layers(axes[i, j], means.loc[(act, init)], per_epoch, int(df["depth"].max()), act == "sigmoid")
        axes[i, j].set_title(f"{act}, {words(init)}", fontsize=9)
    for ax in axes[-1]:
        ax.set_xlabel("epochs (traced every two steps)")
    axes[0, 0].legend(fontsize=7, ncol=2)
    fig.suptitle("C9: activations during training, Glorot & Bengio's (2010) setting shortened (mean, 2nd-98th pct.)")
    fig.tight_layout()
    return fig


def saturation_as_run(study):
    """Glorot & Bengio (2010), Figure 2, as they ran it: each hidden layer's mean activation (line) and
    2nd-98th percentiles (band) against SGD updates, seed means, at the rate chosen on validation; standardised
    (left) and [0, 1] inputs (right). The dotted line is the saturation line of the top layer."""
    df = study.frame(AS_RUN)
    chosen = saturation.at_chosen_rates(df)
    fig, axes = plt.subplots(1, len(chosen), figsize=(4.6 * len(chosen), 3.4), sharey=True, squeeze=False)
    for ax, (inputs, runs) in zip(axes[0], chosen.items()):
        draw_layers(ax, traced_means(runs, []), 1000, int(df["depth"].max()), True)
        ax.set_title(f"{INPUT_WORDS.get(inputs, inputs)} inputs, SGD {runs['learning_rate'].iloc[0]:g}", fontsize=9)
        ax.set_xlabel(f"thousands of updates (minibatches of {study.specs(AS_RUN)[0].batch_size})")
    axes[0, 0].legend(fontsize=7, ncol=2)
    fig.suptitle("C9: activations during training as Glorot & Bengio (2010) ran it (mean, 2nd-98th percentile)")
    fig.tight_layout()
    return fig


FIGURES = {
    "derivative_by_layer": derivative_by_layer,
    "activations_in_early_training": activations_in_early_training,
    "saturation_as_run": saturation_as_run,
}
FIGURES_NEED = {"saturation_as_run": AS_RUN}
