"""Markdown pieces every part of the report uses: tables, headings' anchors, key numbers, figures."""

from __future__ import annotations

import inspect
import re

import pandas as pd

from study import claims
from study.analysis import literature
from study.analysis.study import Study
from study.commands import command
from study.report import figures

TITLE = "Why ReLU? Testing the claims, one by one"


def md_table(df: pd.DataFrame, index_name="") -> str:
    def row(cells):
        return "| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |"

    lines = [row([index_name, *df.columns]), "|" + "---|" * (len(df.columns) + 1)]
    lines += [row([idx, *values]) for idx, values in zip(df.index, df.itertuples(index=False))]
    return "\n".join(lines)


def plural(n: int, noun: str) -> str:
    """ "1 choice", "3 choices"."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def values(xs, fmt="{}"):
    return ", ".join(fmt.format(x) for x in sorted(set(xs)))


def key_text(key: dict) -> str:
    """A ledger key as the report writes it: name, value and 95% interval, in its unit."""
    nan = float("nan")
    value, (low, high) = key["value"], key["interval"]
    k = claims.Key(
        key["name"],
        nan if value is None else value,
        nan if low is None else low,
        nan if high is None else high,
        key["n"],
        key["unit"],
    )
    return str(k)


def captions(study: Study) -> dict[str, str]:
    """{figure: its caption}, in the report's order: the docstring of the function that draws it."""
    return {name: " ".join((inspect.getdoc(draw) or "").split()) for name, draw in figures.drawers(study).items()}


def figure(name, study, number: int, caption: str):
    cmd = command("figures", *study.selection.options())
    return (
        f"![Figure {number}](../figures/{name}.png)\n\n*Figure {number}. {caption}* (`{name}`, made by "
        f"`{cmd}`; [SVG](../figures/{name}.svg))"
    )


def anchor(heading: str, separator: str = "-") -> str:
    """The id a heading gets on GitHub (lower case, punctuation dropped, each space a hyphen, none collapsed);
    the HTML's toc is given the same rule, so one link works in report.md and index.html."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", separator)


def contents(entries: dict) -> str:
    parts = [
        "Abstract",
        "What this means in practice",
        "Claims and verdicts",
        "Methods",
        *(f"{c}: {e['english']}" for c, e in entries.items()),
        "Robustness",
        "Limitations",
        "References",
        "How to reproduce",
        "Provenance",
    ]
    return "**Contents.** " + " · ".join(
        f"[{p.split(':')[0] if p[0] == 'C' and ':' in p else p}](#{anchor(p)})" for p in parts
    )


def references(text: str) -> str:
    cited = literature.cited(text)
    return "## References\n\n" + "\n".join(f"{i}. {ref}" for i, ref in enumerate(cited, 1)) + "\n"
