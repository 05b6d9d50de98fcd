"""The reference MLP, and the stacked group that trains K copies of it side by side.

The reference model is `Input -> depth x Dense(width, activation) -> Dense(classes)`.
A group holds K such models ("branches") in one Keras model: each layer keeps K weight
stacks and applies them with one batched matmul, so K models cost about one model's
overhead. Branch k of a group starts from exactly the weights `plain_mlp` would draw for
the same initializer and seed, and `unstack(group, k)` returns it as a plain model.
"""

from __future__ import annotations

import keras
from keras import layers, ops

from study import activations


def layer_seed(seed: int, layer: int) -> int:
    """The initializer seed of one layer of one model: independent across layers."""
    return 1000 * seed + layer


class LegacyUniform(keras.initializers.Initializer):
    """U[-1/sqrt(fan_in), 1/sqrt(fan_in)]: the "standard" initialisation of Glorot & Bengio (2010).

    Its variance is 1/(3 fan_in), a third of what keeps the signal's scale through a linear layer.
    """

    def __init__(self, seed=None):
        self.seed = seed

    def __call__(self, shape, dtype=None):
        limit = 1.0 / float(shape[0]) ** 0.5
        return keras.random.uniform(shape, -limit, limit, dtype=dtype, seed=self.seed)

    def get_config(self):
        return {"seed": self.seed}


def seeded_initializer(name: str, seed: int) -> keras.initializers.Initializer:
    base = LegacyUniform() if name == "legacy_uniform" else keras.initializers.get(name)
    config = base.get_config()
    if "seed" not in config:
        raise ValueError(f"initializer '{name}' takes no seed")
    config["seed"] = seed
    return base.__class__.from_config(config)


def plain_mlp(depth, width, activation, n_features, n_outputs, initializer="glorot_uniform", seed=0):
    """The reference model: one call builds it, `summary()` shows it. `n_outputs`: classes, or 1."""
    act = activations.get(activation)
    inputs = keras.Input((n_features,), name="x")
    h = inputs
    for i in range(depth):
        h = layers.Dense(width, activation=act.fn, name=f"hidden_{i}",
                         kernel_initializer=seeded_initializer(initializer, layer_seed(seed, i)))(h)
    logits = layers.Dense(n_outputs, name="logits",
                          kernel_initializer=seeded_initializer(initializer, layer_seed(seed, depth)))(h)
    return keras.Model(inputs, logits, name=f"mlp_{activation}_d{depth}")


class StackedInitializer(keras.initializers.Initializer):
    """Draws each branch's (fan_in, fan_out) kernel as `plain_mlp` would, then stacks them."""

    def __init__(self, name, seeds):
        self.name, self.seeds = name, list(seeds)

    def __call__(self, shape, dtype=None):
        return ops.stack([seeded_initializer(self.name, s)(shape[1:], dtype=dtype) for s in self.seeds])

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
            shape=(k, input_shape[-1], self.units), name="kernel",
            initializer=StackedInitializer(self.initializer, self.seeds))
        self.bias = self.add_weight(shape=(k, self.units), name="bias", initializer="zeros")

    def call(self, x):
        if len(x.shape) == 2:  # the shared input of the first layer
            y = ops.einsum("bi,kio->kbo", x, self.kernel)
        else:
            y = ops.matmul(x, self.kernel)
        return y + self.bias[:, None, :]

    def get_config(self):
        return {**super().get_config(), "units": self.units, "initializer": self.initializer,
                "seeds": self.seeds}


def runs_of(names) -> list[tuple[str, int, int]]:
    """(name, start, stop) for each run of equal consecutive names."""
    runs = []
    for k, name in enumerate(names):
        if runs and runs[-1][0] == name:
            runs[-1][2] = k + 1
        else:
            runs.append([name, k, k + 1])
    return [tuple(r) for r in runs]


class BranchActivation(layers.Layer):
    """Applies branch k's activation to slice k of a (K, batch, units) tensor."""

    def __init__(self, names, **kwargs):
        super().__init__(**kwargs)
        self.names = list(names)
        self._runs = runs_of(self.names)  # runs of equal names share one call: fewer ops per step

    def call(self, z):
        parts = [activations.get(name)(z[start:stop]) for name, start, stop in self._runs]
        return parts[0] if len(parts) == 1 else ops.concatenate(parts, axis=0)

    def get_config(self):
        return {**super().get_config(), "names": self.names}


def stacked_mlp(depth, width, branches, n_features, n_outputs, initializer="glorot_uniform"):
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
        h = BranchActivation(names, name=f"act_{i}")(z)
    seeds = [layer_seed(s, depth) for _, s in branches]
    logits = StackedDense(n_outputs, initializer, seeds, name="logits")(h)
    outputs = ops.transpose(logits, (1, 0, 2))
    return keras.Model(inputs, outputs, name=f"group_d{depth}_k{len(branches)}")


def hidden_layers(group):
    """The (StackedDense, BranchActivation) pair of every hidden layer, input side first."""
    pairs, i = [], 0
    while True:
        try:
            pairs.append((group.get_layer(f"hidden_{i}"), group.get_layer(f"act_{i}")))
        except ValueError:
            return pairs
        i += 1


def probe_model(group):
    """A model giving, per hidden layer, pre-activations z and activations a, each (K, batch, units)."""
    outs = []
    for dense, act in hidden_layers(group):
        outs += [dense.output, act.output]
    return keras.Model(group.input, outs)


def preactivation_model(group):
    """A model giving each hidden layer's pre-activations z, (K, batch, units): the activation pattern."""
    return keras.Model(group.input, [dense.output for dense, _ in hidden_layers(group)])


def unstack(group, k):
    """Branch k of a group as a plain reference model with the same weights."""
    pairs = hidden_layers(group)
    head = group.get_layer("logits")
    dense0, act0 = pairs[0]
    n_features = dense0.kernel.shape[1]
    name = act0.names[k]
    model = plain_mlp(len(pairs), dense0.units, name, n_features, head.units, dense0.initializer)
    weights = []
    for dense in [d for d, _ in pairs] + [head]:
        weights += [ops.convert_to_numpy(dense.kernel)[k], ops.convert_to_numpy(dense.bias)[k]]
    model.set_weights(weights)
    return model
