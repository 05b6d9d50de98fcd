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
