"""C3: a mirrored or 180-degree-rotated ReLU trains just as well: only a constant coefficient changes.

What the "constant coefficient" is: a sign. relu(-x) applied to z is relu applied to -z, and
a negated output -relu(.) is absorbed by negating the next layer's weights. So each flipped
net computes exactly what a ReLU net computes whose weights and biases are sign-flipped
where the flip dictates, and since gradient descent, momentum and Adam all commute with a
fixed sign flip of the parameters, it stays that net step for step (tests/test_flips.py
checks this to float rounding). Under a sign-symmetric initialiser (Glorot uniform) the
flipped nets are therefore the ReLU net in distribution; with the same seed they start from
other weights, so their results differ by seed-to-seed noise alone.

Read from two experiments. `flips_exact` is the exact test: each flip trained from the sign-flipped initial
weights of its ReLU twin on the same batches, so any difference in their test outputs or accuracy is float
rounding (the largest is reported). `flips` is the distributional one: each flip from its own seeded draw,
final test accuracy and loss against ReLU paired by seed, judged with two one-sided tests (TOST) against the
margins stated here. The rule decides from both; a replica setting without the exact runs (they need the plain
MLP, whose Dense layers absorb the sign) decides from the draws alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from study.analysis import stats
from study.analysis.selection import final_epoch, per_seed
from study.analysis.style import BOOT, colours, tidy_ticks
from study.analysis.verdicts import NUANCED, REFUTED, SUPPORTED, Rule, Sesoi
from study.claims import Key

CLAIM = "C3"
EXPERIMENTS = ("flips",)
EXACT = "flips_exact"  # read where the study has it (the main setting): sign-flipped twins
FLIPS = ("relu_mirror", "relu_rot180", "neg_relu")
ORDER = ("relu", *FLIPS)
MARGINS = {"test_accuracy": 0.02, "test_loss": 0.05}  # 2 percentage points; 0.05 nats
# The equivalence margins are the smallest effects of interest: a flip within them trains "just as well".
SAME = (
    Sesoi(MARGINS["test_accuracy"], "test accuracy", "pp", "two points of accuracy, the seed spread of these nets"),
    Sesoi(MARGINS["test_loss"], "test loss (nats)", "", "a twentieth of a nat, about as far as two points of accuracy"),
)
# A twin's outputs are the ReLU net's when they differ by rounding alone: float32 rounding carried through training
# stays near 1e-7 of the outputs' scale (tests/test_flips.py), a different function differs in the first digits.
ROUNDING = Sesoi(
    1e-4, "relative difference in test outputs of a twin", "", "float32 rounding is near 1e-7 after an epoch"
)

RULE = Rule(
    (
        REFUTED,
        f"a sign-flipped twin's test outputs are more than {ROUNDING.size:g} (relative) from its ReLU twin's after the "
        "first epoch, or the twins' final test accuracies differ by more than the accuracy margin; without "
        "the exact runs, some flip's difference from ReLU in independent draws lies wholly outside its margin (90% "
        "interval)",
        lambda e: not e.exact.agree if e.exact else any(t.different for t in e.tests.values()),
    ),
    (
        SUPPORTED,
        "every sign-flipped twin is at its ReLU twin's outputs up to rounding after the first epoch and within the "
        "accuracy margin of its accuracy at the end, and no flip's "
        "independent draws are shown different from ReLU's; without the exact runs, at every depth each flip's final "
        "test accuracy and test loss are shown equivalent to ReLU's (TOST on the paired differences at the 5% level, "
        f"margins {100 * MARGINS['test_accuracy']:g} percentage points of accuracy and {MARGINS['test_loss']} of loss)",
        lambda e: (
            not any(t.different for t in e.tests.values()) if e.exact else all(t.equivalent for t in e.tests.values())
        ),
    ),
    # twins that agree beside draws shown different (chance, or an initialiser that is not sign-symmetric); or no
    # exact runs, and the draws neither shown equivalent with these seeds nor shown different
    otherwise=NUANCED,
    sesoi=(*SAME, ROUNDING),
)
# What each verdict means for someone choosing an activation (the report's 'What this means in practice')
PRACTICE = {
    SUPPORTED: "A mirrored or rotated ReLU trains as well as ReLU: any one-sided rectifier will do.",
    NUANCED: (
        "Mirrored and rotated ReLUs train about as well as ReLU, but these runs do not show them equivalent: "
        "keep plain ReLU unless there is a reason not to."
    ),
    REFUTED: "A flipped ReLU does not train like ReLU here: keep the usual orientation.",
}
LITERATURE = "No published number: the equivalence is exact algebra, so the study's own test is the anchor."


@dataclass(frozen=True)
class Exact:
    """The sign-flipped twins, over flips, seeds and depths: the largest relative difference of a flip's test
    outputs from its ReLU twin's after the first epoch and after the last, and of their final test accuracies.

    Rounding is where the twins part: the group sums a slot's gradient in its own order (tests/test_flips.py), and
    over thousands of steps a difference of 1e-7 can grow as any perturbation of training does (a unit near its
    kink switches one way in one twin and the other way in the other). So the twins are the same net where they
    agree to rounding after the first epoch, and the flip trains as well where, after the last, their accuracies
    differ by less than the accuracy margin."""

    early: float  # after the first epoch
    outputs: float  # after the last
    accuracy: float
    pairs: int  # flip-twin pairs
    epochs: int

    @property
    def agree(self) -> bool:
        return self.early <= ROUNDING.size and self.accuracy <= MARGINS["test_accuracy"]


@dataclass(frozen=True)
class Evidence:
    epochs: int
    depths: tuple[int, ...]
    tests: dict[tuple[int, str, str], stats.Equivalence]  # {(depth, flip, metric): TOST of flip - relu, by seed}
    accuracy: dict[tuple[int, str], stats.Estimate]  # {(depth, activation): IQM final test accuracy}
    exact: Exact | None = None  # None where the study has no sign-flipped twins

    @property
    def worst(self) -> tuple[int, str, str]:
        """The (depth, flip, metric) of the largest difference in final test accuracy."""
        accuracy = {k: t for k, t in self.tests.items() if k[2] == "test_accuracy"}
        return max(accuracy, key=lambda k: abs(accuracy[k].difference))

    @property
    def shown_equivalent(self) -> int:
        return sum(t.equivalent for t in self.tests.values())

    @property
    def key(self) -> Key:
        return Key.of("largest accuracy difference", self.tests[self.worst].estimate(), "pp")


def evidence(study) -> Evidence:
    df = study.frame("flips")
    last = final_epoch(df)
    depths = tuple(int(d) for d in sorted(df["depth"].unique()))
    tests, accuracy = {}, {}
    for depth in depths:
        for metric, margin in MARGINS.items():
            final = per_seed(df, metric, columns="activation", depth=depth, epoch=last)
            for flip in FLIPS:
                tests[(depth, flip, metric)] = stats.equivalence(final[flip], final["relu"], margin)
        acc = per_seed(df, "test_accuracy", columns="activation", depth=depth, epoch=last)
        for act in ORDER:
            accuracy[(depth, act)] = stats.bootstrap(acc[act].to_numpy())
    return Evidence(last, depths, tests, accuracy, exact_twins(study) if EXACT in study.experiments else None)


def exact_twins(study) -> Exact:
    df = study.frame(EXACT)
    last = final_epoch(df)
    diff = df[(df["metric"] == "twin_output_difference") & (df["activation"].isin(FLIPS))]
    first = int(diff.loc[diff["epoch"] > 0, "epoch"].min())
    acc = df[(df["metric"] == "test_accuracy") & (df["epoch"] == last)]
    wide = acc.pivot_table(index=["depth", "seed"], columns="activation", values="value")
    gaps = wide[list(FLIPS)].sub(wide["relu"], axis=0).abs()
    at = diff.groupby("epoch")["value"].max()
    return Exact(float(at[first]), float(at[last]), float(gaps.to_numpy().max()), int(gaps.size), last)


def verdict(e: Evidence) -> str:
    return RULE(e)


def text(e: Evidence) -> str:
    depth, flip, _ = e.worst
    out = (
        f"Each flip is the ReLU net under a sign flip of its weights (the module's docstring works it out; "
        f"the test suite checks it step by step), so the 'constant coefficient' of the claim is a sign "
        f"absorbed by the neighbouring layers. Trained from their own seeded draws for {e.epochs} epochs (other "
        f"draws from the same sign-symmetric distribution), the flips can differ from ReLU by seed noise alone; the "
        f"largest difference in final test accuracy is "
        f"{e.tests[e.worst].fmt(percent=True)} ({flip}, depth {depth}; mean paired difference with its "
        f"90% interval, the TOST's; the key number gives the 95% one). {e.shown_equivalent} of {len(e.tests)} "
        f"comparisons are shown equivalent within the margins "
        f"({100 * MARGINS['test_accuracy']:g} percentage points of accuracy, {MARGINS['test_loss']} of loss)."
    )
    if e.exact is not None:
        out += (
            f" Trained from the sign flip of their ReLU twin's initial weights on the same batches ({e.exact.pairs} "
            f"pairs), the flips' test outputs are their twin's to a relative {e.exact.early:.1g} after the first epoch "
            + ("(float rounding: each flip is the ReLU net)" if e.exact.early <= ROUNDING.size else "(beyond rounding)")
            + f"; over {e.exact.epochs} epochs that difference grows to {e.exact.outputs:.2g}, as rounding differences "
            "grow in any long training, and their final test accuracies differ by at most "
            f"{100 * e.exact.accuracy:.2g} pp"
            + (
                f", within the {100 * MARGINS['test_accuracy']:g} pp margin."
                if e.exact.accuracy <= MARGINS["test_accuracy"]
                else f", beyond the {100 * MARGINS['test_accuracy']:g} pp margin."
            )
        )
    elif verdict(e) == NUANCED:
        out += " The rest are neither shown equivalent nor shown different: more seeds narrow the intervals."
    return out


def table(e: Evidence) -> pd.DataFrame:
    rows = {}
    for depth in e.depths:
        for metric in MARGINS:
            for flip in FLIPS:
                rows.setdefault(f"{flip}, depth {depth}", {})[f"{metric.replace('_', ' ')} - relu's"] = e.tests[
                    (depth, flip, metric)
                ].fmt(percent=metric == "test_accuracy")
        for act in ORDER:
            rows.setdefault(f"{act}, depth {depth}", {})["test accuracy"] = e.accuracy[(depth, act)].fmt(percent=True)
    return pd.DataFrame(rows).T.fillna("")


def flipped_relus(study):
    """ReLU and its mirrored, 180°-rotated and negated versions: training loss per epoch (left; lines and bars
    are iqms over seeds, bands and bars their 95% bootstrap intervals) and final test accuracy, one dot per
    seed with the IQM as a bar (right)."""
    df = study.frame("flips")
    last = final_epoch(df)
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.4))
    curves = df[(df["metric"] == "train_loss")]
    sns.lineplot(
        curves,
        x="epoch",
        y="value",
        hue="activation",
        style="depth",
        palette=colours(df),
        hue_order=ORDER,
        ax=axes[0],
        **BOOT,
    )
    axes[0].set_ylabel("training loss (cross-entropy)")
    axes[0].set_title("training curves")
    final = df[(df["metric"] == "test_accuracy") & (df["epoch"] == last)]
    sns.stripplot(
        final,
        x="activation",
        y="value",
        hue="activation",
        palette=colours(df),
        order=ORDER,
        dodge=False,
        jitter=False,
        size=6,
        ax=axes[1],
        legend=False,
    )
    sns.pointplot(
        final,
        x="activation",
        y="value",
        order=ORDER,
        color="k",
        linestyle="none",
        marker="_",
        markersize=20,
        ax=axes[1],
        **BOOT,
    )
    axes[1].set_ylabel(f"test accuracy after {last} epochs")
    axes[1].set_xlabel("activation")
    tidy_ticks(axes[1:])
    axes[1].set_title("final test accuracy, one dot per seed")
    fig.suptitle("C3: ReLU and its mirrored and rotated versions")
    fig.tight_layout()
    return fig


FIGURES = {"flipped_relus": flipped_relus}
