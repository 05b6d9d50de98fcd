"""Verdicts, and the rules that decide them: each condition stated once, in words and in code.

A claim module declares its rule as a `Rule` of ordered cases. The report prints
`rule.text()`, and the finding's verdict is `rule(evidence)`: the words and the code of a
condition sit side by side in one declaration, so they cannot drift apart.

A rule also states the smallest effect size of interest (SESOI) of each quantity it decides on, with
its reason: a difference counts only when its 95% interval lies beyond the SESOI, an equivalence only
when the interval lies within plus or minus the SESOI; an interval that straddles it decides nothing,
and the verdict it leads to is `inconclusive`, with the seeds that would decide at the observed spread.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

SUPPORTED, REFUTED, NUANCED, INCONCLUSIVE, NOT_TESTABLE = (
    "supported",
    "refuted",
    "nuanced",
    "inconclusive",
    "not testable here",
)
VERDICTS = (SUPPORTED, REFUTED, NUANCED, INCONCLUSIVE, NOT_TESTABLE)
BEYOND, BELOW, WITHIN, STRADDLES = "beyond", "below", "within", "straddles"


@dataclass(frozen=True)
class Sesoi:
    """The smallest effect size of interest of one quantity: a difference smaller than `size` does not matter."""

    size: float
    quantity: str  # what differs, in words: "test accuracy", "relevance AUC"
    unit: str  # "pp" (a difference of fractions, written in points), "x" (a ratio's distance from 1), "" (as is)
    why: str  # one line

    def text(self) -> str:
        size = f"{100 * self.size:g} pp" if self.unit == "pp" else f"{self.size:g}{self.unit and ' ' + self.unit}"
        return f"{size} of {self.quantity} ({self.why})"

    def decide(self, low: float, high: float) -> str:
        """Where a difference's interval lies: BEYOND +size, BELOW -size, WITHIN +-size, or STRADDLES a bound."""
        if low > self.size:
            return BEYOND
        if high < -self.size:
            return BELOW
        if -self.size < low and high < self.size:
            return WITHIN
        return STRADDLES

    def seeds_to_decide(self, value: float, low: float, high: float, seeds: int) -> int | None:
        """The seeds an interval of the observed spread needs to clear the nearest bound (its width shrinking
        as 1/sqrt(seeds)); None where the estimate sits on a bound, which no number of seeds decides."""
        margin = abs(abs(value) - self.size)
        half = (high - low) / 2
        if margin == 0 or not math.isfinite(half):
            return None
        return max(seeds, math.ceil(seeds * (half / margin) ** 2))


@dataclass(frozen=True)
class Case:
    verdict: str
    condition: str  # in words, as the report prints it
    holds: Callable[[object], bool]  # the same condition on the claim's evidence (a dataclass of numbers)


class Rule:
    """Cases tried in order; the first whose condition holds gives the verdict, else `otherwise`; `sesoi`, the
    smallest effects of interest the conditions use, printed with them."""

    def __init__(self, *cases: tuple[str, str, Callable[[object], bool]], otherwise: str, sesoi: tuple = ()):
        self.cases = [Case(*c) for c in cases]
        self.otherwise = otherwise
        self.sesoi = tuple(sesoi)
        for v in [c.verdict for c in self.cases] + [otherwise]:
            if v not in VERDICTS:
                raise ValueError(f"unknown verdict '{v}' (choose from {', '.join(VERDICTS)})")

    def __call__(self, evidence) -> str:
        for case in self.cases:
            if case.holds(evidence):
                return case.verdict
        return self.otherwise

    def text(self) -> str:
        parts = [f"{c.verdict} if {c.condition}" for c in self.cases]
        smallest = "; ".join(s.text() for s in self.sesoi)
        return (
            "; otherwise ".join(parts)
            + f"; otherwise {self.otherwise}."
            + (f" Smallest effect that matters: {smallest}." if smallest else "")
        )


def seeds_sentence(straddling, seeds: int) -> str:
    """For an inconclusive verdict: the seeds that would decide every interval that straddles its SESOI, at the
    observed spread. `straddling`: (estimate, sesoi, centre) triples, the estimate read as a difference from
    `centre` (0, or a predicted value such as 1/2)."""
    needed = [
        s.seeds_to_decide(e.value - centre, e.low - centre, e.high - centre, seeds) for e, s, centre in straddling
    ]
    if not needed:
        return ""
    if any(n is None for n in needed):
        return " An interval sits on its smallest effect of interest: no number of seeds would decide it."
    return f" At the observed spread, about {max(needed)} seeds (now {seeds}) would decide it."
