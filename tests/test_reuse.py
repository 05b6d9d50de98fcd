"""A group that takes over a kept model of its structure trains to the same numbers as a fresh one."""

import dataclasses

import pandas as pd
import pytest

from study.spec.config import GroupSpec
from study.train import engine, reuse

SPEC = GroupSpec(
    "mnist1d", depth=3, width=16, activations=("sigmoid", "relu"), seeds=(0, 1), epochs=3, n_train=600, probe_size=64
)


def numbers(spec):
    df, _ = engine.train_group(spec)
    return df[df["metric"] != "wall_time"].reset_index(drop=True)


@pytest.mark.parametrize("optimizer", ["adam", "momentum"])
def test_a_taken_over_model_trains_to_the_fresh_numbers(optimizer):
    spec = dataclasses.replace(SPEC, optimizer=optimizer)
    reuse.forget()
    fresh = numbers(spec)
    # another group of the same structure: other seeds, rate and initialiser, so every state differs
    other = dataclasses.replace(spec, seeds=(5, 7), learning_rate=0.01, initializer="he_normal")
    assert reuse.structure(other, engine.load_data(other)) == reuse.structure(spec, engine.load_data(spec))
    numbers(other)
    model_before = next(iter(reuse._models.values()))[0]
    again = numbers(spec)
    assert next(iter(reuse._models.values()))[0] is model_before  # taken over, not built anew
    pd.testing.assert_frame_equal(fresh, again, check_exact=True)
    assert not fresh.equals(numbers(other))  # the other group's numbers differ: the equality above is not trivial


def test_a_structure_key_that_misses_a_setting_is_caught(monkeypatch):
    reuse.forget()
    monkeypatch.setattr(reuse, "structure", lambda spec, data: "one key for every group")
    numbers(SPEC)
    with pytest.raises(RuntimeError, match="structure key misses a setting"):
        numbers(dataclasses.replace(SPEC, width=8))


def test_kept_models_are_bounded():
    reuse.forget()
    for width in range(4, 4 + reuse.KEEP + 2):
        engine.build_group(dataclasses.replace(SPEC, width=width), engine.load_data(SPEC))
    assert len(reuse._models) == reuse.KEEP
