"""The written report: Markdown for GitHub and a self-contained HTML page.

Every number comes from the claim modules' findings or the stored run configurations; the prose
around them is fixed text. Figures are read from the figures folder, never redrawn here.
"""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import markdown
import pandas as pd

from study import activations, claims, crosscheck, figures, probes, stats
from study.claims import CLAIMS
from study import config
from study.config import DIVERGENCE_FACTOR, get_profile
from study.errors import MissingFigures
from study.provenance import git_commit
from study.selection import Study

TITLE = "Why ReLU? Testing the claims, one by one"


def md_table(df: pd.DataFrame, index_name="") -> str:
    def row(cells):
        return "| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |"

    lines = [row([index_name, *df.columns]), "|" + "---|" * (len(df.columns) + 1)]
    lines += [row([idx, *values]) for idx, values in zip(df.index, df.itertuples(index=False))]
    return "\n".join(lines)


def provenance(study: Study) -> dict:
    configs = study.info()
    runs = [c["run"] for c in configs]
    first = runs[0]
    seeds = sorted({s for c in configs for s in c["spec"]["seeds"]})
    return {
        "report made at commit": git_commit(),
        "runs made at commit": ", ".join(sorted({r.get("commit", "unknown") for r in runs})),
        "profile": study.profile,
        "backend": ", ".join(sorted({r["backend"] for r in runs})),
        "device": ", ".join(sorted({r["device"] for r in runs})),
        "versions": ", ".join(f"{k} {v}" for k, v in first["versions"].items()),
        "python": first["python"],
        "op determinism": ", ".join(sorted({str(r["op_determinism"]) for r in runs})),
        "seeds": ", ".join(map(str, seeds)),
        "groups (stored runs)": str(len(configs)),
        "models trained": str(sum(len(c["spec"]["activations"]) * len(c["spec"]["seeds"]) for c in configs)),
        "fitting time (summed over groups)": f"{sum(r['wall_time_s'] for r in runs):.0f} s",
        "training time in all (data, building, fitting, measuring)": f"{crosscheck.wall_time(study):.0f} s",
    }


def _figure(name, study):
    cmd = " ".join(["python -m study figures", *study.selection.options()])
    return f"![{name}](../figures/{name}.png)\n\n*Figure `{name}`, made by `{cmd}` ([SVG](../figures/{name}.svg)).*"


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
    gone = study.diverged()
    total = sum(len(s.branches) for s in study.all_specs())
    rule = f"training loss not finite, or above {DIVERGENCE_FACTOR:g} times its value at initialisation"
    if gone.empty:
        return f"**Diverged models.** No model of the {total} diverged ({rule})."
    by = gone.merge(pd.DataFrame([{"run": s.key(), "optimizer": s.optimizer, "learning_rate": s.learning_rate,
                                   "depth": s.depth} for s in study.all_specs()]), on="run")
    counts = by.groupby(["activation", "optimizer", "learning_rate", "depth"]).size().rename("models").reset_index()
    return (f"**Diverged models.** {len(gone)} of the {total} models diverged ({rule}); each is flagged from "
            f"that epoch on and left out of every analysis and figure, with the other models of its seed in its group "
            f"(they share its batches and are its pairs):\n\n"
            f"{md_table(counts.set_index('activation'), 'activation')}")


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
across activations but for the activation. Classification minimises cross-entropy, regression the mean
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
resamples, fixed seed), written `IQM [low, high]`; comparisons between activations are paired
differences (same seed, same batches). The IQM drops the lowest and highest quarter of the values:
with fewer than four seeds it is the plain mean. Proportions (the share of runs that reach a threshold or
collapse) are plain means with the same bootstrap. An equivalence (C3) is judged with two one-sided
t-tests (TOST) against a margin stated in the claim's module, shown as the mean paired difference with
its 90% interval and the TOST p-value.

{diverged_text(study)}

**Verdicts.** Each claim's verdict follows a rule fixed in code before the runs, in the claim's own
module (`study/claims/`); each section below prints its rule beside its verdict.
"""


def user_activations_text(specs) -> str:
    """The user's activations among these runs: where each came from and how its derivative was taken."""
    names = sorted({a for s in specs for a in s.activations if ":" in a})
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


def claim_section(f: claims.Finding, study) -> str:
    english, original = CLAIMS[f.claim]
    figs = "\n\n".join(_figure(n, study) for n in f.figures)
    return f"""## {f.claim}: {english}

> {original}

**Verdict: {f.verdict}.** {f.text}

*Rule:* {f.rule}

{md_table(f.table)}
{yours_paragraph(f)}
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
    experiments finished on all of them."""
    backends, common = crosscheck.stored(study)
    own = study.info()[0]["run"]["backend"]
    cmd = " ".join(["python -m study crosscheck", *study.subset, *study.rerun_options])
    if len(backends) < 2 or not common:
        return (f"## Backends\n\nOnly the {own} backend's runs of this selection are stored; `{cmd}` trains the "
                f"same groups on every installed Keras backend ({', '.join(crosscheck.BACKENDS)}) and compares "
                "the verdicts.\n")
    studies = {b: crosscheck.on_backend(study, b, common) for b in backends}  # each read and checked once
    table = crosscheck.compare(studies)
    if len(common) < len(study.experiments):
        cmd = " ".join(["python -m study crosscheck", *common, *study.rerun_options])
    times = {b: crosscheck.wall_time(s) for b, s in studies.items()}
    time_text = ", ".join(f"{b} {t:.0f} s" for b, t in times.items())
    covered = ("every experiment" if len(common) == len(study.experiments) else
               f"the experiments run on all of them ({', '.join(common)}; the others ran on {own} only)")
    return f"""## Backends

The same groups were trained on {len(backends)} Keras backends ({', '.join(backends)}), from the same initial
weights (drawn with NumPy from each seed) and the same batches, on {', '.join(sorted(crosscheck.devices(studies.values())))};
made by `{cmd}`. The comparison covers {covered}. Their numbers differ only through floating-point rounding,
which differs between backends and grows over training. {crosscheck.disagreements(table)} Time to train the
compared groups (building, fitting and measuring, summed over groups): {time_text}.

{md_table(table, "claim")}
"""


def render_markdown(study: Study) -> str:
    found = claims.findings(study)
    prov = provenance(study)
    tested = [f.claim for f in found]
    skipped = claims.unanswered(study)
    untested = [c for c in CLAIMS if c not in tested and c not in skipped]
    summary = pd.DataFrame({"verdict": {f.claim: f.verdict for f in found},
                            "key number": {f.claim: str(f.key) for f in found}})
    ledger = pd.DataFrame({"claim": {f.claim: CLAIMS[f.claim][0] for f in found},
                           "verdict": {f.claim: f.verdict for f in found},
                           "key number (IQM [95% CI])": {f.claim: str(f.key) for f in found},
                           "literature": {f.claim: f.literature for f in found}})
    counts = summary["verdict"].value_counts()
    count_text = ", ".join(f"{n} {v}" for v, n in counts.items())
    claims_table = pd.DataFrame({"claim": {c: CLAIMS[c][0] for c in tested},
                                 "original": {c: CLAIMS[c][1] for c in tested}})
    prov_table = pd.DataFrame({"value": prov})
    p = study.profile
    profile = get_profile(p)
    return f"""# {TITLE}

*Generated by `{' '.join(['python -m study report', *study.selection.options()])}` from the stored runs of the `{p}` profile
(made at commit `{prov['runs made at commit']}`), report code at commit `{prov['report made at commit']}`.*

## Summary

Identical deep MLPs that differ only in their activation function were trained side by side on
MNIST-1D (and, where a claim needs them, scikit-learn's digits, synthetic tasks with few relevant inputs
and a one-dimensional function; see Methods) and measured layer by layer. Of the {len(found)} claims tested here: {count_text}.

{md_table(summary, "claim")}

## The source claims

The claims come from a set of Chinese interview answers on why deep networks use ReLU rather
than sigmoid or tanh. This report tests {', '.join(tested) or 'none of them'}{"; " + ", ".join(untested) + " are not tested in this edition" if untested else ""}.{"".join(f" {c} is not tested from these runs ({why})." for c, why in skipped.items())}

{md_table(claims_table, "id")}

{methods(study)}
{chr(10).join(claim_section(f, study) for f in found)}
{backends_section(study)}
## Claims ledger

{md_table(ledger, "id")}

## Limitations

- Small data sets (MNIST-1D, digits, synthetic tasks, and |x| on an interval for C10) and one family
  of models (MLPs); convolutional nets and large data sets may differ.
- The `{p}` profile trains most experiments {profile.epochs} epochs with {len(profile.seeds)} seeds (the experiments
  table gives each one's): intervals over so few seeds are wide and the bootstrap understates them.
- Sparsity is measured on a fixed probe set of training examples; the near-zero threshold is a
  choice (stated in the methods) and moves the numbers for sigmoid and tanh.
- The verdicts apply to these settings; a different optimiser or initialiser can change them, as the
  two initialisers already show.

## How to reproduce

```
make study                                    # set up .venv, run the quick profile, figures, report
python -m study run all --profile {p}          # train (finished runs are skipped)
python -m study figures --profile {p}          # redraw figures from results/
python -m study report --profile {p}           # rewrite this report
```

## Provenance

{md_table(prov_table)}
"""


def _inline_images(html: str, folder: Path) -> str:
    def repl(m):
        path = (folder / m.group(1)).resolve()
        data = base64.b64encode(path.read_bytes()).decode()
        return f'src="data:image/png;base64,{data}"'

    return re.sub(r'src="([^"]+\.png)"', repl, html)


STYLE = """body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.5}
table{border-collapse:collapse;margin:1rem 0;font-size:.9rem}td,th{border:1px solid #ccc;padding:.25rem .5rem}
img{max-width:100%}blockquote{color:#555;border-left:3px solid #ccc;margin-left:0;padding-left:1rem}
code{background:#f4f4f4}"""


def render_html(md_text: str, folder: Path) -> str:
    body = markdown.markdown(md_text, extensions=["tables", "fenced_code"])
    return (f"<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{TITLE}</title>"
            f"<style>{STYLE}</style></head><body>\n{_inline_images(body, folder)}\n</body></html>\n")


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
    md_text = render_markdown(study)  # fails first if results are missing
    check_figures(study, out.parent / "figures")
    html = render_html(md_text, out)
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / "report.md", out / "index.html"]
    for path, text in zip(paths, [md_text, html]):
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    return paths
