"""Claims on groups: one worker per group, across processes and hosts sharing the results folder.

<root>/runs/<key>.lock   created exclusively and held with flock by the worker training the group
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import socket
import stat
import time
from pathlib import Path

from study.spec.config import GroupSpec


def lock_path(root: Path, spec: GroupSpec) -> Path:
    return Path(root) / "runs" / f"{spec.key()}.lock"


class Claim:
    """A group claimed by this process: its lock file, created exclusively and held with flock.

    The kernel drops the flock when its holder dies, however it dies, so a lock whose holder is
    gone is recognised (the flock can be taken) and taken over; the file's content (host, pid,
    start time) is for people and `status`.
    """

    def __init__(self, path: Path, fd: int, took_over: dict | None):
        self.path, self.fd, self.took_over = path, fd, took_over

    def release(self):
        if self.fd is not None:
            try:
                self.path.unlink()  # while still holding the flock: nobody sees it unheld
            except FileNotFoundError:
                pass
            os.close(self.fd)
            self.fd = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.release()


def holder_info() -> dict:
    return {"host": socket.gethostname(), "pid": os.getpid(), "started": time.strftime("%Y-%m-%dT%H:%M:%S%z")}


def _read_json(fd: int) -> dict | None:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        return json.loads(os.read(fd, 4096) or b"null")
    except (OSError, ValueError):
        return None


def claim(root: Path, spec: GroupSpec) -> Claim | None:
    """This process's claim on the group, or None while a live worker holds it."""
    path = lock_path(root, spec)
    path.parent.mkdir(parents=True, exist_ok=True)
    for _ in range(5):
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
            created = True
        except FileExistsError:
            if not is_lock_file(path):  # a link, a folder, a pipe...: never followed or opened, replaced
                repair(path)
                continue
            try:
                fd = os.open(path, os.O_RDWR | os.O_NOFOLLOW)
            except FileNotFoundError:  # released in between: try again
                continue
            created = False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:  # a live worker holds it
            os.close(fd)
            return None
        try:  # the file may have been released (unlinked) or replaced since we opened it
            same = os.fstat(fd).st_ino == os.stat(path).st_ino
        except FileNotFoundError:
            same = False
        if not same:
            os.close(fd)
            continue
        previous = None if created else _read_json(fd)
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, (json.dumps(holder_info()) + "\n").encode())
        return Claim(path, fd, None if created else (previous or {}))
    return None


def is_lock_file(path: Path) -> bool:
    """Whether the lock path holds a regular file (not a link to one, not a folder), or nothing."""
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except FileNotFoundError:
        return True


def repair(path: Path):
    """Removes what stands where a lock file belongs, without following a link."""
    try:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()
    except FileNotFoundError:
        pass


def misplaced(root: Path, specs: list[GroupSpec]) -> list[Path]:
    """The lock paths of these groups that hold something other than a lock file."""
    return [p for p in (lock_path(root, s) for s in specs) if not is_lock_file(p)]


def clear_stale(root: Path, specs: list[GroupSpec]):
    """Removes the lock files of these groups that no live worker holds (taking each over first,
    as any worker would, so a live one is never touched)."""
    for spec in specs:
        if lock_path(root, spec).exists():
            claimed = claim(root, spec)
            if claimed is not None:
                claimed.release()


def holder(root: Path, spec: GroupSpec) -> dict | None:
    """The lock's content if a live worker holds the group, else None."""
    path = lock_path(root, spec)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:  # none, or not a lock file: nobody holds it
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        info = _read_json(fd) or {}
        os.close(fd)
        return info
    os.close(fd)
    return None
