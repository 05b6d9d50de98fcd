"""Flipped ReLUs: relu against its mirror image relu(-x), its 180-degree rotation -relu(-x)
and -relu(x), the same seeds and batches, under a sign-symmetric initialiser (Glorot uniform).

Tests C3 (a mirrored or rotated ReLU trains just as well) with independent draws: what training from other
weights gives. The exact statement behind the claim, that each flip is the ReLU net under a sign flip of its
weights, is worked out in study/train/flips.py and trained in the `flips_exact` experiment.
Run: python experiments/flips.py --profile quick   (or: python -m study run flips)
"""

from study.spec.grid import ALSO_ON_DIGITS_AND_CNN, Experiment, also_modern, also_tuned

EXPERIMENT = Experiment(
    name="flips",
    claims=("C3",),
    title="Mirrored and rotated ReLUs",
    dataset="mnist1d",
    # and the same grid on digits, with the CNN, at tuned rates, and in the modern MLPs
    replicas=also_modern(also_tuned(ALSO_ON_DIGITS_AND_CNN)),
    activations=("relu", "relu_mirror", "relu_rot180", "neg_relu"),
    depths={"smoke": (2,), "quick": (4,), "full": (4,)},
)

if __name__ == "__main__":
    from study.cli import run_script

    run_script(EXPERIMENT)
