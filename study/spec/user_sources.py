"""The source of a user's activation, kept beside its runs so they stay readable after the module changes.

A user activation's runs are named by the hash of its module's source (and of the modules of the
user's own code it imports). When `run` stores a group of it, the source behind that hash goes to
`results/activations/<module>.<function>@<hash>.json`. Later, after an edit (even of a comment),
naming the activation with its old hash (`mypkg.acts:mish@1a2b3c4d`) loads that stored source
instead of the edited file, so `figures` and `report` read, and `run` extends, the old runs.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import types
from pathlib import Path

FOLDER = "activations"  # under results/
_folders: list[Path] = []  # where stored sources are looked for (the results folders of this command)


def record(fn, helpers=()) -> dict:
    """{'module': its module's source, 'helpers': {name: source}}: what the hash is taken of. Raises OSError,
    TypeError or UnicodeDecodeError where a source cannot be read."""
    where = inspect.getmodule(fn)
    return {
        "module": inspect.getsource(where if where is not None else fn),
        "helpers": {h.__name__: Path(h.__file__).read_text(encoding="utf-8") for h in helpers},
    }


def digest(rec: dict) -> str:
    """The first 8 hex digits of the SHA-256 of the module's source followed by its helpers', by name."""
    text = rec["module"] + "".join(f"\n# --- {name}\n{rec['helpers'][name]}" for name in sorted(rec["helpers"]))
    return hashlib.sha256(text.encode()).hexdigest()[:8]


def look_in(results: Path):
    """Stored sources are looked for under this results folder too."""
    folder = Path(results) / FOLDER
    if folder not in _folders:
        _folders.append(folder)


def file_name(full: str) -> str:
    return full.replace(":", ".", 1) + ".json"  # mypkg.acts.mish@1a2b3c4d.json: no ':' in a file name


def save(results: Path, full: str, rec: dict):
    """Keeps the source of `module:function@hash` under results/ (once; a second copy is the same text)."""
    from study.files import write_atomic

    path = Path(results) / FOLDER / file_name(full)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, json.dumps({"name": full, **rec}, indent=1))


def find(full: str) -> tuple[Path, dict] | None:
    """(where, the record) of a stored source whose hash is the name's, or None."""
    for folder in _folders:
        path = folder / file_name(full)
        try:
            rec = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(rec, dict) and rec.get("name") == full and digest(rec) == full.rsplit("@", 1)[1]:
            return path, rec
    return None


def others(module: str, function: str, besides: str) -> list[str]:
    """The full names of the stored sources of this activation other than `besides`."""
    found = {
        p.name.removesuffix(".json").replace(f"{module}.{function}@", f"{module}:{function}@", 1)
        for folder in _folders
        for p in folder.glob(f"{module}.{function}@*.json")
    }
    return sorted(found - {besides})


def load(module: str, function: str, rec: dict, path: Path):
    """The function, from a stored module source run in a module of its own (never the edited file's).
    Its imports of the user's other modules find today's versions; their stored sources are in the record."""
    mod = types.ModuleType(module)
    mod.__file__ = str(path)
    exec(compile(rec["module"], f"{path} ({module})", "exec"), mod.__dict__)  # noqa: S102 - the user's own code
    return getattr(mod, function)
