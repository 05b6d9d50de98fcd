"""Published numbers the study compares against, as `../shared/literature.md` gives them.

Only numbers that enter a computation or a figure live here; the report quotes the rest
in each claim's literature line.
"""

GLOROT2011_ZEROS_MNIST = 0.834  # Glorot, Bordes, Bengio 2011: exact zeros, MNIST (as reported in summaries)
BRAIN_ACTIVE = (0.01, 0.04)  # Lennie 2003: fraction of neurons active at once
KRIZHEVSKY2012_SPEEDUP = 6.0  # AlexNet Fig. 1: ReLU reached 25% CIFAR-10 training error 6x sooner than tanh
