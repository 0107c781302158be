"""The L1 and L2 penalty terms of the gradient: one place for the trainer and the inspector.

L2 here is coupled weight decay (added to the gradient, so adaptive optimizers
rescale it); an optimizer with decoupled decay (AdamW) decays the weights itself,
so its L2 term is zero. Only the weights the network's decay mask selects (not
the biases) are penalised.
"""

from __future__ import annotations

import numpy as np

from engine.optimizers import OPTIMIZERS
from engine.spec import TrainConfig


def penalty_strengths(config: TrainConfig) -> tuple[float, float]:
    """(l1, l2) as added to the gradient under `config` (l2 is 0 with decoupled decay)."""
    decoupled = OPTIMIZERS.get(config.optimizer).decoupled_decay
    return float(config.l1), 0.0 if decoupled else float(config.l2)


def add_penalties(
    g: np.ndarray, flat: np.ndarray, maskf: np.ndarray, l1: float, l2: float, tmp: np.ndarray
) -> None:
    """g += l2 * mask * flat + l1 * mask * sign(flat), in place (`tmp`: scratch of g's size)."""
    if l2:
        np.multiply(flat, maskf, out=tmp)
        tmp *= l2
        g += tmp
    if l1:
        np.sign(flat, out=tmp)
        tmp *= maskf
        tmp *= l1
        g += tmp
