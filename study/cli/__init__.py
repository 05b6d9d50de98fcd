"""The command line, `python -m study`: list, run, status, crosscheck, figures, report."""

from study.cli.main import main, run_script

__all__ = ["main", "run_script"]
