"""Errors the command line reports in one line, without a traceback: bad choices and missing inputs."""


class UnknownChoice(ValueError):
    """A name that is not among the valid choices; the message lists them (exit 2)."""


def check_choice(kind: str, name: str, choices) -> str:
    if name not in choices:
        raise UnknownChoice(f"unknown {kind} '{name}' (choose from {', '.join(choices)})")
    return name


class MissingData(LookupError):
    """A data set that is not on this machine and cannot be downloaded; the message says how to get it (exit 2)."""


class MissingInput(LookupError):
    """Something a stage reads is not there yet; the message says which command makes it (exit 1)."""


class MissingRuns(MissingInput):
    pass


class MissingFigures(MissingInput):
    pass


class BrokenTool(MissingInput):
    """A program the study calls (Chromium, for the PDF) failed; the message says which, and what to do."""
