"""Per-layer weight-gradient norms of every branch of a group, one implementation per Keras backend.

Because a group's loss is the sum of its branch losses, one gradient call gives each
branch its own gradient; reducing over all axes but the branch axis gives per-branch norms.
The gradient is the one training takes: in training mode, so batch normalisation normalises
with the probe batch's statistics (its moving averages, which training mode updates, are put
back afterwards; a net without batch norm computes the same in either mode).
"""

from __future__ import annotations

import keras
import numpy as np


def _tensorflow(model, loss_fn, x, y, kernels):
    import tensorflow as tf

    key = (id(loss_fn), tuple(id(k) for k in kernels))
    cached = getattr(model, "_study_kernel_grads", None)
    if cached is None or cached[0] != key:  # traced once per model, loss and kernels

        @tf.function(reduce_retracing=True)
        def grads(x, y):
            with tf.GradientTape() as tape:
                loss = loss_fn(y, model(x, training=True))
            return tape.gradient(loss, kernels)

        cached = (key, grads)
        model._study_kernel_grads = cached
    return [g.numpy() for g in cached[1](tf.convert_to_tensor(x), tf.convert_to_tensor(y))]


def _jax(model, loss_fn, x, y, kernels):
    import jax

    wanted = [next(i for i, v in enumerate(model.trainable_variables) if v is k) for k in kernels]
    key = (id(loss_fn), tuple(wanted))
    cached = getattr(model, "_study_kernel_grads", None)
    if cached is None or cached[0] != key:  # compiled once per model, loss and kernels, not traced every call

        def loss_of(trainable, non_trainable, x, y):
            out, _ = model.stateless_call(trainable, non_trainable, x, training=True)  # updated statistics dropped
            return loss_fn(y, out)

        cached = (key, jax.jit(jax.grad(loss_of)))
        model._study_kernel_grads = cached
    trainable = [v.value for v in model.trainable_variables]
    non_trainable = [v.value for v in model.non_trainable_variables]
    grads = cached[1](trainable, non_trainable, x, y)
    return [np.asarray(grads[i]) for i in wanted]


def _torch(model, loss_fn, x, y, kernels):
    import torch

    for k in kernels:
        k.value.grad = None
    loss = loss_fn(torch.as_tensor(y), model(x, training=True))
    return [g.detach().cpu().numpy() for g in torch.autograd.grad(loss, [k.value for k in kernels])]


BACKENDS = {"tensorflow": _tensorflow, "jax": _jax, "torch": _torch}


def kernel_grad_norms(model, loss_fn, x, y, parameters) -> np.ndarray:
    """(layers, branches) L2 norms of d loss / d parameters, for stacked (K, ...) variables; `parameters`
    lists each layer's variables (its kernel, and its normalisation's scales and offsets where it has one)."""
    flat = [v for layer in parameters for v in layer]
    kept = [(v, keras.ops.convert_to_numpy(v.value)) for v in model.non_trainable_variables]
    grads = BACKENDS[keras.backend.backend()](model, loss_fn, x, y, flat)
    for v, value in kept:  # the moving averages as training left them
        v.assign(value)
    squares = iter([(g.astype(np.float64) ** 2).sum(axis=tuple(range(1, g.ndim))) for g in grads])
    return np.stack([np.sqrt(sum(next(squares) for _ in layer)) for layer in parameters])
