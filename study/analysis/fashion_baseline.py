"""Our Fashion-MNIST MLPs beside the data set's published benchmark (Xiao, Rasul & Vollgraf 2017, Table 3).

The sparsity experiment's one-hidden-layer ReLU and tanh MLPs in the fashion setting, at the reference width of
100 units: the benchmark's MLPClassifier(hidden_layer_sizes=[100]) with the same activation. Their final test
accuracy (over seeds, 95% interval) against the published one; the report's methods state it.
"""

from __future__ import annotations

from study.analysis import stats
from study.analysis.literature import FASHION_BENCHMARK
from study.analysis.selection import MAIN_INIT, per_seed

SETTING = "fashion"
DEPTH = 1  # one hidden layer, as the benchmark's MLPClassifier
ACTIVATIONS = ("relu", "tanh")


def accuracies(study) -> dict | None:
    """{activation: final test accuracy (Estimate)}, with the groups' width, training examples and epochs;
    None where the study has no such runs."""
    if SETTING not in study.settings() or "sparsity" not in (fashion := study.in_setting(SETTING)).experiments:
        return None
    df = fashion.frame("sparsity")
    df = df[(df["depth"] == DEPTH) & (df["initializer"] == MAIN_INIT) & df["activation"].isin(ACTIVATIONS)]
    if df.empty:
        return None
    epochs = int(df["epochs"].max())
    found = {a: per_seed(d, "test_accuracy", columns="epoch", layer=-1)[epochs] for a, d in df.groupby("activation")}
    stored = next(c for c in fashion.info() if c["key"] == df["run"].iloc[0])
    return {
        "test": {a: stats.bootstrap(v) for a, v in found.items()},
        "seeds": min(len(v) for v in found.values()),
        "width": int(df["width"].iloc[0]),
        "n_train": stored["run"]["n_train"],
        "epochs": epochs,
    }


def sentence(study) -> str:
    found = accuracies(study)
    if found is None:
        return ""
    ours = "; ".join(
        f"{a} {e.fmt(percent=True)} against {100 * FASHION_BENCHMARK[a][1]:.1f}% "
        f"({100 * (e.value - FASHION_BENCHMARK[a][1]):+.1f} pp)"
        for a, e in found["test"].items()
    )
    svc, svc_accuracy = FASHION_BENCHMARK["svc"]
    return (
        f"**Fashion-MNIST baseline.** Our MLPs with one hidden layer of {found['width']} units, trained on "
        f"{found['n_train']:,} of its training images for {found['epochs']} epochs ({found['seeds']} seeds), beside "
        "the benchmark's MLPClassifier(hidden_layer_sizes=[100]) of the same activation, trained by scikit-learn on "
        f"all 60,000 (Xiao, Rasul & Vollgraf 2017, Table 3), in test accuracy: {ours}. The benchmark's best "
        f"classifier, {svc}, reaches {100 * svc_accuracy:.1f}%."
    )
