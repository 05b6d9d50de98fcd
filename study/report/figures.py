"""Drawing every claim's figures from stored results, and saving them deterministically.

The figures themselves live with their claims (`study/claims/cNN_*.py`, `FIGURES`) and share one look
(`study.analysis.style`); this module draws them all, saves each so that the same results give
byte-identical files, and writes the manifest the report checks.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import matplotlib.pyplot as plt

from study import claims
from study.files import folder_replaced, holds_other, write_atomic
from study.report import robustness

MANIFEST = "manifest.json"
FORMATS = ("png", "svg")  # PNG for the screen, SVG (vector) for print


def save(fig, path_stem: Path) -> list[Path]:
    """The figure in every format, each file whole or absent; PNG and SVG without the metadata (software,
    date) that would make the same figure's bytes differ between runs."""
    paths = []
    for ext in FORMATS:
        metadata = {"Software": None} if ext == "png" else {"Date": None}
        paths.append(
            write_atomic(
                path_stem.with_suffix(f".{ext}"),
                lambda tmp, ext=ext, metadata=metadata: fig.savefig(
                    tmp, bbox_inches="tight", metadata=metadata, format=ext
                ),
            )
        )
    plt.close(fig)
    return paths


def manifest(study) -> dict:
    """What the figures are drawn from; the report checks it before embedding them."""
    runs = sorted({s.key() for s in study.every_setting_specs()})
    return {"profile": study.profile, "selection": study.selection.options(), "runs": runs}


def checksums(paths) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(paths)}


def drawers(study) -> dict:
    """{name: function(study) -> figure}: each answerable claim's figures in claim order, then the matrix of
    verdicts by setting where the study's experiments are repeated in other settings."""
    found = {
        name: draw for module in claims.answerable(study) for name, draw in claims.figures_of(module, study).items()
    }
    return {**found, **(robustness.FIGURES if study.settings() else {})}


def names(study) -> list[str]:
    return list(drawers(study))


def draw_all(study, out: Path) -> list[Path]:
    """Draws every figure, then writes the manifest: what they were drawn from and each file's SHA-256, into a
    new folder that replaces `out` at the end: a drawing that fails or is interrupted leaves the old figures."""
    study.every_setting_info()  # every run there and intact, before anything is touched
    drawn = manifest(study)
    if holds_other(out, MANIFEST, drawn):
        print(f"replacing the figures in {out}, which were drawn from other runs", file=sys.stderr)
    with folder_replaced(out) as new:
        names = []
        for name, draw in drawers(study).items():
            names += [p.name for p in save(draw(study), new / name)]
        write_atomic(new / MANIFEST, json.dumps({**drawn, "files": checksums(new / n for n in names)}, indent=1) + "\n")
    return [out / n for n in [*names, MANIFEST]]
