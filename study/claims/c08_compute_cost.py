"""C8: sigmoid and tanh cost more to compute (exponentials forward; division and exponentials in
the derivative); ReLU and its derivative are cheaper.

Read from the `cost` benchmark (`study/cost.py`), one table per device it was run on: each
activation's time per call as a ratio to ReLU's, taken within each repeat (the two timed back to
back), then the median over repeats with a 95% bootstrap interval. Two questions, kept apart:
does it cost more in isolation (forward+backward on the largest tensor, beyond the last-level
cache), and does it cost more where it matters, in a training step of the reference MLP?
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import seaborn as sns

from study.analysis import stats
from study.claims import Finding, Key
from study.analysis.style import colours, shown
from study.analysis.verdicts import NUANCED, REFUTED, SUPPORTED, Rule

CLAIM = "C8"
EXPERIMENTS = ("cost",)
ISOLATION = 1.1  # costs more in isolation: the ratio's lower bound above this
IN_TRAINING = 1.05  # costs more in a training step: the ratio's lower bound above this
PASSES = {"forward_s": "forward", "backward_s": "forward+backward", "train_step_s": "training step"}

RULE = Rule(
    (SUPPORTED, f"on the first device listed (a CPU before a GPU), sigmoid's and tanh's forward+backward pass on the largest tensor costs over "
                f"{ISOLATION:g}x ReLU's and their training step over {IN_TRAINING:g}x (lower bounds of the medians' "
                "intervals)",
     lambda e: e["isolation"] and e["training"]),
    (NUANCED, "they cost more in isolation but not in a training step", lambda e: e["isolation"]),
    otherwise=REFUTED,
)


def size_label(size: int) -> str:
    """A tensor of `size` float32 values in KB or MB; -1 is the training step."""
    if size < 0:
        return "step"
    return f"{size * 4 // 1024} KB" if size * 4 < 2 ** 20 else f"{size * 4 // 2 ** 20} MB"


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


def finding(study) -> Finding:
    r = ratios(frame(study))
    devices = list(dict.fromkeys(r["device"]))
    main = devices[0]
    largest = int(r[r["size"] > 0]["size"].max())
    est = {(d, a, m, s): median_ratio(r, d, a, m, s) for d in devices for a in set(r["activation"])
           for m, s in [("forward_s", largest), ("backward_s", largest), ("train_step_s", -1)]}
    isolation = all(est[(main, a, "backward_s", largest)].low > ISOLATION for a in ("sigmoid", "tanh"))
    training = all(est[(main, a, "train_step_s", -1)].low > IN_TRAINING for a in ("sigmoid", "tanh"))
    verdict = RULE({"isolation": isolation, "training": training})
    n = int(r["repeat"].nunique())

    def on(d):
        return (f"On {d}, forward+backward on {size_label(largest)}, relative to ReLU: sigmoid "
                f"{est[(d, 'sigmoid', 'backward_s', largest)].fmt()}, tanh {est[(d, 'tanh', 'backward_s', largest)].fmt()}, "
                f"Leaky ReLU {est[(d, 'leaky_relu', 'backward_s', largest)].fmt()}; a whole training step of the "
                f"depth-4 MLP: sigmoid {est[(d, 'sigmoid', 'train_step_s', -1)].fmt()}, tanh "
                f"{est[(d, 'tanh', 'train_step_s', -1)].fmt()}.")

    text = (f"Medians of {n} repeats, each ratio taken within a repeat, with 95% bootstrap intervals. "
            + " ".join(on(d) for d in devices)
            + (" The per-call cost of the activation is real, and it is a small part of a training step, where the "
               "matrix multiplications dominate." if isolation and not training else ""))
    tables = []
    for d in devices:
        rows = {}
        for a in [x for x in in_order(r) if x != "relu"]:
            row = {f"{PASSES[m]}, {size_label(s)}": median_ratio(r, d, a, m, s).fmt() for m in ("forward_s", "backward_s")
                   for s in sorted(set(r[r["size"] > 0]["size"]))}
            row["training step"] = est[(d, a, "train_step_s", -1)].fmt()
            rows[f"{a} ({d})"] = row
        tables.append(pd.DataFrame(rows).T)
    return Finding(CLAIM, verdict, Key.of(f"sigmoid / ReLU training-step time ({main})",
                                          est[(main, "sigmoid", "train_step_s", -1)]),
                   text, pd.concat(tables),
                   "Derczynski (2020): at large loads sigmoid, tanh and Leaky ReLU cost within about 6-8% of ReLU on a "
                   "server CPU and two GPUs; on a laptop CPU tanh about 1.45x and softplus about 1.48x ReLU.")


def in_order(r) -> list[str]:
    """The four, the other built-ins, then a user's activations: those timed here."""
    first = shown(r)
    return [a for a in [*first[:4], *sorted(set(r["activation"]) - set(first)), *first[4:]] if a in set(r["activation"])]


def cost_relative_to_relu(study):
    """Time per call relative to ReLU's, for the forward pass and the forward and backward pass on tensors
    from 16 KB to 32 MB, and for a whole training step of the depth-4 reference MLP: the median over repeats
    of the ratio taken within each repeat, with its 95% bootstrap interval, per device (log scale)."""
    r = ratios(frame(study))
    r = r[r["activation"] != "relu"].copy()
    r["pass"] = r["metric"].map(PASSES)
    r["tensor"] = r["size"].map(size_label)
    g = sns.catplot(r, x="tensor", y="ratio", hue="activation", col="pass", row="device", kind="point",
                    estimator=np.median, errorbar=("ci", 95), n_boot=200, seed=0, palette=colours(r),
                    hue_order=in_order(r), dodge=0.4, height=3, aspect=1.1, sharex=False,
                    col_order=list(PASSES.values()), order=None)
    for ax in g.axes.flat:
        ax.axhline(1, ls="--", c="k", lw=1)
        ax.set_yscale("log")
    g.set_titles("{col_name}, {row_name}")
    g.set_axis_labels("tensor size (float32)", "time / ReLU's")
    g.figure.suptitle("C8: cost per call relative to ReLU (median over repeats, 95% interval)", y=1.03)
    return g.figure


FIGURES = {"cost_relative_to_relu": cost_relative_to_relu}
