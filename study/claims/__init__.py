"""One module per claim of the source text: `study/claims/cNN_topic.py`.

Each claim module declares
    CLAIM        its id, "C7"
    EXPERIMENTS  the experiments whose stored runs it reads
    RULE         its verdict rule (`study.analysis.verdicts.Rule`), stated once
    LITERATURE   the published numbers its section compares against
    evidence(study) -> Evidence    the numbers: a frozen dataclass whose `key` is the key number
    verdict(evidence) -> str       the verdict, RULE applied to the evidence
    text(evidence) -> str          what the numbers say, in sentences
    table(evidence) -> DataFrame   the section's table
    mechanism(evidence) -> str     (optional) one sentence of the measurements behind the verdict, set side
                                   by side for the settings where the verdict changes
    FIGURES      {name: function(study) -> matplotlib figure}
    KEY_SESOI    (optional) the SESOI its key number is read against (default: its rule's first; None: none)
    FIGURES_NEED (optional) {figure name: the experiment it draws, where the claim reads it only when present}
so one file answers "how was C7 decided?", and the numbers can be tested without the prose.
Adding a claim is adding a module here.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from dataclasses import dataclass, field
from types import ModuleType

import numpy as np
import pandas as pd

from study.analysis.intervals import interval
from study.analysis.selection import MAIN_INIT, REFERENCE_DEPTH
from study.analysis.stats import Unpaired
from study.analysis.verdicts import INCONCLUSIVE, seeds_sentence
from study.claims.source import CLAIMS

MODULE_NAME = re.compile(r"^c(\d\d)_\w+$")


@dataclass(frozen=True)
class Key:
    """A claim's key number: what it is, its estimate with a 95% interval, the runs behind it, its unit.

    Unit "%" is a fraction shown as a percentage; "pp" a difference of fractions, in percentage points.
    """

    name: str
    value: float
    low: float
    high: float
    n: int
    unit: str = ""

    @classmethod
    def of(cls, name: str, estimate, unit: str = "") -> Key:
        """From a `stats.Estimate` or `stats.Equivalence`."""
        return cls(name, float(estimate.value), float(estimate.low), float(estimate.high), int(estimate.n), unit)

    def fmt(self) -> str:
        if self.unit in ("%", "pp"):
            return interval(self.value, self.low, self.high, self.unit)
        return interval(self.value, self.low, self.high) + (f" {self.unit}" if self.unit else "")

    def __str__(self) -> str:
        return f"{self.name} {self.fmt()}"

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "value": self.value,
            "interval": [self.low, self.high],
            "level": 0.95,
            "n": self.n,
            "unit": self.unit,
        }


@dataclass
class Finding:
    claim: str
    verdict: str
    key: Key  # the key number with its interval
    text: str  # what the numbers say, in sentences
    table: pd.DataFrame
    literature: str
    figures: list[str] = field(default_factory=list)
    rule: str = ""  # the verdict rule in words, from the claim module's RULE
    yours: pd.DataFrame = field(default_factory=pd.DataFrame)  # a user's activations against ReLU (claims.yours)
    settings: dict = field(default_factory=dict)  # {setting: (verdict, Key)} where the runs span several settings
    mechanisms: dict = field(default_factory=dict)  # {setting: the module's `mechanism` sentence}, where it has one
    evidence: object = None  # the claim module's evidence: the numbers behind the verdict and the text
    answer: str = ""  # a claim that asks a question (C11, C12): its answer in words, from the module's `answer`


def modules() -> list[ModuleType]:
    """Every claim module, in claim order."""
    names = sorted(
        (int(m.group(1)), info.name) for info in pkgutil.iter_modules(__path__) if (m := MODULE_NAME.match(info.name))
    )
    return [importlib.import_module(f"{__name__}.{name}") for _, name in names]


def unanswered(study) -> dict[str, str]:
    """{claim: why} for the claims these runs cannot answer."""
    why = {}
    for m in modules():
        if absent := [n for n in m.EXPERIMENTS if n not in study.experiments]:
            drawn = [n for n in m.EXPERIMENTS if n in study.experiments]
            why[m.CLAIM] = f"it needs {_names(absent)}, not among those drawn" + (
                f" (of its experiments only {_names(drawn)} {'was' if len(drawn) == 1 else 'were'} drawn)"
                if drawn
                else ""
            )
        elif not study.answers(m.EXPERIMENTS):
            why[m.CLAIM] = f"it needs every activation of {', '.join(m.EXPERIMENTS)}; the selection leaves some out"
        elif lost := [n for n in m.EXPERIMENTS if set(study.emptied([n])) >= {s.key() for s in study.specs(n)}]:
            why[m.CLAIM] = f"every model of every group of {', '.join(lost)} diverged"
    return why


def _names(names) -> str:
    names = [f"'{n}'" for n in names]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def answerable(study) -> list[ModuleType]:
    """The claim modules whose experiments are all among the study's, with all their activations,
    and none of whose experiments lost every model of every group to divergence (a claim reads the groups
    left; its text names those that diverged whole, `emptied_text`)."""
    skip = unanswered(study)
    return [m for m in modules() if m.CLAIM not in skip]


def seeds_text(k: int, n: int) -> str:
    """ "none", "all 10 seeds", "1 of 10 seeds": a count of seeds as a sentence says it."""
    return "none" if k == 0 else f"all {n} seeds" if k == n else f"{k} of {n} seeds"


def emptied_text(study, experiments) -> str:
    """A sentence naming the groups that lost every model to divergence, and which activations diverged."""
    lost = study.emptied(experiments)
    if not lost:
        return ""
    specs = {s.key(): s for n in experiments for s in study.specs(n)}
    gone = study.diverged()
    each = []
    for key in lost:
        s, models = specs[key], gone[gone["run"] == key].groupby("activation").size()
        each.append(
            f"depth {s.depth}, {s.optimizer} at {s.learning_rate:g}: "
            + ", ".join(f"{a} diverged in {seeds_text(models.get(a, 0), len(s.seeds))}" for a in s.activations)
        )
    return (
        f" Every model of {len(lost)} of its groups is left out, each seed's models with the one that diverged "
        f"(see Diverged models in the methods): {'; '.join(each)}. The rest of this section reads the other groups."
    )


def _finding(module, study) -> Finding:
    """The claim's evidence, its verdict, its text and its table, as one Finding."""
    try:
        e = module.evidence(study)
    except Unpaired:  # diverged models left one side of a paired comparison short
        return Finding(
            module.CLAIM,
            "not computed",
            Key("-", np.nan, np.nan, np.nan, 0),
            "Diverged models left out of "
            "these runs leave its paired comparisons with unequal seeds, so no verdict is given.",
            pd.DataFrame(),
            "",
        )
    verdict = module.verdict(e)
    undecided = (
        seeds_sentence(module.straddling(e), e.key.n)
        if verdict == INCONCLUSIVE and hasattr(module, "straddling")
        else ""
    )
    return Finding(
        module.CLAIM,
        verdict,
        e.key,
        module.text(e) + undecided + emptied_text(study, module.EXPERIMENTS),
        module.table(e),
        module.LITERATURE,
        evidence=e,
        answer=module.answer(e) if hasattr(module, "answer") else "",
    )


def findings(study, settings: bool = True) -> list[Finding]:
    """Each answerable claim's finding in the main setting; where its experiments are repeated in other
    settings (grid.SETTINGS), its verdict and key number there too, in `settings` (the main one first),
    unless `settings` is False. Computed once per study: the figures and the report read the same."""
    if ("findings", settings) not in study.cache:
        study.cache[("findings", settings)] = _findings(study, settings)
    return study.cache[("findings", settings)]


def figures_of(module: ModuleType, study) -> dict:
    """The claim's figures that the study's experiments can draw (FIGURES_NEED)."""
    need = getattr(module, "FIGURES_NEED", {})
    return {name: draw for name, draw in module.FIGURES.items() if need.get(name, None) in (None, *study.experiments)}


def _findings(study, settings: bool) -> list[Finding]:
    from study.claims import yours
    from study.spec.grid import MAIN_SETTING

    found = []
    for module in answerable(study):
        f = _finding(module, study)
        f.rule, f.figures = module.RULE.text(), list(figures_of(module, study))
        f.yours = yours.against_relu(study, module.EXPERIMENTS)
        found.append(f)
    by_claim = {f.claim: f for f in found}
    for setting in study.settings() if settings else []:
        sub = study.in_setting(setting)
        for module in answerable(sub):
            if module.CLAIM in by_claim:
                f, there = by_claim[module.CLAIM], _finding(module, sub)
                f.settings = f.settings or {MAIN_SETTING: (f.verdict, f.key)}
                f.settings[setting] = (there.verdict, there.key)
                if hasattr(module, "mechanism") and f.evidence is not None and there.evidence is not None:
                    f.mechanisms = f.mechanisms or {MAIN_SETTING: module.mechanism(f.evidence)}
                    f.mechanisms[setting] = module.mechanism(there.evidence)
    return found


__all__ = [
    "CLAIMS",
    "Finding",
    "Key",
    "REFERENCE_DEPTH",
    "MAIN_INIT",
    "modules",
    "answerable",
    "unanswered",
    "findings",
]
