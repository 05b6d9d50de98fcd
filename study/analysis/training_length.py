"""Has the reference MLP trained long enough? Its MNIST-1D accuracy beside the data set's published MLP baseline.

The sparsity experiment's ReLU MLP with two hidden layers (the depth of the MNIST-1D project's MLP baseline)
on MNIST-1D. Whether it has converged is read on the validation split, as every choice in the study is: the
mean validation accuracy over the last fifth of the epochs differs from the mean over the fifth before by
less than CONVERGED, interval and all. Window means, not two single epochs: one epoch's accuracy on a few
hundred validation examples moves by about a point from epoch to epoch. The epoch of lowest validation loss
(where early stopping would stop) is given beside it, and the final test accuracy beside the baseline's. The
report's methods state it.
"""

from __future__ import annotations

from study.analysis import stats
from study.analysis.literature import MNIST1D_MLP_BASELINE
from study.analysis.selection import MAIN_INIT, per_seed
from study.spec.config import OPTIMIZERS

DEPTH = 2  # hidden layers of the published MLP
CONVERGED = 0.01  # the largest change of mean validation accuracy from one fifth of the epochs to the last
MIN_SEEDS = 3  # fewer give no interval worth the name


def relu_mlp(study):
    """The depth-2 ReLU MLPs on MNIST-1D under the main initialiser, or None where the study has too few."""
    if "sparsity" not in study.experiments:
        return None
    df = study.frame("sparsity")
    df = df[
        (df["dataset"] == "mnist1d")
        & (df["depth"] == DEPTH)
        & (df["activation"] == "relu")
        & (df["initializer"] == MAIN_INIT)
        & (df["architecture"] == "mlp")
    ]
    return df if df["seed"].nunique() >= MIN_SEEDS else None


def summary(study) -> dict | None:
    """The change of mean validation accuracy from the second-last fifth of the epochs to the last; the epoch of
    lowest validation loss; final test and training accuracy."""
    df = relu_mlp(study)
    if df is None:
        return None
    epochs = int(df["epochs"].max())
    fifth = max(epochs // 5, 1)
    val, loss, test, train = (
        per_seed(df, m, columns="epoch", layer=-1)
        for m in ("val_accuracy", "val_loss", "test_accuracy", "train_accuracy")
    )
    last = val.loc[:, epochs - fifth + 1 : epochs].mean(axis=1)
    before = val.loc[:, epochs - 2 * fifth + 1 : epochs - fifth].mean(axis=1)
    stored = next(c for c in study.info() if c["key"] == df["run"].iloc[0])
    run, spec = stored["run"], stored["spec"]
    return {
        "epochs": epochs,
        "fifth": fifth,
        "seeds": len(test),
        "width": int(df["width"].iloc[0]),
        "n_train": run["n_train"],
        "n_val": run["n_val"],
        "optimizer": spec["optimizer"],
        "learning_rate": spec["learning_rate"],
        "change": stats.bootstrap(last - before),
        "lowest_loss": int(loss.loc[:, 1:].idxmin(axis=1).median()),
        "test": stats.bootstrap(test[epochs]),
        "train": stats.bootstrap(train[epochs]),
    }


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
    lowest = (
        f"Its validation loss is lowest at epoch {s['lowest_loss']} (median over seeds), where early stopping "
        "would stop; after it the loss rises."
        if s["lowest_loss"] < s["epochs"]
        else "Its validation loss still falls at the end."
    )
    return (
        f"**Training length.** The mean validation accuracy of the ReLU MLP with {DEPTH} hidden layers of "
        f"{s['width']} on MNIST-1D ({s['seeds']} seeds) over the last {s['fifth']} of its {s['epochs']} epochs "
        f"differs from its mean over the {s['fifth']} before by {change.fmt(points=True)}, so {state(change)} "
        f"(the rule: within "
        f"±{100 * CONVERGED:g} pp, interval and all). {lowest} It ends at {s['test'].fmt(percent=True)} test "
        f"accuracy, with "
        f"{s['train'].fmt(percent=True)} training accuracy. The data set's authors report {accuracy} ± {sd}% "
        f"for their MLP (two hidden layers of 100; Greydanus & Kobak 2024, Table 1), trained with Adam at a "
        f"learning rate of 0.01 (their code's) and early stopping on all {s['n_train'] + s['n_val']} training "
        f"examples, where ours train with {OPTIMIZERS[s['optimizer']].split(' (')[0]} at "
        f"{s['learning_rate']:g} on {s['n_train']} ({s['n_val']} are the validation split) for a fixed number "
        "of epochs."
    )


def tuned_sentence(tuned) -> str:
    """The same check in the tuned setting: the ReLU MLP at its own best rate, beside the published baseline."""
    s = summary(tuned)
    if s is None:
        return ""
    accuracy, sd = MNIST1D_MLP_BASELINE
    return (
        f"At its tuned rate, {s['learning_rate']:g}, the ReLU MLP with {DEPTH} hidden layers of {s['width']} ends "
        f"at {s['test'].fmt(percent=True)} test accuracy on MNIST-1D ({s['seeds']} seeds, {s['epochs']} epochs; "
        f"{state(s['change'])}), beside the published {accuracy} ± {sd}%."
    )
