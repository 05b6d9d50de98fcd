"""Tanh with a derivative that is not its derivative."""

from keras import ops


def act(x):
    return ops.tanh(x)


def _twice(x):
    return 2 * (1 - ops.tanh(x) ** 2)


act.derivative = _twice
