"""The figure style: one look for every claim's figures.

The palette (one colour per activation, the same in every figure, and one for each of a user's activations),
the seaborn estimator (interquartile means with 95% bootstrap intervals over seeds, seeded), and the helpers
that pick what a figure shows. Saving, deterministically, is `study.report.figures`' part.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import seaborn as sns  # noqa: E402

from study.spec.activations import ACTIVATIONS, MAIN_FOUR, users_in  # noqa: E402


def _iqm(x):  # seaborn calls its estimator once per bootstrap sample: keep it lean
    x = np.sort(x)
    cut = len(x) // 4
    return x[cut : len(x) - cut].mean()


BOOT = dict(estimator=_iqm, errorbar=("ci", 95), n_boot=200, seed=0)
# One colour per activation, the same in every figure.
PALETTE = dict(zip(ACTIVATIONS, sns.color_palette("tab10") + sns.color_palette("Dark2")))

plt.rcParams.update({"svg.hashsalt": "activation-study", "figure.dpi": 110, "savefig.dpi": 110})
sns.set_theme(style="whitegrid", context="paper")
plt.rcParams["svg.hashsalt"] = "activation-study"


USER_COLOURS = ("#e7298a", "#66a61e", "#a6761d", "#666666")  # a user's activations: none of the built-ins' colours


# Names in code, in the words a figure uses for them (panel titles, legends, axes).
WORDS = {
    "exact_zero": "exactly zero (fraction)",
    "near_zero": "near zero (fraction)",
    "hoyer": "Hoyer sparsity (0-1)",
    "glorot_uniform": "Glorot uniform",
    "he_normal": "He normal",
    "lecun_normal": "LeCun normal",
    "legacy_uniform": "Glorot & Bengio's uniform",
    "adam": "Adam",
    "momentum": "SGD with momentum",
    "sgd": "SGD",
}


def words(name) -> str:
    """A code name as a figure says it."""
    return WORDS.get(name, str(name).replace("_", " "))


def in_words(sub, *columns):
    """The rows with these columns' values in words (for facet titles and legends)."""
    return sub.assign(**{c: sub[c].map(words) for c in columns})


# Initialisers and settings in greys, never in an activation's colour (blue and orange mean sigmoid and tanh).
INIT_COLOURS = {
    "Glorot uniform": "0.1",
    "He normal": "0.6",
    "LeCun normal": "0.35",
    "Glorot & Bengio's uniform": "0.45",
}
BRAIN_COLOUR = "#c7b8e0"  # the brain's range: a pale violet, no activation's colour


# Leaky ReLU follows ReLU within a few percent almost everywhere: dashed, so the two lines stay apart.
DASHES = {"leaky_relu": (4, 2)}


def line_styles(df) -> dict:
    """relplot/lineplot arguments drawing Leaky ReLU dashed and every other activation solid, with light bands
    (where two overlap, each still shows through)."""
    return dict(
        style="activation",
        dashes={a: DASHES.get(a, "") for a in shown(df)},
        style_order=shown(df),
        err_kws={"alpha": 0.12},
    )


def break_at_gaps(ax, step: float = 2.0):
    """Lines over a doubling axis (depths 1, 2, 4, 8, 32) broken where a rung is missing (no 16), so no line
    stands where nothing was run; reference lines drawn across the axes are left alone."""
    for line in ax.lines:
        if line.get_transform() != ax.transData:
            continue
        x, y = np.asarray(line.get_xdata(), float), np.asarray(line.get_ydata(), float)
        cut = np.where(x[1:] > step * x[:-1] * (1 + 1e-9))[0] + 1 if len(x) > 1 else []
        if len(cut):
            line.set_data(np.insert(x, cut, np.nan), np.insert(y, cut, np.nan))


def own_ylabels(g):
    """Each panel of a grid with free y axes labelled with its own title (its measure and unit), and room
    between the panels for those labels."""
    for ax in g.axes.flat:
        ax.set_ylabel(ax.get_title())
    g.figure.subplots_adjust(wspace=0.35)


def tidy_ticks(axes):
    """Tick labels of activations slanted where they would run together (a user's long names, many bars)."""
    for ax in axes:
        labels = [t.get_text() for t in ax.get_xticklabels()]
        if len(labels) > 5 or any(len(t) > 12 for t in labels):
            ax.tick_params(axis="x", labelrotation=30)
            for t in ax.get_xticklabels():
                t.set_horizontalalignment("right")


def shown(df) -> list[str]:
    """The activations a figure compares: the four of the source text, then any user activation
    (module:function@hash) in these runs."""
    return [*MAIN_FOUR, *users_in(df["activation"].unique())]


def colours(df) -> dict[str, str]:
    """PALETTE, and a colour of its own for each user activation in these runs."""
    users = users_in(df["activation"].unique())
    return {**PALETTE, **{name: USER_COLOURS[i % len(USER_COLOURS)] for i, name in enumerate(users)}}


def rows_shown(df, **where):
    """The rows of the activations `shown` compares, where every column equals its value."""
    mask = df["activation"].isin(shown(df))
    for col, val in where.items():
        mask &= df[col] == val
    return df[mask]


def seed_means(sub, *by):
    """One value per seed (the mean over hidden layers): intervals are over seeds, as in the report."""
    return sub.groupby(list(by) + ["seed"], as_index=False)["value"].mean()


def with_state(sub, last):
    """Initialisation and the last epoch, labelled; layers counted from 1."""
    sub = sub[sub["epoch"].isin([0, last])].copy()
    sub["layer"] += 1
    sub["state"] = np.where(sub["epoch"] == 0, "initialisation", f"trained ({last} epochs)")
    return sub
