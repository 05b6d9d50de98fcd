"""Verdict rules: the first case whose condition holds decides; the words come from the same cases."""

import dataclasses

import pytest

from study import claims
from study.analysis.verdicts import (
    BELOW,
    BEYOND,
    INCONCLUSIVE,
    NUANCED,
    REFUTED,
    STRADDLES,
    SUPPORTED,
    VERDICTS,
    WITHIN,
    Rule,
    Sesoi,
)

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
        # every rule states its smallest effects of interest, each with its reason, and prints them
        assert m.RULE.sesoi and all(isinstance(x, Sesoi) and x.why for x in m.RULE.sesoi), m.CLAIM
        assert "Smallest effect that matters: " in m.RULE.text(), m.CLAIM


# The smallest effect size of interest: a difference counts beyond it, an equivalence within it, else nothing.
ONE_POINT = Sesoi(0.01, "test accuracy", "pp", "one point of accuracy is the smallest gain a user would act on")


@pytest.mark.parametrize(
    "low, high, where",
    [
        (0.02, 0.05, BEYOND),  # the whole interval above +1 pp
        (-0.05, -0.02, BELOW),
        (-0.005, 0.008, WITHIN),  # the whole interval within +-1 pp: equivalent
        (0.005, 0.03, STRADDLES),  # significant (above 0) but not beyond the SESOI
        (-0.02, 0.005, STRADDLES),
        (-0.02, 0.02, STRADDLES),
    ],
)
def test_an_interval_is_placed_against_the_smallest_effect_of_interest(low, high, where):
    assert ONE_POINT.decide(low, high) == where


def test_the_seeds_that_would_decide_follow_the_observed_spread():
    # +2 pp [+0.5, +3.5] with 10 seeds: half-width 1.5 pp, 1 pp from the bound: (1.5 / 1)^2 x 10 = 22.5 -> 23
    assert ONE_POINT.seeds_to_decide(0.02, 0.005, 0.035, 10) == 23
    # +0.5 pp [-1, +2]: half-width 1.5 pp, 0.5 pp inside the bound: (1.5 / 0.5)^2 x 10 = 90
    assert ONE_POINT.seeds_to_decide(0.005, -0.01, 0.02, 10) == 90
    assert ONE_POINT.seeds_to_decide(0.01, 0.0, 0.02, 10) is None  # on the bound: no number of seeds decides
    assert ONE_POINT.seeds_to_decide(0.03, 0.025, 0.035, 10) == 10  # decided already


def test_a_rule_prints_its_smallest_effect_with_its_reason_and_may_end_inconclusive():
    rule = Rule(
        (SUPPORTED, "the gain is beyond 1 pp", lambda d: ONE_POINT.decide(*d) == BEYOND),
        (REFUTED, "the gain is within +-1 pp", lambda d: ONE_POINT.decide(*d) in (WITHIN, BELOW)),
        otherwise=INCONCLUSIVE,
        sesoi=(ONE_POINT,),
    )
    assert rule.text().endswith(
        "otherwise inconclusive. Smallest effect that matters: 1 pp of test accuracy (one point of accuracy is the "
        "smallest gain a user would act on)."
    )
    assert [rule(d) for d in [(0.02, 0.03), (-0.005, 0.005), (0.005, 0.03)]] == [SUPPORTED, REFUTED, INCONCLUSIVE]


def test_an_inconclusive_verdict_says_how_many_seeds_would_decide_it():
    from study.analysis.stats import Estimate
    from study.analysis.verdicts import seeds_sentence

    gain = Estimate(0.02, 0.005, 0.035, 10)  # +2 pp [+0.5, +3.5]: straddles +1 pp
    assert (
        seeds_sentence([(gain, ONE_POINT, 0.0)], 10)
        == " At the observed spread, about 23 seeds (now 10) would decide it."
    )
    factor = Estimate(0.62, 0.55, 0.69, 10)  # a factor read against 1/2: +0.12 [+0.05, +0.19] against 0.1
    assert "about 123 seeds" in seeds_sentence([(factor, Sesoi(0.1, "factor", "", "why"), 0.5)], 10)
    assert "no number of seeds" in seeds_sentence([(Estimate(0.01, 0.0, 0.02, 10), ONE_POINT, 0.0)], 10)
    assert seeds_sentence([], 10) == ""
    for m in claims.modules():  # every rule that can end inconclusive names what straddles
        if INCONCLUSIVE in {c.verdict for c in m.RULE.cases} | {m.RULE.otherwise}:
            assert callable(getattr(m, "straddling", None)), m.CLAIM
