"""The loss and its gradient for K stacked networks' logits (K, b, outputs).

Binary cross-entropy (the common case) has a stacked path: the very calls of
`BCE.value_and_grad` on the whole stack, each member's mean taken over its own
rows, so every member gets its own network's numbers. Any other loss runs its
own `value_and_grad` once per member on that member's (contiguous) slice: exact
by construction, K calls instead of one.
"""

from __future__ import annotations

import numpy as np

from engine.losses import Objective
from engine.losses.bce import BCE
from engine.losses.links import sigmoid


def stacked_value_and_grad(
    obj: Objective,
    logits: np.ndarray,
    t: np.ndarray,
    out: np.ndarray,
    work: np.ndarray,
    shared: bool,
) -> np.ndarray:
    """Each member's mean loss (K,); d(its mean loss)/d(its logits) into `out` (K, b, o).

    `t` holds the targets in the loss's prepared form, one set per member
    (K, b, ...), or with `shared` one set for every member (b, ...).
    """
    k, b = logits.shape[0], logits.shape[1]
    if type(obj.loss) is BCE:
        loss = np.logaddexp(0.0, logits, out=work)  # as BCE.value_and_grad, on the stack
        loss -= np.multiply(logits, t, out=out)
        sums = loss.reshape(k, b).sum(axis=1)
        values = (sums if sums.dtype == np.float64 else sums.astype(np.float64)) / b  # float()/b
        sigmoid(logits, out=out)
        out -= t
        out *= 1.0 / b
        return values
    values = np.empty(k)  # float64, as the Trainer's Python float
    for i in range(k):
        values[i] = obj.value_and_grad(logits[i], t if shared else t[i], out[i], work[i])
    return values
