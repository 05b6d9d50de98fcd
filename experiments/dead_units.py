"""Dead units through training: ReLU and Leaky ReLU MNIST-1D nets at increasing Adam
learning rates; which units are negative on every probe input, and whether they come back.

Tests C10 (a dead ReLU stops training; Leaky ReLU was made to fix it), with `collapse`.
Run: python experiments/dead_units.py --profile quick   (or: python -m study run dead_units)
"""

from study.spec.grid import Experiment, also_fashion, also_modern

EXPERIMENT = Experiment(
    name="dead_units",
    claims=("C10",),
    title="Dead and dormant units at increasing learning rates",
    dataset="mnist1d",
    # the same grid on Fashion-MNIST and in the modern MLPs (normalisation, skips), in the reference run
    replicas=also_modern(also_fashion({}, profiles=("full",)), profiles=("full",)),
    activations=("relu", "leaky_relu"),
    depths={"smoke": (2,), "quick": (8,), "full": (8,)},
    learning_rates={"adam": {"smoke": (1e-3, 3e-2), "quick": (1e-3, 1e-2, 3e-2), "full": (1e-3, 1e-2, 3e-2)}},
)

if __name__ == "__main__":
    from study.cli import run_script

    run_script(EXPERIMENT)
