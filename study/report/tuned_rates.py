"""The methods' account of the tuned setting: which rate each activation was given, and how the tuned ReLU MLP
compares with MNIST-1D's published MLP."""

from __future__ import annotations

import pandas as pd

from study.analysis import training_length, tuning
from study.analysis.study import Study
from study.report.markdown import md_table, plural
from study.spec.config import get_profile

SHOWN = ("sparsity", "gradients")  # the experiment whose choices the table spells out (the first present): most
# claims read its groups


def sweeps(tuned: Study) -> pd.DataFrame:
    """Every experiment's choices (tuning.sweep), with the experiment named."""
    found = []
    for name in tuned.experiments:
        tuned.frame(name)
        found.append(tuned.sweeps[name].assign(experiment=name))
    return pd.concat(found, ignore_index=True) if found else pd.DataFrame()


def shown(table: pd.DataFrame) -> str:
    return next((n for n in SHOWN if n in set(table["experiment"])), table["experiment"].iloc[0])


def rates_table(table: pd.DataFrame) -> str:
    """The chosen rate by depth (rows) and activation (columns) in the shown experiment; * marks an edge."""
    shown_ = table[table["experiment"] == shown(table)]
    rates = [f"{r:g}" + ("*" if e else "") for r, e in zip(shown_["learning_rate"], shown_["edge"])]
    cells = shown_.assign(rate=rates)
    wide = cells.pivot_table(index="depth", columns="activation", values="rate", aggfunc="first")
    return md_table(wide, "depth")


def text(study: Study) -> str:
    if tuning.SETTING not in study.settings():
        return ""
    tuned = study.in_setting(tuning.SETTING)
    table = sweeps(tuned)
    if table.empty:
        return ""
    low, high = table["min"].min(), table["max"].max()
    at_edge = tuning.edges(table)
    shared = int((table["learning_rate"] == get_profile(study.profile).learning_rate).sum())
    edge_text = (
        "No choice is at an edge of its sweep, so each sweep brackets its best rate."
        if at_edge.empty
        else f"{len(at_edge)} of {len(table)} choices are at an edge of their sweep (marked *): there the best rate "
        "may lie outside it, and the sweep is to be widened."
    )
    body = (
        f"**Tuned learning rates.** In the tuned setting each activation trains at Adam rates from {low:g} to "
        f"{high:g} (log-spaced), and is read at its best rate on the validation split: among the rates where none "
        "of its models diverged, those whose validation accuracy after the last epoch (the IQM over seeds) is within "
        f"{tuning.TIE * 100:g} pp of the best count as tied (a smaller gap is seed noise), and the one nearest the "
        "shared rate is chosen (where no rate trains beyond chance and the stall margin, the shared rate is kept), "
        f"per experiment, data set, depth and penalty ({plural(len(table), 'choice')} in "
        f"{plural(table['experiment'].nunique(), 'experiment')}; {shared} at the shared rate). {edge_text} The rates "
        f"chosen in the `{shown(table)}` experiment:\n\n" + rates_table(table)
    )
    length = training_length.tuned_sentence(tuned)
    return body + ("\n\n" + length if length else "")
