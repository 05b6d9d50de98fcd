"""C8: sigmoid and tanh cost more to compute (exponentials forward; division and exponentials in
the derivative); ReLU and its derivative are cheaper.

Read from the `cost` benchmark (`study/train/cost.py`), one table per device it was run on: each
activation's time per call as a ratio to ReLU's, taken within each repeat (the two timed back to
back), then the median over repeats with a 95% bootstrap interval. Two questions, kept apart:
does it cost more in isolation (forward+backward on the largest tensor, beyond the last-level
cache), and does it cost more where it matters, in a training step of the reference MLP?
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from study.analysis import stats
from study.analysis.style import colours, shown
from study.analysis.verdicts import NUANCED, REFUTED, SUPPORTED, Rule, Sesoi
from study.claims import Key

CLAIM = "C8"
EXPERIMENTS = ("cost",)
ISOLATION = 1.1  # costs more in isolation: the ratio's lower bound above this
IN_TRAINING = 1.05  # costs more in a training step: the ratio's lower bound above this
COST = (
    Sesoi(
        ISOLATION - 1, "the time ratio to ReLU above 1, in isolation", "", "a tenth more time is the least that shows"
    ),
    Sesoi(IN_TRAINING - 1, "the same in a training step", "", "a twentieth of a step is within run-to-run noise"),
)
PASSES = {"forward_s": "forward", "backward_s": "forward+backward", "train_step_s": "training step"}

RULE = Rule(
    (
        SUPPORTED,
        f"on the first device listed (a CPU before a GPU), sigmoid's and tanh's forward+backward pass on the largest "
        f"tensor costs over "
        f"{ISOLATION:g}x ReLU's and their training step over {IN_TRAINING:g}x (lower bounds of the medians' "
        "intervals)",
        lambda e: e.isolation and e.training,
    ),
    (NUANCED, "they cost more in isolation but not in a training step", lambda e: e.isolation),
    otherwise=REFUTED,
    sesoi=(*COST,),
)
# What each verdict means for someone choosing an activation (the report's 'What this means in practice')
PRACTICE = {
    SUPPORTED: "ReLU's training step is cheaper than sigmoid's and tanh's by a margin worth choosing for.",
    NUANCED: (
        "ReLU's own cost is lower, but in a whole training step the difference is small: do not choose an "
        "activation for its cost alone."
    ),
    REFUTED: (
        "Sigmoid and tanh do not cost noticeably more than ReLU here, even on their own: do not choose an "
        "activation for its cost."
    ),
}
LITERATURE = (
    "Derczynski (2020): at large loads sigmoid, tanh and Leaky ReLU cost within about 6-8% of ReLU on a "
    "server CPU and two GPUs; on a laptop CPU tanh about 1.45x and softplus about 1.48x ReLU."
)


@dataclass(frozen=True)
class Evidence:
    devices: tuple[str, ...]  # those benchmarked, the first deciding the verdict
    activations: tuple[str, ...]  # those timed against ReLU, in the table's order
    sizes: tuple[int, ...]  # the tensor sizes (float32 values), ascending
    repeats: int
    # {(device, activation, metric, size): median over repeats of the time ratio to ReLU}; metric is
    # forward_s or backward_s at each size, or train_step_s at size -1
    medians: dict[tuple[str, str, str, int], stats.Estimate]

    @property
    def largest(self) -> int:
        return self.sizes[-1]

    def isolated(self, device: str, activation: str) -> stats.Estimate:
        """Forward+backward on the largest tensor."""
        return self.medians[(device, activation, "backward_s", self.largest)]

    def step(self, device: str, activation: str) -> stats.Estimate:
        """A whole training step of the reference MLP."""
        return self.medians[(device, activation, "train_step_s", -1)]

    @property
    def isolation(self) -> bool:
        return all(self.isolated(self.devices[0], a).low > ISOLATION for a in ("sigmoid", "tanh"))

    @property
    def training(self) -> bool:
        return all(self.step(self.devices[0], a).low > IN_TRAINING for a in ("sigmoid", "tanh"))

    @property
    def key(self) -> Key:
        return Key.of(f"sigmoid / ReLU training-step time ({self.devices[0]})", self.step(self.devices[0], "sigmoid"))


def size_label(size: int) -> str:
    """A tensor of `size` float32 values in KB or MB; -1 is the training step."""
    if size < 0:
        return "step"
    return f"{size * 4 // 1024} KB" if size * 4 < 2**20 else f"{size * 4 // 2**20} MB"


def ratios(df) -> pd.DataFrame:
    """Per device, activation, pass and size: the time ratio to ReLU of every repeat."""
    wide = df.pivot_table(index=["device", "metric", "layer", "epoch"], columns="activation", values="value")
    out = wide.div(wide["relu"], axis=0).stack().rename("ratio").reset_index()
    return out.rename(columns={"layer": "size", "epoch": "repeat"})


def median_ratio(r, device, activation, metric, size) -> stats.Estimate:
    sel = r[(r["device"] == device) & (r["activation"] == activation) & (r["metric"] == metric) & (r["size"] == size)]
    return stats.bootstrap(sel["ratio"].to_numpy(), statistic=np.median)


def frame(study) -> pd.DataFrame:
    df = study.frame("cost")
    devices = {c["key"]: c["spec"]["device"] for c in study.info() if c["spec"].get("benchmark")}
    return df.assign(device=df["run"].map(devices))


def evidence(study) -> Evidence:
    r = ratios(frame(study))
    devices = tuple(dict.fromkeys(r["device"]))
    sizes = tuple(int(s) for s in sorted(set(r[r["size"] > 0]["size"])))
    activations = tuple(a for a in in_order(r) if a != "relu")
    passes = [(m, s) for m in ("forward_s", "backward_s") for s in sizes] + [("train_step_s", -1)]
    medians = {(d, a, m, s): median_ratio(r, d, a, m, s) for d in devices for a in activations for m, s in passes}
    return Evidence(devices, activations, sizes, int(r["repeat"].nunique()), medians)


def verdict(e: Evidence) -> str:
    return RULE(e)


def _on(e: Evidence, d: str) -> str:
    return (
        f"On {d}, forward+backward on {size_label(e.largest)}, relative to ReLU: sigmoid "
        f"{e.isolated(d, 'sigmoid').fmt()}, tanh {e.isolated(d, 'tanh').fmt()}, "
        f"Leaky ReLU {e.isolated(d, 'leaky_relu').fmt()}; a whole training step of the "
        f"depth-4 MLP: sigmoid {e.step(d, 'sigmoid').fmt()}, tanh "
        f"{e.step(d, 'tanh').fmt()}."
    )


def text(e: Evidence) -> str:
    return (
        f"Medians of {e.repeats} repeats, each ratio taken within a repeat, with 95% bootstrap intervals. "
        + " ".join(_on(e, d) for d in e.devices)
        + (
            " The per-call cost of the activation is real, and it is a small part of a training step, where the "
            "matrix multiplications dominate."
            if e.isolation and not e.training
            else ""
        )
    )


def table(e: Evidence) -> pd.DataFrame:
    tables = []
    for d in e.devices:
        rows = {}
        for a in e.activations:
            row = {
                f"{PASSES[m]}, {size_label(s)}": e.medians[(d, a, m, s)].fmt()
                for m in ("forward_s", "backward_s")
                for s in e.sizes
            }
            row["training step"] = e.step(d, a).fmt()
            rows[f"{a} ({d})"] = row
        tables.append(pd.DataFrame(rows).T)
    return pd.concat(tables)


def in_order(r) -> list[str]:
    """The four, the other built-ins, then a user's activations: those timed here."""
    first = shown(r)
    return [
        a for a in [*first[:4], *sorted(set(r["activation"]) - set(first)), *first[4:]] if a in set(r["activation"])
    ]


def cost_relative_to_relu(study):
    """Time per call relative to ReLU's, for the forward pass and the forward and backward pass on tensors
    from 16 KB to 32 MB, and for a whole training step of the depth-4 reference MLP: the median over repeats
    of the ratio taken within each repeat, with its 95% bootstrap interval, per device (log scale)."""
    r = ratios(frame(study))
    r = r[r["activation"] != "relu"].copy()
    r["pass"] = r["metric"].map(PASSES)
    r["tensor"] = r["size"].map(size_label)
    g = sns.catplot(
        r,
        x="tensor",
        y="ratio",
        hue="activation",
        col="pass",
        row="device",
        kind="point",
        estimator=np.median,
        errorbar=("ci", 95),
        n_boot=200,
        seed=0,
        palette=colours(r),
        hue_order=in_order(r),
        dodge=0.4,
        height=3,
        aspect=1.1,
        sharex=False,
        col_order=list(PASSES.values()),
        order=None,
    )
    g.set_titles("{col_name}, {row_name}")
    g.set_axis_labels("tensor size (float32)", "time / ReLU's (log scale)")
    ratio = FuncFormatter(lambda v, _: f"{v:g}x")
    for ax in g.axes.flat:
        ax.axhline(1, ls="--", c="k", lw=1)
        ax.set_yscale("log")
        ax.yaxis.set_major_locator(LogLocator(base=2))  # 0.5x, 1x, 2x, 4x...
        ax.yaxis.set_major_formatter(ratio)  # 2x, not 2x10^0
        ax.yaxis.set_minor_formatter(NullFormatter())
        if ax.get_title().startswith(PASSES["train_step_s"]):  # one whole step, not a tensor size
            ax.set_xlabel("one step of the depth-4 MLP")
    g.figure.suptitle("C8: cost per call relative to ReLU (median over repeats, 95% interval)", y=1.03)
    return g.figure


FIGURES = {"cost_relative_to_relu": cost_relative_to_relu}
