"""Cost: what each activation costs to compute, in isolation and in a training step.

Tests C8 (sigmoid and tanh cost more: exponentials forward, division and exponentials
backward). Not a training run: `study/cost.py` times each activation's forward and
forward+backward pass on tensors from cache-sized (16 KB) to well beyond the last-level cache
(32 MB), and a training step of the depth-4 reference MLP, on the backend and device at hand;
repeats are the profile's `epochs`. Results are kept per device, so a GPU's sit beside a CPU's.
Run: python experiments/cost.py --profile quick   (or: python -m study run cost)
"""

from study.spec.activations import MAIN_FOUR
from study.spec.grid import Experiment

EXPERIMENT = Experiment(
    name="cost",
    claims=("C8",),
    title="Compute cost",
    dataset="mnist1d",
    activations=(*MAIN_FOUR, "elu", "selu", "gelu", "swish", "softplus"),
    depths={"smoke": (4,), "quick": (4,), "full": (4,)},
    seeds={"smoke": 1, "quick": 1, "full": 1},
    epochs={"smoke": 3, "quick": 30, "full": 50},
    options={"benchmark": "cost"},
)

if __name__ == "__main__":
    from study.cli import run_script

    run_script(EXPERIMENT)
