"""The results store: one directory per group, named by the hash of its configuration.

    <root>/runs/<key>/config.json     the GroupSpec and the run's environment
    <root>/runs/<key>/metrics.parquet long format: activation, seed, epoch, layer, metric, value
    <root>/runs/<key>/COMPLETE        written last, by atomic rename: each file's SHA-256
    <root>/runs/<key>.lock            held by the worker training the group (`study.store.locks`)

A run is finished only if its marker is there and every file matches its checksum, and its
stored spec hashes to its folder's name. A directory without the marker is an interrupted
run; one whose files do not match is damaged. Neither is ever loaded, and `run` retrains
both. Finished runs are skipped.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pandas as pd

from study.errors import MissingInput, MissingRuns
from study.files import write_atomic
from study.spec.config import GroupSpec

MARKER = "COMPLETE"
FILES = ("config.json", "metrics.parquet")
CONFIG_COLUMNS = [
    "dataset",
    "depth",
    "width",
    "initializer",
    "epochs",
    "backend",
    "optimizer",
    "learning_rate",
    "task",
    "activity_l1",
    "architecture",
    "normalization",
    "residual",
    "inputs",
]
FINISHED, ABSENT = "finished", "absent"  # any other state is the reason a run is damaged


class DamagedRuns(MissingInput):
    """Stored runs whose files do not match their marker: reported by name, never loaded."""


def run_dir(root: Path, spec: GroupSpec) -> Path:
    return Path(root) / "runs" / spec.key()


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def state(root: Path, spec: GroupSpec) -> str:
    """FINISHED, ABSENT (never started or interrupted before its marker), or why the run is damaged."""
    path = run_dir(root, spec)
    if path.is_symlink() or (path.exists() and not path.is_dir()):
        return "its folder is not a folder"
    try:
        text = (path / MARKER).read_bytes().decode("utf-8")
    except FileNotFoundError:
        return ABSENT
    except (OSError, UnicodeDecodeError):  # not a file, unreadable, or bytes that are no text
        return "its COMPLETE marker is unreadable"
    if text.strip() == spec.key():
        return "its COMPLETE marker predates checksums"
    try:
        marker = json.loads(text)
    except ValueError:
        return "its COMPLETE marker is unreadable"
    if not isinstance(marker, dict) or marker.get("key") != spec.key() or set(marker.get("files", ())) != set(FILES):
        return "its COMPLETE marker does not describe this run"
    for name, digest in marker["files"].items():
        try:
            if sha256(path / name) != digest:
                return f"{name} does not match its checksum"
        except OSError:
            return f"{name} is missing"
    try:
        stored = GroupSpec.from_dict(json.loads((path / "config.json").read_bytes())["spec"])
    except (OSError, ValueError, KeyError, TypeError):  # UnicodeDecodeError is a ValueError
        return "config.json does not hold a valid spec"
    if stored.key() != spec.key():
        return "config.json's spec does not hash to its folder's name"
    return FINISHED


def is_done(root: Path, spec: GroupSpec) -> bool:
    return state(root, spec) == FINISHED


def states(root: Path, specs: list[GroupSpec]) -> dict[str, str]:
    """{key: state} of each group."""
    return {s.key(): state(root, s) for s in specs}


def damaged(found: dict[str, str]) -> dict[str, str]:
    """{key: reason} of the runs among these states that have a marker but fail its checks."""
    return {k: v for k, v in found.items() if v not in (FINISHED, ABSENT)}


def save(root: Path, spec: GroupSpec, metrics: pd.DataFrame, info: dict) -> Path:
    """Writes a run's files, then its marker with their checksums. The caller holds the group's claim."""
    path = run_dir(root, spec)
    remove(path)  # an interrupted or damaged earlier attempt
    path.mkdir(parents=True)
    config = json.dumps({"key": spec.key(), "spec": spec.to_dict(), "run": info}, indent=2, sort_keys=True) + "\n"
    write_atomic(path / "config.json", config)
    write_atomic(path / "metrics.parquet", lambda p: metrics.to_parquet(p, index=False))
    marker = {"key": spec.key(), "files": {name: sha256(path / name) for name in FILES}}
    write_atomic(path / MARKER, json.dumps(marker, indent=1, sort_keys=True) + "\n")
    return path


def remove(path: Path):
    """Whatever is at `path`, gone: a folder with its files, a file, or a link (never what it points to)."""
    if path.is_symlink() or (path.exists() and not path.is_dir()):
        path.unlink()
    elif path.exists():
        shutil.rmtree(path)


def read_config(root: Path, spec: GroupSpec) -> dict:
    return json.loads((run_dir(root, spec) / "config.json").read_text())


def check(root: Path, specs: list[GroupSpec]):
    """Raises DamagedRuns naming every damaged run, then MissingRuns if any run is absent."""
    found = states(root, specs)
    bad = damaged(found)
    if bad:
        names = "; ".join(f"runs/{k}: {why}" for k, why in sorted(bad.items()))
        raise DamagedRuns(f"{len(bad)} stored run(s) in {Path(root)} are damaged and were not loaded ({names})")
    missing = sum(v == ABSENT for v in found.values())
    if missing:
        raise MissingRuns(f"{missing} of {len(specs)} runs are not in {Path(root) / 'runs'}")


def load(
    root: Path, specs: list[GroupSpec], columns: dict[str, list] | None = None, categorical: bool = False
) -> pd.DataFrame:
    """Long-format metrics of the given groups: one row per
    (run, activation, seed, depth, epoch, layer, metric), with the group's settings as columns, and any
    further `columns` ({name: one value per spec}) after `run`. `categorical`: text columns as pandas
    categoricals (a fraction of the memory, and quicker to make), else as strings.

    Read with pyarrow into one table and converted once: a group's settings are repeated over its rows
    by index, not inserted frame by frame (several times faster on the reference)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    check(root, specs)
    text = ["activation", "metric"] if categorical else None
    tables = [pq.read_table(run_dir(root, spec) / "metrics.parquet", read_dictionary=text) for spec in specs]
    table = pa.concat_tables(tables, promote_options="default")
    owner = pa.array(np.repeat(np.arange(len(specs), dtype=np.int32), [t.num_rows for t in tables]))
    per_spec = {"run": [s.key() for s in specs], **(columns or {})}
    settings = [s.to_dict() for s in specs]
    per_spec |= {col: [d[col] for d in settings] for col in CONFIG_COLUMNS}
    for i, (name, values) in enumerate(per_spec.items()):
        values = pa.array(values)
        if categorical and pa.types.is_string(values.type):  # each value once, and an index per row
            encoded = values.dictionary_encode()
            column = pa.DictionaryArray.from_arrays(pc.take(encoded.indices, owner), encoded.dictionary)
        else:
            column = pc.take(values, owner)
        table = table.add_column(i, name, column)
    return table.to_pandas()


def variants(root: Path, spec: GroupSpec, field: str) -> list[GroupSpec]:
    """The finished groups equal to `spec` but for one field, such as a benchmark's device, sorted by that field.
    An unfinished or damaged one for another device is none of this device's business: `run` retrains only
    this device's."""
    wanted = {k: v for k, v in spec.to_dict().items() if k != field}
    found = []
    for path in sorted((Path(root) / "runs").glob("*/config.json")):
        try:
            stored = GroupSpec.from_dict(json.loads(path.read_text())["spec"])
        except (OSError, ValueError, KeyError, TypeError):
            continue  # a damaged run: `check` names it when it is one of the groups asked for
        same = {k: v for k, v in stored.to_dict().items() if k != field} == wanted
        if same and (stored.key() == spec.key() or state(root, stored) == FINISHED):
            found.append(stored)
    return sorted(found, key=lambda s: str(getattr(s, field)))


def load_info(root: Path, specs: list[GroupSpec]) -> list[dict]:
    return [read_config(root, s)["run"] for s in specs]
