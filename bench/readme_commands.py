"""The README's commands, run in order on a fresh clone as a new user would, each timed.

    python bench/readme_commands.py [--profile smoke] [--keep]

Takes every `python -m study`, `O=...`, `mkdir` and `cp` line of the README's shell blocks (the two
`make` commands and the cluster's commands aside: `make test` and `make test-cluster` run those), in
the README's order, with `--profile quick` read as the given profile and `/tmp/` as a folder of its
own. The bring-your-own-activation example gets its `mypkg/acts.py` from the README's own Python
block. Each command runs in a fresh clone of this repository (with this checkout's `.venv`); any
command that fails stops the script with its output and exit status 1. Prints each command's
seconds, with the machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TAKEN = ("python -m study", "O=", "mkdir ", "cp ")
SKIPPED_SECTIONS = ("Run on a cluster",)  # needs a scheduler: make test-cluster runs those


def sections(readme: str):
    """(heading, shell block) for every fenced block without a language tag, fences read in pairs."""
    heading, block, language = "", None, None
    for line in readme.splitlines():
        if block is None and line.startswith("## "):
            heading = line[3:].strip()
        elif line.startswith("```") and block is None:
            block, language = [], line[3:].strip()
        elif line.startswith("```"):
            if not language:
                yield heading, "\n".join(block)
            block = None
        elif block is not None:
            block.append(line)


def commands(readme: str, profile: str, root: Path) -> list[str]:
    found = []
    for heading, block in sections(readme):
        if heading in SKIPPED_SECTIONS:
            continue
        for line in block.splitlines():
            line = re.sub(r"\s+#.*$", "", line).strip()  # a comment after the command
            if line.startswith(TAKEN):
                line = line.replace("--profile quick", f"--profile {profile}").replace("/tmp/", f"{root}/")
                found.append(line.replace("out/quick/", f"out/{profile}/"))
    return found


def activation_module(readme: str) -> str:
    return re.search(r"```python\n(from keras import ops\n.*?)```", readme, re.S).group(1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="smoke", help="what --profile quick is read as (default smoke)")
    parser.add_argument("--keep", action="store_true", help="keep the clone and its outputs")
    args = parser.parse_args()
    readme = (REPO / "README.md").read_text()
    root = Path(tempfile.mkdtemp(prefix="readme-"))
    clone = root / "clone"
    subprocess.run(["git", "clone", "-q", str(REPO), str(clone)], check=True)
    (clone / ".venv").symlink_to(REPO / ".venv")
    (clone / "mypkg").mkdir()
    (clone / "mypkg" / "acts.py").write_text(activation_module(readme))
    env = {**os.environ, "PATH": f"{REPO / '.venv' / 'bin'}{os.pathsep}{os.environ['PATH']}"}
    shell, times = "", []
    try:
        for line in commands(readme, args.profile, root):
            if line.startswith("O="):  # a variable the next commands use
                shell += line + "\n"
                continue
            t0 = time.perf_counter()
            proc = subprocess.run(["bash", "-c", shell + line], cwd=clone, env=env, capture_output=True, text=True)
            seconds = time.perf_counter() - t0
            shown = line.replace(str(root), "/tmp")
            if proc.returncode != 0:
                print(f"FAILED ({proc.returncode}): {shown}\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}")
                sys.exit(1)
            times.append((shown, seconds))
            print(f"{seconds:7.1f} s  {shown}", flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    cores = os.cpu_count()
    print(
        f"{len(times)} commands, {sum(s for _, s in times):.0f} s in all, profile {args.profile} for quick; "
        f"{platform.machine()}, {cores} cores, Python {platform.python_version()}"
    )


if __name__ == "__main__":
    main()
