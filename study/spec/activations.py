"""The activation functions under study, by name, each with its value and derivative, and the
user's, named by import path (`study.spec.user_activations`).

The built-ins' derivatives are written out, each the textbook formula; a user's comes from the
backend's automatic differentiation. The probes need f'(z) on stored pre-activations: mean |f'(z)|
and the saturated fraction.
"""

from __future__ import annotations

from study.errors import UnknownChoice
from study.spec import user_activations
from study.spec.activation_type import Activation, ops

LEAKY_SLOPE = 0.01  # Maas et al. (2013); Keras's own defaults (0.2, 0.3) differ.
SELU_ALPHA = 1.6732632423543772
SELU_SCALE = 1.0507009873554805


def _step(x):  # 1 where x > 0, else 0, in x's dtype
    return ops.cast(ops.greater(x, 0), x.dtype)


def _sigmoid_derivative(x):
    s = ops.sigmoid(x)
    return s * (1 - s)


def _elu(x, alpha=1.0):
    return ops.where(ops.greater(x, 0), x, alpha * (ops.exp(ops.minimum(x, 0)) - 1))


def _elu_derivative(x, alpha=1.0):
    return ops.where(ops.greater(x, 0), ops.ones_like(x), alpha * ops.exp(ops.minimum(x, 0)))


def _gelu_derivative(x):
    x = ops.convert_to_tensor(x)  # a NumPy array times a torch tensor fails; tensor times tensor works everywhere
    cdf = 0.5 * (1 + ops.erf(x / 2**0.5))
    pdf = ops.exp(-0.5 * x * x) / (2 * 3.141592653589793) ** 0.5
    return cdf + x * pdf


def _swish_derivative(x):
    x = ops.convert_to_tensor(x)
    s = ops.sigmoid(x)
    return s + x * s * (1 - s)


def _x(x):
    return ops.convert_to_tensor(x)


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in [
        Activation("sigmoid", lambda x: ops.sigmoid(x), _sigmoid_derivative, "1 / (1 + e^-x)", True, 0.25),
        Activation("tanh", lambda x: ops.tanh(x), lambda x: 1 - ops.tanh(x) ** 2, "tanh(x)", True, 1.0),
        Activation("relu", lambda x: ops.relu(x), lambda x: _step(_x(x)), "max(0, x)", kinked=True),
        Activation(
            "leaky_relu",
            lambda x: ops.leaky_relu(x, negative_slope=LEAKY_SLOPE),
            lambda x: _step(_x(x)) * (1 - LEAKY_SLOPE) + LEAKY_SLOPE,
            f"max({LEAKY_SLOPE}x, x)",
            kinked=True,
        ),
        Activation("linear", lambda x: _x(x), lambda x: ops.ones_like(x), "x (purlin)"),
        Activation("relu_mirror", lambda x: ops.relu(-_x(x)), lambda x: -_step(-_x(x)), "relu(-x)", kinked=True),
        Activation("relu_rot180", lambda x: -ops.relu(-_x(x)), lambda x: _step(-_x(x)), "-relu(-x)", kinked=True),
        Activation("neg_relu", lambda x: -ops.relu(x), lambda x: -_step(_x(x)), "-relu(x)", kinked=True),
        Activation("elu", lambda x: _elu(_x(x)), lambda x: _elu_derivative(_x(x)), "x if x > 0 else e^x - 1"),
        Activation(
            "selu",
            lambda x: SELU_SCALE * _elu(_x(x), SELU_ALPHA),
            lambda x: SELU_SCALE * _elu_derivative(_x(x), SELU_ALPHA),
            "1.0507 * elu(x, alpha=1.6733)",
            max_derivative=SELU_SCALE * SELU_ALPHA,
        ),
        Activation(
            "gelu", lambda x: ops.gelu(x, approximate=False), _gelu_derivative, "x * Phi(x)", max_derivative=1.129
        ),
        Activation(
            "swish", lambda x: _x(x) * ops.sigmoid(x), _swish_derivative, "x * sigmoid(x)", max_derivative=1.0998
        ),
        Activation("softplus", lambda x: ops.softplus(x), lambda x: ops.sigmoid(x), "log(1 + e^x)"),
    ]
}

# The four the source text compares; every figure gives each one its own colour.
MAIN_FOUR = ("sigmoid", "tanh", "relu", "leaky_relu")


def is_user(name: str) -> bool:
    """A user's activation is named by import path, module:function (see user_activations)."""
    return ":" in name


def users_in(names) -> list[str]:
    """The user activations among these names, each once, sorted."""
    return sorted({a for a in names if is_user(a)})


def split(names, default) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(the built-in names given, or `default` when none is; the user's, resolved to module:function@hash).

    A selection is a set: the names come back in one order whatever the order given (the experiment's
    own, then the study's; the user's by name), so `--activations relu,tanh` and `tanh,relu` mean the
    same groups and find the same stored runs.
    """
    users = tuple(sorted({get(a).name for a in names if is_user(a)}))
    order = [*default, *(a for a in ACTIVATIONS if a not in default)]
    given = {a for a in names if not is_user(a)}
    built_in = sorted(given, key=lambda a: (order.index(a), a) if a in order else (len(order), a))
    return tuple(built_in) or tuple(default), users


def get(name: str) -> Activation:
    """A built-in activation, or a user's named by import path (`mypkg.acts:mish`, see user_activations)."""
    if is_user(name):
        return user_activations.resolve(name)
    if name not in ACTIVATIONS:
        raise UnknownChoice(
            f"unknown activation '{name}' (choose from {', '.join(ACTIVATIONS)}, "
            "or name your own as module.path:function)"
        )
    return ACTIVATIONS[name]


def names() -> list[str]:
    return list(ACTIVATIONS)
