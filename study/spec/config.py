"""Profiles and the configuration of one group of runs.

A `GroupSpec` holds everything that decides a group's numbers; its hash names the
group's directory in the results store, so a changed setting is a new run.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from study.errors import check_choice
from study.spec import datasets

OPTIMIZERS = {  # name -> what it is, for the report's methods
    "adam": "Adam (Keras defaults: beta1 0.9, beta2 0.999, epsilon 1e-7)",
    "sgd": "plain SGD",
    "momentum": "SGD with momentum 0.9",
}
INITIALIZERS = {  # name -> what it is; biases are always zero
    "glorot_uniform": "Glorot uniform, U[-sqrt(6/(fan_in+fan_out)), +] (the Keras default)",
    "he_normal": "He normal, N(0, 2/fan_in) truncated",
    "legacy_uniform": "U[-1/sqrt(fan_in), 1/sqrt(fan_in)], the 'standard' initialisation of Glorot & Bengio (2010)",
    "orthogonal": "orthogonal (gain 1)",
    "lecun_normal": "LeCun normal, N(0, 1/fan_in) truncated (SELU's intended initialiser, Klambauer et al. 2017)",
}
ARCHITECTURES = {  # name -> what it is, for the report's methods
    "mlp": "the reference MLP, Input -> depth x Dense(width, activation) -> Dense(outputs)",
    "cnn": "a 1-D CNN after the MNIST-1D baseline (Greydanus & Kobak 2024): depth x Conv1D(width channels, window 5 "
    "then 3, stride 2, one zero of padding each side, activation) -> Flatten -> Dense(outputs)",
}
NORMALIZATIONS = {  # name -> where it sits, for the report's methods
    "none": "no normalisation layer",
    "batchnorm": "batch normalisation (Ioffe & Szegedy 2015) between each hidden Dense (no bias) and its activation: "
    "statistics of the batch in training, their moving averages (momentum 0.99) at evaluation and in the probes",
    "layernorm": "layer normalisation (Ba et al. 2016) over each model's own units, between each hidden Dense "
    "(no bias) and its activation; with residual connections it moves before the Dense (pre-norm, as in transformers)",
}
TASKS = ("classification", "regression")
DIVERGENCE_FACTOR = 10.0  # a model diverged: training loss not finite, or above 10 x its value at initialisation

ROOT = Path(__file__).resolve().parents[2]  # the repository: experiments/, results/, figures/, report/


@dataclass(frozen=True)
class Profile:
    name: str
    seeds: tuple[int, ...]
    epochs: int
    n_train: int | None  # None: the whole training split
    width: int
    probe_size: int
    batch_size: int = 128
    learning_rate: float = 1e-3
    description: str = ""
    cuts: str = ""  # what the profile leaves out to fit its time, for the report's limitations


PROFILES = {
    p.name: p
    for p in [
        Profile(
            "smoke",
            seeds=(0, 1),
            epochs=2,
            n_train=512,
            width=32,
            probe_size=128,
            description="about 2 minutes on 2 cores; for tests",
        ),
        Profile(
            "quick",
            seeds=(0, 1, 2),
            epochs=10,
            n_train=None,
            width=64,
            probe_size=512,
            description="about 15 minutes on 2 cores with --jobs 2; every experiment, fewer seeds and epochs",
        ),
        Profile(
            "full",
            seeds=tuple(range(10)),
            epochs=80,
            n_train=None,
            width=100,
            probe_size=1000,
            description="the reference run: the MNIST-1D baseline MLP's width, trained to convergence",
            cuts="To finish within six hours on two CPU cores (`--jobs 2`), the reference run trains "
            "80 epochs (30 in the convergence sweep, the leaderboard, feature "
            "selection and the activity penalty, which compare activations rather than final accuracy; "
            "20 of the shortened saturation traces (C9; Glorot & Bengio's own setting runs 60), stops the "
            "depth ladder at 32 and skips depth 16 (in the modern MLPs too: depth 64 in the residual ones would "
            "double the cost of their deepest groups), sweeps five learning rates per optimiser at depth 4 "
            "alone (C7), trains the flipped ReLUs at depth 4 alone (C3), three dead-unit learning rates "
            "(C10), the leaderboard on MNIST-1D, digits and Fashion-MNIST with 10 seeds (C11; the synthetic task "
            "is C4's), the collapse experiment with 100 initialisations at 40 epochs (C10), the CNN on MNIST-1D "
            "up to depth 4 under Glorot uniform alone (C1-C3, C6; C5 would need linear CNNs), Fashion-MNIST on "
            "10,000 of its training images for 20 epochs up to depth 8, and the tuned learning rates under "
            "Glorot uniform alone up to depth 8: the groups that cost most and buy least precision.",
        ),
    ]
}


REFERENCE = "full"  # the profile whose results/, figures/ and report/ the repository holds
CROSSCHECKED = "quick"  # the profile whose runs on every backend the repository holds beside the reference


def home(profile: str, command: str = "run") -> Path:
    """Where a command keeps a profile's results/, figures/ and report/ unless told (--out): the repository
    for the reference profile (and for the crosscheck of the profile it is committed for), out/<profile>/
    (git-ignored) for any other, so that no other profile's run overwrites the reference."""
    if profile == REFERENCE or (command == "crosscheck" and profile == CROSSCHECKED):
        return ROOT
    return ROOT / "out" / profile


def get_profile(name: str) -> Profile:
    return PROFILES[check_choice("profile", name, PROFILES)]


def record_epochs(epochs: int) -> tuple[int, ...]:
    """Epochs at which the layer probes run: 0 (initialisation), doublings, and the last."""
    marks, e = {0, epochs}, 1
    while e < epochs:
        marks.add(e)
        e *= 2
    return tuple(sorted(marks))


def backend_name() -> str:
    """The Keras backend this process uses (read before Keras is imported)."""
    return os.environ.get("KERAS_BACKEND", "tensorflow")


LATER = {"later": True}  # a GroupSpec field that enters the key only when it differs from its default


@dataclass(frozen=True)
class GroupSpec:
    """K = len(activations) x len(seeds) reference MLPs trained side by side on the same batches."""

    dataset: str
    depth: int
    width: int
    activations: tuple[str, ...]
    seeds: tuple[int, ...]
    epochs: int
    initializer: str = "glorot_uniform"
    optimizer: str = "adam"
    learning_rate: float = 1e-3
    batch_size: int = 128
    n_train: int | None = None
    probe_size: int = 512
    data_seed: int = 0  # validation split, probe set and batch order
    deterministic: bool = True  # TensorFlow op determinism
    backend: str = field(default_factory=backend_name)
    task: str | None = None  # None: the data set's task (cross-entropy or mean squared error)
    # Settings added after runs were first stored enter the key only when set (LATER), so every
    # earlier run keeps its key.
    activity_l1: float = field(default=0.0, metadata=LATER)  # L1 penalty on hidden activations (Glorot et al. 2011)
    # > 0: each hidden layer's activation mean and 2nd/98th percentiles are also recorded every this
    # many training steps within each epoch and at its end (early training, Glorot & Bengio 2010)
    trace_every: int = field(default=0, metadata=LATER)
    benchmark: str = field(default="", metadata=LATER)  # "cost": not a training run but the cost benchmark (C8)
    device: str = field(default="", metadata=LATER)  # a benchmark's device: its runs are kept per device
    architecture: str = field(
        default="mlp", metadata=LATER
    )  # ARCHITECTURES: depth and width are layers and units or channels
    normalization: str = field(default="none", metadata=LATER)  # NORMALIZATIONS (the MLP's)
    # identity skips around every hidden layer whose input and output widths match (here all but the first):
    # h <- h + act(Dense(h)), as in the MNIST-1D baseline MLP; with layer norm, h <- h + act(Dense(LN(h)))
    residual: bool = field(default=False, metadata=LATER)
    # C3's exact test: every flipped ReLU (study/train/flips.py) starts from the sign-flipped initial weights of the
    # ReLU branch of its seed, so it stays that net through training (up to rounding)
    sign_twins: bool = field(default=False, metadata=LATER)
    inputs: str = field(default="standardised", metadata=LATER)  # datasets.INPUTS: how the features are scaled

    def __post_init__(self):
        check_choice("optimizer", self.optimizer, OPTIMIZERS)
        check_choice("initializer", self.initializer, INITIALIZERS)
        check_choice("architecture", self.architecture, ARCHITECTURES)
        check_choice("normalization", self.normalization, NORMALIZATIONS)
        check_choice("inputs", self.inputs, datasets.INPUTS)
        if self.architecture != "mlp" and (self.residual or self.normalization != "none"):
            raise ValueError(  # a convolution changes the length and channels at every layer: no identity skip fits
                f"normalization and residual are settings of the MLP, not of the {self.architecture} "
                "(its layers' input and output shapes differ)"
            )
        if self.sign_twins:
            self.check_twins()
        task = datasets.task_of(self.dataset)
        if self.trace_every < 0:
            raise ValueError(f"trace_every {self.trace_every} is negative")
        if not 0 <= self.activity_l1 < 1:
            raise ValueError(f"activity_l1 {self.activity_l1} outside [0, 1)")
        if self.task is None:
            object.__setattr__(self, "task", task)
        elif self.task != task:
            raise ValueError(f"data set '{self.dataset}' is a {task} task, not {self.task}")

    def check_twins(self):
        """Sign twins need a ReLU branch per seed, flipped ReLUs beside it, and the plain MLP (whose Dense layers
        absorb a sign: a normalisation or a skip would need its own flip)."""
        flipped = ("relu_mirror", "neg_relu", "relu_rot180")
        if "relu" not in self.activations or any(a not in ("relu", *flipped) for a in self.activations):
            raise ValueError(f"sign_twins needs relu and flipped ReLUs ({', '.join(flipped)}), not {self.activations}")
        if (self.architecture, self.normalization, self.residual) != ("mlp", "none", False):
            raise ValueError("sign_twins needs the plain MLP (no normalization, no residual)")

    @property
    def branches(self) -> list[tuple[str, int]]:
        return [(a, s) for a in self.activations for s in self.seeds]

    def steps_per_epoch(self, n_train: int) -> int:
        return -(-n_train // self.batch_size)

    @property
    def record_epochs(self) -> tuple[int, ...]:
        return record_epochs(self.epochs)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> GroupSpec:
        d = dict(d)
        d["activations"], d["seeds"] = tuple(d["activations"]), tuple(d["seeds"])
        return cls(**d)

    def key(self) -> str:
        d = self.to_dict()
        for f in fields(self):
            if f.metadata.get("later") and d[f.name] == f.default:
                del d[f.name]
        text = json.dumps(d, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]
