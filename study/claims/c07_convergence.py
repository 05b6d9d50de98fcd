"""C7: with ReLU the convergence speed stays steady, and training converges faster than with sigmoid or tanh.

A comparison of speed is only fair at each activation's own best learning rate, as
Krizhevsky et al. (2012) chose theirs: the `convergence` experiment sweeps log-spaced rates
for Adam and for SGD with momentum, and each activation's rate is chosen on the validation
split (`study.selection.best_learning_rates`, which never reads the test split).

At the chosen rates, per seed: whether training accuracy reaches a threshold stated here,
the epochs and seconds it takes, the area under the training-loss curve (mean loss over
epochs 0..E: lower is faster) and the share of epochs in which the loss fell (steadiness).
Sigmoid and tanh are compared with ReLU as paired ratios of that area. The same is done at
one shared rate per optimiser, to show how much the verdict owes to tuning.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import seaborn as sns

from study.analysis import stats
from study.analysis.literature import KRIZHEVSKY2012_SPEEDUP
from study.analysis.selection import best_learning_rates, final_epoch, per_seed, stalled_runs, stalled_share
from study.analysis.style import BOOT, colours, in_words, line_styles, shown
from study.analysis.verdicts import INCONCLUSIVE, NUANCED, REFUTED, SUPPORTED, Rule, Sesoi
from study.claims import Key

CLAIM = "C7"
EXPERIMENTS = ("convergence",)
THRESHOLD = 0.5  # training accuracy a run must reach (chance is 10%)
SHARED_RATE = {"adam": 1e-3, "momentum": 1e-2}  # one rate for every activation, per optimiser
SLOWER = ("sigmoid", "tanh")

AREA = Sesoi(
    0.1, "the loss-curve area ratio above 1", "", "a tenth more training for the same loss is the least that matters"
)

RULE = Rule(
    (
        SUPPORTED,
        "under every optimiser, at each activation's best rate, the area under the training-loss curve "
        "of sigmoid and of tanh is larger than ReLU's by more than the SESOI (paired ratio, lower bound above 1.1)",
        lambda e: all(r.low > 1 + AREA.size for r in e.ratios.values()),
    ),
    (
        REFUTED,
        "no such ratio can exceed 1 by the SESOI (every upper bound below 1.1): ReLU is not faster by a margin "
        "that matters, under any optimiser",
        lambda e: all(r.high < 1 + AREA.size for r in e.ratios.values()),
    ),
    (
        INCONCLUSIVE,
        "no ratio's lower bound is above 1.1 and some interval holds 1.1",
        lambda e: not any(r.low > 1 + AREA.size for r in e.ratios.values()),
    ),
    otherwise=NUANCED,
    sesoi=(AREA,),
)
# What each verdict means for someone choosing an activation (the report's 'What this means in practice')
PRACTICE = {
    SUPPORTED: "ReLU reaches a low training loss sooner than sigmoid and tanh, each at its best rate.",
    NUANCED: (
        "Whether ReLU converges faster depends on the optimiser and the rate: tune each activation's rate "
        "before comparing speed."
    ),
    REFUTED: "ReLU does not converge faster here: pick the activation for other reasons.",
    INCONCLUSIVE: "Whether ReLU converges faster by a margin that matters, these runs cannot tell.",
}
LITERATURE = (
    f"Krizhevsky et al. (2012), Fig. 1: a 4-layer ReLU CNN reached 25% CIFAR-10 training error "
    f"{KRIZHEVSKY2012_SPEEDUP:g} times faster than tanh, each at its own best learning rate."
)


@dataclass(frozen=True)
class Speed:
    """One activation under one optimiser at one learning rate, over seeds."""

    rate: float
    reached: stats.Estimate  # the share of seeds whose training accuracy reaches THRESHOLD
    epochs: stats.Estimate | None  # epochs to it, over the seeds that reach it; None: none does
    seconds: stats.Estimate | None  # seconds to it, likewise
    area: stats.Estimate  # the area under the training-loss curve (mean loss over epochs 0..E)
    steady: stats.Estimate  # the share of epochs in which the training loss fell
    stalled: tuple[float, ...]  # per seed: 1 if it stalled, else 0 (nan where unknown)


@dataclass(frozen=True)
class Comparison:
    """Every activation under every optimiser, each at one learning rate, against ReLU."""

    speeds: dict[tuple[str, str], Speed]  # {(activation, optimiser): ...}, in the table's order
    ratios: dict[tuple[str, str], stats.Estimate]  # {(optimiser, sigmoid or tanh): paired area ratio to ReLU's}
    epoch_ratios: dict[tuple[str, str], stats.Estimate | None]  # the same for epochs to THRESHOLD; None: no pair

    def only(self, optimizer: str) -> Comparison:
        """The same comparison under one optimiser."""
        return Comparison(
            {k: s for k, s in self.speeds.items() if k[1] == optimizer},
            {k: r for k, r in self.ratios.items() if k[0] == optimizer},
            {k: r for k, r in self.epoch_ratios.items() if k[0] == optimizer},
        )


@dataclass(frozen=True)
class Evidence:
    tuned: Comparison  # each activation at its best rate per optimiser (chosen on validation)
    shared: Comparison  # every activation at SHARED_RATE

    @property
    def ratios(self) -> dict[tuple[str, str], stats.Estimate]:
        """The area ratios at tuned rates: what RULE decides on."""
        return self.tuned.ratios

    @property
    def key(self) -> Key:
        r = self.ratios
        return Key.of(
            "sigmoid / ReLU loss-curve area (Adam, tuned)",
            r[("adam", "sigmoid")] if ("adam", "sigmoid") in r else next(iter(r.values())),
        )


def curves(df, rates):
    """Training loss and accuracy per (optimiser, activation, seed, epoch) at the given rate per
    (activation, optimiser)."""
    chosen = pd.Series([rates[(a, o)] for a, o in zip(df["activation"], df["optimizer"])], index=df.index)
    return df[np.isclose(df["learning_rate"], chosen)]


def speed(df, optimizer):
    """Per activation: per-seed area under the loss curve, threshold epochs and seconds, steadiness."""
    sub = df[df["optimizer"] == optimizer]
    loss = per_seed(sub, "train_loss", index=["activation", "seed"], columns="epoch")
    acc = per_seed(sub, "train_accuracy", index=["activation", "seed"], columns="epoch")
    wall = per_seed(sub, "wall_time", index=["activation", "seed"], columns="epoch")
    reached = acc.to_numpy() >= THRESHOLD
    first = np.where(reached.any(1), reached.argmax(1), -1)
    epochs = np.where(first >= 0, acc.columns.to_numpy()[first], np.nan)
    seconds = np.where(first >= 0, wall.to_numpy()[np.arange(len(first)), np.maximum(first, 0)], np.nan)
    values = loss.to_numpy()
    out = pd.DataFrame(
        {
            "auc": np.where(np.isfinite(values).all(1), values.mean(1), np.inf),
            "reached": reached.any(1).astype(float),
            "epochs": epochs,
            "seconds": seconds,
            "steady": (np.diff(values, axis=1) < 0).mean(1),
        },
        index=loss.index,
    )
    out["stalled"] = stalled_runs(sub).set_index(["activation", "seed"])["stalled"].reindex(out.index)
    return {a: out.loc[a] for a in shown(df)}


def _speed(e: pd.DataFrame, rate) -> Speed:
    """One activation's `speed` frame over seeds, as estimates."""
    done = e["epochs"].dropna().to_numpy()
    return Speed(
        float(rate),
        stats.bootstrap(e["reached"].to_numpy(), statistic=stats.mean),
        stats.bootstrap(done) if len(done) else None,
        stats.bootstrap(e["seconds"].dropna().to_numpy()) if len(done) else None,
        stats.bootstrap(e["auc"].to_numpy()),
        stats.bootstrap(e["steady"].to_numpy()),
        tuple(float(x) for x in e["stalled"]),
    )


def compare(df, rates) -> Comparison:
    speeds, ratios, epoch_ratios = {}, {}, {}
    for opt in sorted(df["optimizer"].unique()):
        s = speed(curves(df, rates), opt)
        speeds.update({(a, opt): _speed(s[a], rates[(a, opt)]) for a in shown(df)})
        for b in SLOWER:
            with np.errstate(invalid="ignore"):
                ratios[(opt, b)] = stats.bootstrap(s[b]["auc"].to_numpy() / s["relu"]["auc"].to_numpy())
            both = s[b]["epochs"].to_numpy() / s["relu"]["epochs"].to_numpy()
            epoch_ratios[(opt, b)] = stats.bootstrap(both[np.isfinite(both)]) if np.isfinite(both).any() else None
    return Comparison(speeds, ratios, epoch_ratios)


def evidence(study) -> Evidence:
    df = study.frame("convergence")
    best = best_learning_rates(df, score="val_accuracy").to_dict()
    shared = {(a, o): SHARED_RATE[o] for a, o in best}
    return Evidence(compare(df, best), compare(df, shared))


def straddling(e: Evidence) -> list:
    """The area ratios whose intervals hold 1 + the SESOI."""
    return [(r, AREA, 1.0) for r in e.ratios.values() if r.low <= 1 + AREA.size <= r.high]


def verdict(e: Evidence) -> str:
    return RULE(e)


def _listed(ratios) -> str:
    return "; ".join(f"{r.fmt()} for {b} ({o})" for (o, b), r in ratios.items())


def text(e: Evidence) -> str:
    tuned, at_shared = verdict(e), RULE(e.shared)
    # the claim depends on the optimiser: the same rule, each optimiser's ratios alone
    by_optimizer = {o: RULE(e.tuned.only(o)) for o, _ in e.ratios}
    return (
        "At each activation's best rate (chosen on validation) the area under the training-loss curve, "
        "relative to ReLU's, is "
        + _listed(e.ratios)
        + f" (above 1: slower than ReLU). At one shared rate per optimiser "
        f"({', '.join(f'{o} {r:g}' for o, r in SHARED_RATE.items())}) the ratios are "
        + _listed(e.shared.ratios)
        + f", and the rule gives '{at_shared}' there against '{tuned}' at tuned rates"
        + (": the verdict does not depend on tuning." if at_shared == tuned else ": tuning changes the verdict.")
        + (
            (
                " Each optimiser alone, by the same rule: "
                + "; ".join(f"{o} {v}" for o, v in by_optimizer.items())
                + ("." if len(set(by_optimizer.values())) == 1 else ": the verdict depends on the optimiser.")
            )
            if len(by_optimizer) > 1
            else ""
        )
        + f" Krizhevsky et al. (2012) found a {KRIZHEVSKY2012_SPEEDUP:g}x speed-up of ReLU over tanh in a CNN; "
        f"the table gives the epochs-to-threshold ratio here. Steadiness (the share of epochs in which the "
        f"training loss fell) is in the table's column 'epochs with falling loss' for every activation."
    )


def _table(c: Comparison) -> pd.DataFrame:
    rows = {
        f"{a}, {opt}": {
            "rate": f"{s.rate:g}",
            f"reached {THRESHOLD:.0%} train acc.": s.reached.fmt(percent=True),
            "epochs to it": s.epochs.fmt() if s.epochs is not None else "never",
            "seconds to it": s.seconds.fmt() if s.seconds is not None else "never",
            "loss-curve area": s.area.fmt(),
            "epochs with falling loss": s.steady.fmt(percent=True),
            "stalled": stalled_share(s.stalled),
        }
        for (a, opt), s in c.speeds.items()
    }
    for (opt, b), r in c.ratios.items():
        both = c.epoch_ratios[(opt, b)]
        rows[f"{b}, {opt}"]["area / relu's"] = r.fmt()
        rows[f"{b}, {opt}"]["epochs / relu's"] = both.fmt() if both is not None else "n/a"
    return pd.DataFrame(rows).T.fillna("")


def table(e: Evidence) -> pd.DataFrame:
    shared = _table(e.shared)
    shared.index = [f"{i} (shared rate)" for i in shared.index]
    return pd.concat([_table(e.tuned), shared]).fillna("")


def convergence_at_best_rates(study):
    """Training loss per epoch with each activation at its best learning rate for each optimiser (chosen on
    validation accuracy). Lines and bars are IQMs over seeds, bands and bars their 95% bootstrap intervals."""
    df = study.frame("convergence")
    best = best_learning_rates(df, score="val_accuracy").to_dict()
    sub = curves(df, best)
    sub = in_words(sub[sub["metric"] == "train_loss"], "optimizer")
    g = sns.relplot(
        sub,
        x="epoch",
        y="value",
        hue="activation",
        col="optimizer",
        kind="line",
        palette=colours(df),
        hue_order=shown(df),
        height=3,
        aspect=1.1,
        **line_styles(df),
        **BOOT,
    )
    g.set_titles("{col_name}")
    g.set_axis_labels("epoch", "training loss (cross-entropy)")
    g.figure.suptitle("C7: training curves, each activation at its best learning rate", y=1.03)
    return g.figure


def learning_rate_sweep(study):
    """Validation accuracy after the last epoch across the learning-rate sweep the best rates are chosen from,
    per optimiser. Lines and bars are IQMs over seeds, bands and bars their 95% bootstrap intervals."""
    df = study.frame("convergence")
    last = final_epoch(df)
    sub = in_words(df[df["metric"].isin(["val_accuracy"]) & (df["epoch"] == last)], "optimizer")
    g = sns.relplot(
        sub,
        x="learning_rate",
        y="value",
        hue="activation",
        col="optimizer",
        kind="line",
        palette=colours(df),
        hue_order=shown(df),
        marker="o",
        height=3,
        aspect=1.1,
        facet_kws={"sharex": False},
        **line_styles(df),
        **BOOT,
    )
    g.set_titles("{col_name}")
    g.set(xscale="log")
    g.set_axis_labels("learning rate", f"validation accuracy after {last} epochs")
    g.figure.suptitle("C7: the learning-rate sweep the best rates are chosen from", y=1.03)
    return g.figure


FIGURES = {"convergence_at_best_rates": convergence_at_best_rates, "learning_rate_sweep": learning_rate_sweep}
