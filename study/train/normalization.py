"""Batch and layer normalisation of each model of a group on its own.

A group's hidden layer is a (K, batch, units) tensor: K models side by side. Each model
normalises only its own activations, as its plain Keras model does: batch normalisation
over its batch, per unit (axis 1); layer normalisation over its own units, per example
(the last axis), never over the K models' units together, which would couple the models.
The arithmetic is Keras's (`BatchNormalization`, `LayerNormalization` with their defaults:
epsilon 1e-3, momentum 0.99, scale and offset per unit), with the K models' scales,
offsets and moving statistics stacked as (K, units).
"""

from __future__ import annotations

from keras import layers, ops

EPSILON, MOMENTUM = 1e-3, 0.99  # Keras's defaults for both layers
KINDS = ("batchnorm", "layernorm")


def plain_layer(kind: str, name: str) -> layers.Layer:
    """The Keras layer a branch of `BranchNormalization(kind)` stands for."""
    if kind == "batchnorm":
        return layers.BatchNormalization(epsilon=EPSILON, momentum=MOMENTUM, name=name)
    return layers.LayerNormalization(epsilon=EPSILON, name=name)


class BranchNormalization(layers.Layer):
    """Input (K, batch, units), or the shared input (batch, units) for layer norm; output (K, batch, units)."""

    # The axes each model's statistics are taken over: the batch (batch norm) or its own units (layer norm).
    AXES = {"batchnorm": (-2,), "layernorm": (-1,)}

    def __init__(self, kind: str, branches: int, **kwargs):
        super().__init__(**kwargs)
        if kind not in KINDS:
            raise ValueError(f"unknown normalization '{kind}' (choose from {', '.join(KINDS)})")
        self.kind, self.branches = kind, branches

    def build(self, input_shape):
        shape = (self.branches, input_shape[-1])
        # the order of Keras's own layers' weights, so a branch's weights set a plain layer's directly
        self.gamma = self.add_weight(shape=shape, name="gamma", initializer="ones")
        self.beta = self.add_weight(shape=shape, name="beta", initializer="zeros")
        if self.kind == "batchnorm":
            self.moving_mean = self.add_weight(shape=shape, name="moving_mean", initializer="zeros", trainable=False)
            self.moving_variance = self.add_weight(
                shape=shape, name="moving_variance", initializer="ones", trainable=False
            )

    def call(self, x, training=None):
        if self.kind == "batchnorm" and not (training and self.trainable):  # evaluation, probes: moving averages
            mean, variance = self.moving_mean[:, None, :], self.moving_variance[:, None, :]
        else:
            mean, variance = ops.moments(x, axes=self.AXES[self.kind], keepdims=True)
            if self.kind == "batchnorm":
                self.moving_mean.assign(self.moving_mean * MOMENTUM + mean[:, 0, :] * (1.0 - MOMENTUM))
                self.moving_variance.assign(self.moving_variance * MOMENTUM + variance[:, 0, :] * (1.0 - MOMENTUM))
        inv = ops.rsqrt(variance + EPSILON) * self.gamma[:, None, :]
        return x * inv + (self.beta[:, None, :] - mean * inv)

    def compute_output_shape(self, input_shape):
        return (self.branches, *input_shape[-2:]) if len(input_shape) == 2 else input_shape

    def get_config(self):
        return {**super().get_config(), "kind": self.kind, "branches": self.branches}
