"""Is the reference MLP trained to convergence? Its MNIST-1D accuracy beside the data set's published baseline.

The sparsity experiment's ReLU MLP with two hidden layers (the shape of the MNIST-1D project's MLP baseline)
on MNIST-1D: its final test accuracy, how much that moved over the last fifth of training, and its final
training accuracy, set beside the MLP baseline the data set's authors published. The report's methods
state it.
"""

from __future__ import annotations

from study import stats
from study.claims import MAIN_INIT
from study.selection import per_seed

DEPTH = 2  # hidden layers of the published MLP (two of 100 units in the authors' code)
# Greydanus & Kobak (2024), Table 1 (the same in the 2020 preprint): test accuracy in %, mean +- sd over three
# runs, of their MLP trained with Adam and early stopping on all 4000 training examples.
PUBLISHED = {"accuracy": 68, "sd": 2, "source": "Greydanus & Kobak 2024, Table 1"}
# Converged: over the last fifth of the epochs the test accuracy moved by less than this, interval and all.
CONVERGED = 0.01


def relu_mlp(study):
    """The depth-2 ReLU MLPs on MNIST-1D under the main initialiser, or None where the study has none."""
    if "sparsity" not in study.experiments:
        return None
    df = study.frame("sparsity")
    df = df[(df["dataset"] == "mnist1d") & (df["depth"] == DEPTH) & (df["activation"] == "relu")
            & (df["initializer"] == MAIN_INIT) & (df["architecture"] == "mlp")]
    return df if len(df) else None


def summary(study) -> dict | None:
    """Final test accuracy, its change over the last fifth of the epochs, final training accuracy."""
    df = relu_mlp(study)
    if df is None:
        return None
    epochs = int(df["epochs"].max())
    earlier = epochs - max(epochs // 5, 1)
    test = per_seed(df, "test_accuracy", columns="epoch", layer=-1)
    train = per_seed(df, "train_accuracy", columns="epoch", layer=-1)
    split = next(c["run"] for c in study.info() if c["spec"]["dataset"] == "mnist1d" and "n_val" in c["run"])
    return {"epochs": epochs, "earlier": earlier, "seeds": len(test), "n_train": split["n_train"], "n_val": split["n_val"],
            "test": stats.bootstrap(test[epochs]),
            "change": stats.bootstrap(test[epochs] - test[earlier]),
            "train": stats.bootstrap(train[epochs])}


def sentence(study) -> str:
    s = summary(study)
    if s is None:
        return ""
    change = s["change"]
    verdict = ("it has converged" if max(abs(change.low), abs(change.high)) < CONVERGED else
               f"it has not converged (a change of less than {100 * CONVERGED:g} pp would be)")
    return (f"**Training length.** After {s['epochs']} epochs the ReLU MLP with {DEPTH} hidden layers (the shape of "
            f"the MNIST-1D MLP baseline) reaches {s['test'].fmt(percent=True)} test accuracy on MNIST-1D "
            f"({s['seeds']} seeds), with {s['train'].fmt(percent=True)} training accuracy; over the last "
            f"{s['epochs'] - s['earlier']} epochs its test accuracy moved by {100 * change.value:+.1f} pp "
            f"[{100 * change.low:+.1f}, {100 * change.high:+.1f}], so {verdict}. The data set's "
            f"authors report {PUBLISHED['accuracy']} ± {PUBLISHED['sd']}% for their MLP ({PUBLISHED['source']}), "
            f"trained with Adam and early stopping on all {s['n_train'] + s['n_val']} training examples, where ours "
            f"train on {s['n_train']} ({s['n_val']} are the validation split) for a fixed number of epochs.")
