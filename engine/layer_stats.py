"""The per-layer statistics of a training step (`LayerStats`), computed only when asked for.

A tiny step costs ~20 us and these statistics another ~25 us, so the trainer
computes them for `step()` and for the steps the runner publishes, never in
`run_steps`. Every norm is one `np.add.reduceat` over the trainer's squared
gradient, update and weights laid end to end; every activation statistic one
pass over the network's activation block.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from engine.trainer import Trainer


@dataclass(frozen=True)
class LayerStats:
    """Statistics of one dense layer after a step.

    Gradient norms are those of the data loss (before L1/L2 penalties and clipping),
    which is what shows vanishing and exploding gradients. `weight_norm` and
    `update_ratio` use the weights after the step.
    """

    weight_grad_norm: float
    bias_grad_norm: float
    weight_norm: float
    update_ratio: float
    act_mean: float
    act_std: float
    dead_fraction: float
    saturated_fraction: float


def layer_stats_of(trainer: Trainer, upd: np.ndarray) -> tuple[LayerStats, ...]:
    """Per dense layer, the statistics of the trainer's last step (`upd`: its update)."""
    net = trainer.network
    trainer._grad_square_sums()  # sq[:p]: the step's squared data gradient
    p, sq = net.flat.size, trainer._sq
    np.multiply(upd, upd, out=sq[p : 2 * p])
    np.multiply(net.flat, net.flat, out=sq[2 * p :])
    norms = np.sqrt(np.add.reduceat(sq, trainer._sq_offsets)).tolist()
    t = len(trainer._offsets)  # tensors per group (dense: W0, b0, W1, b1, ...)
    gn, un, wn = norms[:t], norms[t : 2 * t], norms[2 * t :]
    # activations: every layer's output sits in one block, so each statistic is
    # one pass over the block and one `reduceat` over the layers' starts
    block, starts = net.act_block, net.act_offsets
    bufs = trainer._stat_buffers.get(block.size)
    if bufs is None:
        bufs = trainer._stat_buffers[block.size] = (np.empty(block.size), np.empty(block.size))
    scratch, flags = bufs  # flags are 0.0 / 1.0, so `reduceat` counts them
    sums = np.add.reduceat(block, starts).tolist()
    sumsq = np.add.reduceat(np.multiply(block, block, out=scratch), starts).tolist()
    saturated = {}
    if trainer._count_tanh:  # |a| > 0.99
        np.greater(np.abs(block, out=scratch), 0.99, out=flags)
        saturated["tanh"] = np.add.reduceat(flags, starts).tolist()
    if trainer._count_sigmoid:  # a < 0.01 or a > 0.99
        np.less(block, 0.01, out=flags)
        low = np.add.reduceat(flags, starts)
        np.greater(block, 0.99, out=flags)
        saturated["sigmoid"] = (low + np.add.reduceat(flags, starts)).tolist()
    stats = []
    for k, (a, count) in enumerate(zip(net.post, trainer._counts, strict=True)):
        size = a.size
        mean = sums[k] / size
        var = sumsq[k] / size - mean * mean
        dead = sat = 0.0
        if count == "dead":  # units whose output is <= 0 for every example
            dead = np.count_nonzero(a.max(axis=0) <= 0.0) / a.shape[1]
        elif count is not None:
            sat = saturated[count][k] / size
        wi = trainer._weight_at[k]
        w = wn[wi]
        ratio = un[wi] / w if w > 0.0 else 0.0
        std = math.sqrt(var) if var > 0.0 else 0.0
        gw, gb = gn[wi], gn[trainer._bias_at[k]]
        stats.append(LayerStats(gw, gb, w, ratio, mean, std, dead, sat))
    return tuple(stats)
