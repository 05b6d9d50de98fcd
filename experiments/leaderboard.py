"""Leaderboard: is there a better activation than ReLU?

Tests C11 on MNIST-1D, scikit-learn's digits and the synthetic task with 10 relevant features
among 100 (the quick profile), or on MNIST-1D, digits and Fashion-MNIST (the reference run), at
two depths (a shallow and a deep MLP): the four, plus ELU, SELU (with its intended LeCun-normal
initialiser, in groups of its own), GELU, Swish and Softplus, each with Adam at three learning
rates; the analysis takes each activation's best rate per task, chosen on the validation split.
Run: python experiments/leaderboard.py --profile quick   (or: python -m study run leaderboard)
"""

from study.spec.activations import MAIN_FOUR
from study.spec.grid import Experiment

EXPERIMENT = Experiment(
    name="leaderboard",
    claims=("C11",),
    title="Is there a better activation?",
    dataset={
        "smoke": ("mnist1d", "few_relevant_10"),
        "quick": ("mnist1d", "digits", "few_relevant_10"),
        "full": ("mnist1d", "digits", "fashion_mnist"),
    },  # the reference run leaves out the synthetic task (C4 has it) and adds Fashion-MNIST's real images
    activations=(*MAIN_FOUR, "elu", "selu", "gelu", "swish", "softplus"),
    depths={"smoke": (2,), "quick": (2, 8), "full": (2, 8)},
    learning_rates={"adam": {"smoke": (3e-3,), "quick": (3e-4, 1e-3, 3e-3), "full": (3e-4, 1e-3, 3e-3)}},
    own_initializer={"selu": "lecun_normal"},
    # full: 10 seeds, the first 3 in groups of their own (stored before the rest), x 3 tasks x 2 depths
    seeds={"smoke": 2, "quick": 3, "full": 10},
    seed_blocks={"full": (3,)},
    epochs={"smoke": 2, "quick": 10, "full": 30},
)

if __name__ == "__main__":
    from study.cli import run_script

    run_script(EXPERIMENT)
