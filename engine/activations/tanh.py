"""tanh: the hyperbolic tangent, in (-1, 1)."""

import numpy as np

from engine.activations.base import Activation


class Tanh(Activation):
    name, kind, order = "tanh", "saturating", 4
    counted = "tanh"  # the layer statistics' dead / saturated fraction
    formula = "a = tanh(z)"
    tip = "Smooth, zero-centred, saturates at -1 and 1"
    script = '''
def tanh(z):
    """Hyperbolic tangent, in (-1, 1)."""
    return np.tanh(z)
'''

    def forward(self, z, out):
        return np.tanh(z, out=out)

    def derivative(self, z, a, out, work=None):
        np.multiply(a, a, out=out)
        return np.subtract(1.0, out, out=out)

    def onnx(self, g, z):
        return g.op("Tanh", z)
