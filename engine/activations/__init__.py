"""Activation functions: a name-keyed registry, one file per activation.

Each module of this package defines one `Activation` subclass holding its maths,
formula, tooltip, ONNX nodes and NumPy-script source (see base.py). The registry
is filled by importing every module of the package, in the order of their
`order` attribute; a duplicate name or alias is refused. Adding an activation is
adding one file here.

Constants follow PyTorch's defaults: leaky_relu slope 0.01, elu alpha 1, gelu the
tanh approximation.
"""

from __future__ import annotations

from engine.activations.base import Activation
from engine.activations.gelu import GELU_COEF, SQRT_2_OVER_PI
from engine.activations.leaky_relu import LEAKY_SLOPE
from engine.registry import Registry, classes_in_package


def _discover() -> list[type[Activation]]:
    return sorted(
        classes_in_package(__name__, __path__, Activation, "name"),
        key=lambda cls: (cls.order, cls.name),
    )


ACTIVATIONS: Registry[Activation] = Registry("activation")
for _cls in _discover():
    ACTIVATIONS.register(_cls.name, _cls(), aliases=_cls.aliases)
    globals()[_cls.__name__] = _cls  # Tanh, ReLU, ... importable from the package


def get_activation(name: str) -> Activation:
    """The activation called `name` (or an alias such as "silu"); SpecError if unknown."""
    return ACTIVATIONS.get(name)


__all__ = [
    "ACTIVATIONS",
    "GELU_COEF",
    "LEAKY_SLOPE",
    "SQRT_2_OVER_PI",
    "Activation",
    "get_activation",
]
