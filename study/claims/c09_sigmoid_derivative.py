"""C9: the sigmoid derivative is useful only near 0; in saturation it tends to 0 and the gradient diffuses.

Read from the deepest sigmoid nets of the `gradients` experiment (glorot_uniform): by what
factor the weight-gradient norm shrinks per layer on its way back at initialisation, the
mean |f'(z)|, and how many activations sit in the saturated regions.
"""

from __future__ import annotations

import pandas as pd
import seaborn as sns

from study import stats
from study.activations import MAIN_FOUR
from study.claims import MAIN_INIT, Finding, Key
from study.figures import BOOT, PALETTE, main_four, with_state
from study.selection import deepest, final_epoch, layer_mean, per_seed
from study.verdicts import NUANCED, REFUTED, SUPPORTED, Rule

CLAIM = "C9"
EXPERIMENTS = ("gradients",)
SHRINKS = 0.5  # a per-layer gradient factor below this counts as vanishing
SATURATED = 0.5  # share of saturated activations in the most saturated trained layer

RULE = Rule(
    (REFUTED, f"the sigmoid gradient does not shrink by more than {1 / SHRINKS:.0f}x per layer at initialisation",
     lambda e: not e["factor"].value < SHRINKS),
    (SUPPORTED, f"over {SATURATED:.0%} of the activations of the most saturated trained layer are saturated",
     lambda e: e["saturated"].value > SATURATED),
    otherwise=NUANCED,  # the gradient vanishes without saturation
)


def finding(study) -> Finding:
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
    sat = {e: stats.bootstrap(per_seed(df, "saturated", epoch=e, **where).max(axis=1).to_numpy())
           for e in (0, last)}
    verdict = RULE({"factor": factor, "saturated": sat[last]})
    shrinks, saturates = factor.value < SHRINKS, sat[last].value > SATURATED
    text = (
        f"Sigmoid's derivative is at most 0.25. In the depth-{depth} sigmoid nets its mean |f'(z)| is "
        f"{deriv[0].fmt()} at initialisation and {deriv[last].fmt()} after {last} epochs, and the "
        f"weight-gradient norm changes by a factor of {factor.fmt()} per layer on its way back. In the "
        f"most saturated layer {sat[0].fmt(percent=True)} of activations are saturated at "
        f"initialisation and {sat[last].fmt(percent=True)} after training"
    )
    if shrinks and not saturates:
        text += ": the gradient vanishes without saturation, because a slope of at most 0.25 is already far below 1."
    elif shrinks:
        text += ": saturation adds to the small slope near 0."
    else:
        text += ": the gradient does not shrink by more than half per layer."
    table = pd.DataFrame({
        "initialisation": {"mean |f'(z)|": deriv[0].fmt(), "most saturated layer": sat[0].fmt(percent=True)},
        "trained": {"mean |f'(z)|": deriv[last].fmt(), "most saturated layer": sat[last].fmt(percent=True)},
    }).T
    table["gradient factor per layer (init)"] = [factor.fmt(), ""]
    return Finding(CLAIM, verdict, Key.of("gradient factor per layer", factor), text, table,
                   "Glorot & Bengio (2010): with 5 hidden layers the sigmoid top layer saturates at 0 early in "
                   "training.")


def derivative_by_layer(study):
    df = study.frame("gradients")
    depth = deepest(df)
    last = final_epoch(df)
    sub = with_state(main_four(df, depth=depth, initializer=MAIN_INIT), last)
    sub = sub[sub["metric"].isin(["mean_abs_derivative", "saturated"])].dropna(subset=["value"])
    g = sns.relplot(sub, x="layer", y="value", hue="activation", style="state", col="metric", kind="line",
                    palette=PALETTE, hue_order=MAIN_FOUR, height=3.2, aspect=1.1,
                    facet_kws={"sharey": False}, **BOOT)
    g.set_titles("{col_name}")
    g.set_axis_labels("hidden layer", "")
    g.figure.suptitle(f"C9: mean |f'(z)| and saturated fraction, depth {depth}", y=1.03)
    return g.figure


FIGURES = {"derivative_by_layer": derivative_by_layer}
