"""Which code made a result: the last commit that changed the study's code, flagged when it differs.

The commit is the last one touching `study/` or `experiments/`, not HEAD: a commit that
only adds results, figures or text does not change what the code computes, so redrawing
from unchanged code and results gives byte-identical files.
"""

from __future__ import annotations

import subprocess

from study.spec.config import ROOT

CODE = ("study", "experiments")


def git_commit() -> str:
    def git(*args):
        try:
            return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""

    commit = git("log", "-1", "--format=%H", "--", *CODE) or "unknown (not a git checkout)"
    dirty = git("status", "--porcelain", "--", *CODE)
    return commit + (" (with uncommitted changes to the code)" if dirty else "")


def device_label(device: str) -> str:
    """A stored device name for the reader: "CPU (cpu)", as JAX named its CPU, reads "CPU"."""
    name, _, kind = device.partition(" (")
    return name if kind.rstrip(")").lower() == name.lower() else device
