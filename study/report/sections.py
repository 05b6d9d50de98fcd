"""The report's sections around the methods: the abstract, each claim's section, robustness across
settings and backends."""

from __future__ import annotations

import pandas as pd

from study import claims
from study.analysis.study import Study
from study.commands import command
from study.report import backends as crosscheck
from study.report import robustness
from study.report.markdown import figure, key_text, md_table
from study.report.provenance import model_count
from study.run import backends as training_backends
from study.spec import config, grid
from study.spec.config import get_profile


def abstract(study: Study, led: dict, found: list) -> str:
    entries = led["claims"]
    answers = {f.claim: f for f in found}
    counts = pd.Series([e["verdict"] for e in entries]).value_counts()
    specs = [s for s in study.every_setting_specs() if not s.benchmark]
    models = model_count(specs)
    kinds = "multilayer perceptrons" + (" and 1-D CNNs" if any(s.architecture == "cnn" for s in specs) else "")
    names = {
        "mnist1d": "MNIST-1D",
        "digits": "scikit-learn's digits",
        "fashion_mnist": "Fashion-MNIST",
        "abs_1d": "|x| on an interval",
    }
    data = sorted({names.get(s.dataset, "synthetic tasks with few relevant inputs") for s in specs})
    typical = study.selection.seeds or len(get_profile(study.profile).seeds)
    most = max(len(s.seeds) for s in specs)
    least = min(len(s.seeds) for s in specs)
    fewest = [n for n in study.experiments if any(len(s.seeds) == least and not s.benchmark for s in study.specs(n))]
    seeds = f"{typical} seeds per setting" + (f" ({most} where a claim counts rare events)" if most > typical else "")
    seeds += f", {least} in the {' and '.join(fewest)} experiment" if least < typical else ""
    headline = "\n".join(
        f"- **{e['id']}** ({e['verdict']}): {e['english']}{answer(answers[e['id']])} Key number: "
        f"{key_text(e['key'])}.{changes(e)}"
        for e in entries
    )
    return f"""## Abstract

A source text gives twelve reasons why deep networks use ReLU rather than sigmoid or tanh. We test them one by
one: {models} {kinds} that differ only in their activation function (trained side by side on the
same batches from the same initial weights, {seeds}, on {", ".join(data)}) are measured
layer by layer for sparsity, gradients, saturation and convergence, and each claim's verdict follows a rule fixed
in code before the runs. {tally(entries, counts)}
{headline}
"""


def changes(entry: dict) -> str:
    """Where a claim's verdict differs in another setting (another model or data set), the settings and verdicts."""
    main = entry["verdict"]
    other = [f"{s['setting']}: {s['verdict']}" for s in entry.get("settings", []) if s["verdict"] != main]
    return f" Another verdict in {'; '.join(other)} (Robustness)." if other else ""


def tally(entries, counts) -> str:
    """How many claims got each verdict, and the headline findings' heading; or that none could be tested."""
    if not entries:
        return "None of the claims can be tested from these runs (Claims and verdicts says why).\n"
    verdicts = ", ".join(f"{n} {v}" for v, n in counts.items())
    return (
        f"Of the {len(entries)} claims tested here, {verdicts}.\n"
        "Headline findings, each with its key number (IQM or estimate with its 95% interval):\n"
    )


def claim_section(f: claims.Finding, entry: dict, study, numbers: dict, caps: dict) -> str:
    """One claim's section; its verdict and key number are the ledger entry's."""
    figs = "\n\n".join(figure(n, study, numbers[n], caps[n]) for n in entry["figures"])
    return f"""## {entry["id"]}: {entry["english"]}

> <span lang="zh">{entry["original"]}</span>

**Verdict: {entry["verdict"]}.**{answer(f)} Key number: {key_text(entry["key"])}. {f.text}

*Rule:* {entry["rule"]}

{md_table(f.table)}
{settings_paragraph(f, study.profile)}{yours_paragraph(f)}
{figs}

*Literature.* {f.literature}
"""


def answer(f: claims.Finding) -> str:
    """A question's answer, after its verdict: " **Answer:** yes: tanh, ...", or ''."""
    return f" **Answer:** {f.answer[0].upper()}{f.answer[1:]}." if f.answer else ""


def yours_paragraph(f: claims.Finding) -> str:
    """A user's activations against ReLU over this claim's runs (empty when there are none)."""
    if f.yours.empty:
        return ""
    return f"""
*Your activations against ReLU* (over every setting of this claim's experiments that both trained, same
seeds; the verdict above reads the source text's activations only):

{md_table(f.yours, "activation")}
"""


def settings_paragraph(f: claims.Finding, profile: str) -> str:
    if not f.settings:
        return ""
    named = robustness.read_apart(f)  # then each setting names its own key
    each = "; ".join(f"{s}: {v} ({k.name + ' ' if named else ''}{k.fmt()})" for s, (v, k) in f.settings.items())
    return f"\n*By setting* (Robustness): {each}. {robustness.disagreement(f, profile)}{robustness.mechanisms(f)}\n"


def robustness_section(study: Study, found: list, numbers: dict, caps: dict) -> str:
    settings = study.settings()
    if settings:
        m = robustness.matrix(found)
        holds = {f.claim: robustness.holds(f) for f in found if f.settings}
        table = m.assign(**{"supported in": pd.Series(holds)})
        described = "\n".join(
            f"- **{s}**: {grid.SETTING_TEXT[s]}" + (f" ({config.ARCHITECTURES['cnn']})" if s == "cnn" else "")
            for s in [grid.MAIN_SETTING, *settings]
        )
        split = [f.claim for f in found if robustness.disagreement(f, study.profile)]
        by_setting = f"""Each claim's verdict is computed in its experiments' main setting and again, by the same rule, in
every setting its experiments are repeated in:

{described}

{md_table(table, "claim")}

{"Settings disagree on " + ", ".join(split) + "; each of those sections gives the key number in every setting." if split else "Every claim run in several settings gets the same verdict in each."}
Claims whose experiments are not all repeated in a setting (such as C8's benchmark and C11's leaderboard, which
spans data sets itself) are read in their main setting only; the tuned setting leaves out C7 and C11, which read
each activation at its own best rate by design, C9, whose Glorot & Bengio setting keeps its own SGD rate, and C10,
whose variable is the rate.

{figure("verdicts_by_setting", study, numbers["verdicts_by_setting"], caps["verdicts_by_setting"])}
"""
    else:
        by_setting = "Each claim's verdict is computed in its experiments' main setting only.\n"
    return f"""## Robustness

### Settings

{by_setting}
{backends_section(study)}"""


def backends_section(study: Study) -> str:
    """Each claim's verdict and key number on every backend with stored runs of this selection, for the
    experiments finished on all of them; for the reference profile, trained on one backend, the crosscheck
    committed beside it (config.CROSSCHECKED)."""
    own = study.info()[0]["run"]["backend"]
    found = backends_table(study)
    if found is None and study.profile == config.REFERENCE:
        other = config.CROSSCHECKED
        crossed = Study(
            config.home(other, "crosscheck"),
            grid.Selection(other),
            list(study.experiments.values()),
            ["--profile", other],
            study.subset,
        )
        found = backends_table(crossed)
        if found:
            found = (
                f"The {study.profile} profile ran on {own} alone. The backends are compared at the {other} "
                f"profile, whose crosscheck runs are committed beside it (`make crosscheck`). " + found
            )
    if found is None:
        cmd = command("crosscheck", *study.subset, *study.rerun_options)
        found = (
            f"Only the {own} backend's runs of this selection are stored; `{cmd}` trains the same groups on "
            f"every Keras backend installed here ({', '.join(training_backends.installed())}) and compares the "
            "verdicts.\n"
        )
    return "### Backends\n\n" + found


def backends_table(study: Study) -> str | None:
    """The backends' comparison of this selection's stored runs, or None where fewer than two backends have any."""
    backends, common = crosscheck.stored(study)
    if len(backends) < 2 or not common:
        return None
    own = study.selection.backend or config.backend_name()
    cmd = command("crosscheck", *study.subset, *study.rerun_options)
    studies = {b: crosscheck.on_backend(study, b, common) for b in backends}  # each read and checked once
    table = crosscheck.compare(studies)
    if len(common) < len(study.experiments):
        cmd = command("crosscheck", *common, *study.rerun_options)
    times = {b: crosscheck.wall_time(s) for b, s in studies.items()}
    time_text = ", ".join(f"{b} {t:.0f} s" for b, t in times.items())
    others = [n for n in crosscheck.finished_experiments(study, own) if n not in common]
    covered = (
        "every experiment"
        if len(common) == len(study.experiments)
        else f"the experiments run on all of them ({', '.join(common)}"
        + (f"; {', '.join(others)} ran on {own} only)" if others else ")")
    )
    return f"""The same groups were trained on {len(backends)} Keras backends ({", ".join(backends)}), from the same initial
weights (drawn with NumPy from each seed) and the same batches, on {", ".join(sorted(crosscheck.devices(studies.values())))};
made by `{cmd}`. The comparison covers {covered}. Their numbers differ only through floating-point rounding,
which differs between backends and grows over training. {crosscheck.disagreements(table)} Time to train the
compared groups (building, fitting and measuring, summed over groups): {time_text}.

{md_table(table, "claim")}
"""
