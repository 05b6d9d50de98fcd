"""The reference MLP, and the stacked group that trains K copies of it side by side.

The reference model is `Input -> depth x Dense(width, activation) -> Dense(classes)`; its
modern variants put a normalisation layer between each Dense and its activation, and identity
skips around the hidden layers whose widths match (`normalization`, `residual`).
A group holds K such models ("branches") in one Keras model: each layer keeps K weight
stacks and applies them with one batched matmul, so K models cost about one model's
overhead. Branch k of a group starts from exactly the weights `plain_mlp` would draw for
the same initializer and seed, and `unstack(group, k)` returns it as a plain model.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import layers, ops

from study.spec import activations
from study.train.initializers import StackedInitializer, layer_seed, seeded_initializer
from study.train.normalization import BranchNormalization, plain_layer


def layout(normalization: str, residual: bool) -> tuple[bool, bool]:
    """(pre-norm, post-norm): layer norm before the Dense in a residual net (h + act(Dense(LN(h))), the
    transformer's pre-norm form); otherwise any normalisation between the Dense and its activation."""
    prenorm = residual and normalization == "layernorm"
    return prenorm, normalization != "none" and not prenorm


def plain_mlp(
    depth,
    width,
    activation,
    n_features,
    n_outputs,
    initializer="glorot_uniform",
    seed=0,
    activity_l1=0.0,
    normalization="none",
    residual=False,
):
    """The reference model: one call builds it, `summary()` shows it. `n_outputs`: classes, or 1.

    `activity_l1` adds activity_l1 x (sum of |hidden activations|) / batch size to the loss, per
    hidden layer: Keras's L1 activity regulariser, the penalty of Glorot et al. (2011).
    """
    act = activations.get(activation)
    inputs = keras.Input((n_features,), name="x")
    h = inputs
    penalty = keras.regularizers.L1(activity_l1) if activity_l1 else None
    prenorm, postnorm = layout(normalization, residual)
    for i in range(depth):
        u = plain_layer("layernorm", f"prenorm_{i}")(h) if prenorm else h
        kernel = seeded_initializer(initializer, layer_seed(seed, i))
        if postnorm:  # Dense without bias (the normalisation's offset is one) -> normalisation -> activation
            z = layers.Dense(width, use_bias=False, name=f"hidden_{i}", kernel_initializer=kernel)(u)
            z = plain_layer(normalization, f"norm_{i}")(z)
            a = layers.Activation(act.fn, activity_regularizer=penalty, name=f"act_{i}")(z)
        else:
            a = layers.Dense(
                width, activation=act.fn, name=f"hidden_{i}", activity_regularizer=penalty, kernel_initializer=kernel
            )(u)
        h = layers.Add(name=f"skip_{i}")([h, a]) if residual and h.shape[-1] == width else a
    logits = layers.Dense(
        n_outputs, name="logits", kernel_initializer=seeded_initializer(initializer, layer_seed(seed, depth))
    )(h)
    safe = "".join(c if c.isalnum() or c in "_." else "_" for c in activation)  # a user's is module:function@hash
    return keras.Model(inputs, logits, name=f"mlp_{safe}_d{depth}")


class StackedDense(layers.Layer):
    """K independent affine maps. Input (batch, in) or (K, batch, in); output (K, batch, units)."""

    def __init__(self, units, initializer, seeds, use_bias=True, **kwargs):
        super().__init__(**kwargs)
        self.units, self.initializer, self.seeds, self.use_bias = units, initializer, list(seeds), use_bias

    def build(self, input_shape):
        k = len(self.seeds)
        self.kernel = self.add_weight(
            shape=(k, input_shape[-1], self.units),
            name="kernel",
            initializer=StackedInitializer(self.initializer, self.seeds),
        )
        self.bias = self.add_weight(shape=(k, self.units), name="bias", initializer="zeros") if self.use_bias else None

    def call(self, x):
        if len(x.shape) == 2:  # the shared input of the first layer
            y = ops.einsum("bi,kio->kbo", x, self.kernel)
        else:
            y = ops.matmul(x, self.kernel)
        return y + self.bias[:, None, :] if self.use_bias else y

    def get_config(self):
        return {
            **super().get_config(),
            "units": self.units,
            "initializer": self.initializer,
            "seeds": self.seeds,
            "use_bias": self.use_bias,
        }


def blocks_of(names) -> list[tuple[str, int, int]]:
    """(name, start, stop) for each block of equal consecutive names: a group's branches of one activation."""
    blocks = []
    for k, name in enumerate(names):
        if blocks and blocks[-1][0] == name:
            blocks[-1][2] = k + 1
        else:
            blocks.append([name, k, k + 1])
    return [tuple(b) for b in blocks]


class BranchActivation(layers.Layer):
    """Applies branch k's activation to slice k of a (K, batch, units) tensor, and adds each
    branch's L1 activity penalty (as `plain_mlp`'s) to the loss when `activity_l1` is set."""

    def __init__(self, names, activity_l1=0.0, **kwargs):
        super().__init__(**kwargs)
        self.names, self.activity_l1 = list(names), activity_l1
        self._blocks = blocks_of(self.names)  # a block of equal names is one call: fewer ops per step

    def call(self, z):
        if len(self._blocks) == 1:
            a = activations.get(self._blocks[0][0])(z)
        else:
            # One split, not a slice per run: a split's gradient is one concatenation, where each
            # slice's gradient is a zero-padded copy of the whole tensor, summed (40% of a step).
            parts = ops.split(z, [start for _, start, _ in self._blocks[1:]], axis=0)
            a = ops.concatenate([activations.get(name)(p) for (name, _, _), p in zip(self._blocks, parts)], axis=0)
        if self.activity_l1:  # the sum over branches of each one's penalty, divided by the batch, not by K
            self.add_loss(self.activity_l1 * ops.sum(ops.abs(a)) / ops.cast(ops.shape(a)[1], a.dtype))
        return a

    def get_config(self):
        return {**super().get_config(), "names": self.names, "activity_l1": self.activity_l1}


def stacked_mlp(
    depth,
    width,
    branches,
    n_features,
    n_outputs,
    initializer="glorot_uniform",
    activity_l1=0.0,
    normalization="none",
    residual=False,
):
    """A group of K reference models; `branches` is a list of (activation, seed).

    The output is (batch, K, n_outputs): branch outputs side by side.
    """
    names = [a for a, _ in branches]
    for name in names:
        activations.get(name)
    inputs = keras.Input((n_features,), name="x")
    h = inputs
    prenorm, postnorm = layout(normalization, residual)
    for i in range(depth):
        seeds = [layer_seed(s, i) for _, s in branches]
        u = BranchNormalization("layernorm", len(branches), name=f"prenorm_{i}")(h) if prenorm else h
        z = StackedDense(width, initializer, seeds, use_bias=not postnorm, name=f"hidden_{i}")(u)
        if postnorm:
            z = BranchNormalization(normalization, len(branches), name=f"norm_{i}")(z)
        a = BranchActivation(names, activity_l1, name=f"act_{i}")(z)
        h = ops.add(h, a) if residual and h.shape[-1] == width else a
    seeds = [layer_seed(s, depth) for _, s in branches]
    logits = StackedDense(n_outputs, initializer, seeds, name="logits")(h)
    outputs = ops.transpose(logits, (1, 0, 2))
    group = keras.Model(inputs, outputs, name=f"group_d{depth}_k{len(branches)}")
    group.__dict__["study_options"] = {"normalization": normalization, "residual": residual}  # for `unstack`
    return group


# The 1-D CNN (after the MNIST-1D project's convolutional baseline, Greydanus & Kobak 2024): `depth`
# convolutions of `width` channels, the first 5 wide and the others 3, each on its input padded with one
# zero at either end and with stride 2, then a dense head on the flattened channels.
def conv_shape(layer: int) -> tuple[int, int, int]:
    """(window, stride, padding) of convolution `layer`."""
    return (5 if layer == 0 else 3), 2, 1


def plain_cnn(depth, width, activation, n_features, n_outputs, initializer="glorot_uniform", seed=0, activity_l1=0.0):
    """The reference CNN built from Keras's own layers: the model `stacked_cnn`'s branches stand for."""
    act = activations.get(activation)
    inputs = keras.Input((n_features,), name="x")
    h = layers.Reshape((n_features, 1))(inputs)
    penalty = keras.regularizers.L1(activity_l1) if activity_l1 else None
    for i in range(depth):
        window, stride, pad = conv_shape(i)
        h = layers.ZeroPadding1D(pad)(h)
        h = layers.Conv1D(
            width,
            window,
            strides=stride,
            activation=act.fn,
            name=f"hidden_{i}",
            activity_regularizer=penalty,
            kernel_initializer=seeded_initializer(initializer, layer_seed(seed, i)),
        )(h)
    logits = layers.Dense(
        n_outputs, name="logits", kernel_initializer=seeded_initializer(initializer, layer_seed(seed, depth))
    )(layers.Flatten()(h))
    return keras.Model(inputs, logits, name=f"cnn_d{depth}")


class StackedConv1D(layers.Layer):
    """K independent 1-D convolutions as one batched matrix product over windows (im2col).
    Input (batch, length, channels), shared, or (K, batch, length, channels); output (K, batch, length', units)."""

    def __init__(self, units, window, stride, pad, initializer, seeds, **kwargs):
        super().__init__(**kwargs)
        self.units, self.window, self.stride, self.pad = units, window, stride, pad
        self.initializer, self.seeds = initializer, list(seeds)

    def build(self, input_shape):
        k = len(self.seeds)
        self.kernel = self.add_weight(
            shape=(k, self.window, input_shape[-1], self.units),
            name="kernel",
            initializer=StackedInitializer(self.initializer, self.seeds),
        )
        self.bias = self.add_weight(shape=(k, self.units), name="bias", initializer="zeros")

    def call(self, x):
        x = ops.pad(x, [[0, 0]] * (len(x.shape) - 2) + [[self.pad, self.pad], [0, 0]])
        out = (x.shape[-2] - self.window) // self.stride + 1
        # The windows gathered in one op, (..., out, window, channels): a strided slice per tap gave the same
        # patches, but its gradient is a zero-padded copy of the whole input per tap (two thirds of the step time).
        rows = np.arange(out)[:, None] * self.stride + np.arange(self.window)[None, :]
        patches = ops.take(x, rows, axis=-2)
        spec = "blwc,kwco->kblo" if len(x.shape) == 3 else "kblwc,kwco->kblo"
        return ops.einsum(spec, patches, self.kernel) + self.bias[:, None, None, :]

    def get_config(self):
        return {
            **super().get_config(),
            "units": self.units,
            "window": self.window,
            "stride": self.stride,
            "pad": self.pad,
            "initializer": self.initializer,
            "seeds": self.seeds,
        }


class BranchFlatten(layers.Layer):
    """(K, batch, length, channels) -> (K, batch, length x channels), in Keras's Flatten order."""

    def call(self, x):
        return ops.reshape(x, (x.shape[0], -1, x.shape[2] * x.shape[3]))


def stacked_cnn(depth, width, branches, n_features, n_outputs, initializer="glorot_uniform", activity_l1=0.0):
    """A group of K reference CNNs; `branches` is a list of (activation, seed). Output (batch, K, n_outputs)."""
    names = [a for a, _ in branches]
    for name in names:
        activations.get(name)
    inputs = keras.Input((n_features,), name="x")
    h = layers.Reshape((n_features, 1))(inputs)
    for i in range(depth):
        seeds = [layer_seed(s, i) for _, s in branches]
        z = StackedConv1D(width, *conv_shape(i), initializer, seeds, name=f"hidden_{i}")(h)
        h = BranchActivation(names, activity_l1, name=f"act_{i}")(z)
    seeds = [layer_seed(s, depth) for _, s in branches]
    logits = StackedDense(n_outputs, initializer, seeds, name="logits")(BranchFlatten()(h))
    return keras.Model(inputs, ops.transpose(logits, (1, 0, 2)), name=f"cnn_group_d{depth}_k{len(branches)}")


ARCHITECTURES = {"mlp": (plain_mlp, stacked_mlp), "cnn": (plain_cnn, stacked_cnn)}


def plain(architecture, *args, **kwargs):
    return ARCHITECTURES[architecture][0](*args, **kwargs)


def stacked(architecture, *args, **kwargs):
    return ARCHITECTURES[architecture][1](*args, **kwargs)


def hidden_layers(group):
    """The (StackedDense, BranchActivation) pair of every hidden layer, input side first."""
    pairs, i = [], 0
    while True:
        try:
            pairs.append((group.get_layer(f"hidden_{i}"), group.get_layer(f"act_{i}")))
        except ValueError:
            return pairs
        i += 1


def _kept(group, name, make):
    """A model made from the group's layers, made once per group model: its compiled predict function is
    kept with it, for the next group that takes the model over (`study.train.reuse`)."""
    made = group.__dict__.setdefault("_study_parts", {})
    if name not in made:
        made[name] = make()
    return made[name]


def probe_model(group):
    """A model giving, per hidden layer, pre-activations z (what enters the nonlinearity, after any
    normalisation) and activations a (its output, before any skip is added), each (K, batch, units)."""
    outs = [out for _, act in hidden_layers(group) for out in (act.input, act.output)]
    return _kept(group, "probe", lambda: keras.Model(group.input, outs))


def preactivation_model(group):
    """A model giving each hidden layer's pre-activations z, (K, batch, units): the activation pattern."""
    return _kept(group, "preactivation", lambda: keras.Model(group.input, [a.input for _, a in hidden_layers(group)]))


def layer_parameters(group) -> list[list]:
    """Per hidden layer, the kernel and the scales and offsets of its normalisation: what its gradient norm covers."""
    found = []
    for i, (dense, _) in enumerate(hidden_layers(group)):
        norms = [layer for name in (f"prenorm_{i}", f"norm_{i}") for layer in group.layers if layer.name == name]
        found.append([dense.kernel, *(v for layer in norms for v in (layer.gamma, layer.beta))])
    return found


def branch_weights(group, k) -> list[np.ndarray]:
    """Branch k's weights in the order its plain model's `get_weights()` lists them."""
    return [ops.convert_to_numpy(w)[k] for layer in group.layers for w in layer.weights]


def unstack(group, k):
    """Branch k of a group as a plain reference model with the same weights."""
    pairs = hidden_layers(group)
    head = group.get_layer("logits")
    dense0, act0 = pairs[0]
    cnn = isinstance(dense0, StackedConv1D)
    model = (plain_cnn if cnn else plain_mlp)(
        len(pairs),
        dense0.units,
        act0.names[k],
        group.input.shape[-1],
        head.units,
        dense0.initializer,
        activity_l1=act0.activity_l1,
        **({} if cnn else group.__dict__["study_options"]),
    )
    for layer in model.layers:
        if layer.weights:
            layer.set_weights([ops.convert_to_numpy(w)[k] for w in group.get_layer(layer.name).weights])
    return model
