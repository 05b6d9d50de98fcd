"""Collapse of deep narrow nets: depth-10 ReLU and Leaky ReLU nets of widths 2 to 10 fitting
y = |x| on an interval, many independent initialisations each (tiny nets, trained as one
stacked group per width), as in Lu et al. (2020).

Tests C10 (a dead ReLU stops training; Leaky ReLU was made to fix it), with `dead_units`.
Run: python experiments/collapse.py --profile quick   (or: python -m study run collapse)
"""

from study.spec.grid import Experiment, also_modern

EXPERIMENT = Experiment(
    name="collapse",
    claims=("C10",),
    title="Collapse of deep narrow nets to a constant",
    dataset="abs_1d",
    replicas=also_modern({}, profiles=("full",)),  # does normalisation or a skip keep the narrow nets apart?
    activations=("relu", "leaky_relu"),
    initializers=("he_normal",),
    depths={"smoke": (10,), "quick": (10,), "full": (5, 10, 20)},
    widths={"smoke": (2, 4), "quick": (2, 4, 6, 8, 10), "full": (2, 4, 6, 8, 10)},
    seeds={"smoke": 10, "quick": 100, "full": 100},
    epochs={"smoke": 2, "quick": 20, "full": 40},
    options=dict(n_train=1024, batch_size=64, probe_size=256),
)

if __name__ == "__main__":
    from study.cli import run_script

    run_script(EXPERIMENT)
