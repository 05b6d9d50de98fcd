"""Sparsity: how many hidden units sit at zero, by activation, depth and initialiser.

Tests C1 (one-sided inhibition makes activations sparse), C2 (the activation rate falls
as 2^-N with depth) and C12 (how a trained net compares with the brain's 1-4%).
Run: python experiments/sparsity.py --profile quick   (or: python -m study run sparsity)
"""

from study.spec.activations import MAIN_FOUR
from study.spec.grid import ALSO_ON_DIGITS_AND_CNN, DEPTH_LADDER, Experiment, also_fashion, also_modern, also_tuned

EXPERIMENT = Experiment(
    name="sparsity",
    claims=("C1", "C2", "C12"),
    title="Sparsity of hidden activations",
    dataset="mnist1d",
    # and the same grid on digits and Fashion-MNIST, with the CNN, at tuned rates, and in the modern MLPs
    replicas=also_modern(also_tuned(also_fashion(ALSO_ON_DIGITS_AND_CNN))),
    activations=MAIN_FOUR,
    initializers=("glorot_uniform", "he_normal"),
    depths=DEPTH_LADDER,
)

if __name__ == "__main__":
    from study.cli import run_script

    run_script(EXPERIMENT)
