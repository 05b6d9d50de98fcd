"""The same study on every Keras backend: one verdict per claim, or a stated reason why not.

`python -m study crosscheck` trains the selection once per backend (`study.run.backends`), then computes
every claim's finding from each backend's runs and compares the verdicts and the key numbers. The report's
"Backends" section is `compare` on whatever backends' runs are stored.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from study import claims, store
from study.run.backends import BACKENDS
from study.store.provenance import device_label


def finished_experiments(study, backend: str) -> list[str]:
    """The study's experiments whose every group is stored, finished, for this backend."""
    selection = dataclasses.replace(study.selection, backend=backend)
    done = []
    for name, experiment in study.experiments.items():
        specs = selection.specs(experiment)
        if all(state == store.FINISHED for state in store.states(study.out / "results", specs).values()):
            done.append(name)
    return done


def on_backend(study, backend: str, experiments: list[str] | None = None):
    """The same study read from another backend's runs (of these experiments, or all of the study's)."""
    from study.analysis.study import Study

    chosen = [e for n, e in study.experiments.items() if experiments is None or n in experiments]
    return Study(
        study.out, dataclasses.replace(study.selection, backend=backend), chosen, study.rerun_options, study.subset
    )


def training_time(configs) -> float:
    """Seconds spent training these stored groups (data, building, fitting, measuring), summed over groups."""
    return sum(c["run"].get("total_time_s", c["run"]["wall_time_s"]) for c in configs)


def wall_time(study) -> float:
    """Seconds spent training the study's groups, summed over groups."""
    return training_time(study.info())


def devices(studies) -> set[str]:
    return {device_label(c["run"]["device"]) for s in studies for c in s.info()}


def stored(study) -> tuple[list[str], list[str]]:
    """(backends, experiments) to compare: the backends with any experiment of the study finished, and the
    experiments finished on every one of them (a crosscheck may cover a subset of a profile)."""
    done = {b: finished_experiments(study, b) for b in BACKENDS}
    backends = [b for b, names in done.items() if names]
    common = [n for n in study.experiments if all(n in done[b] for b in backends)]
    return backends, common


def compare(studies: dict) -> pd.DataFrame:
    """One row per claim answerable from {backend: the study read from its runs} (`on_backend`): each
    backend's verdict and key number, whether the verdicts agree, and the largest difference between the
    backends' key numbers (in the key's unit: pp for % and pp)."""
    backends = list(studies)
    # the main setting: the crosscheck trains and compares it alone
    found = {b: {f.claim: f for f in claims.findings(s, settings=False)} for b, s in studies.items()}
    rows = {}
    for claim in sorted({c for f in found.values() for c in f}, key=lambda c: int(c[1:])):
        per = {b: found[b][claim] for b in backends if claim in found[b]}
        keys = [f.key for f in per.values()]
        scale = 100 if keys[0].unit in ("%", "pp") else 1
        values = np.array([k.value for k in keys]) * scale
        intervals_overlap = max(k.low for k in keys) <= min(k.high for k in keys)
        row = {"key number": keys[0].name}
        row.update({f"{b} verdict": f.verdict for b, f in per.items()})
        row.update({f"{b} key": f.key.fmt() for b, f in per.items()})
        row["largest difference"] = (
            f"{np.ptp(values):.2g}" + (" pp" if scale == 100 else "") if np.isfinite(values).all() else "-"
        )
        row["verdicts agree"] = "yes" if len({f.verdict for f in per.values()}) == 1 else "no"
        row["intervals overlap"] = "yes" if intervals_overlap else "no"
        rows[claim] = row
    return pd.DataFrame(rows).T


def disagreements(table: pd.DataFrame) -> str:
    """Where the verdicts differ, and why, in sentences computed from the table."""
    differ = table[table["verdicts agree"] == "no"]
    if differ.empty:
        return f"The verdicts agree on every backend, for all {len(table)} claims."
    parts = []
    for claim, row in differ.iterrows():
        verdicts = ", ".join(f"{c.removesuffix(' verdict')} {row[c]}" for c in table.columns if c.endswith(" verdict"))
        why = (
            "its key number's 95% intervals overlap across backends, so the backends differ by no more than "
            "the seed-to-seed spread; floating-point rounding differs between backends, and over training it "
            "grows into differences of that size, which move an estimate that sits near its rule's threshold"
            if row["intervals overlap"] == "yes"
            else "its key numbers differ beyond their 95% intervals: a difference between the backends' "
            "implementations, not seed noise"
        )
        parts.append(f"{claim} ({verdicts}): {why}.")
    agree = len(table) - len(differ)
    return f"The verdicts agree on {agree} of {len(table)} claims. Where they do not: " + " ".join(parts)
