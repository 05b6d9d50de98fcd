"""A leaky ReLU whose slope lives in a helper module."""

from keras import ops

from helped.slopes import SLOPE


def leaky(x):
    return ops.leaky_relu(x, negative_slope=SLOPE)
