"""An activation whose value depends on an environment variable (HOSTILE_SLOPE), not on its source alone."""

import os

from keras import ops


def act(x):
    return ops.leaky_relu(x, negative_slope=float(os.environ.get("HOSTILE_SLOPE", "0.01")))
