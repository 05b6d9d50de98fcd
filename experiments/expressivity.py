"""Expressivity: deep linear nets (MATLAB's purlin) beside the four activations, by depth.

Tests C5 (ReLU is more expressive than a linear function, especially in deep nets). Only
the linear nets are trained here: the four activations at the same depths, seeds and
batches are the `sparsity` experiment's runs, which also count the ReLU nets' linear
regions along straight lines through input space. A scikit-learn logistic regression on
the same split is the linear baseline.
Run: python experiments/expressivity.py --profile quick   (or: python -m study run expressivity)
"""

from study.spec.grid import ALSO_ON_DIGITS, DEPTH_LADDER, Experiment, also_fashion, also_modern, also_tuned

EXPERIMENT = Experiment(
    name="expressivity",
    claims=("C5",),
    title="ReLU against linear nets, by depth",
    dataset="mnist1d",
    # and the same grid on digits and Fashion-MNIST, at tuned rates, and in the modern MLPs
    replicas=also_modern(also_tuned(also_fashion(ALSO_ON_DIGITS))),
    activations=("linear",),
    depths=DEPTH_LADDER,
)

if __name__ == "__main__":
    from study.cli import run_script

    run_script(EXPERIMENT)
