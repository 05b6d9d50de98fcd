"""The reference MLP, and the stacked group that trains K copies of it side by side.

The reference model is `Input -> depth x Dense(width, activation) -> Dense(classes)`.
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


def layer_seed(seed: int, layer: int) -> int:
    """The initializer seed of one layer of one model: independent across layers."""
    return 1000 * seed + layer


def initial_kernel(name: str, seed: int, shape: tuple[int, ...]) -> np.ndarray:
    """A kernel drawn with NumPy from the seed, so that every Keras backend starts from the same
    weights (each backend's own random generator draws different ones): (fan_in, fan_out) for a
    dense layer, (width, in, out) for a 1-D convolution, whose fans count the window as Keras's do.
    The distributions are Keras's (`config.INITIALIZERS`); legacy_uniform is Glorot & Bengio's
    (2010) "standard" U[-1/sqrt(fan_in), 1/sqrt(fan_in)], a third of the variance that keeps
    the signal's scale through a linear layer."""
    window = int(np.prod(shape[:-2]))
    fan_in, fan_out = shape[-2] * window, shape[-1] * window
    rng = np.random.default_rng(seed)
    if name == "glorot_uniform":
        limit = np.sqrt(6.0 / (fan_in + fan_out))
        return rng.uniform(-limit, limit, shape)
    if name == "legacy_uniform":
        limit = 1.0 / np.sqrt(fan_in)
        return rng.uniform(-limit, limit, shape)
    if name in ("he_normal", "lecun_normal"):  # truncated at two standard deviations, variance kept
        std = np.sqrt((2.0 if name == "he_normal" else 1.0) / fan_in) / 0.87962566103423978
        w = rng.normal(0.0, 1.0, shape)
        while (outside := np.abs(w) > 2).any():
            w[outside] = rng.normal(0.0, 1.0, outside.sum())
        return std * w
    if name == "orthogonal":  # as Keras: QR of a Gaussian matrix, signs fixed by R's diagonal
        rows, cols = int(np.prod(shape[:-1])), shape[-1]  # a convolution's as its (window x in, out) matrix
        q, r = np.linalg.qr(rng.normal(0.0, 1.0, (max(rows, cols), min(rows, cols))))
        q = q * np.sign(np.diag(r))
        return (q.T if rows < cols else q).reshape(shape)
    raise ValueError(
        f"unknown initializer '{name}' (choose from glorot_uniform, he_normal, legacy_uniform, "
        "orthogonal, lecun_normal)"
    )


class SeededInitializer(keras.initializers.Initializer):
    """`initial_kernel` as a Keras initializer."""

    def __init__(self, name: str, seed: int):
        self.name, self.seed = name, seed

    def __call__(self, shape, dtype=None):
        return ops.convert_to_tensor(initial_kernel(self.name, self.seed, tuple(shape)), dtype=dtype or "float32")

    def get_config(self):
        return {"name": self.name, "seed": self.seed}


def seeded_initializer(name: str, seed: int) -> keras.initializers.Initializer:
    initial_kernel(name, 0, (1, 1))  # an unknown name fails here, not when the model is built
    return SeededInitializer(name, seed)


def plain_mlp(depth, width, activation, n_features, n_outputs, initializer="glorot_uniform", seed=0, activity_l1=0.0):
    """The reference model: one call builds it, `summary()` shows it. `n_outputs`: classes, or 1.

    `activity_l1` adds activity_l1 x (sum of |hidden activations|) / batch size to the loss, per
    hidden layer: Keras's L1 activity regulariser, the penalty of Glorot et al. (2011).
    """
    act = activations.get(activation)
    inputs = keras.Input((n_features,), name="x")
    h = inputs
    penalty = keras.regularizers.L1(activity_l1) if activity_l1 else None
    for i in range(depth):
        h = layers.Dense(
            width,
            activation=act.fn,
            name=f"hidden_{i}",
            activity_regularizer=penalty,
            kernel_initializer=seeded_initializer(initializer, layer_seed(seed, i)),
        )(h)
    logits = layers.Dense(
        n_outputs, name="logits", kernel_initializer=seeded_initializer(initializer, layer_seed(seed, depth))
    )(h)
    safe = "".join(c if c.isalnum() or c in "_." else "_" for c in activation)  # a user's is module:function@hash
    return keras.Model(inputs, logits, name=f"mlp_{safe}_d{depth}")


class StackedInitializer(keras.initializers.Initializer):
    """Draws each branch's (fan_in, fan_out) kernel as `plain_mlp` would, then stacks them."""

    def __init__(self, name, seeds):
        self.name, self.seeds = name, list(seeds)

    def __call__(self, shape, dtype=None):
        kernels = np.stack([initial_kernel(self.name, s, tuple(shape[1:])) for s in self.seeds])
        return ops.convert_to_tensor(kernels, dtype=dtype or "float32")

    def get_config(self):
        return {"name": self.name, "seeds": self.seeds}


class StackedDense(layers.Layer):
    """K independent affine maps. Input (batch, in) or (K, batch, in); output (K, batch, units)."""

    def __init__(self, units, initializer, seeds, **kwargs):
        super().__init__(**kwargs)
        self.units, self.initializer, self.seeds = units, initializer, list(seeds)

    def build(self, input_shape):
        k = len(self.seeds)
        self.kernel = self.add_weight(
            shape=(k, input_shape[-1], self.units),
            name="kernel",
            initializer=StackedInitializer(self.initializer, self.seeds),
        )
        self.bias = self.add_weight(shape=(k, self.units), name="bias", initializer="zeros")

    def call(self, x):
        if len(x.shape) == 2:  # the shared input of the first layer
            y = ops.einsum("bi,kio->kbo", x, self.kernel)
        else:
            y = ops.matmul(x, self.kernel)
        return y + self.bias[:, None, :]

    def get_config(self):
        return {**super().get_config(), "units": self.units, "initializer": self.initializer, "seeds": self.seeds}


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


def stacked_mlp(depth, width, branches, n_features, n_outputs, initializer="glorot_uniform", activity_l1=0.0):
    """A group of K reference models; `branches` is a list of (activation, seed).

    The output is (batch, K, n_outputs): branch outputs side by side.
    """
    names = [a for a, _ in branches]
    for name in names:
        activations.get(name)
    inputs = keras.Input((n_features,), name="x")
    h = inputs
    for i in range(depth):
        seeds = [layer_seed(s, i) for _, s in branches]
        z = StackedDense(width, initializer, seeds, name=f"hidden_{i}")(h)
        h = BranchActivation(names, activity_l1, name=f"act_{i}")(z)
    seeds = [layer_seed(s, depth) for _, s in branches]
    logits = StackedDense(n_outputs, initializer, seeds, name="logits")(h)
    outputs = ops.transpose(logits, (1, 0, 2))
    return keras.Model(inputs, outputs, name=f"group_d{depth}_k{len(branches)}")


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
        span = self.stride * (out - 1) + 1
        patches = ops.stack([x[..., t : t + span : self.stride, :] for t in range(self.window)], axis=-2)
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
    """A model giving, per hidden layer, pre-activations z and activations a, each (K, batch, units)."""
    outs = [out for dense, act in hidden_layers(group) for out in (dense.output, act.output)]
    return _kept(group, "probe", lambda: keras.Model(group.input, outs))


def preactivation_model(group):
    """A model giving each hidden layer's pre-activations z, (K, batch, units): the activation pattern."""
    return _kept(group, "preactivation", lambda: keras.Model(group.input, [d.output for d, _ in hidden_layers(group)]))


def unstack(group, k):
    """Branch k of a group as a plain reference model with the same weights."""
    pairs = hidden_layers(group)
    head = group.get_layer("logits")
    dense0, act0 = pairs[0]
    build = plain_cnn if isinstance(dense0, StackedConv1D) else plain_mlp
    model = build(
        len(pairs),
        dense0.units,
        act0.names[k],
        group.input.shape[-1],
        head.units,
        dense0.initializer,
        activity_l1=act0.activity_l1,
    )
    weights = []
    for dense in [d for d, _ in pairs] + [head]:
        weights += [ops.convert_to_numpy(dense.kernel)[k], ops.convert_to_numpy(dense.bias)[k]]
    model.set_weights(weights)
    return model
