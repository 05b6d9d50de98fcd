"""Feature selection: do sparse ReLU nets find the few relevant inputs among many, and fit better?

Tests C4 on a synthetic task with N informative features among 100 (N from 2 to 50, the rest
pure noise): the four activations, linear, and ReLU with an L1 penalty on its activations as
a sparser ReLU. Measured: final training loss, test accuracy, and how well the first layer's
weights single out the informative inputs (relevance AUC and weight share).
Run: python experiments/feature_selection.py --profile quick   (or: python -m study run feature_selection)
"""

from study.spec.activations import MAIN_FOUR
from study.spec.datasets import INFORMATIVE
from study.spec.grid import Experiment, also_tuned

EXPERIMENT = Experiment(
    name="feature_selection",
    replicas=also_tuned({}, profiles=("full",)),  # and, in the reference run, at tuned rates
    claims=("C4",),
    title="Finding the relevant features",
    dataset={
        "smoke": ("few_relevant_2", "few_relevant_50"),
        "quick": tuple(f"few_relevant_{n}" for n in INFORMATIVE),
        "full": tuple(f"few_relevant_{n}" for n in INFORMATIVE),
    },
    activations=(*MAIN_FOUR, "linear"),
    depths={"smoke": (2,), "quick": (2,), "full": (2,)},
    penalties=(0.0, 1e-3),
    penalized=("relu",),
    epochs={"smoke": 2, "quick": 10, "full": 30},
)

if __name__ == "__main__":
    from study.cli import run_script

    run_script(EXPERIMENT)
