"""The study's figures, drawn with seaborn from stored results: one function per figure.

Each function takes the loaded long-format frame and returns a matplotlib figure. Bands
and bars are interquartile means with 95% bootstrap intervals over seeds (seeded), and
files are written without timestamps, so the same results give byte-identical files.
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import seaborn as sns  # noqa: E402

from study import analysis, stats  # noqa: E402
from study.activations import ACTIVATIONS, MAIN_FOUR  # noqa: E402



def _iqm(x):  # seaborn calls its estimator once per bootstrap sample: keep it lean
    x = np.sort(x)
    cut = len(x) // 4
    return x[cut:len(x) - cut].mean()


BOOT = dict(estimator=_iqm, errorbar=("ci", 95), n_boot=200, seed=0)
# One colour per activation, the same in every figure.
PALETTE = dict(zip(ACTIVATIONS, sns.color_palette("tab10") + sns.color_palette("Dark2")))
FORMATS = ("png", "svg")

plt.rcParams.update({"svg.hashsalt": "activation-study", "figure.dpi": 110, "savefig.dpi": 110})
sns.set_theme(style="whitegrid", context="paper")
plt.rcParams["svg.hashsalt"] = "activation-study"


def _main(df, **where):
    mask = df["activation"].isin(MAIN_FOUR)
    for col, val in where.items():
        mask &= df[col] == val
    return df[mask]


def _layer_mean(sub, *by):
    """One value per seed (the mean over hidden layers): intervals are over seeds, as in the report."""
    return sub.groupby(list(by) + ["seed"], as_index=False)["value"].mean()


def sparsity_by_activation(df):
    depth = analysis.nearest_depth(df, analysis.REFERENCE_DEPTH)
    sub = _main(df, depth=depth, epoch=analysis.final_epoch(df), initializer=analysis.MAIN_INIT)
    sub = _layer_mean(sub[sub["metric"].isin(["exact_zero", "near_zero", "hoyer"])], "activation", "metric")
    g = sns.catplot(sub, x="activation", y="value", col="metric", hue="activation", kind="bar",
                    palette=PALETTE, order=MAIN_FOUR, height=3, aspect=0.9, legend=False, **BOOT)
    g.set_titles("{col_name}")
    g.set_axis_labels("", "fraction / score")
    g.axes.flat[0].axhline(analysis.GLOROT2011_ZEROS_MNIST, ls="--", c="k", lw=1)
    g.axes.flat[0].annotate("Glorot 2011, MNIST", (0, analysis.GLOROT2011_ZEROS_MNIST), xytext=(0, 3),
                            textcoords="offset points", fontsize=7)
    g.figure.suptitle(f"C1: sparsity after training (depth {depth}, {analysis.MAIN_INIT})", y=1.03)
    return g.figure


def activation_rate_by_layer(df):
    depth = analysis.deepest(df)
    last = analysis.final_epoch(df)
    sub = _with_state(df[(df["metric"] == "active") & (df["activation"] == "relu") & (df["depth"] == depth)],
                      last)
    fig, ax = plt.subplots(figsize=(6, 3.6))
    sns.lineplot(sub, x="layer", y="value", hue="initializer", style="state", marker="o", ax=ax, **BOOT)
    layers = np.arange(1, depth + 1)
    trained = sub[(sub["epoch"] == last) & (sub["initializer"] == analysis.MAIN_INIT)]
    rates = trained.groupby("layer")["value"].mean().to_numpy()
    ax.plot(layers, rates[0] * 2.0 ** -(layers - 1), "k--", lw=1,
            label="C2: layer 1's rate x 2^-(N-1)")
    ax.plot(layers, np.cumprod(rates), "k:", lw=1.5,
            label=f"product of rates up to layer N, trained ({analysis.MAIN_INIT})")
    ax.set_yscale("log")
    ax.set_ylim(max(1e-12, rates[0] * 2.0 ** -(depth - 1) / 2), 1.5)
    ax.set_xlabel(f"hidden layer N (depth-{depth} ReLU nets)")
    ax.set_ylabel("activation rate (fraction non-zero)")
    ax.legend(fontsize=7)
    ax.set_title("C2: ReLU activation rate by layer")
    return fig


def active_fraction_vs_brain(df):
    last = analysis.final_epoch(df)
    sub = _layer_mean(df[(df["metric"] == "active") & (df["activation"] == "relu") & (df["epoch"] == last)],
                      "depth", "initializer")
    fig, ax = plt.subplots(figsize=(6, 3.4))
    sns.pointplot(sub, x="depth", y="value", hue="initializer", dodge=0.3, ax=ax, **BOOT)
    lo, hi = analysis.BRAIN_ACTIVE
    ax.axhspan(lo, hi, color="tab:green", alpha=0.3, label="brain, 1-4% (Lennie 2003)")
    ax.axhline(1 - analysis.GLOROT2011_ZEROS_MNIST, ls="--", c="k", lw=1,
               label="ReLU net, MNIST (Glorot 2011)")
    ax.set_ylim(0, 1)
    ax.set_ylabel("fraction of ReLU activations non-zero")
    ax.set_title(f"C12: active fraction after {last} epochs vs the brain")
    ax.legend(fontsize=7)
    return fig


def _with_state(sub, last):
    sub = sub[sub["epoch"].isin([0, last])].copy()
    sub["layer"] += 1
    sub["state"] = np.where(sub["epoch"] == 0, "initialisation", f"trained ({last} epochs)")
    return sub


def sparsity_through_training(df):
    depth = analysis.nearest_depth(df, analysis.REFERENCE_DEPTH)
    sub = _main(df, depth=depth)
    sub = sub[sub["metric"].isin(["exact_zero", "near_zero", "hoyer"])]
    g = sns.relplot(sub, x="epoch", y="value", hue="activation", col="metric", row="initializer",
                    kind="line", marker="o", palette=PALETTE, hue_order=MAIN_FOUR, height=2.6, aspect=1.1,
                    **BOOT)
    g.set_titles("{col_name}, {row_name}")
    g.set_axis_labels("epoch (0 = initialisation)", "fraction / score")
    g.figure.suptitle(f"C1: sparsity through training (depth {depth})", y=1.02)
    return g.figure


def gradient_norm_by_layer(df):
    depth = analysis.deepest(df)
    sub = _with_state(_main(df, depth=depth), analysis.final_epoch(df))
    sub = sub[sub["metric"] == "grad_norm"]
    g = sns.relplot(sub, x="layer", y="value", hue="activation", style="state", col="initializer",
                    kind="line", palette=PALETTE, hue_order=MAIN_FOUR, height=3.2, aspect=1.1, **BOOT)
    g.set(yscale="log")
    g.set_axis_labels("hidden layer (1 = input side)", "||dL/dW|| on the probe set")
    g.figure.suptitle(f"C6: gradient norm by layer, depth {depth}", y=1.03)
    return g.figure


def derivative_by_layer(df):
    depth = analysis.deepest(df)
    last = analysis.final_epoch(df)
    sub = _with_state(_main(df, depth=depth, initializer=analysis.MAIN_INIT), last)
    sub = sub[sub["metric"].isin(["mean_abs_derivative", "saturated"])].dropna(subset=["value"])
    g = sns.relplot(sub, x="layer", y="value", hue="activation", style="state", col="metric", kind="line",
                    palette=PALETTE, hue_order=MAIN_FOUR, height=3.2, aspect=1.1,
                    facet_kws={"sharey": False}, **BOOT)
    g.set_titles("{col_name}")
    g.set_axis_labels("hidden layer", "")
    g.figure.suptitle(f"C9: mean |f'(z)| and saturated fraction, depth {depth}", y=1.03)
    return g.figure


def training_curves(df):
    depths = sorted(df["depth"].unique())
    shown = sorted({depths[0], depths[len(depths) // 2], depths[-1]})
    sub = _main(df, initializer=analysis.MAIN_INIT)
    sub = sub[(sub["metric"] == "train_loss") & sub["depth"].isin(shown)]
    g = sns.relplot(sub, x="epoch", y="value", hue="activation", col="depth", kind="line", palette=PALETTE,
                    hue_order=MAIN_FOUR, height=3, aspect=1, **BOOT)
    g.set_axis_labels("epoch", "training loss")
    g.figure.suptitle(f"C6: training curves ({analysis.MAIN_INIT})", y=1.03)
    return g.figure


FIGURES = {  # name -> (experiment whose runs it draws, function)
    "sparsity_by_activation": ("sparsity", sparsity_by_activation),
    "sparsity_through_training": ("sparsity", sparsity_through_training),
    "activation_rate_by_layer": ("sparsity", activation_rate_by_layer),
    "active_fraction_vs_brain": ("sparsity", active_fraction_vs_brain),
    "gradient_norm_by_layer": ("gradients", gradient_norm_by_layer),
    "derivative_by_layer": ("gradients", derivative_by_layer),
    "training_curves": ("gradients", training_curves),
}


def save(fig, path_stem: Path) -> list[Path]:
    paths = []
    for ext in FORMATS:
        path = path_stem.with_suffix(f".{ext}")
        metadata = {"Software": None} if ext == "png" else {"Date": None}
        fig.savefig(path, bbox_inches="tight", metadata=metadata)
        paths.append(path)
    plt.close(fig)
    return paths


MANIFEST = "manifest.json"


def manifest(study: analysis.Study) -> dict:
    """What the figures were drawn from; the report checks it before embedding them."""
    return {"profile": study.profile, "runs": sorted({s.key() for n in study.experiments for s in study.specs(n)})}


def draw_all(study: analysis.Study, out: Path) -> list[Path]:
    frames = {exp: study.frame(exp) for exp, _ in FIGURES.values() if exp in study.experiments}
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, (exp, fn) in FIGURES.items():
        if exp in frames:
            paths += save(fn(frames[exp]), out / name)
    (out / MANIFEST).write_text(json.dumps(manifest(study), indent=1) + "\n")
    return paths + [out / MANIFEST]
