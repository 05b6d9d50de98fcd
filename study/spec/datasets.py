"""Data sets, each returned as standardised float32 train / validation / test splits.

MNIST-1D, scikit-learn's digits and the synthetic tasks are generated or shipped, so
nothing is downloaded; Fashion-MNIST is read from its original files (study/spec/fashion_mnist.py:
Debian's package, a folder of the user's, or Keras's download); the Keras MNIST loader needs the
network and says so when it is missing. Classification sets have integer labels; regression sets (one-dimensional
functions on an interval) have float targets and a dense grid over the interval.
"""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass

import numpy as np

from study.errors import check_choice
from study.spec import fashion_mnist


@dataclass(frozen=True)
class Splits:
    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    task: str = "classification"
    x_grid: np.ndarray | None = None  # regression: inputs evenly spaced over the interval
    y_grid: np.ndarray | None = None  # and the target there

    @property
    def n_features(self) -> int:
        return self.x_train.shape[1]

    @property
    def n_classes(self) -> int:
        return int(max(self.y_train.max(), self.y_test.max())) + 1

    @property
    def n_outputs(self) -> int:
        """Units of the output layer: one per class, or one for regression."""
        return self.n_classes if self.task == "classification" else 1


def _mnist1d():
    """MNIST-1D (Greydanus & Kobak 2024): 4000 train / 1000 test, 40 features, 10 classes."""
    from mnist1d.data import get_dataset_args, make_dataset

    # make_dataset reseeds the global `random` and `np.random`: leave them as they were.
    py_state, np_state = random.getstate(), np.random.get_state()
    try:
        d = make_dataset(get_dataset_args())
    finally:
        random.setstate(py_state)
        np.random.set_state(np_state)
    return d["x"], d["y"], d["x_test"], d["y_test"]


def _digits():
    """scikit-learn's 8x8 digits (1797 images, shipped with the package), 25% held out."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    x, y = load_digits(return_X_y=True)
    x_tr, x_te, y_tr, y_te = train_test_split(x, y, test_size=0.25, random_state=0, stratify=y)
    return x_tr, y_tr, x_te, y_te


def _few_relevant(n_samples=5000, n_features=100, n_informative=5, n_classes=2):
    """A task where only a few of many features matter (the hundred medical values of C4): the
    first `n_informative` columns carry the classes (scikit-learn's make_classification without
    shuffling puts them first), the rest are pure Gaussian noise."""
    from sklearn.datasets import make_classification

    x, y = make_classification(
        n_samples=n_samples,
        n_features=n_features,
        n_informative=n_informative,
        n_redundant=0,
        n_repeated=0,
        n_classes=n_classes,
        shuffle=False,
        random_state=0,
    )
    rng = np.random.default_rng(0)
    order = rng.permutation(n_samples)
    x, y = x[order], y[order]
    split = int(0.8 * n_samples)
    return x[:split], y[:split], x[split:], y[split:]


ABS_INTERVAL = (-(3**0.5), 3**0.5)  # inputs of unit variance


def _abs_1d(n_train=3000, n_test=1000, n_grid=512):
    """y = |x| on [-sqrt(3), sqrt(3)], as in Lu et al. (2020): a deep narrow ReLU net that
    collapses fits it with a constant. Inputs uniform on the interval, targets without noise."""
    rng = np.random.default_rng(0)
    lo, hi = ABS_INTERVAL
    x_tr, x_te = rng.uniform(lo, hi, (n_train, 1)), rng.uniform(lo, hi, (n_test, 1))
    grid = np.linspace(lo, hi, n_grid)[:, None]
    return x_tr, np.abs(x_tr[:, 0]), x_te, np.abs(x_te[:, 0]), grid, np.abs(grid[:, 0])


def _keras_loader(name):
    def load():
        import keras

        module = getattr(keras.datasets, name)
        try:
            (x_tr, y_tr), (x_te, y_te) = module.load_data()
        except Exception as exc:  # Keras raises a bare Exception when offline
            raise RuntimeError(
                f"could not download {name} (no network?): use 'mnist1d', 'digits' or "
                f"'few_relevant', which need none ({exc.__class__.__name__})"
            ) from None
        return x_tr.reshape(len(x_tr), -1), y_tr, x_te.reshape(len(x_te), -1), y_te

    return load


N_FEATURES_C4 = 100
INFORMATIVE = (2, 5, 10, 20, 50)  # the C4 grid: few_relevant_N has N informative features among 100


def relevant_features(name: str) -> np.ndarray | None:
    """Boolean mask of the informative input features of a few_relevant data set, else None."""
    if name == "few_relevant":
        n = 5
    elif name.startswith("few_relevant_"):
        n = int(name.rsplit("_", 1)[1])
    else:
        return None
    return np.arange(N_FEATURES_C4) < n


REGRESSION = {"abs_1d": _abs_1d}  # loaders that also return a grid over the interval
LOADERS = {
    **REGRESSION,
    "mnist1d": _mnist1d,
    "digits": _digits,
    "few_relevant": _few_relevant,
    **{
        f"few_relevant_{n}": functools.partial(_few_relevant, n_features=N_FEATURES_C4, n_informative=n)
        for n in INFORMATIVE
    },
    "mnist": _keras_loader("mnist"),
    "fashion_mnist": fashion_mnist.load,
}
# Validation examples carved from the training split where a data set's own convention fixes them (else 1/8)
VALIDATION_SIZE = {"fashion_mnist": 5000}


def check_available(names) -> None:
    """Raises MissingData (one line with the way to get it) for a data set this machine cannot load."""
    if "fashion_mnist" in names:
        fashion_mnist.locate()


def chance_accuracy(name: str) -> float | None:
    """The accuracy of guessing, 1 / classes (every classification set here is balanced); None for regression."""
    if task_of(name) == "regression":
        return None
    return 0.5 if name.startswith("few_relevant") else 0.1


def task_of(name: str) -> str:
    """'regression' or 'classification'; checks the name."""
    return "regression" if check_choice("dataset", name, LOADERS) in REGRESSION else "classification"


# How inputs are scaled, always with the training split's statistics. Glorot & Bengio (2010) do not say which
# of the two they used, so their setting is run under both.
INPUTS = {
    "standardised": "each feature standardised to mean 0 and standard deviation 1",
    "unit_range": "each feature scaled to [0, 1] by its minimum and maximum",
}


@functools.lru_cache(maxsize=4)  # groups of one sweep share their data
def load(
    name: str, val_fraction: float = 0.125, n_train: int | None = None, seed: int = 0, inputs: str = "standardised"
) -> Splits:
    """Loads `name`, carves a validation split from its training set, scales features (INPUTS: standardised unless
    told).

    The split and the optional subsample of `n_train` training examples depend on `seed`
    alone; the offset and scale come from the training split only.
    """
    check_choice("inputs", inputs, INPUTS)
    task = task_of(name)
    x_tr, y_tr, x_te, y_te, *grid = LOADERS[name]()
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(x_tr))
    n_val = VALIDATION_SIZE.get(name) or int(round(val_fraction * len(x_tr)))
    val, train = order[:n_val], order[n_val:]
    if n_train is not None:
        train = train[:n_train]
    x_train, x_val = x_tr[train], x_tr[val]
    if inputs == "unit_range":
        mean, std = x_train.min(0), x_train.max(0) - x_train.min(0)
    else:
        mean, std = x_train.mean(0), x_train.std(0)
    std[std == 0] = 1.0

    def prep(x):
        return ((np.asarray(x, dtype=np.float64) - mean) / std).astype(np.float32)

    def labels(y):
        return np.asarray(y, dtype=np.int32 if task == "classification" else np.float32)

    x_grid, y_grid = (prep(grid[0]), labels(grid[1])) if grid else (None, None)
    return Splits(
        name,
        prep(x_train),
        labels(y_tr[train]),
        prep(x_val),
        labels(y_tr[val]),
        prep(x_te),
        labels(y_te),
        task,
        x_grid,
        y_grid,
    )
