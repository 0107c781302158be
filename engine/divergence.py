"""When a training step has diverged, and where: the rule and the names in its message.

A NaN or Inf in the loss, an activation, a gradient, an update or a new weight
is divergence; so is an exploding loss while still finite: a minibatch loss
above EXPLODING_LOSS_FACTOR x max(the first loss the trainer computed,
EXPLODING_LOSS_FLOOR). The floor keeps a small starting loss (a trained network)
from making ordinary noise look like divergence. The trainer checks cheaply on
every step (one comparison, one sum); these functions find what to name only
once something failed.
"""

from __future__ import annotations

import math

import numpy as np

from engine.errors import DivergenceError

EXPLODING_LOSS_FACTOR = 1e3
EXPLODING_LOSS_FLOOR = 1.0
NO_LOSS_LIMIT = float(np.finfo(np.float64).max)  # before the first loss: only NaN/Inf fail


def loss_limit(first_loss: float) -> float:
    """The largest minibatch loss that is not an explosion, given the first loss."""
    return EXPLODING_LOSS_FACTOR * max(first_loss, EXPLODING_LOSS_FLOOR)


def loss_divergence(
    post: list[np.ndarray], step: int, loss: float, first_loss: float | None
) -> DivergenceError:
    """The error for a loss above its limit: a non-finite activation, loss, or an explosion."""
    for k, a in enumerate(post):
        if not np.isfinite(a).all():
            return DivergenceError(step, k, "activation")
    if not math.isfinite(loss):
        return DivergenceError(step, None, "loss")
    return DivergenceError(
        step,
        None,
        "exploding loss",
        detail=f"the loss exploded to {loss:.4g}, more than "
        f"{EXPLODING_LOSS_FACTOR:g} x max(the first loss {first_loss:.4g}, "
        f"{EXPLODING_LOSS_FLOOR:g})",
    )


def check_finite(offsets: np.ndarray, step: int, vec: np.ndarray, what: str, names=None) -> None:
    """Raise naming the first tensor of `vec` with a NaN or Inf (squares may just overflow).

    `offsets` are the tensors' starts in the flat vector; `names` their file keys
    (layers.{k}.weight, layers.{k}.bn.weight, ...). Without names the tensors are
    taken as (W0, b0, W1, b1, ...) pairs.
    """
    bounds = [*offsets.tolist(), vec.size]
    for t in range(len(bounds) - 1):
        if not np.isfinite(vec[bounds[t] : bounds[t + 1]]).all():
            if names is None:
                layer, kind = t // 2, "weight" if t % 2 == 0 else "bias"
            else:
                _, k, kind = names[t].split(".", 2)  # layers.{k}.<local name>
                layer = int(k)
            raise DivergenceError(step, layer, f"{kind} {what}".strip())
