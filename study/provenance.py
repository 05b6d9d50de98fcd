"""Which code made a result: the git commit of the repository, flagged when the code differs."""

from __future__ import annotations

import subprocess

from study.config import ROOT


def git_commit() -> str:
    def git(*args):
        try:
            return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True,
                                  timeout=10).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""

    commit = git("rev-parse", "HEAD") or "unknown (not a git checkout)"
    dirty = git("status", "--porcelain", "--", "study", "experiments")
    return commit + (" (with uncommitted changes to the code)" if dirty else "")
