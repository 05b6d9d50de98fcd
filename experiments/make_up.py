"""Group make-up: does a model's result depend on the other models trained beside it?

Not a claim: a check of the method. A group trains its models side by side in batched matrix
products whose shape depends on how many models it holds; floating-point rounding differs with
that shape and long training can amplify it. Here the sparsity experiment's ReLU nets (Glorot
uniform) are trained alone, same seeds and batches (at depth 4 this is the activity_penalty
experiment's unpenalised group), so `study/make_up.py` can set the difference
between the same model trained alone and in the group of four beside the spread across seeds.
Run: python experiments/make_up.py --profile quick   (or: python -m study run make_up)
"""

from study.spec.grid import Experiment

EXPERIMENT = Experiment(
    name="make_up",
    claims=(),
    title="Group make-up (a check of the method)",
    dataset="mnist1d",
    activations=("relu",),
    depths={"smoke": (4,), "quick": (4, 32), "full": (4, 32)},
)

if __name__ == "__main__":
    from study.cli import run_script

    run_script(EXPERIMENT)
