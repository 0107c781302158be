"""Gradient clipping by the global norm of the whole flat gradient vector."""

from __future__ import annotations

import math

import numpy as np


def global_norm(grads_flat: np.ndarray) -> float:
    """The Euclidean norm, still finite when the squares overflow but the entries do not."""
    with np.errstate(over="ignore", invalid="ignore"):
        norm = math.sqrt(float(np.dot(grads_flat, grads_flat)))
    if math.isinf(norm) and grads_flat.size:
        scale = float(np.max(np.abs(grads_flat)))
        if math.isfinite(scale):
            scaled = grads_flat / scale
            norm = scale * math.sqrt(float(np.dot(scaled, scaled)))
    return norm


def clip_global_norm(grads_flat: np.ndarray, max_norm: float) -> float:
    """Scale `grads_flat` in place so its norm is at most `max_norm`; return the norm before.

    `max_norm <= 0` switches clipping off (the norm is still returned). A NaN or
    infinite gradient is left as it is so the trainer's finiteness check reports it.
    """
    norm = global_norm(grads_flat)
    if max_norm > 0.0 and math.isfinite(norm) and norm > max_norm:
        grads_flat *= max_norm / norm
    return norm
