"""What an activation costs to compute: a benchmark stored like a run (C8).

For each activation: the forward pass and the forward+backward pass (the derivative through
autodiff) on float32 tensors from cache-sized to well beyond the last-level cache, compiled
where the backend compiles (tf.function, jax.jit; PyTorch runs eagerly), and a full training
step of the reference MLP (Keras `train_on_batch`). Every repeat times each activation back to
back in a rotated order, so ratios to ReLU are taken within a repeat, under the same machine
load; the spec's `epochs` are the repeats, after one untimed warm-up.

Rows: activation, seed 0, epoch = repeat, layer = tensor size in elements (-1 for the training
step), metric forward_s / backward_s / train_step_s (seconds per call).
"""

from __future__ import annotations

import time

import keras
import numpy as np
import pandas as pd

from study.spec import activations
from study.spec.config import GroupSpec
from study.train import models
from study.train.environment import environment
from study.train.measure import COLUMNS

SIZES = (2**12, 2**16, 2**20, 2**23)  # float32: 16 KB, 256 KB, 4 MB, 32 MB
MIN_SECONDS = 0.002  # each timing runs enough calls to last about this long


def _compiled(fn):
    """(forward, forward+backward) of an elementwise function, compiled by the backend where it can."""
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        def grad(x):
            with tf.GradientTape() as tape:
                tape.watch(x)
                y = tf.reduce_sum(fn(x))
            return tape.gradient(y, x)

        return tf.function(fn), tf.function(grad)
    if backend == "jax":
        import jax
        import jax.numpy as jnp

        return jax.jit(fn), jax.jit(jax.grad(lambda x: jnp.sum(fn(x))))
    import torch

    def grad_torch(x):
        x = x.detach().requires_grad_(True)
        return torch.autograd.grad(fn(x).sum(), x)[0]

    return fn, grad_torch


def _sync(y):
    """Waits for y: timings of asynchronous devices end when the work does."""
    backend = keras.backend.backend()
    if backend == "jax":
        y.block_until_ready()
    elif backend == "torch":
        import torch

        if torch.cuda.is_available():
            torch.cuda.synchronize()
    else:
        y[:1].numpy()


def _per_call(fn, arg, calls) -> float:
    _sync(fn(arg))
    t0 = time.perf_counter()
    for _ in range(calls):
        y = fn(arg)
    _sync(y)
    return (time.perf_counter() - t0) / calls


def _calls(fn, arg) -> int:
    """How many calls make a timing of about MIN_SECONDS (from one timed call)."""
    return max(1, int(MIN_SECONDS / max(_per_call(fn, arg, 1), 1e-7)))


def _train_step(spec: GroupSpec, name: str, x, y):
    model = models.plain_mlp(spec.depth, spec.width, name, x.shape[1], 10, spec.initializer, 0)
    model.compile(
        optimizer=keras.optimizers.Adam(spec.learning_rate),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    model.train_on_batch(x, y)  # builds and traces

    def step(_):
        return keras.ops.reshape(keras.ops.convert_to_tensor(model.train_on_batch(x, y)), (1,))

    return step


def measure(spec: GroupSpec, progress=None) -> tuple[pd.DataFrame, dict]:
    """Times every activation of the spec, `spec.epochs` repeats; returns rows and run information."""
    begin = time.perf_counter()
    names = list(spec.activations)
    rng = np.random.default_rng(spec.data_seed)
    tensors = {n: keras.ops.convert_to_tensor(rng.normal(size=n).astype(np.float32)) for n in SIZES}
    passes = {name: _compiled(activations.get(name).fn) for name in names}
    x = rng.normal(size=(spec.batch_size, 40)).astype(np.float32)
    y = rng.integers(0, 10, spec.batch_size)
    steps = {name: _train_step(spec, name, x, y) for name in names}
    calls = {}  # fixed per (activation, size, pass) after the warm-up, so every repeat does the same work
    for name in names:
        for size, t in tensors.items():
            for i, fn in enumerate(passes[name]):
                calls[(name, size, i)] = _calls(fn, t)
        calls[(name, -1, 0)] = _calls(steps[name], None)
    rows = []
    t_start = time.perf_counter()
    for repeat in range(spec.epochs):
        order = names[repeat % len(names) :] + names[: repeat % len(names)]  # who goes first rotates
        for size, t in tensors.items():
            for name in order:
                for i, metric in enumerate(("forward_s", "backward_s")):
                    seconds = _per_call(passes[name][i], t, calls[(name, size, i)])
                    rows.append((name, 0, repeat, size, metric, seconds, 0))
        for name in order:
            rows.append((name, 0, repeat, -1, "train_step_s", _per_call(steps[name], None, calls[(name, -1, 0)]), 0))
        if progress:
            progress(repeat + 1)
    info = {
        "wall_time_s": time.perf_counter() - t_start,
        "sizes": list(SIZES),
        "calls": {f"{n} {s} {i}": c for (n, s, i), c in calls.items()},
        **environment(spec),
    }
    info["total_time_s"] = time.perf_counter() - begin  # the warm-up and calibration too
    return pd.DataFrame(rows, columns=COLUMNS), info
