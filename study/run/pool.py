"""Runs a sweep's groups: in this process, or in a pool of fresh worker processes.

Each group is claimed through the store's lock before it is trained (`worker.train_and_store`),
so any number of `run` commands may work on one folder: each group is trained once. Workers
report every epoch to the parent's progress bar, ignore Ctrl-C (the parent stops them), and
end when their parent ends, however it ends.
"""

from __future__ import annotations

import importlib.util
import os
import queue
import re
import signal
import sys
import threading
import time
from collections import Counter

from study.run import threads

GLOG_PREFIX = re.compile(r"^[IWEF]\d{4} [\d:.]+\s+\d+ ")


class Interrupted(Exception):
    """Ctrl-C or SIGTERM: stop now, keep what finished."""


def _interrupt(signum, frame):
    raise Interrupted(signal.Signals(signum).name)


def quiet_import():
    """Imports Keras and its backend with their start-up chatter on stderr (which TensorFlow
    writes from C++, before its logging is configured, once per shared library) printed once."""
    import tempfile

    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            if importlib.util.find_spec("tensorflow"):  # Keras's data adapters load it under every backend
                import tensorflow  # noqa: F401
            import keras  # noqa: F401

            from study.train import engine  # noqa: F401
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
        captured.seek(0)
        lines = captured.read().decode(errors="replace").splitlines()
    if "tensorflow" in sys.modules:  # its retracing warnings and AutoGraph notices: about speed, not results
        tf = sys.modules["tensorflow"]
        tf.get_logger().setLevel("ERROR")
        tf.autograph.set_verbosity(0)
    once = {}
    for line in lines:  # the same message, logged again with another time stamp and thread id
        once.setdefault(GLOG_PREFIX.sub("", line), line)
    return [line for line in once.values() if line.strip()]


def _watch_parent(parent: int):
    while True:
        if os.getppid() != parent:
            os._exit(1)
        time.sleep(0.5)


def _worker_init(progress_queue, parent: int, cpu_threads: int):
    threads.limit(cpu_threads)  # before the backend starts: each worker its share of the cores
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides what Ctrl-C stops
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    global _progress
    _progress = progress_queue
    quiet_import()  # the parent has shown the start-up messages once


_progress = None


def _work(results, spec):
    from study.run import worker

    return worker.train_and_store(results, spec, progress=lambda epoch: _progress.put(epoch))


def slowest_first(specs):
    """Deepest and widest groups first, so a pool or an array does not end on one long group."""
    return sorted(specs, key=lambda s: -s.depth * len(s.branches))


def run(specs, results, jobs: int, on_epoch, on_group) -> Counter:
    """Trains the specs; `on_epoch()` after every epoch, `on_group(spec, outcome)` after every group.

    Returns the count of each outcome ("trained", "skipped"). Raises Interrupted on Ctrl-C or
    SIGTERM, after stopping every worker.
    """
    previous = {s: signal.signal(s, _interrupt) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        if jobs == 1:
            from study.run import worker

            counts = Counter()
            for spec in specs:
                outcome = worker.train_and_store(results, spec, progress=lambda _: on_epoch())
                counts[outcome] += 1
                on_group(spec, outcome)
            return counts
        return _run_pool(specs, results, jobs, on_epoch, on_group)
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def _run_pool(specs, results, jobs, on_epoch, on_group) -> Counter:
    # TensorFlow does not survive fork: each worker is a fresh (spawned) process.
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    progress = ctx.Queue()
    pool = ctx.Pool(jobs, initializer=_worker_init, initargs=(progress, os.getpid(), threads.share(jobs)))
    counts = Counter()
    try:
        pending = {pool.apply_async(_work, (results, s)): s for s in slowest_first(specs)}
        while pending:
            try:
                progress.get(timeout=0.2)
                on_epoch()
                continue
            except queue.Empty:
                pass
            for result in [r for r in pending if r.ready()]:
                spec = pending.pop(result)
                outcome = result.get()  # a worker's exception is raised here
                counts[outcome] += 1
                on_group(spec, outcome)
        pool.close()
        pool.join()
        return counts
    finally:
        pool.terminate()  # queued groups are dropped, running ones stopped; nothing half-written is kept
        progress.close()
        from study import store

        store.clear_stale(results, specs)  # the stopped workers' locks
