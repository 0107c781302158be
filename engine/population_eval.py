"""`Trainer.evaluate` for many members of a population at once.

A member's evaluation is its lone Trainer's: the logits of the whole train and
test sets (no dropout), then the mean loss and the metric. For binary
cross-entropy (the common case) and sets that fit in one evaluation chunk, the
members' logits come from one stacked forward (the same BLAS call per member as
`Dense.evaluate`, then the same elementwise steps) and the loss and accuracy
from one pass over the stack, in the operations `BCE.per_example` and
`Objective.metric` use, so the numbers are the Trainer's. Any other loss, or a
bigger set, evaluates member by member through `Network.logits_of_features`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from engine.losses.bce import BCE
from engine.losses.links import sigmoid
from engine.network import PREDICT_CHUNK, Network
from engine.trainer import EVAL_CHUNK, Evaluation

if TYPE_CHECKING:
    from engine.population import PopulationTrainer


def evaluate_members(pop: PopulationTrainer, members: list[int]) -> list[Evaluation]:
    """The `Trainer.evaluate()` of each of `members` (current or last weights)."""
    if not members:
        return []
    flats = np.stack([pop.member_flat(m) for m in members])
    d, name = pop.data, pop.objective.metric_name
    train = _set(pop, flats, pop._F, d.y_train)
    test = [(None, None)] * len(members)
    if pop._F_test is not None:
        test = _set(pop, flats, pop._F_test, d.y_test)
    return [Evaluation(*a, *b, name) for a, b in zip(train, test, strict=True)]


def _set(pop, flats: np.ndarray, F: np.ndarray, y: np.ndarray) -> list[tuple[float, float]]:
    obj = pop.objective
    if type(obj.loss) is not BCE or len(F) > min(EVAL_CHUNK, PREDICT_CHUNK):
        out = []
        for flat in flats:
            net = pop._template.copy()
            net.flat[...] = flat
            out.append(eval_set(net, F, y))
        return out
    logits = _stacked_logits(pop, flats, F)
    with np.errstate(all="ignore"):
        z = logits[:, :, 0]  # BCE.per_example, on every member's column
        per_example = np.logaddexp(0.0, z)
        per_example -= z * obj.targets(y)[:, 0]
        losses = per_example.sum(axis=1).astype(np.float64) / len(F)  # float(sum) / n
        labels = np.asarray(y).reshape(-1)  # Objective.metric: P(class 1) > 0.5
        predicted = (sigmoid(logits)[:, :, 0] > 0.5).astype(np.int64)
        accuracy = np.mean(predicted == labels, axis=1)
    return [(float(a), float(b)) for a, b in zip(losses, accuracy, strict=True)]


def _stacked_logits(pop, flats: np.ndarray, F: np.ndarray) -> np.ndarray:
    """`Network.logits_of_features` of every row of `flats` (one chunk: len(F) <= 1024)."""
    a, m = F, len(flats)
    for layer, start in zip(pop._template.layers, pop._offsets[::2], strict=True):
        o, i = layer.n_out, layer.n_in
        w = flats[:, start : start + o * i].reshape(m, o, i)
        z = np.matmul(a, w.transpose(0, 2, 1))
        z += flats[:, start + o * i : start + o * i + o][:, None, :]
        a = layer.activation.forward(z, z)
    return a


def eval_set(net: Network, F: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """`Trainer._eval_set`: the logits in chunks of EVAL_CHUNK rows, then loss and metric."""
    obj = net.objective
    if len(F) <= EVAL_CHUNK:
        logits = net.logits_of_features(F)
    else:
        parts = [
            net.logits_of_features(F[s : s + EVAL_CHUNK]) for s in range(0, len(F), EVAL_CHUNK)
        ]
        logits = np.concatenate(parts)
    with np.errstate(all="ignore"):
        return float(obj.value(logits, y)), float(obj.metric(obj.link(logits), y))
