"""The loss interface: its maths on prepared targets, plus its formula and tip.

A loss is one file of this package holding one `Loss` subclass. It works on the
logits and on targets `t` as `Objective.prepare` makes them (integer labels for
a loss with `labels = True`, else `Objective.targets`: (n, 1) values or one-hot
(n, K)). Both methods give the MEAN over the batch's examples (the gradient
already carries the 1/n).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np

if TYPE_CHECKING:
    from engine.losses import Objective


class Loss:
    """Base of every loss. Subclasses set the class attributes and the two methods."""

    name: ClassVar[str] = ""
    order: ClassVar[int] = 100  # place in menus and name lists
    formula: ClassVar[str] = ""
    tip: ClassVar[str] = ""
    link: ClassVar[str | None] = None  # the output link it needs ("sigmoid", "softmax"), if any
    labels: ClassVar[bool] = False  # True: works on integer labels instead of `targets`

    def per_example(self, obj: Objective, logits: np.ndarray, t: np.ndarray) -> np.ndarray:
        """The loss of each example, (n,)."""
        raise NotImplementedError

    def grad(self, obj: Objective, logits: np.ndarray, t: np.ndarray, out: np.ndarray):
        """d(mean loss)/d(logits) into `out`, (n, n_outputs)."""
        raise NotImplementedError

    def value_and_grad(self, obj: Objective, logits, t, out, work) -> float:
        """The mean loss, and its gradient into `out` (`work`: scratch shaped like the logits)."""
        value = float(self.per_example(obj, logits, t).sum()) / logits.shape[0]
        self.grad(obj, logits, t, out)
        return value

    def __repr__(self) -> str:
        return f"<loss {self.name}>"


class ResidualLoss(Loss):
    """A loss of the residual r = prediction - target, averaged over the outputs.

    For regression the prediction is the logit; for classification the linked
    probability (the gradient then chains through the link).
    """

    def elementwise(self, r: np.ndarray) -> np.ndarray:
        """The loss of each entry of r (may overwrite r)."""
        raise NotImplementedError

    def elementwise_grad(self, r: np.ndarray, scale: float, out: np.ndarray) -> None:
        """scale * d(loss)/dr into `out`."""
        raise NotImplementedError

    def per_example(self, obj, logits, t):
        e = self.elementwise(obj.residual(logits, t))
        return e[:, 0] if e.shape[1] == 1 else e.sum(axis=1) / e.shape[1]

    def grad(self, obj, logits, t, out):
        r = obj.residual(logits, t)
        self.elementwise_grad(r, 1.0 / (logits.shape[0] * obj.n_outputs), out)
        return obj.through_link(logits, out)
