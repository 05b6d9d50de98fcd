"""Convergence speed: the four activations under Adam and SGD with momentum, each over a
log-spaced learning-rate sweep, so every activation can be read at its own best rate
(chosen on the validation split) and at one shared rate.

Tests C7 (with ReLU the convergence speed stays steady, and training converges faster than
with sigmoid or tanh).
Run: python experiments/convergence.py --profile quick   (or: python -m study run convergence)
"""

from study.spec.activations import MAIN_FOUR
from study.spec.grid import ALSO_ON_DIGITS, Experiment, also_fashion, also_modern, log_sweep

EXPERIMENT = Experiment(
    name="convergence",
    claims=("C7",),
    title="Convergence speed at tuned learning rates",
    dataset="mnist1d",
    # and the same grid on digits, and (in the reference run) on Fashion-MNIST and in the modern MLPs
    replicas=also_modern(also_fashion(ALSO_ON_DIGITS, profiles=("full",)), profiles=("full",)),
    activations=MAIN_FOUR,
    depths={"smoke": (2,), "quick": (4,), "full": (4,)},
    epochs={"smoke": 2, "quick": 10, "full": 30},  # the speed is read early: 30 epochs suffice
    learning_rates={
        "adam": {"smoke": (1e-3, 1e-2), "quick": log_sweep(1e-4, 1e-2, 5), "full": log_sweep(1e-4, 1e-2, 5)},
        "momentum": {"smoke": (1e-2,), "quick": log_sweep(1e-3, 1e-1, 5), "full": log_sweep(1e-3, 1e-1, 5)},
    },
)

if __name__ == "__main__":
    from study.cli import run_script

    run_script(EXPERIMENT)
