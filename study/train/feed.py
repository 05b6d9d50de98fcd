"""The training split fed to Keras in a given order, one batch after another.

Under TensorFlow, `model.fit` on NumPy arrays builds a new tf.data pipeline on every call (its
map functions traced anew): tens of milliseconds (bench/README.md), and a group calls
`fit` once an epoch (or once a traced chunk). Here the pipeline is built once per training split
and batch size: the split stays in memory as tensors, the order is a variable set before each
call, and each batch is gathered from it. The batches are the arrays `x[order]` cut every
`batch_size` rows, so training takes the same numbers (tested). JAX and PyTorch take the arrays.
"""

from __future__ import annotations

import keras
import numpy as np


class Feed:
    """One training split and batch size, as a tf.data pipeline whose order is set per call."""

    def __init__(self, x, y, batch_size: int):
        import tensorflow as tf

        self.sources, self.batch_size = (x, y), batch_size  # the arrays kept: a new one is never mistaken for them
        with tf.device("/CPU:0"):  # where tf.data runs its map functions, on a machine with a GPU too
            self.order = tf.Variable(np.zeros(len(x), np.int64), trainable=False)
            self.x, self.y = tf.constant(x), tf.constant(y)
        self._pipelines = {}  # by the number of examples a call takes: an epoch, or a traced chunk

    def pipeline(self, n: int):
        import tensorflow as tf

        if n not in self._pipelines:
            b, order, x, y = self.batch_size, self.order, self.x, self.y

            def batch(i):
                rows = order[i * b : tf.minimum((i + 1) * b, n)]
                return tf.gather(x, rows), tf.gather(y, rows)

            self._pipelines[n] = tf.data.Dataset.range(-(-n // b)).map(batch)
        return self._pipelines[n]

    def fit(self, model, order):
        self.order[: len(order)].assign(np.asarray(order, np.int64))
        model.fit(self.pipeline(len(order)), epochs=1, shuffle=False, verbose=0)


_kept: list[Feed] = []  # the latest feed only: a worker's groups come one after another


def fit(model, x, y, order, batch_size: int):
    """One pass over x[order], y[order] in batches of `batch_size` (the last one partial)."""
    if keras.backend.backend() != "tensorflow":
        model.fit(x[order], y[order], batch_size=batch_size, epochs=1, shuffle=False, verbose=0)
        return
    if not (_kept and _kept[0].sources[0] is x and _kept[0].sources[1] is y and _kept[0].batch_size == batch_size):
        _kept[:] = [Feed(x, y, batch_size)]
    _kept[0].fit(model, order)
