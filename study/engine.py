"""Trains a group of branches (or, as the baseline, each branch alone) and measures it.

Every branch sees the same batches in the same order (a paired design). The group's loss
is the sum of its branch losses, so each branch receives exactly its own gradient; that
equivalence with the plain model is checked in the tests.
"""

from __future__ import annotations

import os
import platform
import time
from importlib import metadata

import keras
import numpy as np
import pandas as pd

from study import activations, datasets, gradients, models, probes
from study.provenance import git_commit
from study.config import GroupSpec

DIVERGENCE_FACTOR = 10.0  # diverged: loss not finite or above 10 x its value at initialisation


class BranchSumLoss(keras.losses.Loss):
    """Sum over branches of each branch's cross-entropy; y_pred is (batch, K, classes)."""

    def __init__(self, name="branch_sum_loss", **kwargs):
        super().__init__(name=name, **kwargs)

    def call(self, y_true, y_pred):
        y = keras.ops.cast(y_true, "int32")
        y = keras.ops.broadcast_to(keras.ops.reshape(y, (-1, 1)), keras.ops.shape(y_pred)[:2])
        ce = keras.ops.sparse_categorical_crossentropy(y, y_pred, from_logits=True)
        return keras.ops.sum(ce, axis=1)


def set_determinism(spec: GroupSpec, seed: int):
    """Seeds every generator Keras uses; asks TensorFlow for deterministic ops when set."""
    keras.utils.set_random_seed(seed)
    if keras.backend.backend() == "tensorflow" and spec.deterministic:
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()


def device() -> str:
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        gpus = tf.config.list_physical_devices("GPU")
        if not gpus:
            return "CPU"
        name = tf.config.experimental.get_device_details(gpus[0]).get("device_name", "unknown")
        return f"GPU ({len(gpus)}x {name})"
    if backend == "jax":
        import jax

        d = jax.devices()[0]
        return f"{d.platform.upper()} ({d.device_kind})"
    if backend == "torch":
        import torch

        return f"GPU ({torch.cuda.get_device_name(0)})" if torch.cuda.is_available() else "CPU"
    return "unknown"


def environment(spec: GroupSpec) -> dict:
    """Backend, device, versions and the commit of the code: stored with every run."""
    backend = keras.backend.backend()
    packages = ["keras", "numpy", "pandas", "scikit-learn", "mnist1d",
                {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch"}.get(backend, backend)]
    versions = {}
    for p in packages:
        try:
            versions[p] = metadata.version(p)
        except metadata.PackageNotFoundError:
            versions[p] = None
    return {"backend": backend, "device": device(), "commit": git_commit(), "python": platform.python_version(),
            "platform": platform.platform(), "versions": versions,
            "op_determinism": backend == "tensorflow" and spec.deterministic,
            "cpu_count": os.cpu_count()}


def batch_orders(spec: GroupSpec, n: int):
    """The order of the training examples in each epoch; shared by every branch and path."""
    rng = np.random.default_rng([spec.data_seed, 1])
    return [rng.permutation(n) for _ in range(spec.epochs)]


def steps_per_execution(spec: GroupSpec, n: int) -> int:
    return max(1, min(32, -(-n // spec.batch_size)))


def compile_model(model, spec: GroupSpec, loss, n_train: int):
    model.compile(optimizer=keras.optimizers.Adam(spec.learning_rate), loss=loss,
                  steps_per_execution=steps_per_execution(spec, n_train))


def fit_epoch(model, spec: GroupSpec, data: datasets.Splits, order) -> float:
    """One pass over the training set in the given order; returns seconds."""
    t0 = time.perf_counter()
    model.fit(data.x_train[order], data.y_train[order], batch_size=spec.batch_size,
              epochs=1, shuffle=False, verbose=0)
    return time.perf_counter() - t0


def _log_softmax(logits):
    logits = logits.astype(np.float64)
    shifted = logits - logits.max(-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(-1, keepdims=True))


def branch_scores(logits, y):
    """Per-branch mean cross-entropy and accuracy; logits (batch, K, classes)."""
    logp = _log_softmax(logits)
    picked = np.take_along_axis(logp, y[:, None, None].astype(np.int64), axis=-1)[..., 0]
    return -picked.mean(0), (logits.argmax(-1) == y[:, None]).mean(0)


def load_data(spec: GroupSpec) -> datasets.Splits:
    return datasets.load(spec.dataset, n_train=spec.n_train, seed=spec.data_seed)


def build_group(spec: GroupSpec, data: datasets.Splits):
    """The group's stacked model, seeded and compiled with the summed loss; returns (model, loss)."""
    set_determinism(spec, spec.data_seed)
    model = models.stacked_mlp(spec.depth, spec.width, spec.branches, data.n_features,
                               data.n_classes, spec.initializer)
    loss = BranchSumLoss()
    compile_model(model, spec, loss, len(data.x_train))
    return model, loss


class Recorder:
    """Collects long-format rows: (activation, seed, epoch, layer, metric, value)."""

    def __init__(self, spec: GroupSpec):
        self.branches = spec.branches
        self.rows = []

    def add(self, epoch, metric, values, layer=-1):
        for (act, seed), v in zip(self.branches, values):
            self.rows.append((act, seed, epoch, layer, metric, float(v)))

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows, columns=["activation", "seed", "epoch", "layer", "metric", "value"])


def train_group(spec: GroupSpec, data: datasets.Splits | None = None, progress=None) -> tuple[pd.DataFrame, dict]:
    """Trains one group and returns its long-format metrics and run information."""
    data = data or load_data(spec)
    model, loss = build_group(spec, data)
    acts = [activations.get(a) for a, _ in spec.branches]
    layer_outputs = models.probe_model(model)
    kernels = [d.kernel for d, _ in models.hidden_layers(model)]
    x_probe, y_probe = data.x_train[: spec.probe_size], data.y_train[: spec.probe_size]
    rec = Recorder(spec)
    splits = {"train": (data.x_train, data.y_train), "val": (data.x_val, data.y_val),
              "test": (data.x_test, data.y_test)}
    first_loss = None
    wall = 0.0

    def measure(epoch):
        nonlocal first_loss
        for split, (x, y) in splits.items():
            ce, acc = branch_scores(keras.ops.convert_to_numpy(model(x, training=False)), y)
            rec.add(epoch, f"{split}_loss", ce)
            rec.add(epoch, f"{split}_accuracy", acc)
            if split == "train":
                first_loss = ce if first_loss is None else first_loss
                diverged = ~np.isfinite(ce) | (ce > DIVERGENCE_FACTOR * first_loss)
                rec.add(epoch, "diverged", diverged.astype(float))
        rec.add(epoch, "wall_time", [wall] * len(acts))
        if epoch not in spec.record_epochs:
            return
        outs = [keras.ops.convert_to_numpy(o) for o in layer_outputs(x_probe, training=False)]
        norms = gradients.kernel_grad_norms(model, loss, x_probe, y_probe, kernels)
        for layer in range(spec.depth):
            z, a = outs[2 * layer], outs[2 * layer + 1]
            per_branch = [probes.layer_metrics(z[k], a[k], act) for k, act in enumerate(acts)]
            for metric in per_branch[0]:
                rec.add(epoch, metric, [m[metric] for m in per_branch], layer)
            rec.add(epoch, "grad_norm", norms[layer], layer)

    measure(0)
    for epoch, order in enumerate(batch_orders(spec, len(data.x_train)), start=1):
        wall += fit_epoch(model, spec, data, order)
        measure(epoch)
        if progress:
            progress(epoch)
    info = {"wall_time_s": wall, "n_train": len(data.x_train), "n_val": len(data.x_val),
            "n_test": len(data.x_test), "n_features": data.n_features, "n_classes": data.n_classes,
            "steps_per_execution": steps_per_execution(spec, len(data.x_train)),
            **environment(spec)}
    return rec.frame(), info


def train_and_store(results, spec: GroupSpec) -> str:
    """Trains one group and stores it: the unit of work of a process pool or a job array."""
    from study import store

    store.save(results, spec, *train_group(spec))
    return spec.key()


def fit_group(spec: GroupSpec, data: datasets.Splits | None = None) -> keras.Model:
    """Builds and trains a group without measuring it (the engine's side of the benchmark)."""
    data = data or load_data(spec)
    model, _ = build_group(spec, data)
    for order in batch_orders(spec, len(data.x_train)):
        fit_epoch(model, spec, data, order)
    return model


def train_plain(spec: GroupSpec, data: datasets.Splits | None = None) -> dict[tuple[str, int], keras.Model]:
    """The baseline: each branch built, compiled and trained alone, on the group's batches."""
    data = data or load_data(spec)
    orders = batch_orders(spec, len(data.x_train))
    trained = {}
    for act, seed in spec.branches:
        set_determinism(spec, spec.data_seed)
        model = models.plain_mlp(spec.depth, spec.width, act, data.n_features, data.n_classes,
                                 spec.initializer, seed)
        compile_model(model, spec, keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                      len(data.x_train))
        for order in orders:
            fit_epoch(model, spec, data, order)
        trained[(act, seed)] = model
    return trained
