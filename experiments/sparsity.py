"""Sparsity: how many hidden units sit at zero, by activation, depth and initialiser.

Tests C1 (one-sided inhibition makes activations sparse), C2 (the activation rate falls
as 2^-N with depth) and C12 (how a trained net compares with the brain's 1-4%).
Run: python experiments/sparsity.py --profile quick   (or: python -m study run sparsity)
"""

from study.activations import MAIN_FOUR
from study.grid import Experiment

EXPERIMENT = Experiment(
    name="sparsity",
    claims=("C1", "C2", "C12"),
    title="Sparsity of hidden activations",
    dataset="mnist1d",
    activations=MAIN_FOUR,
    initializers=("glorot_uniform", "he_normal"),
    depths={"smoke": (1, 4), "quick": (1, 2, 4, 8, 16, 32), "full": (1, 2, 4, 8, 16, 32, 64)},
)

if __name__ == "__main__":
    import sys

    from study.cli import main

    sys.exit(main(["run", EXPERIMENT.name, *sys.argv[1:]]))
