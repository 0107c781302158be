"""leaky_relu: z for z > 0, 0.01 z otherwise (PyTorch's default slope)."""

import numpy as np

from engine.activations.base import Activation

LEAKY_SLOPE = 0.01


class LeakyReLU(Activation):
    name, kind, order = "leaky_relu", "relu", 2
    counted = "dead"  # the layer statistics' dead / saturated fraction
    formula = "a = z if z > 0 else 0.01 z"
    tip = "Like relu with slope 0.01 below zero, so units do not die"
    script = '''
def leaky_relu(z):
    """z for z > 0, LEAKY_SLOPE * z otherwise."""
    return np.where(z > 0.0, z, z * LEAKY_SLOPE)
'''
    script_constants = f"LEAKY_SLOPE = {LEAKY_SLOPE!r}\n"

    def forward(self, z, out):
        # max(z, 0.01 z) equals where(z > 0, z, 0.01 z) exactly
        if out is z:
            return np.multiply(z, LEAKY_SLOPE, out=out, where=z < 0.0)
        np.multiply(z, LEAKY_SLOPE, out=out)
        return np.maximum(out, z, out=out)

    def derivative(self, z, a, out, work=None):
        np.greater(z, 0.0, out=out)
        out *= 1.0 - LEAKY_SLOPE
        out += LEAKY_SLOPE
        return out

    def onnx(self, g, z):
        # where(z > 0, z, 0.01 z), written out because older runtimes lack a float64 LeakyRelu
        positive = g.op("Greater", z, g.scalar("zero", 0.0))
        return g.op("Where", positive, z, g.op("Mul", z, g.scalar("leaky_slope", LEAKY_SLOPE)))
