"""elu: z for z > 0, exp(z) - 1 otherwise (alpha 1)."""

import numpy as np

from engine.activations.base import Activation


class ELU(Activation):
    name, order = "elu", 3
    formula = "a = z if z > 0 else exp(z) - 1"
    tip = "Smooth relu variant, exp(z) - 1 below zero"
    script = '''
def elu(z):
    """z for z > 0, exp(z) - 1 otherwise (alpha = 1).

    expm1(min(z, 0)) is 0 for z > 0 and >= z for z <= 0, so the maximum picks
    the right branch; the min keeps exp from overflowing for large z.
    """
    return np.maximum(np.expm1(np.minimum(z, 0.0)), z)
'''

    def forward(self, z, out):
        # expm1(min(z, 0)) is 0 for z > 0 and >= z for z <= 0, so the max picks the branch
        tail = np.minimum(z, 0.0) if out is z else np.minimum(z, 0.0, out=out)
        np.expm1(tail, out=tail)
        return np.maximum(tail, z, out=out)

    def derivative(self, z, a, out, work=None):
        # 1 for z > 0, a + 1 = exp(z) otherwise
        np.minimum(a, 0.0, out=out)
        out += 1.0
        return out

    def onnx(self, g, z):
        # where(z > 0, z, exp(min(z, 0)) - 1); the min keeps exp from overflowing
        negative_part = g.op("Exp", g.op("Min", z, g.scalar("zero", 0.0)))
        negative_part = g.op("Sub", negative_part, g.scalar("one", 1.0))
        return g.op("Where", g.op("Greater", z, g.scalar("zero", 0.0)), z, negative_part)
