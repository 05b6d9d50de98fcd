"""Activations a user brings, named by import path: `mypkg.acts:mish`.

The function is imported, tried on a tensor, and given a derivative by automatic
differentiation on the Keras backend in use (or its own, set as `fn.derivative`). Its runs
are stored under its name and the hash of its module's source, `mypkg.acts:mish@1a2b3c4d`:
editing the module (the function or anything it calls there) makes new runs, never mixes
old ones in.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import re
import site
import sys
import threading
import warnings
from pathlib import Path

import numpy as np

from study.errors import UnknownChoice
from study.spec import user_sources
from study.spec.activation_type import Activation, ops

# module.path:function, optionally @ the 8 hex digits of a stored source hash
NAME = re.compile(r"^(?P<module>[A-Za-z_][\w.]*):(?P<function>[A-Za-z_]\w*)(?:@(?P<hash>[0-9a-f]{8}))?$")
TRIAL = np.linspace(-6.0, 6.0, 25, dtype="float32").reshape(5, 5)  # a 2-D tensor, as in a dense layer
SCAN = np.linspace(-10.0, 10.0, 2001, dtype="float32")  # where the largest |f'| and saturation are read
SLOW_IMPORT = 5.0  # seconds: an import that takes longer is said to, so a stalled command is not silent
# Keras's global settings an activation must not change: name -> (read, set)
KERAS_SETTINGS = {
    "dtype policy": (lambda k: k.config.dtype_policy().name, lambda k, v: k.config.set_dtype_policy(v)),
    "floatx": (lambda k: k.config.floatx(), lambda k, v: k.config.set_floatx(v)),
    "epsilon": (lambda k: k.config.epsilon(), lambda k, v: k.config.set_epsilon(v)),
    "image data format": (lambda k: k.config.image_data_format(), lambda k, v: k.config.set_image_data_format(v)),
}
_resolved: dict[str, Activation] = {}
sources: dict[str, dict] = {}  # full name -> the sources its hash is of (kept with its runs)


class BadActivation(UnknownChoice):
    """A user activation that cannot be imported or does not work on a tensor (exit 2, one line)."""


def source_hash(fn, helpers=()) -> tuple[str, dict]:
    """(the first 8 hex digits of the sha256 of the source of the module that defines fn and of its helpers,
    the other modules of the user's code it imports; the sources): editing any of them names new runs."""
    try:
        rec = user_sources.record(fn, helpers)
    except (OSError, TypeError, UnicodeDecodeError):
        raise BadActivation(
            f"cannot read the source of '{fn.__module__}.{fn.__name__}' to name its runs "
            "(define the activation in a Python file)"
        ) from None
    return user_sources.digest(rec), rec


@functools.cache  # asked for every loaded module: the same folders each time
def _library_folders() -> tuple[Path, ...]:
    """Where installed code lives (the interpreter's and site-packages) and the study's own package."""
    folders = {sys.prefix, sys.base_prefix, *site.getsitepackages(), site.getusersitepackages()}
    return (*(Path(f).resolve() for f in folders), Path(__file__).resolve().parents[1])


def _is_users(module) -> bool:
    """A module of the user's own code: a Python file outside the installed libraries and the study."""
    file = getattr(module, "__file__", None)
    if not file or not file.endswith(".py"):
        return False
    path = Path(file).resolve()
    return not any(path.is_relative_to(folder) for folder in _library_folders())


def helpers_of(module_name: str, new: set[str]) -> list:
    """The user's modules an activation's module brings with it: its own package's, and any other module of
    the user's code first imported with it (`new`)."""
    top = module_name.split(".")[0]
    return [
        m
        for n, m in list(sys.modules.items())
        if n != module_name and m is not None and (n == top or n.startswith(top + ".") or n in new) and _is_users(m)
    ]


def keras_settings() -> dict:
    """Keras's global settings that would change every model built after them."""
    import keras

    return {n: get(keras) for n, (get, _) in KERAS_SETTINGS.items()}


def _contained(name: str, before: dict):
    """Refuses an activation that changed Keras's global settings (restored first): the built-in groups
    trained in the same process would compute differently under the same keys."""
    import keras

    after = keras_settings()
    changed = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
    if changed:
        for k, (old, _) in changed.items():
            KERAS_SETTINGS[k][1](keras, old)
        said = "; ".join(f"{k} {old} -> {new}" for k, (old, new) in changed.items())
        raise BadActivation(
            f"activation '{name}': importing or calling it changes Keras's global settings ({said}); an "
            "activation must leave them as they are, or every other model trained beside it would change"
        )


def _import(module: str, function: str, name: str):
    """(the function, the user's modules it brings with it)."""
    if "" not in sys.path and str(Path.cwd()) not in sys.path:  # as `python -m` does: the current folder first
        sys.path.insert(0, str(Path.cwd()))
    before = set(sys.modules)
    slow = threading.Timer(
        SLOW_IMPORT,
        lambda: print(
            f"importing module '{module}' (activation '{name}') is taking a while...", file=sys.stderr, flush=True
        ),
    )
    slow.daemon = True
    slow.start()
    try:
        mod = importlib.import_module(module)
    except SystemExit as exc:  # the module's own sys.exit, not ours: its error, in one line
        raise BadActivation(f"activation '{name}': module '{module}' calls sys.exit({exc.code!r}) on import") from None
    except Exception as exc:  # noqa: BLE001 - any failure of the user's module is the same one-line error
        raise BadActivation(
            f"activation '{name}': cannot import module '{module}' ({type(exc).__name__}: {exc})"
        ) from None
    finally:
        slow.cancel()
    fn = getattr(mod, function, None)
    if not callable(fn):
        found = sorted(n for n, v in vars(mod).items() if inspect.isfunction(v) and not n.startswith("_"))
        raise BadActivation(
            f"activation '{name}': module '{module}' has no function '{function}' "
            f"(its functions: {', '.join(found) or 'none'})"
        )
    return fn, helpers_of(module, set(sys.modules) - before)


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
    except SystemExit as exc:
        raise BadActivation(f"activation '{name}': its {what} calls sys.exit({exc.code!r}) on a tensor") from None
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


def _checked_derivative(fn, name: str):
    """The function's own derivative, checked against automatic differentiation, or autodiff's."""
    given, automatic = getattr(fn, "derivative", None), autodiff(fn)
    if given is None:
        return automatic
    x = TRIAL + 0.25  # off the kink at 0 that piecewise-linear functions have
    mine, auto = _values(given, x, "derivative", name), _values(automatic, x, "automatic derivative", name)
    gap = np.abs(mine - auto)
    if not np.allclose(mine, auto, rtol=1e-3, atol=1e-4):
        i = int(np.argmax(gap))
        raise BadActivation(
            f"activation '{name}': its derivative is not the function's (at x = {x.flat[i]:g} it gives "
            f"{mine.flat[i]:.4g}, automatic differentiation {auto.flat[i]:.4g}); fix fn.derivative, or delete it "
            "to use automatic differentiation"
        )
    return given


def _elementwise(fn, name: str) -> np.ndarray:
    """Its values on TRIAL; refuses a function whose value at one input depends on the others (softmax): an
    activation applies to each unit alone."""
    together = _values(fn, TRIAL, "value", name)
    with warnings.catch_warnings():  # Keras warns of a softmax over one unit: the very case refused here
        warnings.simplefilter("ignore")
        alone = _values(fn, TRIAL.reshape(-1, 1), "value", name).reshape(TRIAL.shape)
    if not np.allclose(together, alone, rtol=1e-5, atol=1e-6):
        raise BadActivation(
            f"activation '{name}': it is not elementwise (its value at an input changes with the other inputs, "
            "as softmax's does); an activation applies to each unit alone"
        )
    return together


def same_values(act: Activation, stored) -> bool:
    """Whether a user activation computes the values stored with its runs (to float32 rounding): one whose
    values depend on more than its source (an environment variable, a file) may not."""
    return len(stored) == len(act.values) and np.allclose(act.values, stored, rtol=1e-5, atol=1e-6)


def resolve(name: str) -> Activation:
    """The user activation `module:function[@hash]`, imported and checked; its name carries the hash."""
    if name in _resolved:
        return _resolved[name]
    m = NAME.match(name)
    if m is None:
        raise BadActivation(
            f"'{name}' is not an activation path (write module.path:function, for example mypkg.acts:mish)"
        )
    settings = keras_settings()
    fn, helpers = _import(m["module"], m["function"], name)
    digest, rec = source_hash(fn, helpers)
    if m["hash"] and m["hash"] != digest:
        fn, rec, digest = _stored(m, name, digest)
    full = f"{m['module']}:{m['function']}@{digest}"
    values = _elementwise(fn, name)
    derivative = _checked_derivative(fn, name)
    _values(derivative, TRIAL, "derivative", name)
    d = np.abs(_values(derivative, SCAN, "derivative", name))
    _contained(name, settings)
    act = Activation(
        full,
        fn,
        derivative,
        f"{m['module']}.{m['function']} (user)",
        bounded=bool(max(d[0], d[-1]) < 0.05 * d.max()),
        max_derivative=float(d.max()),
        values=tuple(float(v) for v in values.ravel()),
    )
    _resolved[name] = _resolved[full] = act
    sources[full] = rec
    return act


def _stored(m, name: str, now: str):
    """(the function, its sources, its hash) from the source stored with the runs of an earlier version."""
    full = f"{m['module']}:{m['function']}@{m['hash']}"
    found = user_sources.find(full)
    if found is None:
        raise BadActivation(
            f"activation '{name}': its source (or a module of yours it imports) has changed since (now @{now}) "
            f"and no copy of the source of @{m['hash']} is stored with the runs; name it without "
            f"'@{m['hash']}' to run the current source"
        )
    path, rec = found
    try:
        fn = user_sources.load(m["module"], m["function"], rec, path)
    except Exception as exc:  # noqa: BLE001 - the stored code no longer runs here: one line, as for any import
        raise BadActivation(
            f"activation '{name}': its stored source ({path}) fails ({type(exc).__name__}: {exc})"
        ) from None
    print(
        f"activation {full}: its module has changed since (now @{now}); using the source stored with its runs, {path}",
        file=sys.stderr,
        flush=True,
    )
    return fn, rec, m["hash"]
