"""What an activation is: its function, its derivative and its formula, on any Keras backend."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

SATURATION_LEVEL = 0.05  # a unit is saturated where |f'(z)| < 5% of max |f'|


class _LazyOps:
    """keras.ops, imported on first use: listing or checking names needs no backend."""

    def __getattr__(self, name):
        from keras import ops as keras_ops

        return getattr(keras_ops, name)


ops = _LazyOps()


@dataclass(frozen=True)
class Activation:
    name: str
    fn: Callable
    derivative: Callable
    formula: str
    bounded: bool = False  # saturates on both sides (sigmoid, tanh)
    max_derivative: float = 1.0
    kinked: bool = False  # piecewise linear with one kink at 0: a net of it is piecewise linear in x
    values: tuple = ()  # a user's: its values on a fixed grid, stored with its runs to check them when reused

    def __call__(self, x):
        return self.fn(x)
