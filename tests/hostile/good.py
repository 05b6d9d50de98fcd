"""A well-behaved activation: mish (Misra 2019)."""

from keras import ops


def mish(x):
    return x * ops.tanh(ops.softplus(x))
