"""The study's numbers as data, for notebooks: every stored metric of a profile in one tidy frame,
and the claims ledger as a frame.

    from study.data import load_metrics, load_claims
    df = load_metrics()             # the reference (full) profile: one row per
                                    # (run, activation, seed, epoch, layer, metric)
    claims = load_claims()          # one row per claim: verdict, key number and its interval

COLUMNS and METRICS below say what each column and each metric means, and its unit.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from study import store
from study.analysis.study import Study
from study.errors import check_choice
from study.report import ledger
from study.spec import grid
from study.spec.config import REFERENCE, ROOT, home
from study.spec.grid import Selection
from study.train import probes

COLUMNS = {
    "run": "the group's key: the hash of every setting that decides its numbers (results/runs/<run>/)",
    "experiments": "the experiments that declare this group, comma-separated (groups are shared)",
    "setting": "main (each experiment's own data and the MLP), or the replica setting: digits, cnn, batchnorm, "
    "residual, resnorm",
    "dataset": "the data set (mnist1d, digits, few_relevant_N, abs_1d)",
    "depth": "hidden layers",
    "width": "units per hidden layer",
    "initializer": "the weight initialiser",
    "epochs": "epochs the group trained (for the cost benchmark: its repeats)",
    "backend": "the Keras backend (tensorflow, jax, torch)",
    "optimizer": "adam, sgd or momentum",
    "learning_rate": "the optimiser's learning rate",
    "task": "classification or regression",
    "activity_l1": "the L1 penalty on hidden activations (0: none)",
    "architecture": "mlp or cnn (then depth is convolutions, width channels)",
    "normalization": "the MLP's normalisation layers: none, batchnorm or layernorm",
    "residual": "whether the MLP has identity skips around its hidden layers (True, False)",
    "inputs": "how the features were scaled: standardised, or unit_range ([0, 1], Glorot & Bengio's setting)",
    "activation": "the activation function (a user's: module:function@hash)",
    "seed": "the model's seed (initial weights); models of one seed in a group share their batches",
    "epoch": "epochs completed when recorded (0: at initialisation); the cost benchmark's repeat",
    "layer": "hidden layer from 0, or -1 for the whole model; the cost benchmark's tensor size in elements",
    "metric": "what was measured (METRICS)",
    "value": "the measurement, in the metric's unit",
    "step": "training steps taken when recorded (traced rows fall between epoch ends)",
}

METRICS = {
    **{
        f"{split}_loss": f"{name} loss: cross-entropy (classification) or mean squared error (regression)"
        for split, name in [("train", "training"), ("val", "validation"), ("test", "test")]
    },
    **{
        f"{split}_accuracy": f"{name} accuracy, fraction correct (classification only)"
        for split, name in [("train", "training"), ("val", "validation"), ("test", "test")]
    },
    "diverged": "1 from the epoch the model's training loss is not finite or above 10x its initial value, else 0",
    "wall_time": "seconds since the group's fit began, at the end of the epoch (shared by the group's models)",
    **{
        name: f"{text} (fraction, 0-1)" if not name.endswith(("norm", "regions", "derivative", "hoyer")) else text
        for name, text in probes.DEFINITIONS.items()
    },
    "act_mean": "traced (trace_every): the hidden layer's mean activation on the probe set",
    "act_p02": "traced: the 2nd percentile of the layer's activations",
    "act_p98": "traced: the 98th percentile of the layer's activations",
    "twin_output_difference": "sign-flipped twins (C3, flips_exact): max |outputs - the ReLU twin's| / max |the "
    "twin's| on the test split, per model (0 for the ReLU models themselves)",
    "forward_s": "cost benchmark (C8): seconds per forward call of the activation on a tensor of `layer` elements",
    "backward_s": "cost benchmark: seconds per forward+backward call",
    "train_step_s": "cost benchmark: seconds per training step of the depth-4 reference MLP",
}


def load_metrics(
    profile: str = REFERENCE, experiments=None, out: Path | None = None, backend: str | None = None
) -> pd.DataFrame:
    """Every stored metric of the profile's groups (of the given experiments; default all), in every
    setting, in one long frame, one row per (run, activation, seed, epoch, layer, metric), each group once.
    Diverged models are kept (their `diverged` rows say from when); the report's analyses leave them out.
    `out`: where the runs are (default: the repository for the reference profile, out/PROFILE/ for the
    others, as `run` writes them); `backend`: another backend's runs (default: tensorflow's, or
    $KERAS_BACKEND's)."""
    known = grid.discover()
    names = list(known) if experiments is None else [experiments] if isinstance(experiments, str) else list(experiments)
    for n in names:
        check_choice("experiment", n, known)
    out = Path(out) if out is not None else home(profile)
    study = Study(out, Selection(profile, backend=backend), [known[n] for n in names])
    owners: dict[str, list[str]] = {}
    specs, settings = {}, {}
    for setting, view in study.views().items():
        for n in view.experiments:
            for s in view.specs(n):  # a benchmark's once per device it was stored for
                specs.setdefault(s.key(), s)
                settings.setdefault(s.key(), setting)
                owners.setdefault(s.key(), []).append(n)
    keys = list(specs)
    columns = {"experiments": [", ".join(owners[k]) for k in keys], "setting": [settings[k] for k in keys]}
    return store.load(out / "results", list(specs.values()), columns, categorical=True)


def load_claims(out: Path = ROOT) -> pd.DataFrame:
    """The claims ledger as a frame: one row per claim, its key number in columns (value, low, high, n, unit).
    `out`: the folder whose report/claims.json is read (default: the repository's, the reference's)."""
    led = ledger.read(Path(out) / "report" / "claims.json")
    rows = [
        {
            "id": c["id"],
            "claim": c["english"],
            "verdict": c["verdict"],
            "key": c["key"]["name"],
            "value": c["key"]["value"],
            "low": c["key"]["interval"][0],
            "high": c["key"]["interval"][1],
            "n": c["key"]["n"],
            "unit": c["key"]["unit"],
            "settings": len(c["settings"]),
            "rule": c["rule"],
        }
        for c in led["claims"]
    ]
    return pd.DataFrame(rows).set_index("id")
