"""The report on modern networks: where a verdict changes with normalisation or skips, the section sets each
setting's measurements side by side, the abstract names the change, and the limitations name the models."""

import re

import numpy as np
import pandas as pd
import pytest

from study import claims
from study.claims import Finding, Key
from study.report import robustness, sections
from study.report.document import model_families
from study.spec.config import GroupSpec


def finding(settings, mechanisms):
    key = Key("k", 0.5, 0.4, 0.6, 10)
    return Finding("C6", "supported", key, "", pd.DataFrame(), "", settings=settings, mechanisms=mechanisms)


def test_where_a_verdict_changes_each_settings_measurements_are_set_side_by_side():
    key = Key("k", 0.5, 0.4, 0.6, 10)
    changed = finding(
        {"main": ("refuted", key), "batchnorm": ("supported", key)},
        {"main": "ratio 0.001", "batchnorm": "ratio 0.9"},
    )
    assert (
        robustness.mechanisms(changed) == " What the measurements show: in main, ratio 0.001; in batchnorm, ratio 0.9."
    )
    same = finding({"main": ("refuted", key), "batchnorm": ("refuted", key)}, {"main": "a", "batchnorm": "b"})
    assert robustness.mechanisms(same) == ""
    assert robustness.mechanisms(finding({"main": ("refuted", key), "cnn": ("supported", key)}, {})) == ""


def test_the_abstract_names_the_settings_where_a_verdict_changes():
    entry = {
        "verdict": "supported",
        "settings": [
            {"setting": "main", "verdict": "supported"},
            {"setting": "batchnorm", "verdict": "refuted"},
            {"setting": "residual", "verdict": "supported"},
            {"setting": "resnorm", "verdict": "nuanced"},
        ],
    }
    assert sections.changes(entry) == " Another verdict in batchnorm: refuted; resnorm: nuanced (Robustness)."
    assert sections.changes({"verdict": "supported", "settings": entry["settings"][:1]}) == ""
    assert sections.changes({"verdict": "supported"}) == ""


def spec(**changes):
    base = dict(dataset="mnist1d", depth=4, width=8, activations=("relu",), seeds=(0,), epochs=1)
    return GroupSpec(**{**base, **changes})


def test_the_limitations_name_the_models_the_runs_span():
    assert model_families([spec()]) == "one family of models (MLPs)"
    assert "1-D CNNs" in model_families([spec(), spec(architecture="cnn")])
    modern = model_families(
        [spec(), spec(normalization="batchnorm", depth=32), spec(normalization="layernorm", residual=True)]
    )
    assert "batch normalisation, layer normalisation, skips" in modern and "up to depth 32" in modern
    assert "small families" not in modern


MECHANISMS = [m for m in claims.modules() if hasattr(m, "mechanism")]


def test_the_depth_claims_state_their_mechanism():
    assert [m.CLAIM for m in MECHANISMS] == ["C1", "C2", "C6", "C9", "C10", "C12"]


@pytest.mark.parametrize("module", MECHANISMS, ids=lambda m: m.CLAIM)
def test_a_mechanism_sentence_carries_its_evidence_numbers(module, smoke_study):
    e = module.evidence(smoke_study)
    text = module.mechanism(e)
    numbers = re.findall(r"-?\d+(?:\.\d+)?", text)
    assert len(numbers) >= 2 and "nan" not in text.lower()
    assert f"depth-{getattr(e, 'depth', getattr(e, 'depth_a', None))}" in text


def test_a_smoke_setting_with_skips_and_layer_norm_is_read_like_the_others(smoke_study):
    """The smoke profile repeats the gradients experiment in resnorm: C6 gets a verdict and a mechanism there."""
    f = next(f for f in claims.findings(smoke_study) if f.claim == "C6")
    assert "resnorm" in f.settings and "resnorm" in f.mechanisms
    verdict, key = f.settings["resnorm"]
    assert verdict in ("supported", "refuted", "nuanced") and np.isfinite(key.value)
