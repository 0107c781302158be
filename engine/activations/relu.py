"""relu: max(z, 0)."""

import numpy as np

from engine.activations.base import Activation


class ReLU(Activation):
    name, kind, order = "relu", "relu", 1
    counted = "dead"  # the layer statistics' dead / saturated fraction
    formula = "a = max(z, 0)"
    tip = "max(0, z): fast, but units can die (output 0 for every input)"
    script = '''
def relu(z):
    """max(z, 0)."""
    return np.maximum(z, 0.0)
'''

    def forward(self, z, out):
        return np.maximum(z, 0.0, out=out)

    def derivative(self, z, a, out, work=None):
        # 1 where z > 0, else 0 (PyTorch's choice at the kink); a = max(z, 0) is >= 0
        return np.sign(a, out=out)

    def onnx(self, g, z):
        return g.op("Relu", z)
