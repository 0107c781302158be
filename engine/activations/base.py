"""The activation interface: maths that works in place, plus what it takes to show and export it.

An activation writes into a caller-given buffer (`out=`) so a training step
allocates nothing: `forward(z, out)` computes a = f(z) and `derivative(z, a,
out)` computes da/dz elementwise from both z and a (whichever is cheaper). The
forward passes may be called with `out is z` (prediction works in place); the
derivatives need `out` distinct from z and a. Some derivatives need one more
scratch array: pass `work` (same shape) to avoid allocating it.

Besides its maths each activation carries, in its own file:
    formula            the definition, as the GUI and docs show it
    tip                one sentence for a tooltip
    onnx(g, z)         its ONNX nodes (g: engine/onnx_export.py's graph builder), float64
    script             the `def <name>(z)` of the exported NumPy script, in the same
                       operations and order as `forward`, so the script is bit-identical
    script_constants   module-level constants the script definition uses
    script_needs       other activations the script definition calls
    kind               its family: "relu", "saturating" or "other"
    counted            what the layer statistics count for it: "dead" (units whose
                       output is <= 0 for the whole batch), "tanh" (|a| > 0.99),
                       "sigmoid" (a < 0.01 or a > 0.99) or None
    order              its place in menus and name lists
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np


class Activation:
    """Base: a = f(z) elementwise. Subclasses set the class attributes below."""

    name: ClassVar[str] = ""
    kind: ClassVar[str] = "other"
    counted: ClassVar[str | None] = None
    order: ClassVar[int] = 100
    aliases: ClassVar[tuple[str, ...]] = ()
    formula: ClassVar[str] = ""
    tip: ClassVar[str] = ""
    script: ClassVar[str] = ""
    script_constants: ClassVar[str] = ""
    script_needs: ClassVar[tuple[str, ...]] = ()

    def forward(self, z: np.ndarray, out: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def derivative(
        self, z: np.ndarray, a: np.ndarray, out: np.ndarray, work: np.ndarray | None = None
    ) -> np.ndarray:
        raise NotImplementedError

    def onnx(self, g: Any, z: str) -> str:
        """The name of a = f(z) in the ONNX graph `g` (float64)."""
        raise NotImplementedError

    def __call__(self, z: np.ndarray) -> np.ndarray:
        """f(z) in a new array (convenient outside the hot path)."""
        return self.forward(z, np.empty_like(z, dtype=np.float64))

    def __repr__(self) -> str:
        return f"<activation {self.name}>"


def sigmoid_into(z: np.ndarray, out: np.ndarray) -> np.ndarray:
    """0.5 (1 + tanh(z / 2)): never overflows, unlike 1 / (1 + exp(-z))."""
    np.multiply(z, 0.5, out=out)
    np.tanh(out, out=out)
    out += 1.0
    out *= 0.5
    return out
