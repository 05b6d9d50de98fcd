"""Errors the command line reports in one line, without a traceback: missing inputs."""


class MissingInput(LookupError):
    """Something a stage reads is not there yet; the message says which command makes it."""


class MissingRuns(MissingInput):
    pass


class MissingFigures(MissingInput):
    pass
