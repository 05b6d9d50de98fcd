"""The report: figures drawn from the claims, the claims ledger, and the written report (Markdown, HTML, PDF)
rendered from it. `write` makes the report; `study.report.figures.draw_all` the figures."""

from study.report.document import write

__all__ = ["write"]
