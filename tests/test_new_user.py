"""A new user's path: a selection is a set, options apply where they fit, every recommended command
is one the command line accepts, and a partial report names what is missing."""

import importlib
import json
import re
import shlex
import shutil
import subprocess
import sys

import pytest
from conftest import REPO
from conftest import run_study as study

from study import claims
from study.analysis.study import Study
from study.cli.parser import UsageError, build_parser
from study.cli.selection import specs_of
from study.errors import UnknownChoice
from study.report import banner
from study.spec import grid

cli = importlib.import_module("study.cli.main")  # the module; study.cli.main is also its function
RECOMMENDED = re.compile(r"python -m study ([^'\n]+?)(?:'|;|\)|$)", re.M)


def keys(selection, experiment="gradients"):
    return [s.key() for s in selection.every_setting(grid.get(experiment))]


def test_the_order_of_activations_never_changes_the_groups_meant():
    default = keys(grid.Selection("quick"))
    assert keys(grid.Selection("quick", ("relu", "tanh", "sigmoid", "leaky_relu"))) == default
    assert keys(grid.Selection("quick", ("leaky_relu", "relu"))) == keys(
        grid.Selection("quick", ("relu", "leaky_relu"))
    )
    assert keys(grid.Selection("quick", ("relu", "relu", "tanh"))) == keys(grid.Selection("quick", ("tanh", "relu")))
    # a narrowed set is another set of groups
    assert keys(grid.Selection("quick", ("relu", "tanh"))) != default


def test_seeds_apply_where_they_fit_and_the_rest_is_skipped_in_one_line(tmp_path):
    proc = study("status", "all", "--profile", "quick", "--seeds", "2", out=tmp_path)
    assert "skipped cost: the quick profile's 'cost' experiment has 1 seed(s), not 2" in proc.stderr
    assert "finish the rest with: python -m study run all --profile quick --seeds 2" in proc.stdout
    alone = study("status", "cost", "--profile", "quick", "--seeds", "2", out=tmp_path, check=False)
    assert alone.returncode == 2
    assert alone.stderr.strip().splitlines()[-1] == (
        "error: --seeds 2 fits none of the experiments named: the quick profile's 'cost' experiment has 1 seed(s), "
        "not 2 (choose 1-1)"
    )


def accepted(line: str, tmp_path):
    """Parses and checks a recommended command as `python -m study` would, without running it."""
    argv = shlex.split(line)
    args = build_parser().parse_args(argv)
    args.argv = argv
    cli.check(args)
    if args.command in ("run", "status"):
        specs_of(args)
    return args


@pytest.mark.parametrize(
    "given",
    [
        ["report", "--profile", "smoke", "--seeds", "2"],
        ["figures", "gradients", "--profile", "smoke", "--activations", "tanh,relu", "--epochs", "3"],
        ["status", "all", "--profile", "quick", "--seeds", "2"],
        ["report", "all", "--profile", "quick", "--seeds", "2", "--learning-rate", "0.01"],
    ],
)
def test_every_recommended_command_is_accepted(given, tmp_path):
    out = tmp_path / "out"
    proc = study(*given, out=out, check=False)
    recommended = [m.strip() for m in RECOMMENDED.findall(proc.stdout + proc.stderr)]
    assert recommended, proc.stdout + proc.stderr
    for line in recommended:
        try:
            accepted(line, tmp_path)
        except (UsageError, UnknownChoice, SystemExit) as exc:
            pytest.fail(f"recommended but refused: python -m study {line} ({exc})")


def test_a_refused_command_is_caught_by_that_check(tmp_path):  # the check above can fail
    with pytest.raises(UnknownChoice):
        accepted(f"run cost --profile quick --seeds 2 --optimizer adamw --out {tmp_path}", tmp_path)


def test_a_partial_report_names_what_is_missing(smoke_run):
    partial = Study(smoke_run, grid.Selection("smoke"), [grid.get("gradients")])
    why = claims.unanswered(partial)
    assert why["C9"] == (
        "it needs 'saturation', not among those drawn (of its experiments only 'gradients' was drawn)"
    ), why["C9"]


def test_a_run_prints_one_progress_bar_and_no_backend_chatter(tmp_path):
    args = ["sparsity", "gradients", "--profile", "smoke", "--seeds", "1", "--setting", "main", "--jobs", "1"]
    proc = study("run", *args, out=tmp_path)
    for noise in ("WARNING:tensorflow", "retracing", "AutoGraph", "absl", "I0000", "oneDNN", "cuda"):
        assert noise not in proc.stderr, proc.stderr
    last_bar = [line for line in proc.stderr.replace("\r", "\n").splitlines() if "epochs [" in line][-1]
    # the main setting's 4 groups (the replica settings' bars are the same code, run by other tests)
    assert re.match(r"groups 4/4, models 16/16 100%\|█+\| 8/8 epochs \[\d\d:\d\d<00:00\]", last_bar), last_bar


def test_a_preview_report_opens_with_a_banner_of_what_it_was_made_from(smoke_report):
    text = (smoke_report / "report.md").read_text()
    contents = text.index("**Contents.**")
    banner = text.index("> **Preview: not the reference results.** Made with `--profile smoke` from stored runs of")
    assert banner < contents  # before the first verdict
    expected = "2-10 seed(s) and 2 epoch(s) per group; settings: main, digits, cnn, resnorm, tuned;"
    assert expected in text[banner:contents]


def test_the_banner_reads_the_stored_runs_and_spares_the_reference(smoke_study):
    u = banner.used(smoke_study)
    specs = [s for s in smoke_study.every_setting_specs() if not s.benchmark]
    assert u["epochs"] == str(specs[0].epochs) and {s.epochs for s in specs} == {specs[0].epochs}
    assert u["seeds"] == f"{min(len(s.seeds) for s in specs)}-{max(len(s.seeds) for s in specs)}"
    assert banner.banner(smoke_study).startswith("> **Preview")
    reference = Study(smoke_study.out, grid.Selection("full"), [])
    assert banner.is_reference(reference) and banner.banner(reference) == ""
    assert not banner.is_reference(Study(smoke_study.out, grid.Selection("full", seeds=3), []))


def test_the_readme_data_example_reproduces_the_reports_key_number(capsys):
    readme = (REPO / "README.md").read_text()
    code = re.search(r"```python\n(from scipy.stats import trim_mean\n.*?)```", readme, re.S).group(1)
    exec(compile(code, "README.md", "exec"), {})
    printed = capsys.readouterr().out.splitlines()
    c1 = next(c for c in json.loads((REPO / "report" / "claims.json").read_text())["claims"] if c["id"] == "C1")
    assert printed[0] == f"{c1['key']['value']:.1%}"  # as the report prints it
    assert f"{c1['key']['value']:.1%}" in (REPO / "report" / "report.md").read_text().split("## Abstract")[1][:3000]
    assert printed[1].startswith(f"{{'verdict': '{c1['verdict']}', 'value': {c1['key']['value']}")


def test_the_pdf_reads_without_warnings_and_every_link_has_its_target(smoke_report):
    html = (smoke_report / "index.html").read_text()
    ids = set(re.findall(r' id="([^"]+)"', html))
    assert ids and max(map(len, ids)) <= 60
    assert set(re.findall(r'href="#([^"]+)"', html)) <= ids
    if shutil.which("pdftotext") and (smoke_report / "report.pdf").exists():
        proc = subprocess.run(["pdftotext", smoke_report / "report.pdf", "-"], capture_output=True, text=True)
        assert proc.returncode == 0 and not proc.stderr, proc.stderr[:500]


def test_list_aligns_its_columns_and_a_script_names_itself_in_its_help():
    lines = study("list").stdout.split("\nsettings")[0].splitlines()  # the experiments table, then its settings
    experiments = [line for line in lines if not line.startswith(("activations", "profiles"))]
    starts = {line.index("C") for line in experiments if " C" in line}
    assert len(starts) == 1, experiments  # the claims column starts at one place
    proc = subprocess.run(
        [sys.executable, "experiments/sparsity.py", "--help"], cwd=REPO, capture_output=True, text=True
    )
    assert proc.stdout.startswith("usage: python experiments/sparsity.py [options]"), proc.stdout[:200]
