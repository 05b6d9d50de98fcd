"""The results store: one directory per group, named by the hash of its configuration.

    <root>/runs/<key>/config.json     the GroupSpec and the run's environment
    <root>/runs/<key>/metrics.parquet long format: activation, seed, epoch, layer, metric, value
    <root>/runs/<key>/COMPLETE        written last, by atomic rename

A directory without COMPLETE is an interrupted run: it is not loaded, and rerunning
replaces it. Finished runs are skipped.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pandas as pd

from study.config import GroupSpec
from study.errors import MissingRuns

MARKER = "COMPLETE"
CONFIG_COLUMNS = ["dataset", "depth", "width", "initializer", "epochs", "backend", "optimizer", "learning_rate",
                  "task"]


def run_dir(root: Path, spec: GroupSpec) -> Path:
    return Path(root) / "runs" / spec.key()


def is_done(root: Path, spec: GroupSpec) -> bool:
    return (run_dir(root, spec) / MARKER).exists()


def _write_atomic(path: Path, text: str):
    tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}")
    tmp.write_text(text)
    os.replace(tmp, path)


def save(root: Path, spec: GroupSpec, metrics: pd.DataFrame, info: dict) -> Path:
    path = run_dir(root, spec)
    if path.exists():  # an interrupted earlier attempt
        shutil.rmtree(path)
    path.mkdir(parents=True)
    _write_atomic(path / "config.json", json.dumps({"key": spec.key(), "spec": spec.to_dict(), "run": info},
                                                   indent=2, sort_keys=True) + "\n")
    tmp = path / f"metrics.parquet.tmp-{os.getpid()}"
    metrics.to_parquet(tmp, index=False)
    os.replace(tmp, path / "metrics.parquet")
    _write_atomic(path / MARKER, spec.key() + "\n")
    return path


def read_config(root: Path, spec: GroupSpec) -> dict:
    return json.loads((run_dir(root, spec) / "config.json").read_text())


def load(root: Path, specs: list[GroupSpec]) -> pd.DataFrame:
    """Long-format metrics of the given groups: one row per
    (run, activation, seed, depth, epoch, layer, metric), with the group's settings as columns."""
    missing = [s for s in specs if not is_done(root, s)]
    if missing:
        raise MissingRuns(f"{len(missing)} of {len(specs)} runs are not in {Path(root) / 'runs'}")
    frames = []
    for spec in specs:
        df = pd.read_parquet(run_dir(root, spec) / "metrics.parquet")
        df.insert(0, "run", spec.key())
        settings = spec.to_dict()
        for i, col in enumerate(CONFIG_COLUMNS, start=1):
            df.insert(i, col, settings[col])
        frames.append(df)
    return pd.concat(frames, ignore_index=True)


def load_info(root: Path, specs: list[GroupSpec]) -> list[dict]:
    return [read_config(root, s)["run"] for s in specs]
