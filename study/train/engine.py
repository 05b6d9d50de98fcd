"""Trains a group of branches (or, as the baseline, each branch alone) and measures it.

Every branch sees the same batches in the same order (a paired design). The group's loss
is the sum of its branch losses, so each branch receives exactly its own gradient; that
equivalence with the plain model is checked in the tests.
"""

from __future__ import annotations

import time

import keras
import numpy as np
import pandas as pd

from study.spec import datasets
from study.spec.config import GroupSpec
from study.train import feed, flips, models, reuse
from study.train.environment import environment
from study.train.measure import Meter


class BranchSumLoss(keras.losses.Loss):
    """Sum over branches of each branch's loss; y_pred is (batch, K, n_outputs).

    Classification: cross-entropy on logits. Regression: squared error of the one output.
    """

    def __init__(self, task="classification", name="branch_sum_loss", **kwargs):
        super().__init__(name=name, **kwargs)
        self.task = task

    def call(self, y_true, y_pred):
        if self.task == "regression":
            y = keras.ops.reshape(keras.ops.cast(y_true, y_pred.dtype), (-1, 1))
            return keras.ops.sum(keras.ops.square(y_pred[..., 0] - y), axis=1)
        y = keras.ops.cast(y_true, "int32")
        y = keras.ops.broadcast_to(keras.ops.reshape(y, (-1, 1)), keras.ops.shape(y_pred)[:2])
        ce = keras.ops.sparse_categorical_crossentropy(y, y_pred, from_logits=True)
        return keras.ops.sum(ce, axis=1)


def plain_loss(task: str) -> keras.losses.Loss:
    """The loss of one model trained alone: the same per-example loss as one branch of a group."""
    if task == "regression":
        return keras.losses.MeanSquaredError()
    return keras.losses.SparseCategoricalCrossentropy(from_logits=True)


def make_optimizer(spec: GroupSpec) -> keras.optimizers.Optimizer:
    if spec.optimizer == "adam":
        return keras.optimizers.Adam(spec.learning_rate)
    return keras.optimizers.SGD(spec.learning_rate, momentum=0.9 if spec.optimizer == "momentum" else 0.0)


def set_determinism(spec: GroupSpec, seed: int):
    """Seeds every generator Keras uses; asks TensorFlow for deterministic ops when set."""
    keras.utils.set_random_seed(seed)
    if keras.backend.backend() == "tensorflow" and spec.deterministic:
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()


def batch_orders(spec: GroupSpec, n: int):
    """The order of the training examples in each epoch, drawn as it is needed (an epoch's
    order holds n indices; all of them up front would grow with the epochs); shared by every
    branch and path."""
    rng = np.random.default_rng([spec.data_seed, 1])
    for _ in range(spec.epochs):
        yield rng.permutation(n)


def steps_per_execution(spec: GroupSpec, n: int) -> int:
    """Training steps per compiled call (up to an epoch's, at most 32): fewer returns to Python.
    Keras's PyTorch trainer takes only 1."""
    if keras.backend.backend() == "torch":
        return 1
    return max(1, min(32, -(-n // spec.batch_size)))


def compile_model(model, spec: GroupSpec, loss, n_train: int):
    model.compile(optimizer=make_optimizer(spec), loss=loss, steps_per_execution=steps_per_execution(spec, n_train))


def fit_epoch(model, spec: GroupSpec, data: datasets.Splits, order) -> float:
    """One pass over the training set in the given order; returns seconds."""
    t0 = time.perf_counter()
    feed.fit(model, data.x_train, data.y_train, order, spec.batch_size)
    return time.perf_counter() - t0


def trace_chunks(spec: GroupSpec, order):
    """An epoch's order cut after every `spec.trace_every` batches; the last chunk keeps the partial batch."""
    size = spec.trace_every * spec.batch_size
    return [order[i : i + size] for i in range(0, len(order), size)]


def load_data(spec: GroupSpec) -> datasets.Splits:
    return datasets.load(spec.dataset, n_train=spec.n_train, seed=spec.data_seed, inputs=spec.inputs)


def build_group(spec: GroupSpec, data: datasets.Splits):
    """The group's stacked model, seeded and compiled with the summed loss; returns (model, loss). A model of
    the same structure compiled earlier in this process is taken over (`reuse`): nothing is traced again."""
    if keras.config.dtype_policy().name != "float32" or keras.config.floatx() != "float32":
        raise RuntimeError(  # the key says float32: a group computed otherwise would be stored under it
            f"Keras's dtype policy is {keras.config.dtype_policy().name} (floatx {keras.config.floatx()}), not "
            "float32: something in this process changed it"
        )
    set_determinism(spec, spec.data_seed)

    def compile_(model):
        loss = BranchSumLoss(spec.task)
        compile_model(model, spec, loss, len(data.x_train))
        return loss

    return reuse.built(spec, data, lambda: new_group(spec, data), compile_)


def mlp_options(spec: GroupSpec) -> dict:
    """The MLP's normalisation and skips, passed only when set (the CNN takes neither)."""
    options = {"normalization": spec.normalization, "residual": spec.residual}
    return {k: v for k, v in options.items() if v != GroupSpec.__dataclass_fields__[k].default}


def new_group(spec: GroupSpec, data: datasets.Splits):
    """The group's stacked model, freshly built from its initial weights; nothing compiled or traced."""
    group = models.stacked(
        spec.architecture,
        spec.depth,
        spec.width,
        spec.branches,
        data.n_features,
        data.n_outputs,
        spec.initializer,
        spec.activity_l1,
        **mlp_options(spec),
    )
    if spec.sign_twins:
        flips.start_as_twins(group, spec.branches)
    return group


def train_group(spec: GroupSpec, data: datasets.Splits | None = None, progress=None) -> tuple[pd.DataFrame, dict]:
    """Trains one group and returns its long-format metrics and run information."""
    if spec.benchmark == "cost":  # not a training run: the cost benchmark, stored the same way
        from study.train import cost  # imported here: the benchmark needs none of the training code's set-up

        return cost.measure(spec, progress)
    start = time.perf_counter()
    data = data or load_data(spec)
    model, loss = build_group(spec, data)
    meter = Meter(spec, model, loss, data)
    wall = 0.0
    meter(0, wall)
    if spec.trace_every:
        meter.trace(0)
    for epoch, order in enumerate(batch_orders(spec, len(data.x_train)), start=1):
        if spec.trace_every:  # the epoch in chunks of whole batches: the same batches, traced between chunks
            step = (epoch - 1) * spec.steps_per_epoch(len(order))
            for chunk in trace_chunks(spec, order):
                wall += fit_epoch(model, spec, data, chunk)
                step += spec.steps_per_epoch(len(chunk))
                meter.trace(step)
        else:
            wall += fit_epoch(model, spec, data, order)
        meter(epoch, wall)
        if progress:
            progress(epoch)
    info = {
        "wall_time_s": wall,
        "total_time_s": time.perf_counter() - start,
        "n_train": len(data.x_train),
        "n_val": len(data.x_val),
        "n_test": len(data.x_test),
        "n_features": data.n_features,
        "n_outputs": data.n_outputs,
        "steps_per_execution": steps_per_execution(spec, len(data.x_train)),
        **environment(spec),
    }
    return meter.recorder.frame(), info


def fit_group(spec: GroupSpec, data: datasets.Splits | None = None, epoch_times: list | None = None) -> keras.Model:
    """Builds and trains a group without measuring it (the engine's side of the benchmark);
    each epoch's seconds are appended to `epoch_times` when given."""
    data = data or load_data(spec)
    model, _ = build_group(spec, data)
    times = [] if epoch_times is None else epoch_times
    for order in batch_orders(spec, len(data.x_train)):
        times.append(fit_epoch(model, spec, data, order))
    return model


def train_plain(
    spec: GroupSpec, data: datasets.Splits | None = None, epoch_times: list | None = None
) -> dict[tuple[str, int], keras.Model]:
    """The baseline: each branch built, compiled and trained alone, on the group's batches;
    each model's list of epoch seconds is appended to `epoch_times` when given."""
    data = data or load_data(spec)
    trained = {}
    for act, seed in spec.branches:
        set_determinism(spec, spec.data_seed)
        model = models.plain(
            spec.architecture,
            spec.depth,
            spec.width,
            act,
            data.n_features,
            data.n_outputs,
            spec.initializer,
            seed,
            spec.activity_l1,
            **mlp_options(spec),
        )
        compile_model(model, spec, plain_loss(spec.task), len(data.x_train))
        times = [fit_epoch(model, spec, data, order) for order in batch_orders(spec, len(data.x_train))]
        if epoch_times is not None:
            epoch_times.append(times)
        trained[(act, seed)] = model
    return trained
