"""Gradients: how the error signal shrinks on its way back through deep nets.

Tests C6 (ReLU has no vanishing gradient; deep sigmoid nets stall) and C9 (the sigmoid
derivative is small outside a narrow band around 0), under the Keras default (Glorot
uniform) and He initialisation. Its grid is the sparsity grid, so the two share their runs.
Run: python experiments/gradients.py --profile quick   (or: python -m study run gradients)
"""

from study.spec.activations import MAIN_FOUR
from study.spec.grid import ALSO_ON_DIGITS_AND_CNN, DEPTH_LADDER, Experiment, also_fashion, also_modern, also_tuned

EXPERIMENT = Experiment(
    name="gradients",
    claims=("C6", "C9"),
    title="Vanishing gradients and stalled training",
    dataset="mnist1d",
    # in smoke too, so the tests take both settings through the pipeline
    # and the same grid on digits and Fashion-MNIST, with the CNN, at tuned rates, and in the modern MLPs
    replicas=also_modern(
        also_tuned(also_fashion({**ALSO_ON_DIGITS_AND_CNN, "smoke": ("digits", "cnn", "resnorm", "tuned")}))
    ),
    activations=MAIN_FOUR,
    initializers=("glorot_uniform", "he_normal"),
    depths=DEPTH_LADDER,
)

if __name__ == "__main__":
    from study.cli import run_script

    run_script(EXPERIMENT)
