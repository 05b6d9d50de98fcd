"""The report as a paper: the claims ledger and its schema, the same verdicts and key numbers in every
rendering (Markdown, HTML, PDF), the original sentences in the PDF, and the metrics as data."""

import json
import re
import shutil
import subprocess

import jsonschema
import pytest

from study import claims, data
from study.claims import CLAIMS
from study.report import ledger
from study.report.markdown import key_text
from study.spec.config import get_profile


@pytest.fixture(scope="module")
def led(smoke_report):
    return json.loads((smoke_report / "claims.json").read_text(encoding="utf-8"))


def test_the_ledger_follows_its_schema(led):
    ledger.validate(led)
    assert [c["id"] for c in led["claims"]] == [m.CLAIM for m in claims.modules()]
    assert all(c["original"] == CLAIMS[c["id"]][1] for c in led["claims"])


def test_the_schema_refuses_what_it_should(led):
    broken = json.loads(json.dumps(led))
    broken["claims"][0]["verdict"] = "probably"
    with pytest.raises(jsonschema.ValidationError):
        ledger.validate(broken)
    del broken["claims"][0]["verdict"]
    with pytest.raises(jsonschema.ValidationError):
        ledger.validate(broken)
    broken = json.loads(json.dumps(led))
    broken["claims"][0]["key"]["interval"] = [0.1]
    with pytest.raises(jsonschema.ValidationError):
        ledger.validate(broken)


def sections(text: str) -> dict:
    """{claim id: its section's text} of a Markdown report or of a PDF's text."""
    found = {}
    for m in re.finditer(r"^(?:## )?(C\d+): ", text, flags=re.M):
        found.setdefault(m.group(1), text[m.end() :])
    return {c: t[:20000] for c, t in found.items()}


def test_markdown_and_html_carry_the_ledger(led, smoke_report):
    md = (smoke_report / "report.md").read_text(encoding="utf-8")
    html = (smoke_report / "index.html").read_text(encoding="utf-8")
    for c in led["claims"]:
        section = md.split(f"\n## {c['id']}: ", 1)[1].split("\n## ", 1)[0]
        # a question's answer (C11, C12) sits between the verdict and the key number
        answer, key = r"( \*\*Answer:\*\* [^\n]*?)?", re.escape(f" Key number: {key_text(c['key'])}.")
        assert re.search(re.escape(f"**Verdict: {c['verdict']}.**") + answer + key, section), c["id"]
        summary_row = next(line for line in md.splitlines() if line.startswith(f"| {c['id']} |"))
        assert c["verdict"] in summary_row and key_text(c["key"]) in summary_row
        in_html = (
            re.escape(f"<strong>Verdict: {c['verdict']}.</strong>") + r"( <strong>Answer:</strong> [^\n]*?)?" + key
        )
        assert re.search(in_html, html.replace("&amp;", "&")), c["id"]
    assert "## References" in md and "Greydanus, S., & Kobak, D. (2024)" in md
    assert re.findall(r"\*Figure (\d+)\. ", md) == [
        str(i) for i in range(1, len(re.findall(r"\*Figure \d+\. ", md)) + 1)
    ]


def pdf_text(path) -> str:
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_the_pdf_has_every_claim_its_verdict_and_the_original_sentences(led, smoke_report):
    assert shutil.which("pdftotext"), "pdftotext (Debian's poppler-utils) is installed by make test"
    pdf = smoke_report / "report.pdf"
    pages = int(
        re.search(
            r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
        ).group(1)
    )
    assert 10 <= pages <= 80
    text = pdf_text(pdf)
    flat = re.sub(r"\s+", "", text)
    for c in led["claims"]:
        assert f"{c['id']}:" in text
        assert re.sub(r"\s+", "", c["original"]) in flat, f"{c['id']}'s original sentence is not in the PDF's text"
        assert f"Verdict:{c['verdict']}." in flat.replace(" ", "")
        assert re.sub(r"\s+", "", key_text(c["key"])) in flat
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    assert fonts and all(line.split()[-5] == "yes" for line in fonts), "every font is embedded"
    # vector figures: the PDF draws the SVGs (paths), it does not only paste images
    assert subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True).stdout.count(
        " image "
    ) < len(led["claims"])


def test_the_metrics_load_as_one_tidy_frame(smoke_run):
    df = data.load_metrics("smoke", out=smoke_run)
    assert set(df.columns) == set(data.COLUMNS)  # every column documented, none missing
    assert set(df["metric"]) <= set(data.METRICS), set(df["metric"]) - set(data.METRICS)
    assert not df.duplicated(["run", "activation", "seed", "epoch", "layer", "metric", "step"]).any()
    one = data.load_metrics("smoke", "sparsity", out=smoke_run)
    assert set(one["experiments"].str.split(", ").explode()) >= {"sparsity"} and len(one) < len(df)
    # every setting's runs: the smoke gradients grid is repeated on digits
    groups = df.drop_duplicates("run")
    settings = groups.groupby("setting")["dataset"].agg(set)
    assert settings["digits"] == {"digits"} and "digits" not in settings["main"]
    assert set(groups.loc[groups["setting"] == "cnn", "architecture"]) == {"cnn"}
    assert set(groups.loc[groups["setting"] != "cnn", "architecture"]) == {"mlp"}


def test_the_ledger_loads_as_a_frame(smoke_report, led):
    frame = data.load_claims(out=smoke_report.parent)
    assert list(frame.index) == [c["id"] for c in led["claims"]]
    assert (frame["verdict"] == [c["verdict"] for c in led["claims"]]).all()


def test_verdicts_by_setting(led, smoke_report):
    """The smoke profile repeats the gradients experiment on digits, with the CNN, in the pre-norm residual MLP and
    at tuned rates: C6 gets a verdict in each."""
    for claim in ("C6",):
        entry = next(c for c in led["claims"] if c["id"] == claim)
        assert [s["setting"] for s in entry["settings"]] == ["main", "digits", "cnn", "resnorm", "tuned"]
        assert entry["settings"][0]["verdict"] == entry["verdict"] and entry["settings"][0]["key"] == entry["key"]
    assert all(not c["settings"] for c in led["claims"] if c["id"] in ("C4", "C8", "C11"))
    md = (smoke_report / "report.md").read_text(encoding="utf-8")
    robustness = md.split("\n## Robustness", 1)[1].split("\n## ", 1)[0]
    assert "](../figures/verdicts_by_setting.png)" in robustness and "| C6 |" in robustness
    assert "supported in (settings)" in md


def test_the_committed_reference_is_the_full_profile_finished():
    """The repository's results/ hold every group of the reference profile, finished, and its report and ledger
    were made from them: `make study PROFILE=full` on a fresh clone only redraws."""
    from study import store
    from study.analysis.study import Study
    from study.spec import grid
    from study.spec.config import REFERENCE, ROOT

    study = Study(ROOT, grid.Selection(REFERENCE), list(grid.discover().values()))
    specs = study.every_setting_specs()
    states = store.states(ROOT / "results", specs)
    assert len(specs) > 100 and set(states.values()) == {store.FINISHED}, {
        k: v for k, v in states.items() if v != store.FINISHED
    }
    led = ledger.read(ROOT / "report" / "claims.json")
    assert led["profile"] == REFERENCE and min(len(s.seeds) for s in specs if not s.benchmark) >= 3
    assert len(get_profile(REFERENCE).seeds) >= 10
    stored = {
        json.loads((ROOT / "results" / "runs" / s.key() / "config.json").read_text())["run"]["commit"] for s in specs
    }
    assert set(led["commit"]["runs"]) == stored


def test_links_to_headings_follow_githubs_rule_in_both_renderings():
    """An '&' in a heading drops out and leaves both of its spaces as hyphens, on GitHub and in the HTML alike."""
    import markdown

    from study.report.markdown import anchor

    heading = "C12: Neuroscience (Attwell & Laughlin 2001; Dayan & Abbott 2001). How?"
    assert anchor(heading) == "c12-neuroscience-attwell--laughlin-2001-dayan--abbott-2001-how"
    html = markdown.markdown(f"## {heading}", extensions=["toc"], extension_configs={"toc": {"slugify": anchor}})
    assert f'id="{anchor(heading)}"' in html


def test_settings_read_at_different_depths_are_said_to_differ_in_depth():
    from study.claims import Key
    from study.report import robustness

    f = claims.Finding("C6", "nuanced", Key("sigmoid depth 32 train accuracy", 0.1, 0.09, 0.11, 10, "%"), "", None, "")
    f.settings = {
        "main": ("nuanced", f.key),
        "cnn": ("refuted", Key("sigmoid depth 4 train accuracy", 0.4, 0.39, 0.41, 10, "%")),
    }
    text = robustness.disagreement(f, "full")
    assert "different depth" in text and "the cnn setting stops at depth 4" in text
    f.settings["tuned"] = ("refuted", Key("sigmoid depth 8 train accuracy", 0.4, 0.39, 0.41, 10, "%"))
    assert "the tuned setting stops at depth 8" in robustness.disagreement(f, "full")  # a cap per profile
    assert "the tuned setting stops at depth 4" in robustness.disagreement(f, "quick")
    del f.settings["tuned"]
    f.settings["cnn"] = ("refuted", Key("sigmoid depth 32 train accuracy", 0.4, 0.39, 0.41, 10, "%"))
    text = robustness.disagreement(f, "full")
    assert "different depth" not in text and "crosses a threshold" in text
    f.settings["cnn"] = ("nuanced", f.key)
    assert robustness.disagreement(f, "full") == ""
