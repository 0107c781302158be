"""ce: softmax cross-entropy from K logits, the row maximum subtracted first."""

import numpy as np

from engine.losses.base import Loss


class CrossEntropy(Loss):
    name, order, link, labels = "ce", 4, "softmax", True
    formula = "logsumexp(z) - z[y]"
    tip = "Cross-entropy on the softmax output (three or more classes)"

    def per_example(self, obj, logits, t):
        m = logits.max(axis=1, keepdims=True)
        lse = np.log(np.exp(logits - m).sum(axis=1))
        lse += m[:, 0]
        lse -= logits[np.arange(logits.shape[0]), t]
        return lse

    def grad(self, obj, logits, t, out):
        # softmax(z) - onehot(y), over n
        n = logits.shape[0]
        np.subtract(logits, logits.max(axis=1, keepdims=True), out=out)
        np.exp(out, out=out)
        out /= out.sum(axis=1, keepdims=True)
        out[np.arange(n), t] -= 1.0
        out *= 1.0 / n
        return out
