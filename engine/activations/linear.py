"""linear: the identity; a layer without a non-linearity (the output layer's logits)."""

import numpy as np

from engine.activations.base import Activation


class Linear(Activation):
    name, order = "linear", 0
    formula = "a = z"
    tip = "No non-linearity: stacked linear layers stay linear"
    script = '''
def linear(z):
    """Identity: a = z."""
    return z
'''

    def forward(self, z, out):
        if out is not z:
            np.copyto(out, z)
        return out

    def derivative(self, z, a, out, work=None):
        out.fill(1.0)
        return out

    def onnx(self, g, z):
        return z
