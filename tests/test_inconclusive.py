"""An inconclusive verdict (an interval that straddles the smallest effect of interest) is a verdict like the
others: the ledger's schema takes it, and the Markdown, HTML and PDF print it, in the section and the matrix."""

import dataclasses
import shutil
import subprocess

import jsonschema

from study import claims
from study.analysis.verdicts import INCONCLUSIVE
from study.report import document, html, ledger


def test_an_inconclusive_verdict_reaches_the_ledger_markdown_html_and_pdf(smoke_study, smoke_report, tmp_path):
    def undecided(f):
        settings = {s: (INCONCLUSIVE, key) for s, (_, key) in f.settings.items()}
        return dataclasses.replace(f, verdict=INCONCLUSIVE, settings=settings)

    found = [undecided(f) if f.claim == "C6" else f for f in claims.findings(smoke_study)]
    led = document.build_ledger(smoke_study, found)
    jsonschema.validate(led, ledger.SCHEMA)
    entry = next(e for e in led["claims"] if e["id"] == "C6")
    assert entry["verdict"] == INCONCLUSIVE and {s["verdict"] for s in entry["settings"]} == {INCONCLUSIVE}
    md = document.render_markdown(smoke_study, found, led)
    assert "**Verdict: inconclusive.**" in md
    assert "| C6 |" in md and "| inconclusive |" in md  # the claims table and the matrix of settings
    page = html.render_html(md, smoke_report)
    assert "<strong>Verdict: inconclusive.</strong>" in page
    browser = html.chromium()
    if browser and shutil.which("pdftotext"):
        pdf = tmp_path / "report.pdf"
        pdf.write_bytes(html.render_pdf(html.render_html(md, smoke_report, images="svg"), browser))
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        assert "Verdict: inconclusive." in text
