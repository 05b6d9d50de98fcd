"""The evidence of claim C1 on the smoke profile's stored runs: its numbers and the verdict, no prose."""

import dataclasses

import pytest

from study.analysis.verdicts import VERDICTS
from study.claims import c01_sparsity as c1


@pytest.fixture(scope="module")
def e1(smoke_study):
    return c1.evidence(smoke_study)


def test_c1_relu_leaves_exact_zeros_and_sigmoid_and_tanh_none(e1):
    assert dataclasses.is_dataclass(e1)
    relu, sigmoid, tanh = (e1.measures[a]["exact_zero"] for a in ("relu", "sigmoid", "tanh"))
    assert 0.1 < relu.low <= relu.value <= relu.high < 0.9  # about half of a ReLU layer is off
    assert sigmoid.high == tanh.high == e1.saturating_zero == 0
    for measures in e1.measures.values():
        for est in measures.values():
            assert 0 <= est.low <= est.value <= est.high <= 1


def test_c1_verdict_follows_its_rule_from_the_numbers(e1):
    assert c1.verdict(e1) == c1.RULE(e1) in VERDICTS
    assert e1.key.value == e1.relu_zero.value and e1.key.unit == "%"
    assert e1.sparser == all(d.low > 0 for d in e1.near_zero_above.values())
    assert set(e1.near_zero_above) == {"sigmoid", "tanh"}
