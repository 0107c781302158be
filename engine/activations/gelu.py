"""gelu: 0.5 z (1 + tanh(u)), u = sqrt(2/pi) (z + 0.044715 z^3) (the tanh approximation)."""

import math

import numpy as np

from engine.activations.base import Activation

SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
GELU_COEF = 0.044715


class GELU(Activation):
    name, order = "gelu", 7
    formula = "a = 0.5 z (1 + tanh(sqrt(2/pi) (z + 0.044715 z^3)))"
    tip = "Gaussian error linear unit (tanh approximation)"
    script = '''
def gelu(z):
    """GELU, tanh approximation: 0.5 z (1 + tanh(sqrt(2/pi) (z + 0.044715 z^3)))."""
    u = (z * z * z * GELU_COEF + z) * SQRT_2_OVER_PI
    return (np.tanh(u) + 1.0) * z * 0.5
'''
    script_constants = (
        f"GELU_COEF = {GELU_COEF!r}\nSQRT_2_OVER_PI = {SQRT_2_OVER_PI!r}  # sqrt(2 / pi)\n"
    )

    def forward(self, z, out):
        t = np.empty_like(z) if out is z else out
        np.power(z, 3.0, out=t)  # z**3, as the exported script writes it (bit-identical)
        t *= GELU_COEF
        t += z
        t *= SQRT_2_OVER_PI
        np.tanh(t, out=t)
        t += 1.0
        if t is not out:
            np.multiply(t, z, out=out)
        else:
            out *= z
        out *= 0.5
        return out

    def derivative(self, z, a, out, work=None):
        # f' = 0.5 (1 + t) [1 + z (1 - t) du/dz],  du/dz = sqrt(2/pi) (1 + 3 * 0.044715 z^2)
        w = np.empty_like(z) if work is None else work
        np.multiply(z, z, out=out)
        out *= z
        out *= GELU_COEF
        out += z
        out *= SQRT_2_OVER_PI
        np.tanh(out, out=w)  # w = t
        np.subtract(1.0, w, out=w)  # w = 1 - t
        np.multiply(z, z, out=out)
        out *= 3.0 * GELU_COEF
        out += 1.0
        out *= SQRT_2_OVER_PI  # du/dz
        out *= z
        out *= w
        out += 1.0
        w *= -0.5
        w += 1.0  # (1 + t) / 2
        out *= w
        return out

    def onnx(self, g, z):
        cube = g.op("Mul", g.op("Mul", z, z), z)
        inner = g.op("Add", z, g.op("Mul", cube, g.scalar("gelu_coef", GELU_COEF)))
        inner = g.op("Mul", inner, g.scalar("sqrt_2_over_pi", SQRT_2_OVER_PI))
        gate = g.op("Add", g.op("Tanh", inner), g.scalar("one", 1.0))
        return g.op("Mul", g.op("Mul", z, g.scalar("half", 0.5)), gate)
