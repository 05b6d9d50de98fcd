"""Verdict rules: the first case whose condition holds decides; the words come from the same cases."""

import dataclasses

import pytest

from study import claims
from study.analysis.verdicts import NUANCED, REFUTED, SUPPORTED, VERDICTS, Rule

RULE = Rule(
    (REFUTED, "x is negative", lambda e: e["x"] < 0),
    (SUPPORTED, "x is above 10", lambda e: e["x"] > 10),
    otherwise=NUANCED,
)


@pytest.mark.parametrize("x, verdict", [(-1, REFUTED), (11, SUPPORTED), (5, NUANCED), (0, NUANCED)])
def test_first_matching_case_decides(x, verdict):
    assert RULE({"x": x}) == verdict


def test_text_lists_the_cases_in_order():
    assert RULE.text() == "refuted if x is negative; otherwise supported if x is above 10; otherwise nuanced."


def test_unknown_verdict_is_refused():
    with pytest.raises(ValueError, match="choose from"):
        Rule(("maybe", "always", lambda e: True), otherwise=NUANCED)


def test_every_claim_module_declares_what_the_report_needs():
    found = claims.modules()
    assert [m.CLAIM for m in found] == sorted((m.CLAIM for m in found), key=lambda c: int(c[1:]))
    for m in found:
        assert m.CLAIM in claims.CLAIMS
        assert m.__doc__ and m.__doc__.startswith(f"{m.CLAIM}:"), m.__name__
        assert m.EXPERIMENTS and m.FIGURES and isinstance(m.LITERATURE, str) and not hasattr(m, "finding")
        assert all(callable(getattr(m, f)) for f in ("evidence", "verdict", "text", "table"))
        assert dataclasses.is_dataclass(m.Evidence) and m.Evidence.__dataclass_params__.frozen
        assert isinstance(m.RULE, Rule) and m.RULE.otherwise in VERDICTS
