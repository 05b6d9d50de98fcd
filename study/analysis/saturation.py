"""The top hidden layer's course in a traced run (Glorot & Bengio 2010, Figure 2): whether its mean activation
falls below a line, when, for how long, and whether it is back above it at the end.

A run's course is its top hidden layer's mean activation over the probe set at every traced step. It saturates
when that mean first falls below `low` (the onset); the saturation ends at the first later traced step at or
above `low`, and lasts from the onset to that end (or to the last traced step, where it never ends).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from study.analysis.selection import best_learning_rates


def top_layer(df: pd.DataFrame, **where) -> pd.DataFrame:
    """The traced mean activations of the top hidden layer, in the rows matching `where` (column=value)."""
    rows = df[(df["metric"] == "act_mean") & (df["layer"] == df["depth"] - 1)]
    for column, value in where.items():
        rows = rows[rows[column] == value]
    return rows


def episode(steps: np.ndarray, values: np.ndarray, low: float) -> dict:
    """One run's saturation: saturated, onset, end (NaN if it never ends), lasted (steps), escaped (above `low`
    at the last traced step) and final (the mean activation then); steps sorted."""
    below = values < low
    if not below.any():
        return dict(saturated=False, onset=np.nan, end=np.nan, lasted=0.0, escaped=False, final=values[-1])
    first = int(np.argmax(below))
    back = np.flatnonzero(~below[first:])
    end = float(steps[first + back[0]]) if len(back) else np.nan
    lasted = (end if len(back) else float(steps[-1])) - float(steps[first])
    return dict(
        saturated=True,
        onset=float(steps[first]),
        end=end,
        lasted=lasted,
        escaped=bool(values[-1] >= low),
        final=values[-1],
    )


def courses(df: pd.DataFrame, low: float, **where) -> pd.DataFrame:
    """One row per seed (indexed by seed): its `episode` of the top hidden layer's course."""
    rows = {}
    for seed, course in top_layer(df, **where).sort_values("step").groupby("seed"):
        rows[seed] = episode(course["step"].to_numpy(), course["value"].to_numpy(), low)
    return pd.DataFrame(rows).T


def at_chosen_rates(df: pd.DataFrame, by: str = "inputs") -> dict:
    """{value of `by`: its runs at the learning rate with the best validation accuracy for it}."""
    chosen = best_learning_rates(df, score="val_accuracy", by=(by,))
    return {value: df[(df[by] == value) & (df["learning_rate"] == rate)] for value, rate in chosen.items()}
