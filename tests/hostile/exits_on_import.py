"""Calls sys.exit(0) while it is imported."""

import sys

from keras import ops

sys.exit(0)


def act(x):
    return ops.relu(x)
