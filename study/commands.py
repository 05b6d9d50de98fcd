"""The command lines the study recommends in its messages and its report: one way to write them."""

from __future__ import annotations

PROGRAM = "python -m study"


def command(verb: str, *words) -> str:
    """`python -m study VERB WORDS...`, as a user would type it."""
    return " ".join([PROGRAM, verb, *(str(w) for w in words)])
