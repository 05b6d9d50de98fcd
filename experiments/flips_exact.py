"""Flipped ReLUs as sign-flipped twins: each flip trained from its ReLU twin's initial weights, sign-flipped.

C3's exact test, beside the `flips` experiment's comparison of independent draws: a mirrored or rotated ReLU
net whose weights start as the ReLU net's under the sign flip that absorbs its constant coefficient computes the
ReLU net's function, and trained on the same batches it stays that net (study/train/flips.py). The runs record
how far each flip's test outputs end from its twin's (the rest is float rounding) and the final accuracies.
Run: python experiments/flips_exact.py --profile quick   (or: python -m study run flips_exact)
"""

from study.spec.grid import Experiment

EXPERIMENT = Experiment(
    name="flips_exact",
    claims=("C3",),
    title="Mirrored and rotated ReLUs from sign-flipped starts",
    dataset="mnist1d",
    activations=("relu", "relu_mirror", "relu_rot180", "neg_relu"),
    depths={"smoke": (2,), "quick": (4,), "full": (4,)},
    options={"sign_twins": True},
)

if __name__ == "__main__":
    from study.cli import run_script

    run_script(EXPERIMENT)
