"""Initial weights drawn with NumPy from a seed: the same on every Keras backend, and the same for a
model trained alone and for its branch of a group."""

from __future__ import annotations

import keras
import numpy as np
from keras import ops


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


class StackedInitializer(keras.initializers.Initializer):
    """Draws each branch's (fan_in, fan_out) kernel as `plain_mlp` would, then stacks them."""

    def __init__(self, name, seeds):
        self.name, self.seeds = name, list(seeds)

    def __call__(self, shape, dtype=None):
        kernels = np.stack([initial_kernel(self.name, s, tuple(shape[1:])) for s in self.seeds])
        return ops.convert_to_tensor(kernels, dtype=dtype or "float32")

    def get_config(self):
        return {"name": self.name, "seeds": self.seeds}
