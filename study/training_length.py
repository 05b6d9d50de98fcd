"""Has the reference MLP trained long enough? Its MNIST-1D accuracy beside the data set's published MLP baseline.

The sparsity experiment's ReLU MLP with two hidden layers (the depth of the MNIST-1D project's MLP baseline)
on MNIST-1D. Whether it has converged is read on the validation split, as every choice in the study is: its
validation accuracy moved by less than CONVERGED over the last fifth of the epochs, interval and all. Its
final test accuracy is then set beside the baseline's. The report's methods state it.
"""

from __future__ import annotations

from study import stats
from study.claims import MAIN_INIT
from study.literature import MNIST1D_MLP_BASELINE
from study.selection import per_seed

DEPTH = 2  # hidden layers of the published MLP
CONVERGED = 0.01  # the largest change of validation accuracy over the last fifth of the epochs
MIN_SEEDS = 3  # fewer give no interval worth the name


def relu_mlp(study):
    """The depth-2 ReLU MLPs on MNIST-1D under the main initialiser, or None where the study has too few."""
    if "sparsity" not in study.experiments:
        return None
    df = study.frame("sparsity")
    df = df[(df["dataset"] == "mnist1d") & (df["depth"] == DEPTH) & (df["activation"] == "relu")
            & (df["initializer"] == MAIN_INIT) & (df["architecture"] == "mlp")]
    return df if df["seed"].nunique() >= MIN_SEEDS else None


def summary(study) -> dict | None:
    """The change of validation accuracy over the last fifth of the epochs; final test and training accuracy."""
    df = relu_mlp(study)
    if df is None:
        return None
    epochs = int(df["epochs"].max())
    earlier = epochs - max(epochs // 5, 1)
    val, test, train = (per_seed(df, m, columns="epoch", layer=-1) for m in ("val_accuracy", "test_accuracy",
                                                                            "train_accuracy"))
    run = next(c["run"] for c in study.info() if c["key"] == df["run"].iloc[0])
    return {"epochs": epochs, "earlier": earlier, "seeds": len(test), "width": int(df["width"].iloc[0]),
            "n_train": run["n_train"], "n_val": run["n_val"],
            "change": stats.bootstrap(val[epochs] - val[earlier]),
            "test": stats.bootstrap(test[epochs]), "train": stats.bootstrap(train[epochs])}


def state(change: stats.Estimate) -> str:
    """Converged, still rising, or past its best (falling: the net overfits)."""
    if max(abs(change.low), abs(change.high)) < CONVERGED:
        return "it has converged"
    if change.low > 0:
        return "it is still rising: it has not converged"
    if change.high < 0:
        return "it is falling: it has passed its best and overfits"
    return f"it moves by up to {100 * max(abs(change.low), abs(change.high)):.1f} pp either way: not settled"


def sentence(study) -> str:
    s = summary(study)
    if s is None:
        return ""
    change, (accuracy, sd) = s["change"], MNIST1D_MLP_BASELINE
    return (f"**Training length.** Over the last {s['epochs'] - s['earlier']} of its {s['epochs']} epochs the "
            f"validation accuracy of the ReLU MLP with {DEPTH} hidden layers of {s['width']} on MNIST-1D "
            f"({s['seeds']} seeds) moved by {100 * change.value:+.1f} pp [{100 * change.low:+.1f}, "
            f"{100 * change.high:+.1f}], so {state(change)} (the rule: within ±{100 * CONVERGED:g} pp, interval and "
            f"all). It ends at {s['test'].fmt(percent=True)} test accuracy, with {s['train'].fmt(percent=True)} "
            f"training accuracy. The data set's authors report {accuracy} ± {sd}% for their MLP (two hidden "
            f"layers of 100; Greydanus & Kobak 2024, Table 1), trained with Adam and early stopping on all "
            f"{s['n_train'] + s['n_val']} training examples, where ours train on {s['n_train']} ({s['n_val']} are "
            "the validation split) for a fixed number of epochs.")
