"""Files written whole or not at all: every file the study writes goes through `write_atomic`."""

from __future__ import annotations

import os
from collections.abc import Callable
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
