"""Verdicts, and the rules that decide them: each condition stated once, in words and in code.

A claim module declares its rule as a `Rule` of ordered cases. The report prints
`rule.text()`, and the finding's verdict is `rule(evidence)`: the words and the code of a
condition sit side by side in one declaration, so they cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

SUPPORTED, REFUTED, NUANCED, NOT_TESTABLE = "supported", "refuted", "nuanced", "not testable here"
VERDICTS = (SUPPORTED, REFUTED, NUANCED, NOT_TESTABLE)


@dataclass(frozen=True)
class Case:
    verdict: str
    condition: str  # in words, as the report prints it
    holds: Callable[[object], bool]  # the same condition on the claim's evidence (a dataclass of numbers)


class Rule:
    """Cases tried in order; the first whose condition holds gives the verdict, else `otherwise`."""

    def __init__(self, *cases: tuple[str, str, Callable[[object], bool]], otherwise: str):
        self.cases = [Case(*c) for c in cases]
        self.otherwise = otherwise
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
        return "; otherwise ".join(parts) + f"; otherwise {self.otherwise}."
