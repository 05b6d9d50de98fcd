"""Robustness across settings: each claim's verdict in its main setting and in every setting its experiments
are repeated in (grid.SETTINGS), read from the findings' `settings`; drawn as a matrix of claims by
settings, coloured by verdict.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import ListedColormap

from study import claims
from study.analysis.verdicts import INCONCLUSIVE, NOT_TESTABLE, NUANCED, REFUTED, SUPPORTED, VERDICTS
from study.spec.settings import depth_cap

COLOURS = {
    SUPPORTED: "#1b9e77",
    NUANCED: "#e6ab02",
    REFUTED: "#d95f02",
    INCONCLUSIVE: "#7570b3",
    NOT_TESTABLE: "#9e9e9e",
    "not computed": "#d0d0d0",
}


def matrix(found) -> pd.DataFrame:
    """Claims (those with several settings) by settings: the verdict, or '' where the claim was not run there."""
    rows = {f.claim: {s: v for s, (v, _) in f.settings.items()} for f in found if f.settings}
    return pd.DataFrame(rows).T.fillna("")


def holds(f) -> str:
    """In how many settings the claim is supported: "2 of 3", or "-" with one setting."""
    if not f.settings:
        return "-"
    return f"{sum(v == 'supported' for v, _ in f.settings.values())} of {len(f.settings)}"


def read_apart(f) -> bool:
    """Whether the settings read the claim's key number at different points (its name differs between them:
    another depth, or another prediction), as where the CNN setting stops at depth 4."""
    return len({key.name for _, key in f.settings.values()}) > 1


def disagreement(f, profile: str) -> str:
    """A sentence where a claim's settings disagree, with each setting's key number; else ''."""
    verdicts = {v for v, _ in f.settings.values()}
    if len(verdicts) < 2:
        return ""
    capped = "".join(
        f" (the {s} setting stops at depth {depth_cap(s, profile)})" for s in f.settings if depth_cap(s, profile)
    )
    why = (
        f"The key number's name differs between them: they read the claim in nets of different depth or "
        f"against a different prediction{capped}, so part of the difference is the net's depth, not the data "
        "or architecture alone."
        if read_apart(f)
        else "The key number moves between settings; where it crosses a threshold of the rule, the verdict changes "
        "with it."
    )
    return f"The settings disagree. {why}"


def mechanisms(f) -> str:
    """Where the verdict changes with the model (normalisation, skips), what the measurements show in each
    setting, one sentence each (the claim module's `mechanism`); else ''."""
    if len({v for v, _ in f.settings.values()}) < 2 or not f.mechanisms:
        return ""
    each = "; ".join(f"in {s}, {text}" for s, text in f.mechanisms.items())
    return f" What the measurements show: {each}."


def verdicts_by_setting(study):
    """The verdict of each claim (rows) in each setting (columns) its experiments were run in; blank where a claim
    was not run in a setting."""
    m = matrix(claims.findings(study))
    order = [*VERDICTS, "not computed"]
    codes = m.apply(lambda col: col.map(lambda v: order.index(v) if v in order else np.nan))
    fig, ax = plt.subplots(figsize=(1.6 + 1.5 * max(len(m.columns), 1), 0.5 * max(len(m), 1) + 1.2))
    ax.imshow(
        codes.to_numpy(float),
        cmap=ListedColormap([COLOURS[v] for v in order]),
        vmin=-0.5,
        vmax=len(order) - 0.5,
        aspect="auto",
    )
    for (i, j), v in np.ndenumerate(m.to_numpy()):
        ax.text(j, i, v, ha="center", va="center", fontsize=8)
    ax.set_xticks(range(len(m.columns)), list(m.columns))
    ax.set_yticks(range(len(m)), list(m.index))
    ax.grid(False)
    ax.set_title("Verdicts by setting")
    ax.set_xlabel("setting (main: each experiment's own data and MLP)")
    ax.set_ylabel("claim")
    fig.tight_layout()
    return fig


FIGURES = {"verdicts_by_setting": verdicts_by_setting}
