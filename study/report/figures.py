"""Drawing every claim's figures from stored results, and saving them deterministically.

The figures themselves live with their claims (`study/claims/cNN_*.py`, `FIGURES`) and share one look
(`study.analysis.style`); this module draws them all, saves each so that the same results give
byte-identical files, and writes the manifest the report checks.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import matplotlib.pyplot as plt

from study import claims
from study.files import write_atomic
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
    found = {name: draw for module in claims.answerable(study) for name, draw in module.FIGURES.items()}
    return {**found, **(robustness.FIGURES if study.settings() else {})}


def names(study) -> list[str]:
    return list(drawers(study))


def draw_all(study, out: Path) -> list[Path]:
    """Draws every figure, then writes the manifest: what they were drawn from and each file's
    SHA-256. The old manifest goes first, so a drawing that fails leaves none to vouch for a mix
    of new and old files."""
    study.every_setting_info()  # every run there and intact, before anything is touched
    out.mkdir(parents=True, exist_ok=True)
    (out / MANIFEST).unlink(missing_ok=True)
    paths = []
    for name, draw in drawers(study).items():
        paths += save(draw(study), out / name)
    text = json.dumps({**manifest(study), "files": checksums(paths)}, indent=1) + "\n"
    return paths + [write_atomic(out / MANIFEST, text)]
