"""Objectives: the loss, the output link and the metric that belong to a NetworkSpec.

The network's output layer gives logits. The link turns them into predictions:
sigmoid (binary, one column = P(class 1)), softmax (K classes) or identity
(regression). The loss is the MEAN over the examples of a batch:

    bce    max(z, 0) - z y + log1p(exp(-|z|))            from the logit z, never overflows
    ce     logsumexp(z) - z[y]                            from the logits, max subtracted first
    mse    mean over outputs of (p - t)^2                 no 1/2 factor (PyTorch, Keras)
    mae    mean over outputs of |p - t|
    huber  mean over outputs of 0.5 r^2 if |r| <= 1 else |r| - 0.5   (delta 1)

For regression p is the logit and t the target. For classification with mse, mae
or huber, p is the linked probability and t the label (one-hot for K classes), and
the gradient chains through the link. With K outputs the per-example loss is the
mean over its K outputs, so the batch loss equals PyTorch's mean over all elements.

Metrics: accuracy (P(class 1) > 0.5 for binary, argmax for K classes) or R^2.

Each loss is one file of this package (its maths, formula and tip; see base.py),
discovered into the `LOSSES` registry; `Objective` delegates to it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from engine.errors import SpecError
from engine.losses.base import Loss
from engine.losses.huber import HUBER_DELTA
from engine.losses.links import sigmoid, softmax
from engine.registry import Registry, classes_in_package

if TYPE_CHECKING:  # spec.py reads the loss names from this package
    from engine.spec import NetworkSpec


def _discover() -> list[type[Loss]]:
    return sorted(classes_in_package(__name__, __path__, Loss, "name"), key=lambda c: c.order)


LOSSES: Registry[Loss] = Registry("loss")
for _cls in _discover():  # adding a loss is adding its file to this package
    LOSSES.register(_cls.name, _cls())


def r2_score(pred: np.ndarray, target: np.ndarray) -> float:
    """1 - SS_res / SS_tot. A constant target (SS_tot = 0) gives 1 when fitted exactly, else 0
    (scikit-learn's convention), so the value is always finite."""
    pred = np.asarray(pred, dtype=np.float64).reshape(-1)
    target = np.asarray(target, dtype=np.float64).reshape(-1)
    ss_res = float(np.sum((target - pred) ** 2))
    ss_tot = float(np.sum((target - target.mean()) ** 2)) if target.size else 0.0
    if ss_tot == 0.0:
        return 1.0 if ss_res == 0.0 else 0.0
    return 1.0 - ss_res / ss_tot


class Objective:
    """Loss + link + metric for one task; built by `make_objective(spec)`.

    `logits` are (n, n_outputs). `y` holds integer labels 0..K-1 (classification)
    or float targets, (n,) or (n, 1).
    """

    def __init__(self, loss: str, task: str, n_outputs: int):
        self.name = LOSSES.canonical(loss)
        self.loss = LOSSES.get(self.name)
        self.task = task
        self.n_outputs = n_outputs
        self.metric_name = "r2" if task == "regression" else "accuracy"
        if task == "regression":
            self.link_name = "identity"
        else:
            self.link_name = "sigmoid" if n_outputs == 1 else "softmax"
        if self.loss.link == "sigmoid" and self.link_name != "sigmoid":
            raise SpecError(f"Loss {self.name!r} needs binary classification with one output logit")
        if self.loss.link == "softmax" and self.link_name != "softmax":
            raise SpecError(f"Loss {self.name!r} needs classification with 3 or more output logits")

    def __repr__(self) -> str:
        return f"Objective({self.name!r}, task={self.task!r}, n_outputs={self.n_outputs})"

    # ---- predictions and targets -------------------------------------------------------

    def link(self, logits: np.ndarray) -> np.ndarray:
        """Predictions from logits: sigmoid (n,1) | softmax (n,K) | identity (n,1)."""
        if self.link_name == "sigmoid":
            return sigmoid(logits)
        if self.link_name == "softmax":
            return softmax(logits)
        return logits

    def targets(self, y: np.ndarray) -> np.ndarray:
        """What predictions are compared with: (n, 1) values/labels, or one-hot (n, K)."""
        y = np.asarray(y)
        if self.link_name == "softmax":
            labels = y.reshape(-1)
            return (labels[:, None] == np.arange(self.n_outputs)).astype(np.float64)
        return y.reshape(-1, 1).astype(np.float64, copy=False)

    def prepare(self, y: np.ndarray) -> np.ndarray:
        """`y` in the form this loss works on: (n,) integer labels for ce, else `targets(y)`.

        The trainer prepares its targets once (not every step) and passes them to
        `value_and_grad`; the public `value`, `grad` and `per_example` prepare their own.
        """
        if self.loss.labels:
            return np.asarray(y).reshape(-1)
        return self.targets(y)

    # ---- loss ----------------------------------------------------------------------------

    def per_example(self, logits: np.ndarray, y: np.ndarray) -> np.ndarray:
        """The loss of each example, (n,)."""
        return self._per_example(logits, self.prepare(y))

    def value(self, logits: np.ndarray, y: np.ndarray) -> float:
        """The mean loss over the batch: the number reported as "loss"."""
        return float(self.per_example(logits, y).sum()) / logits.shape[0]

    def grad(self, logits: np.ndarray, y: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """d(mean loss)/d(logits), (n, n_outputs), written into `out`."""
        if out is None:
            out = np.empty_like(logits, dtype=np.float64)
        return self._grad(logits, self.prepare(y), out)

    def value_and_grad(
        self, logits: np.ndarray, t: np.ndarray, out: np.ndarray, work: np.ndarray
    ) -> float:
        """`value` and `grad` in one go, on targets `t` from `prepare`; the gradient goes to `out`.

        The training step's fast path: no conversions, and for bce (the common
        case) no allocation (`work` is scratch shaped like the logits). The numbers
        are bit for bit those of `value` and `grad`.
        """
        return self.loss.value_and_grad(self, logits, t, out, work)

    def _per_example(self, logits: np.ndarray, t: np.ndarray) -> np.ndarray:
        return self.loss.per_example(self, logits, t)

    def _grad(self, logits: np.ndarray, t: np.ndarray, out: np.ndarray) -> np.ndarray:
        return self.loss.grad(self, logits, t, out)

    def residual(self, logits: np.ndarray, t: np.ndarray) -> np.ndarray:
        """prediction - target, (n, n_outputs), from prepared targets."""
        if self.link_name == "identity":
            return logits - t
        return self.link(logits) - t

    def through_link(self, logits: np.ndarray, g: np.ndarray) -> np.ndarray:
        """Chain dL/dp (in g) to dL/dz in place."""
        if self.link_name == "sigmoid":
            p = sigmoid(logits)
            g *= p
            g *= 1.0 - p
        elif self.link_name == "softmax":
            p = softmax(logits)
            # dL/dz_j = p_j (g_j - sum_i g_i p_i)
            g -= np.sum(g * p, axis=1, keepdims=True)
            g *= p
        return g

    # ---- metric --------------------------------------------------------------------------

    def metric(self, predictions: np.ndarray, y: np.ndarray) -> float:
        """Accuracy in [0, 1] for classification, R^2 for regression."""
        y = np.asarray(y)
        if self.task == "regression":
            return r2_score(predictions, y)
        labels = y.reshape(-1)
        if labels.size == 0:
            return float("nan")
        if self.link_name == "sigmoid":
            predicted = (predictions[:, 0] > 0.5).astype(np.int64)
        else:
            predicted = np.argmax(predictions, axis=1)
        return float(np.mean(predicted == labels))

    def evaluate(self, logits: np.ndarray, y: np.ndarray) -> tuple[float, float]:
        """(mean loss, metric) of a whole set in one go."""
        return self.value(logits, y), self.metric(self.link(logits), y)


def losses_for(task: str, n_classes: int) -> tuple[str, ...]:
    """The losses a task takes: its own link's loss first (bce or ce), then the link-free ones."""
    free = tuple(name for name in LOSSES if LOSSES.get(name).link is None)
    if task == "regression":
        return free
    link = "sigmoid" if n_classes == 2 else "softmax"
    return (*(name for name in LOSSES if LOSSES.get(name).link == link), *free)


def make_objective(spec: NetworkSpec) -> Objective:
    """The objective of a network spec: its loss (default: by task), link and metric."""
    return Objective(spec.loss or spec.default_loss(), spec.task, spec.n_outputs)


__all__ = [
    "HUBER_DELTA",
    "LOSSES",
    "Loss",
    "Objective",
    "losses_for",
    "make_objective",
    "r2_score",
    "sigmoid",
    "softmax",
]
