"""Where a group trains: the Keras backend, its device and the package versions, stored with every run."""

from __future__ import annotations

import dataclasses
import os
import platform
from importlib import metadata

import keras

from study.spec.config import GroupSpec


def device() -> str:
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        gpus = tf.config.list_physical_devices("GPU")
        if not gpus:
            return "CPU"
        name = tf.config.experimental.get_device_details(gpus[0]).get("device_name", "unknown")
        return f"GPU ({len(gpus)}x {name})"
    if backend == "jax":
        import jax

        d = jax.devices()[0]
        return f"{d.platform.upper()} ({d.device_kind})"
    if backend == "torch":
        import torch

        return f"GPU ({torch.cuda.get_device_name(0)})" if torch.cuda.is_available() else "CPU"
    return "unknown"


def environment(spec: GroupSpec) -> dict:
    """Backend, device and versions: stored with every run (the worker adds the commit of the code)."""
    backend = keras.backend.backend()
    packages = [
        "keras",
        "numpy",
        "pandas",
        "scikit-learn",
        "mnist1d",
        {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch"}.get(backend, backend),
    ]
    versions = {}
    for p in packages:
        try:
            versions[p] = metadata.version(p)
        except metadata.PackageNotFoundError:
            versions[p] = None
    return {
        "backend": backend,
        "device": device(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "versions": versions,
        "op_determinism": backend == "tensorflow" and spec.deterministic,
        "cpu_count": os.cpu_count(),
    }


def on_this_device(specs):
    """Benchmark groups are kept per device: each is given the device this process runs on."""
    here = device()
    return [dataclasses.replace(s, device=here) if s.benchmark else s for s in specs]
