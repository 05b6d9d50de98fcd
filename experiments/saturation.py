"""Saturation in early training, in the setting of Glorot & Bengio (2010).

Tests C9 (the sigmoid derivative is small outside a narrow band around 0, so saturated units
pass little gradient) where the saturation was first reported: sigmoid and tanh MLPs with four
hidden layers, their "standard" initialisation U[-1/sqrt(fan_in), 1/sqrt(fan_in)]
(legacy_uniform) and plain SGD, with Glorot uniform beside it. Every hidden layer's mean
activation and 2nd and 98th percentiles are recorded every two training steps (their Figure 2).
Run: python experiments/saturation.py --profile quick   (or: python -m study run saturation)
"""

from study.spec.grid import ALSO_ON_DIGITS, Experiment, also_modern

EXPERIMENT = Experiment(
    name="saturation",
    claims=("C9",),
    title="Saturation in early training (Glorot & Bengio 2010)",
    dataset="mnist1d",
    replicas=also_modern(ALSO_ON_DIGITS, profiles=("full",)),  # and the same grid on digits, and the modern MLPs
    activations=("sigmoid", "tanh"),
    depths={"smoke": (4,), "quick": (4,), "full": (4,)},
    initializers=("legacy_uniform", "glorot_uniform"),
    learning_rates={"sgd": {"smoke": (0.1,), "quick": (0.1,), "full": (0.1,)}},
    epochs={"smoke": 2, "quick": 30, "full": 20},  # early training: 20 epochs are 560 steps
    options={"trace_every": 2},
)

if __name__ == "__main__":
    from study.cli import run_script

    run_script(EXPERIMENT)
