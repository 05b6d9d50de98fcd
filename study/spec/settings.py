"""The settings a claim's verdict is computed in: the main one (each experiment's own data and net) and the
replica settings, each a change to every group of an experiment that lists it (`Experiment.replicas`), with
the limits a data set keeps wherever it trains.
"""

from __future__ import annotations

import numpy as np


def log_sweep(low: float, high: float, n: int) -> tuple[float, ...]:
    """n learning rates evenly spaced in log scale from low to high, rounded to 3 significant digits."""
    return tuple(float(f"{v:.3g}") for v in np.geomspace(low, high, n))


# The settings a claim's verdict is also computed in, beyond its experiments' own ("main": MNIST-1D and the
# MLP for most): each is a change to every group of an experiment that lists it in `replicas`.
MAIN_SETTING = "main"
# A setting may also set the width, cap the depths (one cap, or one per profile) and narrow the initialisers:
# the CNN has the MNIST-1D baseline CNN's 25 channels, up to 4 convolutions (the baseline has 3; a convolution
# costs several dense layers here) and the Keras default initialiser alone. The modern MLPs (normalisation,
# skips) keep each experiment's data and grid, with fewer depths in the quick profile to fit its time, under
# the Keras default initialiser alone (normalisation and skips set the scale an initialiser sets in the plain MLP;
# a second one would double the cost of the deepest groups).
MODERN_DEPTHS = {"smoke": 4, "quick": 4}
MODERN_INITIALIZERS = ("glorot_uniform",)
# A data set's own limits per profile, wherever it trains: Fashion-MNIST's 784 pixels make a first layer of 100 units
# 20 times MNIST-1D's and its training split is 14 times as large, so a random subsample of the training split
# (validation and test splits whole) and at most 20 epochs keep a group within a few times a MNIST-1D one.
DATA_LIMITS = {"fashion_mnist": {"n_train": {"quick": 5000, "full": 10000}, "max_epochs": {"quick": 10, "full": 20}}}
# Depth 1 at width 100 is the Fashion-MNIST benchmark's MLPClassifier(hidden_layer_sizes=[100]) (literature.py).
FASHION = {"dataset": "fashion_mnist", "max_depth": {"quick": 4, "full": 8}}
# Each activation at its own best Adam rate: the experiment's grid at every rate of a log-spaced sweep that brackets
# the best (study/analysis/tuning.py chooses on the validation split and checks no choice is at an edge: from 0.0001
# to 0.01 a quarter of the reference's choices were at 0.01, so the sweep goes on to 0.1); the shared rate, 0.001,
# is one of them, so those groups are the main setting's. Under the Keras default initialiser
# alone, up to depth 8 in the reference run (4 in the quick one).
TUNED_RATES = {"smoke": (1e-4, 1e-3, 1e-2), "quick": log_sweep(1e-4, 1e-1, 7), "full": log_sweep(1e-4, 1e-1, 7)}
TUNED = {
    "learning_rates": TUNED_RATES,
    "max_depth": {"smoke": 2, "quick": 4, "full": 8},
    "initializers": ("glorot_uniform",),
}
SETTINGS = {
    "digits": {"dataset": "digits"},
    "cnn": {"architecture": "cnn", "width": 25, "max_depth": 4, "initializers": ("glorot_uniform",)},
    "fashion": FASHION,
    "tuned": TUNED,
    # prefer_initializers: those alone where the experiment has them, else its own (collapse's He normal)
    "batchnorm": {"normalization": "batchnorm", "max_depth": MODERN_DEPTHS, "prefer_initializers": MODERN_INITIALIZERS},
    "residual": {"residual": True, "max_depth": MODERN_DEPTHS, "prefer_initializers": MODERN_INITIALIZERS},
    "resnorm": {
        "normalization": "layernorm",
        "residual": True,
        "max_depth": MODERN_DEPTHS,
        "prefer_initializers": MODERN_INITIALIZERS,
    },
}
SETTING_TEXT = {
    MAIN_SETTING: "each experiment's own data (MNIST-1D for most) and the MLP",
    "digits": "scikit-learn's 8x8 digits (64 pixels), the same MLPs",
    "cnn": "MNIST-1D, a 1-D CNN of 25 channels in place of the MLP (depth: convolutions, up to 4), Glorot uniform",
    "fashion": "Fashion-MNIST (28x28 images of clothing, 784 pixels), the same MLPs up to depth 8, trained on a "
    "subsample of its training split for at most 20 epochs",
    "tuned": "each experiment's own data and MLP, every activation at its own best Adam learning rate (chosen on the "
    "validation split from a log-spaced sweep), Glorot uniform, up to depth 8",
    "batchnorm": "each experiment's own data, the MLP with batch normalisation between every hidden Dense and its "
    "activation",
    "residual": "each experiment's own data, the MLP with an identity skip around every hidden layer but the first "
    "(h + act(Dense(h)))",
    "resnorm": "each experiment's own data, the pre-norm residual MLP with layer normalisation "
    "(h + act(Dense(LN(h))), as in transformers)",
}
MODERN = ("batchnorm", "residual", "resnorm")


def every_setting() -> tuple[str, ...]:
    """The main setting and every replica setting, as `--setting` takes them."""
    return (MAIN_SETTING, *SETTINGS)


def model_of(setting: str) -> tuple[str, bool]:
    """(normalization, residual) of the MLP a setting trains."""
    changes = SETTINGS.get(setting, {})
    return changes.get("normalization", "none"), changes.get("residual", False)


def in_profile(setting: str, option: str, profile: str):
    """A setting's option in a profile (an option may hold one value per profile), or None where it has none."""
    value = SETTINGS.get(setting, {}).get(option)
    return value.get(profile) if isinstance(value, dict) else value


def data_budget(dataset: str, profile: str, settings: dict, epochs: int) -> tuple[dict, int]:
    """The groups' settings and epochs within the data set's limits in the profile (DATA_LIMITS)."""
    limits = {k: v.get(profile) for k, v in DATA_LIMITS.get(dataset, {}).items()}
    n_train, cap = limits.get("n_train"), limits.get("max_epochs")
    return ({**settings, "n_train": n_train} if n_train else settings), min(epochs, cap or epochs)


def depth_cap(setting: str, profile: str) -> int | None:
    """The deepest net a setting trains in a profile, or None where it keeps the experiment's depths."""
    return in_profile(setting, "max_depth", profile)


def also_in(settings: tuple[str, ...], replicas: dict[str, tuple[str, ...]], profiles) -> dict[str, tuple[str, ...]]:
    """The replica settings per profile, and `settings` in the profiles named."""
    return {p: (*replicas.get(p, ()), *(settings if p in profiles else ())) for p in ("smoke", "quick", "full")}


def also_modern(replicas: dict[str, tuple[str, ...]], profiles=("quick", "full")) -> dict[str, tuple[str, ...]]:
    """The replica settings, and the three modern MLPs in the profiles named."""
    return also_in(MODERN, replicas, profiles)


def also_fashion(replicas: dict[str, tuple[str, ...]], profiles=("quick", "full")) -> dict[str, tuple[str, ...]]:
    """The replica settings, and Fashion-MNIST in the profiles named."""
    return also_in(("fashion",), replicas, profiles)


def also_tuned(replicas: dict[str, tuple[str, ...]], profiles=("quick", "full")) -> dict[str, tuple[str, ...]]:
    """The replica settings, and every activation at its own best rate in the profiles named."""
    return also_in(("tuned",), replicas, profiles)


# The replica settings of the experiments whose claims a second data set fits: the whole grid again on digits.
ALSO_ON_DIGITS = {"quick": ("digits",), "full": ("digits",)}
# ... and, in the reference run, also with the CNN (where an experiment's claims fit a convolutional net).
ALSO_ON_DIGITS_AND_CNN = {"quick": ("digits",), "full": ("digits", "cnn")}
