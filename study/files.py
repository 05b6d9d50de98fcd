"""Files written whole or not at all: every file the study writes goes through `write_atomic`, and a folder
of them (the figures, the report) through `folder_replaced`."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


def write_atomic(path: Path, content: str | bytes | Callable[[Path], object]) -> Path:
    """Writes `content` (text, bytes, or a function that writes a given path) to a temporary file beside
    `path`, then renames it over `path`: a reader, or a run killed halfway, sees the old file or the new one,
    never a part."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        if isinstance(content, str):
            tmp.write_text(content, encoding="utf-8")
        elif isinstance(content, bytes):
            tmp.write_bytes(content)
        else:
            content(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


@contextmanager
def folder_replaced(path: Path) -> Iterator[Path]:
    """A new folder beside `path` to write into; when the block ends it replaces `path` whole. If the block
    fails or is interrupted, the new folder is removed and `path` is as it was."""
    path = Path(path)
    new, old = (path.with_name(f".{path.name}.{what}-{os.getpid()}") for what in ("new", "old"))
    for leftover in (new, old):
        shutil.rmtree(leftover, ignore_errors=True)
    new.mkdir(parents=True)
    try:
        yield new
        if path.exists():
            os.rename(path, old)
        os.rename(new, path)
    finally:
        shutil.rmtree(new, ignore_errors=True)
        if old.exists() and not path.exists():  # interrupted between the two renames: the old one goes back
            os.rename(old, path)
        shutil.rmtree(old, ignore_errors=True)


def holds_other(folder: Path, record: str, expected: dict) -> bool:
    """Whether `folder` holds files written from something other than `expected`: its JSON file `record` says
    otherwise on any of `expected`'s keys, cannot be read, or is missing beside other files."""
    try:
        old = json.loads((Path(folder) / record).read_bytes())
    except FileNotFoundError:
        return Path(folder).exists() and any(Path(folder).iterdir())
    except (OSError, ValueError):
        return True
    return not isinstance(old, dict) or any(old.get(k) != v for k, v in expected.items())
