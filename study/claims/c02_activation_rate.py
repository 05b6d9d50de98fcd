"""C2: adding N layers lowers the ReLU activation rate by a factor of 2^N, in theory.

Read from the deepest nets of the `sparsity` experiment: the fraction of non-zero ReLU activations in each hidden
layer. The claim predicts a factor of 1/2 from each layer to the next: per seed, a least-squares line through the
log rate against the layer gives the per-layer factor (exp of its slope), at initialisation and trained; the
verdict reads the trained factor against 1/2, at any depth of two layers or more. Beside it: the last hidden
layer's rate over the first's, and the product of the per-layer rates (the share of fully active paths, were the
layers independent), which is what does fall geometrically.
"""

from __future__ import annotations

from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from study.analysis import stats
from study.analysis.selection import deepest, final_epoch, per_seed
from study.analysis.style import BOOT, INIT_COLOURS, in_words, with_state, words
from study.analysis.verdicts import (
    BELOW,
    BEYOND,
    INCONCLUSIVE,
    NOT_TESTABLE,
    NUANCED,
    REFUTED,
    STRADDLES,
    SUPPORTED,
    WITHIN,
    Rule,
    Sesoi,
)
from study.claims import MAIN_INIT, Key

CLAIM = "C2"
EXPERIMENTS = ("sparsity",)
PREDICTED = 0.5  # the factor from one layer's activation rate to the next's
SESOI = Sesoi(
    0.1,
    "per-layer factor (its distance from 1/2)",
    "",
    "a factor of 0.6 in place of 0.5 is another law: eight layers on, the rates differ fourfold",
)

RULE = Rule(
    (
        NOT_TESTABLE,
        "the factor is undefined (nets of one hidden layer, or no active units)",
        lambda e: np.isnan(e.factor.value),
    ),
    (
        SUPPORTED,
        "the 95% interval of the trained nets' per-layer factor lies within 1/2 plus or minus the SESOI",
        lambda e: e.decided == WITHIN,
    ),
    (REFUTED, "it lies beyond 1/2 plus or minus the SESOI", lambda e: e.decided in (BEYOND, BELOW)),
    otherwise=INCONCLUSIVE,
    sesoi=(SESOI,),
)
# What each verdict means for someone choosing an activation (the report's 'What this means in practice')
PRACTICE = {
    SUPPORTED: "Expect the share of active ReLU units to halve with every layer added.",
    NUANCED: (
        "The share of active ReLU units changes with depth, but not as 2^-N: do not size deep nets by that rule."
    ),
    REFUTED: (
        "Do not expect ReLU's share of active units to halve per layer: a deep ReLU net keeps a similar share"
        " in every layer."
    ),
    INCONCLUSIVE: "These runs cannot tell whether ReLU's share of active units halves per layer.",
}
LITERATURE = "He et al. (2015): each ReLU is active with probability 1/2 at every layer."
STATES = ("initialisation", "trained")


@dataclass(frozen=True)
class Evidence:
    depth: int  # the deepest nets'
    epochs: int
    first: dict[tuple[str, str], stats.Estimate]  # {(state, initialiser): layer 1's ReLU activation rate}
    last: dict[tuple[str, str], stats.Estimate]  # the same for the last hidden layer
    ratios: dict[tuple[str, str], stats.Estimate]  # the last layer's rate over the first's, per seed
    layer_rates: tuple[float, ...]  # each layer's rate, mean over seeds, trained under MAIN_INIT
    factors: dict[tuple[str, str], stats.Estimate]  # {(state, initialiser): the per-layer factor, fitted per seed}
    seeds: int

    @property
    def factor(self) -> stats.Estimate:
        """The trained nets' per-layer factor under the main initialiser: the one the verdict reads."""
        return self.factors[("trained", MAIN_INIT)]

    @property
    def decided(self) -> str:
        return SESOI.decide(self.factor.low - PREDICTED, self.factor.high - PREDICTED)

    @property
    def predicted(self) -> float:
        return 2.0 ** -(self.depth - 1)

    @property
    def ratio(self) -> stats.Estimate:
        """The trained nets' ratio under the main initialiser: the one the verdict reads."""
        return self.ratios[("trained", MAIN_INIT)]

    @property
    def paths(self) -> float:
        """The product of the per-layer rates: the share of fully active paths, were layers independent."""
        return float(np.prod(np.array(self.layer_rates)))

    @property
    def key(self) -> Key:
        return Key.of("per-layer factor of ReLU's active share (predicted 1/2)", self.factor)


def per_layer_factor(rates: np.ndarray) -> np.ndarray:
    """Per row (a seed's rates, layer by layer): exp of the least-squares slope of the log rate against the layer,
    over its layers with a rate above 0; NaN with fewer than two."""
    out = np.full(len(rates), np.nan)
    for i, row in enumerate(np.asarray(rates, dtype=float)):
        layers = np.flatnonzero(row > 0)
        if len(layers) >= 2:
            out[i] = np.exp(np.polyfit(layers, np.log(row[layers]), 1)[0])
    return out


def evidence(study) -> Evidence:
    df = study.frame("sparsity")
    depth, epochs = deepest(df), final_epoch(df)
    first, last, ratios, factors = {}, {}, {}, {}
    for state, epoch in zip(STATES, (0, epochs)):
        for init in sorted(df["initializer"].unique()):
            rate = per_seed(df, "active", activation="relu", depth=depth, epoch=epoch, initializer=init)
            one, end = rate.iloc[:, 0].to_numpy(), rate.iloc[:, -1].to_numpy()
            with np.errstate(divide="ignore", invalid="ignore"):
                ratios[(state, init)] = stats.bootstrap(end / one)
            first[(state, init)], last[(state, init)] = stats.bootstrap(one), stats.bootstrap(end)
            fitted = per_layer_factor(rate.to_numpy())
            factors[(state, init)] = (
                stats.bootstrap(fitted[np.isfinite(fitted)])
                if np.isfinite(fitted).any()
                else (stats.Estimate(np.nan, np.nan, np.nan, 0))
            )
    trained = per_seed(df, "active", activation="relu", depth=depth, epoch=epochs, initializer=MAIN_INIT)
    layer_rates = tuple(float(r) for r in trained.mean(axis=0).to_numpy())
    return Evidence(depth, epochs, first, last, ratios, layer_rates, factors, len(trained))


def straddling(e: Evidence) -> list:
    """The per-layer factor, where its interval straddles 1/2 plus or minus the SESOI."""
    return [(e.factor, SESOI, PREDICTED)] if e.decided == STRADDLES else []


def verdict(e: Evidence) -> str:
    return RULE(e)


def mechanism(e: Evidence) -> str:
    """One sentence from the measurements, compared across settings (normalisation, skips)."""
    return (
        f"from one hidden layer to the next, the trained depth-{e.depth} ReLU nets' active share changes by a "
        f"factor of {e.factor.fmt()} (predicted 1/2)"
    )


def text(e: Evidence) -> str:
    depth = e.depth
    return (
        f"C2 predicts that each hidden layer's activation rate is 1/2 of the layer below's, so {depth - 1} layers "
        f"deeper 2^-{depth - 1} = {e.predicted:.2g} of the first layer's. Fitted per seed (the log rate against "
        f"the layer), the trained depth-{depth} ReLU nets ({MAIN_INIT}) change their rate by a factor of "
        f"{e.factor.fmt()} per layer; at initialisation {e.factors[('initialisation', MAIN_INIT)].fmt()}."
        f" The last hidden layer's rate is {e.ratio.fmt()} times the first layer's. The fraction of non-zero "
        f"activations per layer (mean over seeds) stays between {np.nanmin(e.layer_rates):.0%} and "
        f"{np.nanmax(e.layer_rates):.0%} in these trained nets, where He et al. (2015) assume 1/2 at "
        f"initialisation. What does fall geometrically is the product of the per-layer rates, {e.paths:.2g} over "
        f"the {depth} layers: the share of input-to-output paths that are fully active if layers switched units on "
        f"independently."
    )


def table(e: Evidence) -> pd.DataFrame:
    rows = {
        f"{state}, {init}": {
            "layer 1": e.first[(state, init)].fmt(percent=True),
            f"layer {e.depth}": e.last[(state, init)].fmt(percent=True),
        }
        for state, init in e.ratios
    }
    out = pd.DataFrame(rows).T
    out["last / first"] = [r.fmt() for r in e.ratios.values()]
    out["per-layer factor"] = [e.factors[k].fmt() for k in e.ratios]
    return out


def activation_rate_by_layer(study):
    """The fraction of non-zero ReLU activations in each hidden layer of the deepest nets, at initialisation
    and after training, under both initialisers (left, in percent). Right, on a log scale: the trained rates
    (Glorot uniform) against C2's prediction, layer 1's rate halved at every layer (dashed), and the product of
    the per-layer rates (dotted)."""
    df = study.frame("sparsity")
    depth = deepest(df)
    last = final_epoch(df)
    sub = with_state(df[(df["metric"] == "active") & (df["activation"] == "relu") & (df["depth"] == depth)], last)
    sub = in_words(sub.assign(value=100 * sub["value"]), "initializer")
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.6))
    sns.lineplot(
        sub, x="layer", y="value", hue="initializer", palette=INIT_COLOURS, style="state", marker="o", ax=left, **BOOT
    )
    left.set_ylim(0, 1.15 * sub["value"].max())
    left.set_xlabel(f"hidden layer N (depth-{depth} ReLU nets)")
    left.set_ylabel("activation rate (% non-zero)")
    left.set_title("measured, per layer")
    left.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=3, frameon=False)
    layers = np.arange(1, depth + 1)
    trained = sub[(sub["epoch"] == last) & (sub["initializer"] == words(MAIN_INIT))]
    rates = trained.groupby("layer")["value"].mean().to_numpy() / 100
    right.plot(layers, rates, "o-", c="0.1", ms=3, lw=1, label=f"measured, trained ({words(MAIN_INIT)})")
    right.plot(layers, rates[0] * 2.0 ** -(layers - 1), "k--", lw=1, label="C2: layer 1's rate x 2^-(N-1)")
    right.plot(layers, np.cumprod(rates), "k:", lw=1.5, label="product of the rates up to layer N")
    right.set_yscale("log")
    right.set_ylim(max(1e-12, rates[0] * 2.0 ** -(depth - 1) / 2), 1.5)
    right.set_xlabel("hidden layer N")
    right.set_ylabel("activation rate (fraction, log scale)")
    right.set_title("against C2's prediction")
    right.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2, frameon=False)
    fig.suptitle("C2: ReLU activation rate by layer")
    fig.tight_layout()
    return fig


FIGURES = {"activation_rate_by_layer": activation_rate_by_layer}
