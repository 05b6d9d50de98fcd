"""Saturation as Glorot & Bengio (2010) ran it: 1000 sigmoid units per layer, minibatches of 10, long training.

Tests C9 in the setting of their Figure 2, which the `saturation` experiment shortens: four hidden layers of
1000 sigmoid units, their "standard" initialisation U[-1/sqrt(fan_in), 1/sqrt(fan_in)] (legacy_uniform), plain
SGD on minibatches of 10 at rates chosen between on the validation split, about 21,000 updates (60 epochs of
MNIST-1D's 3,500 training examples) in the reference run. They do not say how their inputs were scaled, so both
standardised and [0, 1] inputs are run. Every hidden layer's mean activation and 2nd and 98th percentiles on 300
fixed training examples are traced every 100 updates (their Figure 2 used 300 test examples).
Run: python experiments/glorot_bengio.py --profile quick   (or: python -m study run glorot_bengio)
"""

from study.spec.grid import Experiment

EXPERIMENT = Experiment(
    name="glorot_bengio",
    claims=("C9",),
    title="Saturation as Glorot & Bengio (2010) ran it",
    dataset="mnist1d",
    activations=("sigmoid",),
    depths={"smoke": (4,), "quick": (4,), "full": (4,)},
    widths={"smoke": (16,), "quick": (1000,), "full": (1000,)},
    initializers=("legacy_uniform",),
    learning_rates={"sgd": {"smoke": (0.1,), "quick": (0.0316, 0.316), "full": (0.0316, 0.1, 0.316)}},
    inputs=("standardised", "unit_range"),
    seeds={"smoke": 2, "quick": 2, "full": 3},
    epochs={"smoke": 2, "quick": 6, "full": 60},  # quick: 2,100 updates, the onset alone
    options={"batch_size": 10, "trace_every": 100, "probe_size": 300},
)

if __name__ == "__main__":
    from study.cli import run_script

    run_script(EXPERIMENT)
