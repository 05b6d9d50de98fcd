"""One compiled model per structure in a process: a worker that trains many groups traces each kind once.

Keras traces (TensorFlow) or compiles (JAX) a model's training, prediction and probe functions
on first use, seconds per group, which for a group of a few seconds of training is most of its
time. A group whose structure (every setting that shapes the computation) matches a model built
earlier in the process takes that model over: its weights are set to the group's own initial
weights (drawn exactly as a fresh build draws them) and its optimiser is reset to its initial
state at the group's rate, so it trains to the same numbers as a fresh model (tested) without
tracing anything again.
"""

from __future__ import annotations

from collections import OrderedDict

import keras

KEEP = 4  # models kept per process: a worker's recent structures, not every structure of a sweep
_models: OrderedDict = OrderedDict()


def structure(spec, data) -> tuple:
    """What shapes the traced functions: models, layers, activations, data shapes, penalty, optimiser, loss."""
    return (
        keras.backend.backend(),
        spec.architecture,
        spec.depth,
        spec.width,
        tuple(a for a, _ in spec.branches),
        data.n_features,
        data.n_outputs,
        len(data.x_train),
        spec.batch_size,
        spec.activity_l1,
        spec.normalization,
        spec.residual,
        spec.optimizer,
        spec.task,
    )


def forget():
    """Drops every kept model (a benchmark that times building and tracing starts from none)."""
    _models.clear()


def take_over(model, fresh, learning_rate: float):
    """Gives `model` the variables of `fresh` (same structure, just built) and an optimiser as new."""
    old, new = model.variables, fresh.variables
    if [(v.path, tuple(v.shape)) for v in old] != [(v.path, tuple(v.shape)) for v in new]:
        raise RuntimeError("a kept model's variables differ from a fresh build's: its structure key misses a setting")
    for target, source in zip(old, new):
        target.assign(source.value)
    for v in model.optimizer.variables:  # steps, moments: zero, as when the optimiser is built
        v.assign(keras.ops.zeros(v.shape, v.dtype))
    model.optimizer.learning_rate = learning_rate


def built(spec, data, build, compile_):
    """The group's model and loss: `build()` makes a fresh model (weights only, nothing traced);
    `compile_(model)` compiles one and returns its loss. A kept model of the same structure is
    taken over instead of compiling the fresh one."""
    key = structure(spec, data)
    fresh = build()
    if key in _models:
        _models.move_to_end(key)
        model, loss = _models[key]
        take_over(model, fresh, spec.learning_rate)
        return model, loss
    loss = compile_(fresh)
    _models[key] = (fresh, loss)
    while len(_models) > KEEP:
        _models.popitem(last=False)
    return fresh, loss
