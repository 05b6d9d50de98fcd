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

from study import claims, figures, probes, stats
from study.claims import CLAIMS
from study.config import get_profile
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
        "training wall time": f"{sum(r['wall_time_s'] for r in runs):.0f} s",
    }


def _figure(name, study):
    cmd = f"python -m study figures --profile {study.profile}"
    return f"![{name}](../figures/{name}.png)\n\n*Figure `{name}`, made by `{cmd}` ([SVG](../figures/{name}.svg)).*"


def methods(study: Study) -> str:
    spec = study.specs(next(iter(study.experiments)))[0]
    info = study.info()[0]["run"]
    depths = sorted({s.depth for name in study.experiments for s in study.specs(name)})
    inits = sorted({s.initializer for name in study.experiments for s in study.specs(name)})
    p = get_profile(study.profile)
    metric_lines = "\n".join(f"- **{k}**: {v}." for k, v in probes.DEFINITIONS.items())
    return f"""## Methods

**Data.** MNIST-1D (Greydanus & Kobak 2024), generated offline: {info['n_train']} training examples
(after carving out {info['n_val']} for validation), {info['n_test']} test examples, {info['n_features']} features,
{info['n_classes']} classes; features standardised with the training split's mean and scale.

**Models.** The reference MLP, `Input -> depth x Dense({spec.width}, activation) -> Dense({info['n_classes']})`,
identical across activations but for the activation; depths {', '.join(map(str, depths))}; initialisers
{', '.join(inits)} (biases zero). Adam (learning rate {spec.learning_rate}), batch {spec.batch_size},
{spec.epochs} epochs, cross-entropy loss; seeds {', '.join(map(str, p.seeds))} set the initial weights.
Models of the same depth and initialiser are trained side by side as one stacked group whose loss is
the sum of their losses, so each model receives exactly its own gradient; all of them see the same
batches in the same order (a paired design).

**Measurements.** At epochs {', '.join(map(str, spec.record_epochs))} (0 is initialisation),
on a fixed probe set of the first {spec.probe_size} training examples, for every hidden layer:

{metric_lines}

Training, validation and test loss and accuracy are recorded after every epoch.

**Statistics.** Seeds are the unit of replication. Estimates are interquartile means (IQM) over
seeds (and over layers where stated) with 95% stratified bootstrap intervals ({stats.N_BOOTSTRAP}
resamples, fixed seed), written `IQM [low, high]`; comparisons between activations are paired
differences (same seed, same batches). The IQM drops the lowest and highest quarter of the values:
with fewer than four seeds it is the plain mean.

**Verdicts.** Each claim's verdict follows a rule fixed in code before the runs, in the claim's own
module (`study/claims/`); each section below prints its rule beside its verdict.
"""


def claim_section(f: claims.Finding, study) -> str:
    english, original = CLAIMS[f.claim]
    figs = "\n\n".join(_figure(n, study) for n in f.figures)
    return f"""## {f.claim}: {english}

> {original}

**Verdict: {f.verdict}.** {f.text}

*Rule:* {f.rule}

{md_table(f.table)}

{figs}

*Literature.* {f.literature}
"""


def render_markdown(study: Study) -> str:
    found = claims.findings(study)
    prov = provenance(study)
    tested = [f.claim for f in found]
    untested = [c for c in CLAIMS if c not in tested]
    summary = pd.DataFrame({"verdict": {f.claim: f.verdict for f in found},
                            "key number": {f.claim: f.key for f in found}})
    ledger = pd.DataFrame({"claim": {f.claim: CLAIMS[f.claim][0] for f in found},
                           "verdict": {f.claim: f.verdict for f in found},
                           "key number (IQM [95% CI])": {f.claim: f.key for f in found},
                           "literature": {f.claim: f.literature for f in found}})
    counts = summary["verdict"].value_counts()
    count_text = ", ".join(f"{n} {v}" for v, n in counts.items())
    claims_table = pd.DataFrame({"claim": {c: CLAIMS[c][0] for c in tested},
                                 "original": {c: CLAIMS[c][1] for c in tested}})
    prov_table = pd.DataFrame({"value": prov})
    p = study.profile
    spec = study.all_specs()[0]
    return f"""# {TITLE}

*Generated by `python -m study report --profile {p}` from the stored runs of the `{p}` profile
(made at commit `{prov['runs made at commit']}`), report code at commit `{prov['report made at commit']}`.*

## Summary

Identical deep MLPs that differ only in their activation function were trained side by side on
MNIST-1D and measured layer by layer. Of the {len(found)} claims tested here: {count_text}.

{md_table(summary, "claim")}

## The source claims

The claims come from a set of Chinese interview answers on why deep networks use ReLU rather
than sigmoid or tanh. This report tests {', '.join(tested)}; {', '.join(untested)} are not tested in
this edition.

{md_table(claims_table, "id")}

{methods(study)}
{chr(10).join(claim_section(f, study) for f in found)}
## Claims ledger

{md_table(ledger, "id")}

## Limitations

- One small data set (MNIST-1D) and one family of models (MLPs of width {spec.width});
  convolutional nets and large data sets may differ.
- The `{p}` profile trains {spec.epochs} epochs with
  {len(get_profile(p).seeds)} seeds: intervals over so few seeds are wide and the bootstrap understates them.
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


def write(study: Study, out: Path) -> list[Path]:
    md_text = render_markdown(study)  # fails first if results are missing
    figures_dir = out.parent / "figures"
    try:
        drawn = json.loads((figures_dir / figures.MANIFEST).read_text())
    except (OSError, ValueError):
        drawn = None
    missing = [n for n in figures.names(study) if not (figures_dir / f"{n}.png").exists()]
    if missing or drawn != figures.manifest(study):
        raise MissingFigures(f"the figures in {figures_dir} were not drawn from these runs: run "
                             f"'python -m study figures --profile {study.profile}' first")
    html = render_html(md_text, out)
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / "report.md", out / "index.html"]
    for path, text in zip(paths, [md_text, html]):
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    return paths
