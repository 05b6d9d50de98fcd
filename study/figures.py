"""The figure style, and drawing every claim's figures from stored results.

The figures themselves live with their claims (`study/claims/cNN_*.py`, `FIGURES`); this
module gives them one look: the palette (one colour per activation, the same in every
figure), the seaborn estimator (interquartile means with 95% bootstrap intervals over
seeds, seeded), and deterministic saving, so the same results give byte-identical files.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import seaborn as sns  # noqa: E402

from study.activations import ACTIVATIONS, MAIN_FOUR, users_in  # noqa: E402


def _iqm(x):  # seaborn calls its estimator once per bootstrap sample: keep it lean
    x = np.sort(x)
    cut = len(x) // 4
    return x[cut:len(x) - cut].mean()


BOOT = dict(estimator=_iqm, errorbar=("ci", 95), n_boot=200, seed=0)
# One colour per activation, the same in every figure.
PALETTE = dict(zip(ACTIVATIONS, sns.color_palette("tab10") + sns.color_palette("Dark2")))
FORMATS = ("png", "svg")

plt.rcParams.update({"svg.hashsalt": "activation-study", "figure.dpi": 110, "savefig.dpi": 110})
sns.set_theme(style="whitegrid", context="paper")
plt.rcParams["svg.hashsalt"] = "activation-study"


USER_COLOURS = ("#e7298a", "#66a61e", "#a6761d", "#666666")  # a user's activations: none of the built-ins' colours


def shown(df) -> list[str]:
    """The four activations the source compares, then any user activation (module:function@hash) in
    these runs, each given a colour of its own in PALETTE."""
    users = users_in(df["activation"].unique())
    for i, name in enumerate(users):
        PALETTE.setdefault(name, USER_COLOURS[i % len(USER_COLOURS)])
    return [*MAIN_FOUR, *users]


def main_four(df, **where):
    """Rows of the four activations the source compares (and a user's, see `shown`), where every
    column equals its value."""
    mask = df["activation"].isin(shown(df))
    for col, val in where.items():
        mask &= df[col] == val
    return df[mask]


def seed_means(sub, *by):
    """One value per seed (the mean over hidden layers): intervals are over seeds, as in the report."""
    return sub.groupby(list(by) + ["seed"], as_index=False)["value"].mean()


def with_state(sub, last):
    """Initialisation and the last epoch, labelled; layers counted from 1."""
    sub = sub[sub["epoch"].isin([0, last])].copy()
    sub["layer"] += 1
    sub["state"] = np.where(sub["epoch"] == 0, "initialisation", f"trained ({last} epochs)")
    return sub


def save(fig, path_stem: Path) -> list[Path]:
    """Each format written to a temporary file, then renamed: a figure file is whole or absent."""
    paths = []
    for ext in FORMATS:
        path = path_stem.with_suffix(f".{ext}")
        tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
        metadata = {"Software": None} if ext == "png" else {"Date": None}
        try:
            fig.savefig(tmp, bbox_inches="tight", metadata=metadata, format=ext)
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
        paths.append(path)
    plt.close(fig)
    return paths


MANIFEST = "manifest.json"


def manifest(study) -> dict:
    """What the figures are drawn from; the report checks it before embedding them."""
    runs = sorted({s.key() for s in study.every_setting_specs()})
    return {"profile": study.profile, "selection": study.selection.options(), "runs": runs}


def checksums(paths) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(paths)}


def drawers(study) -> dict:
    """{name: function(study) -> figure}: each answerable claim's figures in claim order, then the matrix of
    verdicts by setting where the study's experiments are repeated in other settings."""
    from study import claims, robustness

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
    tmp = out / f".{MANIFEST}.tmp-{os.getpid()}"
    tmp.write_text(text)
    os.replace(tmp, out / MANIFEST)
    return paths + [out / MANIFEST]
