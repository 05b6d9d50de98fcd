"""The report's methods: the data, the models, the experiments, the measurements, the statistics, and
the models left out."""

from __future__ import annotations

import pandas as pd

from study.analysis import fashion_baseline, make_up, stats, training_length
from study.analysis.study import Study
from study.report import power, tuned_rates
from study.report.markdown import md_table, values
from study.report.provenance import model_count
from study.spec import activations, config, grid
from study.spec.config import DIVERGENCE_FACTOR
from study.train import probes

DATASET_TEXT = {
    "mnist1d": "MNIST-1D (Greydanus & Kobak 2024), generated offline",
    "digits": "scikit-learn's 8x8 digits",
    "fashion_mnist": "Fashion-MNIST (Xiao, Rasul & Vollgraf 2017), 28x28 grey images of clothing in 10 classes, "
    "read from the original files (checked against their SHA-256); pixels scaled to [0, 1], then standardised; "
    "5,000 of the 60,000 training images are the validation split, a random subsample of the rest trains "
    "(its size below: it keeps a group within a few times a MNIST-1D one), all 10,000 test images test",
    "few_relevant": "a synthetic task with few relevant features among many",
    **{
        f"few_relevant_{n}": f"a synthetic two-class task (scikit-learn's make_classification): {n} informative "
        f"features among 100, the other {100 - n} pure Gaussian noise"
        for n in (2, 5, 10, 20, 50)
    },
    "abs_1d": "y = |x| on [-sqrt(3), sqrt(3)] (Lu et al. 2020), inputs uniform on the interval, no noise",
}


def experiments_table(study: Study) -> pd.DataFrame:
    rows = {}
    for name, exp in study.experiments.items():
        specs = study.specs(name)
        rates = "; ".join(
            f"{config.OPTIMIZERS[o].split(' (')[0]} "
            f"{values((s.learning_rate for s in specs if s.optimizer == o), '{:g}')}"
            for o in sorted({s.optimizer for s in specs})
        )
        rows[name] = {
            "claims": ", ".join(exp.claims),
            "data": values(s.dataset for s in specs),
            "activations": ", ".join(dict.fromkeys(a for s in specs for a in s.activations)),
            "depths": values(s.depth for s in specs),
            "widths": values(s.width for s in specs),
            "initialisers": values(s.initializer for s in specs),
            "optimiser, learning rates": rates,
            "seeds": str(len(specs[0].seeds)),
            "epochs": values(s.epochs for s in specs),
            "L1 activity penalty": values((s.activity_l1 for s in specs), "{:g}"),
            "groups": str(len(specs)),
        }
    return pd.DataFrame(rows).T


def diverged_text(study: Study) -> str:
    """The models left out as diverged, in every setting."""
    gone = pd.concat([v.diverged() for v in study.views().values()], ignore_index=True)
    specs = study.every_setting_specs()
    total = model_count(specs)  # the abstract's count; the benchmark only times
    rule = f"training loss not finite, or above {DIVERGENCE_FACTOR:g} times its value at initialisation"
    if gone.empty:
        return f"**Diverged models.** No model of the {total} diverged ({rule})."
    by = gone.merge(
        pd.DataFrame(
            [
                {"run": s.key(), "optimizer": s.optimizer, "learning_rate": s.learning_rate, "depth": s.depth}
                for s in specs
            ]
        ),
        on="run",
    )
    counts = by.groupby(["activation", "optimizer", "learning_rate", "depth"]).size().rename("models").reset_index()
    return (
        f"**Diverged models.** {len(gone)} of the {total} models diverged ({rule}); each is flagged from "
        f"that epoch on and left out of every analysis and figure, with the other models of its seed in its group "
        f"(they share its batches and are its pairs):\n\n"
        f"{md_table(counts.set_index('activation'), 'activation')}"
    )


def make_up_text(study: Study) -> str:
    """How far a model moves with the other models of its group, where the make_up experiment ran."""
    return "\n" + make_up.sentence(study) + "\n" if {"make_up", "sparsity"} <= set(study.experiments) else ""


def training_length_text(study: Study) -> str:
    """Whether the reference MLP has converged, beside the MNIST-1D MLP baseline; the tuned rates, and the tuned
    MLP beside the same baseline; the Fashion-MNIST MLPs beside theirs; where the study has them."""
    found = (training_length.sentence(study), tuned_rates.text(study), fashion_baseline.sentence(study))
    texts = [t for t in found if t]
    return "".join("\n" + t + "\n" for t in texts)


def cnn_text(specs) -> str:
    """The CNN, where a setting trained it."""
    cnn = [s for s in specs if s.architecture == "cnn"]
    if not cnn:
        return ""
    return (
        f" In the cnn setting (Robustness) it is {config.ARCHITECTURES['cnn']}, with {values(s.width for s in cnn)} "
        f"channels (the MNIST-1D CNN baseline's) at depths {values(s.depth for s in cnn)}; a group of them is one "
        "batched convolution per layer, equal to the Keras `Conv1D` model of each branch (tested)."
    )


def modern_text(specs) -> str:
    """The normalisation layers and skips, where a setting trained them, and how the measurements read them."""
    norms = [n for n in config.NORMALIZATIONS if n != "none" and any(s.normalization == n for s in specs)]
    skips = [s for s in specs if s.residual]
    if not norms and not skips:
        return ""
    depths = values(s.depth for s in specs if s.residual or s.normalization != "none")
    present = [name for name in grid.MODERN if any(grid.model_of(name) == (s.normalization, s.residual) for s in specs)]
    out = f" In the {' and '.join(present)} setting{'s' if len(present) > 1 else ''} (Robustness) the MLP has "
    out += f"normalisation or skips, at depths {depths}: " + "; ".join(config.NORMALIZATIONS[n] for n in norms)
    if skips:
        out += (
            "; residual nets add an identity skip around every hidden layer whose input and output widths match "
            "(all but the first), h <- h + act(Dense(h)), as the MNIST-1D baseline MLP's second layer"
        )
    return out + (
        ". Each model of a group normalises only its own units (batch statistics per model and unit; layer "
        "statistics per model and example), so a group equals its plain Keras models with Keras's "
        "`BatchNormalization`, `LayerNormalization` and `Add` layers (tested, with a group-wide layer norm as "
        "the negative control). Activation rates, sparsity, saturation and dead units are measured on the "
        "activation's output, before a skip adds its input; the pre-activation is what enters the activation, "
        "after normalisation; the probes run in inference mode (batch norm's moving averages). A layer's "
        "gradient norm covers its kernel and its normalisation's scale and offset. Layer norm divides by a "
        "norm, so its nets are not piecewise linear: their linear-region counts (C5) count activation "
        "patterns, and their 'linear' nets are not linear."
    )


def data_lines(study: Study) -> list[str]:
    """One line per data set trained on: what it is, and its splits' sizes."""
    trained = [c for c in study.info() if not c["spec"].get("benchmark")]
    lines = []
    for name in sorted({c["spec"]["dataset"] for c in trained}):
        c = next(c for c in trained if c["spec"]["dataset"] == name)
        info, task = c["run"], c["spec"]["task"]
        outputs = f"{info['n_outputs']} classes" if task == "classification" else "one real-valued target"
        lines.append(
            f"- **{name}**: {DATASET_TEXT.get(name, name)}; {info['n_train']} training examples "
            f"(after carving out {info['n_val']} for validation), {info['n_test']} test examples, "
            f"{info['n_features']} features, {outputs}."
        )
    return lines


def methods(study: Study) -> str:
    metric_lines = "\n".join(f"- **{k}**: {v}." for k, v in probes.DEFINITIONS.items())
    specs = study.all_specs()
    record = {s.epochs: s.record_epochs for s in specs}
    return f"""## Methods

**Data.** Features are standardised with the training split's mean and scale{unit_range_text(specs)}.

{chr(10).join(data_lines(study))}

**Models.** The reference MLP, `Input -> depth x Dense(width, activation) -> Dense(outputs)`, identical
across activations but for the activation.{cnn_text(study.every_setting_specs())}{modern_text(study.every_setting_specs())} Classification minimises cross-entropy, regression the mean
squared error. Initialisers: {"; ".join(f"{k}: {v}" for k, v in config.INITIALIZERS.items() if any(s.initializer == k for s in specs))};
weights are drawn with NumPy from the model's seed (the same on every Keras backend), biases start at zero. Optimisers: {"; ".join(f"{k}: {v}" for k, v in config.OPTIMIZERS.items() if any(s.optimizer == k for s in specs))}.
Batches of {values(s.batch_size for s in specs)}. Models that share every setting but activation and seed
are trained side by side as one stacked group whose loss is the sum of their losses, so each model receives
exactly its own gradient; all of them see the same batches in the same order (a paired design). Where an
experiment sweeps learning rates, each activation's rate is chosen on the validation split, never the test split.
{user_activations_text(specs)}
**Experiments.** Each row is one script under `experiments/`; several claims may read one experiment.

{md_table(experiments_table(study), "experiment")}

**Measurements.** After every epoch: the loss (and accuracy) on the whole validation split, and on the
training split's probe set, a fixed sample of its first {values(s.probe_size for s in specs)} examples (in
random order; "training loss" and "training accuracy" are these). At epochs
{"; ".join(f"{', '.join(map(str, r))} of {e}" for e, r in sorted(record.items()))} (0 is initialisation): the
loss (and accuracy) on the whole test split and, on the probe set, for every hidden layer (and the model
where stated):

{metric_lines}

**Statistics.** Seeds are the unit of replication. Estimates are interquartile means (IQM) over
seeds (and over layers where stated) with 95% stratified bootstrap intervals ({stats.N_BOOTSTRAP}
resamples, fixed seed; Agarwal et al. 2021), written `IQM [low, high]`; comparisons between activations are paired
differences (same seed, same batches). The IQM drops the lowest and highest quarter of the values:
with fewer than four seeds it is the plain mean. Proportions (the share of runs that reach a threshold or
collapse) are plain means with the same bootstrap. An equivalence (C3) is judged with two one-sided
t-tests (TOST; Schuirmann 1987) against a margin stated in the claim's module, shown as the mean paired difference with
its 90% interval and the TOST p-value.

{power.text(study)}

{diverged_text(study)}
{make_up_text(study)}
{training_length_text(study)}

**Verdicts.** Each claim's verdict follows a rule fixed in code before the runs, in the claim's own
module (`study/claims/`); each section below prints its rule beside its verdict.
"""


def unit_range_text(specs) -> str:
    """Where a setting scales its inputs to [0, 1] instead (Glorot & Bengio's, whose scaling is not stated)."""
    return (
        " (Glorot & Bengio's setting as they ran it also with each feature scaled to [0, 1] by the training split's "
        "minimum and maximum: they do not say which they used)"
        if any(s.inputs == "unit_range" for s in specs)
        else ""
    )


def user_activations_text(specs) -> str:
    """The user's activations among these runs: where each came from and how its derivative was taken."""
    names = activations.users_in(a for s in specs for a in s.activations)
    if not names:
        return ""
    acts = [activations.get(a) for a in names]
    lines = "\n".join(
        f"- `{a.name}`: `{a.formula.removesuffix(' (user)')}`; derivative: "
        + (
            "the function's own `derivative`"
            if a.derivative is getattr(a.fn, "derivative", None)
            else "the backend's automatic differentiation"
        )
        + f"; largest |f'| on [-10, 10] {a.max_derivative:.3g}"
        + ("; saturates on both sides" if a.bounded else "")
        for a in acts
    )
    return f"""
**Your activations.** Named by import path; the 8 hex digits after `@` are the hash of its module's source, so
its runs are stored apart from every other version. Each trains in groups of its own beside the built-in groups,
with the same settings, seeds (so the same initial weights) and batches, and every claim reads it beside the four.

{lines}
"""
