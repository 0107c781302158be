"""bce: binary cross-entropy from one logit z, computed so it never overflows."""

import numpy as np

from engine.losses.base import Loss
from engine.losses.links import sigmoid


class BCE(Loss):
    name, order, link = "bce", 3, "sigmoid"
    formula = "max(z, 0) - z y + log(1 + exp(-|z|))"
    tip = "Binary cross-entropy on the sigmoid output (two classes)"

    def per_example(self, obj, logits, t):
        # logaddexp(0, z) is softplus(z) = max(z, 0) + log1p(exp(-|z|)), computed that way
        z = logits[:, 0]
        e = np.logaddexp(0.0, z)
        e -= z * t[:, 0]
        return e

    def grad(self, obj, logits, t, out):
        # sigmoid(z) - y, over n
        sigmoid(logits, out=out)
        out -= t
        out *= 1.0 / logits.shape[0]
        return out

    def value_and_grad(self, obj, logits, t, out, work):
        """The training step's fast path: no allocation; the numbers of per_example and grad."""
        loss = np.logaddexp(0.0, logits, out=work)  # per-example loss, as in per_example
        loss -= np.multiply(logits, t, out=out)  # `out` is scratch until the gradient
        n = logits.shape[0]
        value = float(np.add.reduce(loss, axis=None)) / n  # loss.sum(), called direct
        # grad's (and sigmoid's) operations, inline: two Python calls fewer per step
        np.multiply(logits, 0.5, out=out)
        np.tanh(out, out=out)
        out += 1.0
        out *= 0.5
        out -= t
        out *= 1.0 / n
        return value
