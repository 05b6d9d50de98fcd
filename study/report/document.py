"""The written report: Markdown for GitHub and a self-contained HTML page.

Every number comes from the claim modules' findings or the stored run configurations; the prose
around them is fixed text. Figures are read from the figures folder, never redrawn here.
"""

from __future__ import annotations

import base64
import inspect
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import markdown
import pandas as pd

from study.spec import activations, grid
from study import claims
from study.run import backends as crosscheck
from study.report import figures, ledger, robustness
from study.analysis import literature, make_up, stats, training_length
from study.train import probes
from study.claims import CLAIMS
from study.spec import config
from study.spec.config import DIVERGENCE_FACTOR, get_profile
from study.errors import MissingFigures
from study.store.provenance import device_label, git_commit
from study.analysis.study import Study

TITLE = "Why ReLU? Testing the claims, one by one"


def md_table(df: pd.DataFrame, index_name="") -> str:
    def row(cells):
        return "| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |"

    lines = [row([index_name, *df.columns]), "|" + "---|" * (len(df.columns) + 1)]
    lines += [row([idx, *values]) for idx, values in zip(df.index, df.itertuples(index=False))]
    return "\n".join(lines)


def model_count(specs, benchmark: bool = False) -> int:
    """How many models these groups train: those measured (the abstract's count), or the timing benchmark's (C8)."""
    return sum(len(s.branches) for s in specs if bool(s.benchmark) == benchmark)


def models_trained(specs) -> str:
    timing = model_count(specs, benchmark=True)
    return f"{model_count(specs)}" + (f" and {timing} in the timing benchmark" if timing else "")


def provenance(study: Study) -> dict:
    configs = study.every_setting_info()
    runs = [c["run"] for c in configs]
    first = runs[0]
    seeds = sorted({s for c in configs for s in c["spec"]["seeds"]})
    return {
        "report made at commit": git_commit(),
        "runs made at commit": ", ".join(sorted({r.get("commit", "unknown") for r in runs})),
        "profile": study.profile,
        "backend": ", ".join(sorted({r["backend"] for r in runs})),
        "device": ", ".join(sorted({device_label(r["device"]) for r in runs})),
        "versions": ", ".join(f"{k} {v}" for k, v in first["versions"].items()),
        "python": first["python"],
        "op determinism": ", ".join(sorted({str(r["op_determinism"]) for r in runs})),
        "seeds": ", ".join(map(str, seeds)),
        "groups (stored runs)": str(len(configs)),
        "models trained": models_trained(study.every_setting_specs()),
        "fitting time (summed over groups)": f"{sum(r['wall_time_s'] for r in runs):.0f} s",
        "training time in all (data, building, fitting, measuring)": f"{crosscheck.training_time(configs):.0f} s",
    }


def captions(study: Study) -> dict[str, str]:
    """{figure: its caption}, in the report's order: the docstring of the function that draws it."""
    return {name: " ".join((inspect.getdoc(draw) or "").split()) for name, draw in figures.drawers(study).items()}


def _figure(name, study, number: int, caption: str):
    cmd = " ".join(["python -m study figures", *study.selection.options()])
    return (f"![Figure {number}](../figures/{name}.png)\n\n*Figure {number}. {caption}* (`{name}`, made by "
            f"`{cmd}`; [SVG](../figures/{name}.svg))")


DATASET_TEXT = {
    "mnist1d": "MNIST-1D (Greydanus & Kobak 2024), generated offline",
    "digits": "scikit-learn's 8x8 digits",
    "few_relevant": "a synthetic task with few relevant features among many",
    **{f"few_relevant_{n}": f"a synthetic two-class task (scikit-learn's make_classification): {n} informative "
                            f"features among 100, the other {100 - n} pure Gaussian noise" for n in (2, 5, 10, 20, 50)},
    "abs_1d": "y = |x| on [-sqrt(3), sqrt(3)] (Lu et al. 2020), inputs uniform on the interval, no noise",
}


def _values(xs, fmt="{}"):
    return ", ".join(fmt.format(x) for x in sorted(set(xs)))


def experiments_table(study: Study) -> pd.DataFrame:
    rows = {}
    for name, exp in study.experiments.items():
        specs = study.specs(name)
        rates = "; ".join(f"{config.OPTIMIZERS[o].split(' (')[0]} {_values((s.learning_rate for s in specs if s.optimizer == o), '{:g}')}"
                          for o in sorted({s.optimizer for s in specs}))
        rows[name] = {"claims": ", ".join(exp.claims), "data": _values(s.dataset for s in specs),
                      "activations": ", ".join(dict.fromkeys(a for s in specs for a in s.activations)), "depths": _values(s.depth for s in specs),
                      "widths": _values(s.width for s in specs), "initialisers": _values(s.initializer for s in specs),
                      "optimiser, learning rates": rates, "seeds": str(len(specs[0].seeds)),
                      "epochs": _values(s.epochs for s in specs), "L1 activity penalty": _values((s.activity_l1 for s in specs), "{:g}"),
                      "groups": str(len(specs))}
    return pd.DataFrame(rows).T


def diverged_text(study: Study) -> str:
    """The models left out as diverged, in every setting."""
    gone = pd.concat([v.diverged() for v in study.views().values()], ignore_index=True)
    specs = study.every_setting_specs()
    total = model_count(specs)  # the abstract's count; the benchmark only times
    rule = f"training loss not finite, or above {DIVERGENCE_FACTOR:g} times its value at initialisation"
    if gone.empty:
        return f"**Diverged models.** No model of the {total} diverged ({rule})."
    by = gone.merge(pd.DataFrame([{"run": s.key(), "optimizer": s.optimizer, "learning_rate": s.learning_rate,
                                   "depth": s.depth} for s in specs]), on="run")
    counts = by.groupby(["activation", "optimizer", "learning_rate", "depth"]).size().rename("models").reset_index()
    return (f"**Diverged models.** {len(gone)} of the {total} models diverged ({rule}); each is flagged from "
            f"that epoch on and left out of every analysis and figure, with the other models of its seed in its group "
            f"(they share its batches and are its pairs):\n\n"
            f"{md_table(counts.set_index('activation'), 'activation')}")


def make_up_text(study: Study) -> str:
    """How far a model moves with the other models of its group, where the make_up experiment ran."""
    return "\n" + make_up.sentence(study) + "\n" if {"make_up", "sparsity"} <= set(study.experiments) else ""


def training_length_text(study: Study) -> str:
    """Whether the reference MLP has converged, beside the MNIST-1D MLP baseline, where the study has it."""
    text = training_length.sentence(study)
    return "\n" + text + "\n" if text else ""


def cnn_text(specs) -> str:
    """The CNN, where a setting trained it."""
    cnn = [s for s in specs if s.architecture == "cnn"]
    if not cnn:
        return ""
    return (f" In the cnn setting (Robustness) it is {config.ARCHITECTURES['cnn']}, with {_values(s.width for s in cnn)} "
            f"channels (the MNIST-1D CNN baseline's) at depths {_values(s.depth for s in cnn)}; a group of them is one "
            "batched convolution per layer, equal to the Keras `Conv1D` model of each branch (tested).")


def methods(study: Study) -> str:
    configs = study.info()
    data_lines = []
    trained = [c for c in configs if not c["spec"].get("benchmark")]
    for name in sorted({c["spec"]["dataset"] for c in trained}):
        c = next(c for c in trained if c["spec"]["dataset"] == name)
        info, task = c["run"], c["spec"]["task"]
        outputs = f"{info['n_outputs']} classes" if task == "classification" else "one real-valued target"
        data_lines.append(f"- **{name}**: {DATASET_TEXT.get(name, name)}; {info['n_train']} training examples "
                          f"(after carving out {info['n_val']} for validation), {info['n_test']} test examples, "
                          f"{info['n_features']} features, {outputs}.")
    metric_lines = "\n".join(f"- **{k}**: {v}." for k, v in probes.DEFINITIONS.items())
    specs = study.all_specs()
    record = {s.epochs: s.record_epochs for s in specs}
    return f"""## Methods

**Data.** Features are standardised with the training split's mean and scale.

{chr(10).join(data_lines)}

**Models.** The reference MLP, `Input -> depth x Dense(width, activation) -> Dense(outputs)`, identical
across activations but for the activation.{cnn_text(study.every_setting_specs())} Classification minimises cross-entropy, regression the mean
squared error. Initialisers: {'; '.join(f'{k}: {v}' for k, v in config.INITIALIZERS.items() if any(s.initializer == k for s in specs))};
weights are drawn with NumPy from the model's seed (the same on every Keras backend), biases start at zero. Optimisers: {'; '.join(f'{k}: {v}' for k, v in config.OPTIMIZERS.items() if any(s.optimizer == k for s in specs))}.
Batches of {_values(s.batch_size for s in specs)}. Models that share every setting but activation and seed
are trained side by side as one stacked group whose loss is the sum of their losses, so each model receives
exactly its own gradient; all of them see the same batches in the same order (a paired design). Where an
experiment sweeps learning rates, each activation's rate is chosen on the validation split, never the test split.
{user_activations_text(specs)}
**Experiments.** Each row is one script under `experiments/`; several claims may read one experiment.

{md_table(experiments_table(study), "experiment")}

**Measurements.** After every epoch: training, validation and test loss (and accuracy). At epochs
{'; '.join(f"{', '.join(map(str, r))} of {e}" for e, r in sorted(record.items()))} (0 is initialisation), on a
fixed probe set of the first training examples, for every hidden layer (and the model where stated):

{metric_lines}

**Statistics.** Seeds are the unit of replication. Estimates are interquartile means (IQM) over
seeds (and over layers where stated) with 95% stratified bootstrap intervals ({stats.N_BOOTSTRAP}
resamples, fixed seed; Agarwal et al. 2021), written `IQM [low, high]`; comparisons between activations are paired
differences (same seed, same batches). The IQM drops the lowest and highest quarter of the values:
with fewer than four seeds it is the plain mean. Proportions (the share of runs that reach a threshold or
collapse) are plain means with the same bootstrap. An equivalence (C3) is judged with two one-sided
t-tests (TOST; Schuirmann 1987) against a margin stated in the claim's module, shown as the mean paired difference with
its 90% interval and the TOST p-value.

{diverged_text(study)}
{make_up_text(study)}
{training_length_text(study)}

**Verdicts.** Each claim's verdict follows a rule fixed in code before the runs, in the claim's own
module (`study/claims/`); each section below prints its rule beside its verdict.
"""


def user_activations_text(specs) -> str:
    """The user's activations among these runs: where each came from and how its derivative was taken."""
    names = activations.users_in(a for s in specs for a in s.activations)
    if not names:
        return ""
    acts = [activations.get(a) for a in names]
    lines = "\n".join(f"- `{a.name}`: `{a.formula.removesuffix(' (user)')}`; derivative: "
                      + ("the function's own `derivative`" if a.derivative is getattr(a.fn, "derivative", None) else
                         "the backend's automatic differentiation")
                      + f"; largest |f'| on [-10, 10] {a.max_derivative:.3g}" + ("; saturates on both sides" if a.bounded else "")
                      for a in acts)
    return f"""
**Your activations.** Named by import path; the 8 hex digits after `@` are the hash of its module's source, so
its runs are stored apart from every other version. Each trains in groups of its own beside the built-in groups,
with the same settings, seeds (so the same initial weights) and batches, and every claim reads it beside the four.

{lines}
"""


def claim_section(f: claims.Finding, entry: dict, study, numbers: dict, caps: dict) -> str:
    """One claim's section; its verdict and key number are the ledger entry's."""
    figs = "\n\n".join(_figure(n, study, numbers[n], caps[n]) for n in entry["figures"])
    return f"""## {entry['id']}: {entry['english']}

> <span lang="zh">{entry['original']}</span>

**Verdict: {entry['verdict']}.** Key number: {key_text(entry['key'])}. {f.text}

*Rule:* {entry['rule']}

{md_table(f.table)}
{settings_paragraph(f)}{yours_paragraph(f)}
{figs}

*Literature.* {f.literature}
"""


def yours_paragraph(f: claims.Finding) -> str:
    """A user's activations against ReLU over this claim's runs (empty when there are none)."""
    if f.yours.empty:
        return ""
    return f"""
*Your activations against ReLU* (over every setting of this claim's experiments that both trained, same
seeds; the verdict above reads the source text's activations only):

{md_table(f.yours, "activation")}
"""


def backends_section(study: Study) -> str:
    """Each claim's verdict and key number on every backend with stored runs of this selection, for the
    experiments finished on all of them; for the reference profile, trained on one backend, the crosscheck
    committed beside it (config.CROSSCHECKED)."""
    own = study.info()[0]["run"]["backend"]
    found = backends_table(study)
    if found is None and study.profile == config.REFERENCE:
        other = config.CROSSCHECKED
        crossed = Study(config.home(other, "crosscheck"), grid.Selection(other), list(study.experiments.values()),
                        ["--profile", other], study.subset)
        found = backends_table(crossed)
        if found:
            found = (f"The {study.profile} profile ran on {own} alone. The backends are compared at the {other} "
                     f"profile, whose crosscheck runs are committed beside it (`make crosscheck`). " + found)
    if found is None:
        cmd = " ".join(["python -m study crosscheck", *study.subset, *study.rerun_options])
        found = (f"Only the {own} backend's runs of this selection are stored; `{cmd}` trains the same groups on "
                 f"every installed Keras backend ({', '.join(crosscheck.BACKENDS)}) and compares the verdicts.\n")
    return "### Backends\n\n" + found


def backends_table(study: Study) -> str | None:
    """The backends' comparison of this selection's stored runs, or None where fewer than two backends have any."""
    backends, common = crosscheck.stored(study)
    if len(backends) < 2 or not common:
        return None
    own = study.selection.backend or config.backend_name()
    cmd = " ".join(["python -m study crosscheck", *study.subset, *study.rerun_options])
    studies = {b: crosscheck.on_backend(study, b, common) for b in backends}  # each read and checked once
    table = crosscheck.compare(studies)
    if len(common) < len(study.experiments):
        cmd = " ".join(["python -m study crosscheck", *common, *study.rerun_options])
    times = {b: crosscheck.wall_time(s) for b, s in studies.items()}
    time_text = ", ".join(f"{b} {t:.0f} s" for b, t in times.items())
    others = [n for n in crosscheck.finished_experiments(study, own) if n not in common]
    covered = ("every experiment" if len(common) == len(study.experiments) else
               f"the experiments run on all of them ({', '.join(common)}"
               + (f"; {', '.join(others)} ran on {own} only)" if others else ")"))
    return f"""The same groups were trained on {len(backends)} Keras backends ({', '.join(backends)}), from the same initial
weights (drawn with NumPy from each seed) and the same batches, on {', '.join(sorted(crosscheck.devices(studies.values())))};
made by `{cmd}`. The comparison covers {covered}. Their numbers differ only through floating-point rounding,
which differs between backends and grows over training. {crosscheck.disagreements(table)} Time to train the
compared groups (building, fitting and measuring, summed over groups): {time_text}.

{md_table(table, "claim")}
"""


def key_text(key: dict) -> str:
    """A ledger key as the report writes it: name, value and 95% interval, in its unit."""
    nan = float("nan")
    value, (low, high) = key["value"], key["interval"]
    k = claims.Key(key["name"], nan if value is None else value, nan if low is None else low,
                   nan if high is None else high, key["n"], key["unit"])
    return str(k)


def build_ledger(study: Study, found: list) -> dict:
    runs = sorted({c["run"].get("commit", "unknown") for c in study.every_setting_info()})
    return ledger.build(found, claims.unanswered(study), study.profile,
                        ["python -m study report", *study.selection.options()], runs, git_commit())


def abstract(study: Study, led: dict) -> str:
    entries = led["claims"]
    counts = pd.Series([e["verdict"] for e in entries]).value_counts()
    specs = [s for s in study.every_setting_specs() if not s.benchmark]
    models = model_count(specs)
    kinds = "multilayer perceptrons" + (" and 1-D CNNs" if any(s.architecture == "cnn" for s in specs) else "")
    names = {"mnist1d": "MNIST-1D", "digits": "scikit-learn's digits", "abs_1d": "|x| on an interval"}
    data = sorted({names.get(s.dataset, "synthetic tasks with few relevant inputs") for s in specs})
    typical, most = len(get_profile(study.profile).seeds), max(len(s.seeds) for s in specs)
    least = min(len(s.seeds) for s in specs)
    fewest = [n for n in study.experiments if any(len(s.seeds) == least and not s.benchmark for s in study.specs(n))]
    seeds = f"{typical} seeds per setting" + (f" ({most} where a claim counts rare events)" if most > typical else "")
    seeds += f", {least} in the {' and '.join(fewest)} experiment" if least < typical else ""
    headline = "\n".join(f"- **{e['id']}** ({e['verdict']}): {e['english']} Key number: {key_text(e['key'])}."
                         for e in entries)
    return f"""## Abstract

A source text gives twelve reasons why deep networks use ReLU rather than sigmoid or tanh. We test them one by
one: {models} {kinds} that differ only in their activation function (trained side by side on the
same batches from the same initial weights, {seeds}, on {', '.join(data)}) are measured
layer by layer for sparsity, gradients, saturation and convergence, and each claim's verdict follows a rule fixed
in code before the runs. Of the {len(entries)} claims tested here, {', '.join(f'{n} {v}' for v, n in counts.items())}.
Headline findings, each with its key number (IQM or estimate with its 95% interval):

{headline}
"""


def settings_paragraph(f: claims.Finding) -> str:
    if not f.settings:
        return ""
    named = robustness.read_apart(f)  # then each setting names its own key
    each = "; ".join(f"{s}: {v} ({k.name + ' ' if named else ''}{k.fmt()})" for s, (v, k) in f.settings.items())
    return f"\n*By setting* (Robustness): {each}. {robustness.disagreement(f)}\n"


def robustness_section(study: Study, found: list, numbers: dict, caps: dict) -> str:
    settings = study.settings()
    if settings:
        m = robustness.matrix(found)
        holds = {f.claim: robustness.holds(f) for f in found if f.settings}
        table = m.assign(**{"supported in": pd.Series(holds)})
        described = "\n".join(f"- **{s}**: {grid.SETTING_TEXT[s]}" + (f" ({config.ARCHITECTURES['cnn']})" if s == "cnn" else "")
                              for s in [grid.MAIN_SETTING, *settings])
        split = [f.claim for f in found if robustness.disagreement(f)]
        by_setting = f"""Each claim's verdict is computed in its experiments' main setting and again, by the same rule, in
every setting its experiments are repeated in:

{described}

{md_table(table, "claim")}

{"Settings disagree on " + ", ".join(split) + "; each of those sections gives the key number in every setting." if split else "Every claim run in several settings gets the same verdict in each."}
Claims whose experiments are not all repeated in a setting (such as C4's synthetic tasks, C8's benchmark and C11's
leaderboard, which spans data sets itself) are read in their main setting only.

{_figure("verdicts_by_setting", study, numbers["verdicts_by_setting"], caps["verdicts_by_setting"])}
"""
    else:
        by_setting = "Each claim's verdict is computed in its experiments' main setting only.\n"
    return f"""## Robustness

### Settings

{by_setting}
{backends_section(study)}"""


def anchor(heading: str, separator: str = "-") -> str:
    """The id a heading gets on GitHub (lower case, punctuation dropped, each space a hyphen, none collapsed);
    the HTML's toc is given the same rule, so one link works in report.md and index.html."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", separator)


def contents(entries: dict) -> str:
    parts = ["Abstract", "Claims and verdicts", "Methods", *(f"{c}: {e['english']}" for c, e in entries.items()),
             "Robustness", "Limitations", "References", "How to reproduce", "Provenance"]
    return "**Contents.** " + " · ".join(f"[{p.split(':')[0] if p[0] == 'C' and ':' in p else p}](#{anchor(p)})"
                                         for p in parts)


def references(text: str) -> str:
    cited = literature.cited(text)
    return "## References\n\n" + "\n".join(f"{i}. {ref}" for i, ref in enumerate(cited, 1)) + "\n"


def render_markdown(study: Study, found: list, led: dict) -> str:
    """The report as a short paper. Verdicts and key numbers are read from the ledger."""
    prov = provenance(study)
    entries = {e["id"]: e for e in led["claims"]}
    tested = list(entries)
    skipped = led["unanswered"]
    untested = [c for c in CLAIMS if c not in tested and c not in skipped]
    summary = pd.DataFrame({"claim": {c: e["english"] for c, e in entries.items()},
                            "verdict": {c: e["verdict"] for c, e in entries.items()},
                            "key number (95% interval)": {c: key_text(e["key"]) for c, e in entries.items()}})
    if study.settings():  # in how many settings each claim is supported (Robustness)
        summary["supported in (settings)"] = [robustness.holds(f) for f in found]
    originals = pd.DataFrame({"original": {c: f'<span lang="zh">{e["original"]}</span>' for c, e in entries.items()}})
    caps = captions(study)
    numbers = {n: i for i, n in enumerate(caps, 1)}
    prov_table = pd.DataFrame({"value": prov})
    p = study.profile
    profile = get_profile(p)
    families = ("two small families of models (MLPs, and 1-D CNNs in one setting)"
                if any(s.architecture == "cnn" for s in study.every_setting_specs()) else "one family of models (MLPs)")
    cuts = f"\n- {profile.cuts}" if profile.cuts else ""
    body = f"""# {TITLE}

*Generated by `{' '.join(led['selection'])}` from the stored runs of the `{p}` profile
(made at commit `{prov['runs made at commit']}`), report code at commit `{prov['report made at commit']}`.
The claims ledger, `claims.json`, holds every verdict and key number below as data.*

{contents(entries)}

{abstract(study, led)}
## Claims and verdicts

The claims come from a set of Chinese interview answers on why deep networks use ReLU rather
than sigmoid or tanh. This report tests {', '.join(tested) or 'none of them'}{"; " + ", ".join(untested) + " are not tested in this edition" if untested else ""}.{"".join(f" {c} is not tested from these runs ({why})." for c, why in skipped.items())}

{md_table(summary, "id")}

The original sentences:

{md_table(originals, "id")}

{methods(study)}
{chr(10).join(claim_section(f, entries[f.claim], study, numbers, caps) for f in found)}
{robustness_section(study, found, numbers, caps)}
## Limitations

- Small data sets (MNIST-1D, digits, synthetic tasks, and |x| on an interval for C10) and {families};
  large data sets and other architectures may differ.{cuts}
- The `{p}` profile trains {profile.epochs} epochs with {len(profile.seeds)} seeds where an experiment sets no length or
  seeds of its own (the experiments table gives each one's): intervals over so few seeds are wide and the bootstrap
  understates them.
- Sparsity is measured on a fixed probe set of training examples; the near-zero threshold is a
  choice (stated in the methods) and moves the numbers for sigmoid and tanh.
- The verdicts apply to these settings; a different optimiser or initialiser can change them, as the
  two initialisers already show.

## How to reproduce

```
make study PROFILE={p}                       # set up .venv, train what is missing, figures, report
python -m study run all --profile {p}          # train (finished runs are skipped)
python -m study figures --profile {p}          # redraw figures from results/
python -m study report --profile {p}           # rewrite this report
```

## Provenance

{md_table(prov_table)}
"""
    return body + "\n" + references(body)


def _inline_images(html: str, folder: Path, kind: str) -> str:
    """Every figure inlined, so the page stands alone: PNG for the screen, SVG (vector) for print."""
    mime = {"png": "image/png", "svg": "image/svg+xml"}[kind]

    def repl(m):
        path = (folder / f"{m.group(1)}.{kind}").resolve()
        return f'src="data:{mime};base64,{base64.b64encode(path.read_bytes()).decode()}"'

    return re.sub(r'src="([^"]+)\.png"', repl, html)


# The original sentences are Chinese: a CJK font (Debian's fonts-noto-cjk) comes first for them.
CJK_FONTS = '"Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Zen Hei"'
STYLE = f"""body{{font-family:"Noto Sans", "DejaVu Sans", system-ui, sans-serif, {CJK_FONTS};max-width:60rem;
margin:2rem auto;padding:0 1rem;line-height:1.5}}:lang(zh){{font-family:{CJK_FONTS}, sans-serif}}
table{{border-collapse:collapse;margin:1rem 0;font-size:.9rem}}td,th{{border:1px solid #ccc;padding:.25rem .5rem}}
img{{max-width:100%}}pre{{overflow-x:auto}}@media screen{{table{{display:block;overflow-x:auto}}}}blockquote{{color:#555;border-left:3px solid #ccc;margin-left:0;padding-left:1rem}}
code{{background:#f4f4f4}}
@page{{size:A4;margin:16mm 14mm}}
@media print{{body{{max-width:none;margin:0;padding:0;font-size:9.5pt;line-height:1.35}}table{{font-size:7.5pt}}
img{{break-inside:avoid}}h1,h2,h3{{break-after:avoid}}p:has(> img){{break-inside:avoid}}}}"""


def render_html(md_text: str, folder: Path, images: str = "png") -> str:
    body = markdown.markdown(md_text, extensions=["tables", "fenced_code", "toc"],
                             extension_configs={"toc": {"slugify": anchor}})
    return (f"<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{TITLE}</title>"
            f"<style>{STYLE}</style></head><body>\n{_inline_images(body, folder, images)}\n</body></html>\n")


def chromium() -> str | None:
    """Headless Chromium for the PDF: $CHROMIUM, else the first of the usual names on PATH."""
    given = os.environ.get("CHROMIUM")
    if given:
        return given
    return next((path for name in ("chromium", "chromium-browser", "google-chrome", "chrome")
                 if (path := shutil.which(name))), None)


def render_pdf(html: str, browser: str) -> bytes:
    """The print rendering of the page (figures as SVG, so vector in the PDF), by headless Chromium."""
    with tempfile.TemporaryDirectory(prefix="study-pdf-") as tmp:
        page, pdf = Path(tmp) / "report.html", Path(tmp) / "report.pdf"
        page.write_text(html, encoding="utf-8")
        proc = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                               "--disable-background-networking", "--disable-component-update", "--disable-sync",
                               f"--user-data-dir={tmp}/profile", "--no-pdf-header-footer",
                               f"--print-to-pdf={pdf}", page.as_uri()],
                              capture_output=True, text=True, timeout=300)
        if not pdf.exists() or pdf.stat().st_size == 0:
            raise RuntimeError(f"{browser} made no PDF (exit {proc.returncode}): {proc.stderr.strip()[-300:]}")
        return pdf.read_bytes()


def check_figures(study: Study, folder: Path):
    """Refuses figures not drawn from these runs, or whose bytes differ from the manifest's checksums."""
    hint = f"run '{study.command('figures')}' first"
    try:
        drawn = json.loads((folder / figures.MANIFEST).read_text())
    except (OSError, ValueError):
        raise MissingFigures(f"no figure manifest in {folder}: {hint}") from None
    if not isinstance(drawn, dict) or {k: drawn.get(k) for k in ("profile", "selection", "runs")} != figures.manifest(study):
        raise MissingFigures(f"the figures in {folder} were not drawn from these runs: {hint}")
    expected = [f"{n}.{ext}" for n in figures.names(study) for ext in figures.FORMATS]
    listed = drawn.get("files") or {}
    for name in expected:
        path = folder / name
        if name not in listed or not path.exists():
            raise MissingFigures(f"figure {path} is missing: {hint}")
        if figures.checksums([path])[name] != listed[name]:
            raise MissingFigures(f"figure {path} does not match its checksum in the manifest: {hint}")


def write(study: Study, out: Path) -> list[Path]:
    """report.md, index.html, claims.json and report.pdf, all from one ledger; each file replaced whole.
    Without Chromium the PDF is left out (and an older one removed, so none disagrees with the rest)."""
    found = claims.findings(study)  # fails first if results are missing
    led = build_ledger(study, found)
    md_text = render_markdown(study, found, led)
    check_figures(study, out.parent / "figures")
    texts = {"report.md": md_text, "index.html": render_html(md_text, out),
             "claims.json": ledger.dumps(led)}
    browser = chromium()
    pdf = render_pdf(render_html(md_text, out, images="svg"), browser) if browser else None
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, text in texts.items():
        paths.append(_replace(out / name, text.encode("utf-8")))
    if pdf is not None:
        paths.append(_replace(out / "report.pdf", pdf))
    else:
        (out / "report.pdf").unlink(missing_ok=True)
        print("report.pdf not written: no Chromium found (install Debian's chromium, or set CHROMIUM to a "
              "Chrome or Chromium executable)", file=sys.stderr)
    return paths


def _replace(path: Path, data: bytes) -> Path:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
    return path
