"""The written report: Markdown for GitHub, a self-contained HTML page and a PDF, and the claims ledger,
all rendered from one ledger.

Every number comes from the claim modules' findings or the stored run configurations; the prose
around them is fixed text. Figures are read from the figures folder, never redrawn here.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd

from study import claims
from study.analysis.study import Study
from study.claims import CLAIMS
from study.commands import command
from study.errors import MissingFigures
from study.files import folder_replaced, holds_other, write_atomic
from study.report import figures, ledger, practice, robustness
from study.report.banner import banner, used
from study.report.html import chromium, render_html, render_pdf
from study.report.markdown import TITLE, captions, contents, key_text, md_table, references
from study.report.methods import methods
from study.report.provenance import provenance
from study.report.sections import abstract, claim_section, robustness_section
from study.spec.config import get_profile
from study.store.provenance import git_commit


def build_ledger(study: Study, found: list) -> dict:
    runs = sorted({c["run"].get("commit", "unknown") for c in study.every_setting_info()})
    return ledger.build(
        found,
        claims.unanswered(study),
        study.profile,
        [command("report"), *study.selection.options()],
        runs,
        git_commit(),
    )


def claims_and_verdicts(study: Study, found: list, led: dict) -> str:
    """The claims tested, their verdicts and key numbers, and the original sentences."""
    entries = {e["id"]: e for e in led["claims"]}
    tested, skipped = list(entries), led["unanswered"]
    untested = [c for c in CLAIMS if c not in tested and c not in skipped]
    summary = pd.DataFrame(
        {
            "claim": {c: e["english"] for c, e in entries.items()},
            "verdict": {c: e["verdict"] for c, e in entries.items()},
            "key number (95% interval)": {c: key_text(e["key"]) for c, e in entries.items()},
        }
    )
    if study.settings():  # in how many settings each claim is supported (Robustness)
        summary["supported in (settings)"] = [robustness.holds(f) for f in found]
    originals = pd.DataFrame({"original": {c: f'<span lang="zh">{e["original"]}</span>' for c, e in entries.items()}})
    return f"""## Claims and verdicts

The claims come from a set of Chinese interview answers on why deep networks use ReLU rather
than sigmoid or tanh. This report tests {", ".join(tested) or "none of them"}{"; " + ", ".join(untested) + " are not tested in this edition" if untested else ""}.{"".join(f" {c} is not tested from these runs ({why})." for c, why in skipped.items())}

{md_table(summary, "id")}

The original sentences:

{md_table(originals, "id")}
"""


def model_families(specs) -> str:
    """The kinds of models the runs span, for the limitations: what they leave out is what readers ask about."""
    cnn = any(s.architecture == "cnn" for s in specs)
    norms = sorted({s.normalization for s in specs} - {"none"})
    skips = any(s.residual for s in specs)
    if not norms and not skips:
        return (
            "two small families of models (MLPs, and 1-D CNNs in one setting)" if cnn else "one family of models (MLPs)"
        )
    modern = ", ".join(
        [
            *({"batchnorm": "batch", "layernorm": "layer"}[n] + " normalisation" for n in norms),
            *(["skips"] if skips else []),
        ]
    )
    return (
        f"small models: MLPs (plain, and with {modern}, up to depth {max(s.depth for s in specs)})"
        + (", and 1-D CNNs in one setting" if cnn else "")
        + "; no attention, no large convolutional nets"
    )


def limitations(study: Study) -> str:
    p = study.profile
    profile = get_profile(p)
    families = model_families(study.every_setting_specs())
    cuts = f"\n- {profile.cuts}" if profile.cuts else ""
    return f"""## Limitations

- Small data sets (MNIST-1D, digits, synthetic tasks, and |x| on an interval for C10) and {families};
  large data sets and other architectures may differ.{cuts}
- {trained(study)}: intervals over so few seeds are wide and the bootstrap understates them.
- Sparsity is measured on a fixed probe set of training examples; the near-zero threshold is a
  choice (stated in the methods) and moves the numbers for sigmoid and tanh.
- The verdicts apply to these settings; a different optimiser or initialiser can change them, as the
  two initialisers already show.
"""


def trained(study: Study) -> str:
    """How long and over how many seeds the runs trained: the profile's defaults, or the options that replaced them."""
    profile, chosen, u = get_profile(study.profile), study.selection, used(study)
    if chosen.seeds is None and chosen.epochs is None:
        return (
            f"The `{study.profile}` profile trains {profile.epochs} epochs with {len(profile.seeds)} seeds where an "
            "experiment sets no length or seeds of its own (the experiments table gives each one's)"
        )
    return f"These runs trained {u['epochs']} epoch(s) with {u['seeds']} seed(s) per group (set on the command line)"


def how_to_reproduce(study: Study) -> str:
    options = study.rerun_options
    make = f"make study PROFILE={study.profile}" if options == ["--profile", study.profile] else ""
    lines = [
        *(["# set up .venv, train what is missing, draw the figures, write the report", make] if make else []),
        "# train what is missing (finished runs are skipped)",
        command("run", "all", *options),
        "# redraw the figures and rewrite this report",
        command("report", "--with-figures", *options),
    ]
    return "## How to reproduce\n\n```\n" + "\n".join(lines) + "\n```\n"


READING = (
    "*Reading the numbers.* A key number is an interquartile mean (IQM) over seeds, or an estimate, with its 95% "
    "bootstrap interval in brackets. pp: percentage points, the difference of two percentages. The probability "
    "of improvement, P(X better than Y) (Agarwal et al. 2021): the chance that a run of X beats the paired run "
    "of Y, averaged over tasks. Bimodal: some runs of a setting stall near chance while the others train, so a "
    "mean over them describes no typical run. A setting: one change made to every group of an experiment "
    "(another data set, architecture, normalisation, skips or learning rate); main is each experiment's own data "
    "and MLP; Robustness lists them."
)


def render_markdown(study: Study, found: list, led: dict) -> str:
    """The report as a short paper. Verdicts and key numbers are read from the ledger."""
    prov = provenance(study)
    entries = {e["id"]: e for e in led["claims"]}
    caps = captions(study)
    numbers = {n: i for i, n in enumerate(caps, 1)}
    body = f"""# {TITLE}

*Generated by `{" ".join(led["selection"])}` from the stored runs of the `{study.profile}` profile
(made at commit `{prov["runs made at commit"]}`), report code at commit `{prov["report made at commit"]}`.
The claims ledger, `claims.json`, holds every verdict and key number below as data.*

{banner(study)}{contents(entries)}

{READING}

{abstract(study, led, found)}
{practice.section(led)}
{claims_and_verdicts(study, found, led)}
{methods(study)}
{chr(10).join(claim_section(f, entries[f.claim], study, numbers, caps) for f in found)}
{robustness_section(study, found, numbers, caps)}
{limitations(study)}
{how_to_reproduce(study)}
## Provenance

{md_table(pd.DataFrame({"value": prov}))}
"""
    return body + "\n" + references(body)


def check_figures(study: Study, folder: Path):
    """Refuses figures not drawn from these runs, or whose bytes differ from the manifest's checksums."""
    hint = f"run '{study.command('figures')}' first"
    try:
        drawn = json.loads((folder / figures.MANIFEST).read_text())
    except (OSError, ValueError):
        raise MissingFigures(f"no figure manifest in {folder}: {hint}") from None
    if not isinstance(drawn, dict) or {k: drawn.get(k) for k in ("profile", "selection", "runs")} != figures.manifest(
        study
    ):
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
    """report.md, index.html, claims.json and report.pdf, all from one ledger, written into a new folder that
    replaces `out` whole at the end. Without Chromium the PDF is left out."""
    found = claims.findings(study)  # fails first if results are missing
    led = build_ledger(study, found)
    md_text = render_markdown(study, found, led)
    check_figures(study, out.parent / "figures")
    files = {"report.md": md_text, "index.html": render_html(md_text, out), "claims.json": ledger.dumps(led)}
    browser = chromium()
    if browser:
        files["report.pdf"] = render_pdf(render_html(md_text, out, images="svg"), browser)
    else:  # and an older PDF goes with the rest of the old report, so none disagrees with the new one
        print(
            "report.pdf not written: no Chromium found (install Debian's chromium, or set CHROMIUM to a "
            "Chrome or Chromium executable)",
            file=sys.stderr,
        )
    if holds_other(out, "claims.json", {k: led[k] for k in ("profile", "selection")}):
        print(f"replacing the report in {out}, which was written from other runs", file=sys.stderr)
    with folder_replaced(out) as new:
        for name, content in files.items():
            write_atomic(new / name, content.encode("utf-8") if isinstance(content, str) else content)
    return [out / name for name in files]
