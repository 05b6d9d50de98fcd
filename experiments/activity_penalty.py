"""Activity penalty: how sparse can a trained ReLU net be made before it loses accuracy?

Tests C12 (only 1-4% of brain neurons are active at once) with the L1 penalty on hidden
activations that Glorot et al. (2011) trained their rectifier nets with, at strengths from
zero up: each strength's active fraction against its test accuracy.
Run: python experiments/activity_penalty.py --profile quick   (or: python -m study run activity_penalty)
"""

from study.spec.grid import ALSO_ON_DIGITS, Experiment, also_fashion, also_modern, also_tuned

EXPERIMENT = Experiment(
    name="activity_penalty",
    claims=("C12",),
    title="ReLU nets under an L1 activity penalty",
    dataset="mnist1d",
    # and the same grid on digits and Fashion-MNIST, and (in the reference run) in the modern MLPs
    replicas=also_modern(also_tuned(also_fashion(ALSO_ON_DIGITS), profiles=("full",)), profiles=("full",)),
    activations=("relu",),
    depths={"smoke": (4,), "quick": (4,), "full": (4,)},
    penalties=(0.0, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2),  # the smoke profile trains them too: small groups
    epochs={"smoke": 2, "quick": 10, "full": 30},
)

if __name__ == "__main__":
    from study.cli import run_script

    run_script(EXPERIMENT)
