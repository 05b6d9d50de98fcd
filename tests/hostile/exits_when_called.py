"""Imports cleanly, then calls sys.exit(0) when the activation is applied."""

import sys


def act(x):
    sys.exit(0)
