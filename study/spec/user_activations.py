"""Activations a user brings, named by import path: `mypkg.acts:mish`.

The function is imported, tried on a tensor, and given a derivative by automatic
differentiation on the Keras backend in use (or its own, set as `fn.derivative`). Its runs
are stored under its name and the hash of its module's source, `mypkg.acts:mish@1a2b3c4d`:
editing the module (the function or anything it calls there) makes new runs, never mixes
old ones in.
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
import re
import sys
from pathlib import Path

import numpy as np

from study.errors import UnknownChoice
from study.spec.activation_type import Activation, ops

# module.path:function, optionally @ the 8 hex digits of a stored source hash
NAME = re.compile(r"^(?P<module>[A-Za-z_][\w.]*):(?P<function>[A-Za-z_]\w*)(?:@(?P<hash>[0-9a-f]{8}))?$")
TRIAL = np.linspace(-6.0, 6.0, 25, dtype="float32").reshape(5, 5)  # a 2-D tensor, as in a dense layer
SCAN = np.linspace(-10.0, 10.0, 2001, dtype="float32")  # where the largest |f'| and saturation are read
_resolved: dict[str, Activation] = {}


class BadActivation(UnknownChoice):
    """A user activation that cannot be imported or does not work on a tensor (exit 2, one line)."""


def source_hash(fn) -> str:
    """The first 8 hex digits of the sha256 of the source of the module that defines fn."""
    where = inspect.getmodule(fn)
    try:
        text = inspect.getsource(where if where is not None else fn)
    except (OSError, TypeError):
        raise BadActivation(
            f"cannot read the source of '{fn.__module__}.{fn.__name__}' to name its runs "
            "(define the activation in a Python file)"
        ) from None
    return hashlib.sha256(text.encode()).hexdigest()[:8]


def _import(module: str, function: str, name: str):
    if "" not in sys.path and str(Path.cwd()) not in sys.path:  # as `python -m` does: the current folder first
        sys.path.insert(0, str(Path.cwd()))
    try:
        mod = importlib.import_module(module)
    except Exception as exc:  # noqa: BLE001 - any failure of the user's module is the same one-line error
        raise BadActivation(
            f"activation '{name}': cannot import module '{module}' ({type(exc).__name__}: {exc})"
        ) from None
    fn = getattr(mod, function, None)
    if not callable(fn):
        found = sorted(n for n, v in vars(mod).items() if inspect.isfunction(v) and not n.startswith("_"))
        raise BadActivation(
            f"activation '{name}': module '{module}' has no function '{function}' "
            f"(its functions: {', '.join(found) or 'none'})"
        )
    return fn


def autodiff(fn):
    """f'(x), elementwise, by the Keras backend's automatic differentiation (d/dx of sum f(x))."""
    import keras

    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        def derivative(x):
            x = tf.convert_to_tensor(x)
            with tf.GradientTape() as tape:
                tape.watch(x)
                y = fn(x)
            return tape.gradient(y, x)
    elif backend == "jax":
        import jax
        import jax.numpy as jnp

        def derivative(x):
            return jax.grad(lambda v: jnp.sum(fn(v)))(jnp.asarray(x))
    elif backend == "torch":
        import torch

        def derivative(x):
            with torch.enable_grad():
                x = ops.convert_to_tensor(x).detach().requires_grad_(True)
                (g,) = torch.autograd.grad(fn(x).sum(), x)
            return g.detach()
    else:
        raise BadActivation(
            f"no automatic differentiation for Keras backend '{backend}' "
            "(choose from tensorflow, jax, torch), or set fn.derivative"
        )
    return derivative


def _values(f, x, what: str, name: str) -> np.ndarray:
    """f(x) as a finite NumPy array of x's shape, or a one-line error naming what failed."""
    try:
        y = np.asarray(ops.convert_to_numpy(f(ops.convert_to_tensor(x))))
    except Exception as exc:  # noqa: BLE001
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise BadActivation(
            f"activation '{name}': its {what} fails on a tensor ({type(exc).__name__}: {first})"
        ) from None
    if y.shape != x.shape:
        raise BadActivation(
            f"activation '{name}': its {what} returns shape {y.shape} for input of shape "
            f"{x.shape} (an activation applies elementwise)"
        )
    if not np.isfinite(y).all():
        raise BadActivation(f"activation '{name}': its {what} is not finite on [-6, 6]")
    return y


def resolve(name: str) -> Activation:
    """The user activation `module:function[@hash]`, imported and checked; its name carries the hash."""
    if name in _resolved:
        return _resolved[name]
    m = NAME.match(name)
    if m is None:
        raise BadActivation(
            f"'{name}' is not an activation path (write module.path:function, for example mypkg.acts:mish)"
        )
    fn = _import(m["module"], m["function"], name)
    digest = source_hash(fn)
    if m["hash"] and m["hash"] != digest:
        raise BadActivation(
            f"activation '{name}': its source has changed since (now @{digest}); name it "
            f"without '@{m['hash']}' to run the current source"
        )
    full = f"{m['module']}:{m['function']}@{digest}"
    derivative = getattr(fn, "derivative", None) or autodiff(fn)
    _values(fn, TRIAL, "value", name)
    _values(derivative, TRIAL, "derivative", name)
    d = np.abs(_values(derivative, SCAN, "derivative", name))
    act = Activation(
        full,
        fn,
        derivative,
        f"{m['module']}.{m['function']} (user)",
        bounded=bool(max(d[0], d[-1]) < 0.05 * d.max()),
        max_derivative=float(d.max()),
    )
    _resolved[name] = _resolved[full] = act
    return act
