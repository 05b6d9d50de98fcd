"""The methods' account of the seeds: each claim's key number, the half-width of its 95% interval against the
smallest effect that matters for it, and the runs that would bring the one within the other.

An interval whose half-width is within the SESOI can tell an effect of that size from none (and place the
estimate beyond, below or within it); a wider one cannot yet. At the observed spread a half-width shrinks as
1/sqrt(runs), so runs x (half-width / SESOI)^2 would bring it within.
"""

from __future__ import annotations

import math

import pandas as pd

from study import claims
from study.analysis.verdicts import Sesoi
from study.report.markdown import md_table


def key_sesoi(module) -> Sesoi | None:
    """The SESOI a claim's key number is read against: its module's KEY_SESOI, else its rule's first."""
    return getattr(module, "KEY_SESOI", module.RULE.sesoi[0] if module.RULE.sesoi else None)


def runs_needed(half: float, sesoi: float, runs: int) -> int:
    """The runs whose interval's half-width would be within `sesoi` at the observed spread (at least `runs`)."""
    return max(runs, math.ceil(runs * (half / sesoi) ** 2)) if sesoi > 0 else runs


def table(study) -> pd.DataFrame:
    modules = {m.CLAIM: m for m in claims.modules()}
    rows = {}
    for f in claims.findings(study):
        sesoi = key_sesoi(modules[f.claim])
        half = (f.key.high - f.key.low) / 2
        if sesoi is None or not math.isfinite(half):
            continue
        size = abs(sesoi.size)
        within = half <= size
        rows[f.claim] = {
            "key number": f.key.name,
            "runs": f.key.n,
            "95% half-width": f"{100 * half:.2g} pp" if f.key.unit in ("%", "pp") else f"{half:.3g}",
            "SESOI": f"{100 * size:g} pp" if sesoi.unit == "pp" else f"{size:g}",
            "resolved": "yes" if within else "no",
            "runs for a half-width within it": "" if within else str(runs_needed(half, size, f.key.n)),
        }
    return pd.DataFrame(rows).T


def text(study) -> str:
    found = table(study)
    if found.empty:
        return ""
    short = list(found.index[found["resolved"] == "no"])
    return (
        "**Seeds against the smallest effects.** Each claim's key number is read against the smallest effect that "
        "matters for it (its SESOI, stated in its rule). Where the half-width of its 95% interval is within the "
        "SESOI, its runs resolve an effect of that size; where not, the last column gives the runs that would at the "
        "observed spread (the half-width shrinking as one over the square root of the runs). "
        + (
            f"Not resolved by their runs: {', '.join(short)}; a verdict there rests on the rule's other conditions, "
            "or is inconclusive and says how many seeds would decide it."
            if short
            else "Every key number is resolved by its runs."
        )
        + "\n\n"
        + md_table(found, "claim")
    )
