"""The smoke profile end to end: training, figures and report in a temporary folder."""

import os
import re

from study import claims
from study.analysis.verdicts import VERDICTS
from study.claims import CLAIMS

MODULES = {m.CLAIM: m for m in claims.modules()}
SECTIONS = list(MODULES)


def _draw(study_cli, out):
    study_cli("figures", "--profile", "smoke", "--out", out)
    return {p.name: p.read_bytes() for p in sorted((out / "figures").iterdir())}


def test_figures_and_report(smoke_run, smoke_report, study_cli):
    first = {p.name: p.read_bytes() for p in sorted((smoke_run / "figures").iterdir())}  # drawn by smoke_report
    assert {f"{n}.png" for m in claims.modules() for n in m.FIGURES} <= set(first)
    # drawn again byte-identically: test_a_rerun_where_every_run_is_stored_only_redraws

    md = (smoke_run / "report" / "report.md").read_text(encoding="utf-8")
    html = (smoke_run / "report" / "index.html").read_text(encoding="utf-8")
    for claim in SECTIONS:
        heading = re.search(rf"^## {claim}: (.+)$", md, flags=re.M)
        assert heading, f"no section for {claim}"
        assert CLAIMS[claim][1] in md, f"{claim}'s original sentence is not quoted"
        section = md[heading.end() :].split("\n## ", 1)[0]
        verdict = re.search(r"\*\*Verdict: ([^.]+)\.\*\*", section)
        assert verdict and verdict.group(1) in VERDICTS
        module = MODULES[claim]
        assert f"*Rule:* {module.RULE.text()}" in section, f"{claim} does not print its rule"
        for name in module.FIGURES:
            assert f"](../figures/{name}.png)" in section, f"{claim} does not show {name}"
        assert re.search(r"\d+(\.\d+)?%? \[\d", section), f"{claim} has no number with an interval"
    for placeholder in [r"TODO", r"TBD", r"XXX", r"\{", r"\}", r"\bnan\b", r"\bNaN\b", r"\bNone\b"]:
        assert not re.search(placeholder, md), placeholder
    assert "## Provenance" in md and "smoke" in md and f"| backend | {os.environ['KERAS_BACKEND']} |" in md
    # Self-contained: every image is inlined, none is fetched from a path.
    assert 'src="data:image/png;base64,' in html and not re.search(r'src="(?!data:)', html)


def test_report_needs_results(tmp_path, study_cli):
    proc = study_cli("report", "--profile", "smoke", "--out", tmp_path / "empty", check=False)
    assert proc.returncode == 1
    assert "python -m study run" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "empty").exists()


def test_report_refuses_figures_drawn_from_other_runs(smoke_run, smoke_report, study_cli, tmp_path):
    import json
    import shutil

    out = tmp_path / "copy"
    shutil.copytree(smoke_run / "results", out / "results")
    shutil.copytree(smoke_run / "figures", out / "figures")  # drawn from these runs (smoke_report)
    manifest = out / "figures" / "manifest.json"
    drawn = json.loads(manifest.read_text())
    assert drawn["profile"] == "smoke" and drawn["runs"]
    manifest.write_text(json.dumps({**drawn, "profile": "full"}))
    proc = study_cli("report", "--profile", "smoke", "--out", out, check=False)
    assert proc.returncode == 1 and "python -m study figures --profile smoke" in proc.stderr
    assert not (out / "report").exists()


def test_regression_task_end_to_end(smoke_run):
    """The smoke profile's collapse experiment trains regression nets on |x| through the same engine."""
    from study import store
    from study.spec import grid

    specs = grid.get("collapse").specs("smoke")
    assert {s.task for s in specs} == {"regression"}
    df = store.load(smoke_run / "results", specs)
    metrics = set(df["metric"])
    assert {"train_loss", "val_loss", "test_loss", "collapsed", "dormant", "revived"} <= metrics
    assert not any(m.endswith("_accuracy") for m in metrics)  # no accuracy for a regression task
    collapsed = df[df["metric"] == "collapsed"]["value"]
    assert set(collapsed.unique()) <= {0.0, 1.0} and len(collapsed) > 0
    loss = df[df["metric"] == "train_loss"].groupby("epoch")["value"].median()
    assert loss.iloc[-1] < loss.iloc[0]  # mean squared error falls with training
    assert df[df["metric"] == "train_loss"]["value"].between(0, 10).all()


def test_a_rerun_where_every_run_is_stored_only_redraws(smoke_run, smoke_report, study_cli):
    """`make study` where the runs are stored, as on a fresh clone of the committed reference: nothing is
    trained again, and the figures come out byte-identical to the first drawing."""
    markers = {p: p.stat().st_mtime_ns for p in (smoke_run / "results" / "runs").glob("*/COMPLETE")}
    first = {p.name: p.read_bytes() for p in sorted((smoke_run / "figures").iterdir())}
    again = study_cli("run", "all", "--profile", "smoke", "--jobs", "2", "--out", smoke_run)
    total, finished = map(int, re.search(r"(\d+) groups, (\d+) already finished", again.stderr).groups())
    assert total == finished == len(markers) > 0
    assert {p: p.stat().st_mtime_ns for p in markers} == markers, "a stored run was written again"
    assert _draw(study_cli, smoke_run) == first
