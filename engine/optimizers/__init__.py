"""Optimizers: one per module, each with its update rule, formula and tip; discovered.

All of them work on the network's one flat parameter vector; see base.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from engine.optimizers.adagrad import Adagrad
from engine.optimizers.adam import Adam
from engine.optimizers.adamw import AdamW
from engine.optimizers.base import Optimizer
from engine.optimizers.clipping import clip_global_norm, global_norm
from engine.optimizers.momentum import Momentum
from engine.optimizers.nesterov import Nesterov
from engine.optimizers.rmsprop import RMSprop
from engine.optimizers.sgd import SGD
from engine.registry import Registry, classes_in_package

if TYPE_CHECKING:  # spec.py reads the optimizer names from this package
    from engine.spec import TrainConfig


def _discover() -> list[type[Optimizer]]:
    return sorted(
        classes_in_package(__name__, __path__, Optimizer, "name"),
        key=lambda cls: (cls.order, cls.name),
    )


OPTIMIZERS: Registry[type[Optimizer]] = Registry("optimizer")
for _cls in _discover():  # adding an optimizer is adding its file to this package
    OPTIMIZERS.register(_cls.name, _cls)


def make_optimizer(config: TrainConfig, size: int, decay_mask: np.ndarray) -> Optimizer:
    """A fresh optimizer named by `config.optimizer` for `size` parameters.

    `decay_mask` is True on the entries that are weights (decayed by AdamW) and
    False on biases.
    """
    return OPTIMIZERS.get(config.optimizer)(config, size, decay_mask)


__all__ = [
    "OPTIMIZERS",
    "SGD",
    "Adagrad",
    "Adam",
    "AdamW",
    "Momentum",
    "Nesterov",
    "Optimizer",
    "RMSprop",
    "clip_global_norm",
    "global_norm",
    "make_optimizer",
]
