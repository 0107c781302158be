"""One training step, recorded phase by phase, for the backprop inspector.

The step is the trainer's own (`Trainer.step()`, or `Trainer.step_rows()` for a
chosen example), so weights, optimizer state and counters end bit for bit as
after an ordinary step; this module only copies what the step left behind:

    forward   per dense layer k: its input (after dropout), z = a_in @ W.T + b, a = f(z)
    loss      the logits, the loss of every example and their mean
    backward  per layer the deltas dL/dz (of the MEAN loss), dL/dW, dL/db
    update    L2/L1 terms, clipping, the optimizer's update and the new weights

The phases are views of one computed step. `inspect_step(..., apply=False)`
previews it: the step runs on a twin of the trainer (same weights, optimizer
state, counters and random generators), so the trainer itself is untouched and a
later `inspect_step(..., apply=True)` computes exactly the previewed numbers.
`explain_weight` spells out one weight's gradient as the chain-rule sum over the
batch and its update under the optimizer, with the numbers. Qt-free.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.errors import SpecError
from engine.optimizers import clip_global_norm, make_optimizer
from engine.penalties import add_penalties, penalty_strengths
from engine.spec import TrainConfig
from engine.trainer import StepReport, Trainer

PHASES = ("forward", "loss", "backward", "update")


@dataclass(frozen=True)
class InspectedStep:
    """Every intermediate of one step (applied or previewed); copies (n = batch size)."""

    step: int  # the number of this step (the counter after it)
    epoch: int  # the epoch the batch belongs to
    single: bool  # a step on one chosen example (the epoch position did not move)
    rows: np.ndarray  # (n,) training-set row of each example of the batch
    X: np.ndarray  # (n, input_dim) raw inputs
    y: np.ndarray  # (n,) labels or targets
    layer_inputs: tuple[np.ndarray, ...]  # per layer: its input a_in (after dropout)
    z: tuple[np.ndarray, ...]  # per layer (n, out): pre-activations
    a: tuple[np.ndarray, ...]  # per layer (n, out): activations (before dropout); a[-1] logits
    masks: tuple[np.ndarray | None, ...]  # per hidden layer: scaled dropout mask or None
    activations: tuple[str, ...]  # per layer: activation name ("linear" for the output)
    per_example_loss: np.ndarray  # (n,)
    loss: float  # the mean, as the trainer computed it
    loss_name: str
    deltas: tuple[np.ndarray, ...]  # per layer (n, out): dL/dz of the mean loss
    grad_W: tuple[np.ndarray, ...]  # data-loss gradients (before penalties and clipping)
    grad_b: tuple[np.ndarray, ...]
    final_grad_W: tuple[np.ndarray, ...]  # what the optimizer received
    final_grad_b: tuple[np.ndarray, ...]
    grad_norm: float  # global norm after penalties, before clipping
    clip_scale: float  # 1.0 when clipping did nothing
    update_W: tuple[np.ndarray, ...]
    update_b: tuple[np.ndarray, ...]
    old_W: tuple[np.ndarray, ...]
    old_b: tuple[np.ndarray, ...]
    new_W: tuple[np.ndarray, ...]
    new_b: tuple[np.ndarray, ...]
    config: TrainConfig
    optimizer: str
    optimizer_step: int  # the optimizer's step count after this step (Adam's t)
    state_before: dict[str, np.ndarray]  # optimizer state vectors (flat layout) before
    state_after: dict[str, np.ndarray]
    offsets: tuple[int, ...]  # start of every tensor (dense: W0, b0, W1, b1, ...), flat layout
    decay_mask: np.ndarray  # True for weights (penalised), False for biases
    weight_tensors: tuple[int, ...] = ()  # per layer, the index of its weight in `offsets`
    lr: float = math.nan  # the rate the step used (the schedule's; NaN: config.lr)
    old_params: np.ndarray | None = None  # every tensor before the step, flat layout

    @property
    def batch_size(self) -> int:
        return int(self.rows.size)

    @property
    def n_layers(self) -> int:
        return len(self.z)

    def flat_index(self, layer: int, i: int, j: int) -> int:
        """Position of W[layer][i, j] in the flat parameter vector."""
        start = self.offsets[self.weight_tensors[layer]] if self.weight_tensors else None
        start = self.offsets[2 * layer] if start is None else start
        return int(start) + i * self.old_W[layer].shape[1] + j


@dataclass(frozen=True)
class WeightExplanation:
    """W[layer][i, j] (i receiving unit, j sending unit): its gradient and update, as numbers."""

    layer: int
    i: int
    j: int
    rows: np.ndarray  # (n,) training rows
    delta: np.ndarray  # (n,) dloss_n/dz_i: each example's own delta (n * the mean's delta)
    a_in: np.ndarray  # (n,) the sending unit's value a_j for each example
    terms: np.ndarray  # (n,) delta * a_in
    chain_sum: float  # mean of the terms: dL/dW by the chain rule
    backprop: float  # dL/dW from the step's backward pass
    l2_term: float  # l2 * w (0 without L2, or for AdamW, which decays in its update)
    l1_term: float  # l1 * sign(w)
    clip_scale: float
    gradient: float  # what the optimizer received
    weight: float  # before the step
    optimizer: str
    formula: str  # the update rule, in words and symbols
    quantities: tuple[tuple[str, float], ...]  # the rule's values, in order
    update: float  # recomputed from the rule with the optimizer's state before the step
    applied: float  # the step's actual update of this weight
    new_weight: float


def _split(flat: np.ndarray, net) -> tuple[tuple, tuple]:
    """Copies of each layer's weight and bias out of a vector in the flat layout."""
    ends = [*net.offsets[1:], flat.size]
    shapes = net.tensor_shapes
    parts = [
        flat[s:e].reshape(shape).copy()
        for s, e, shape in zip(net.offsets, ends, shapes, strict=True)
    ]
    return tuple(parts[i] for i in net.weight_tensor), tuple(parts[i] for i in net.bias_tensor)


def twin(trainer: Trainer) -> Trainer:
    """An independent trainer in the same state: its next step is bit for bit the same."""
    clone = Trainer(trainer.spec, trainer.config, trainer.data, network=trainer.network.copy())
    clone.load_state_dict(trainer.state_dict())
    return clone


def inspect_step(trainer: Trainer, row: int | None = None, apply: bool = True) -> InspectedStep:
    """Run one step (the next minibatch, or training row `row` alone) and record it.

    `apply=False` runs it on a `twin`, leaving `trainer` as it was (a preview).
    Raises what `Trainer.step` raises (`DivergenceError` leaves everything untouched).
    """
    if row is not None and (isinstance(row, bool) or not isinstance(row, int | np.integer)):
        raise SpecError(f"Expected a training row index (an integer); received {row!r}")
    if not apply:
        trainer = twin(trainer)
    net = trainer.network
    cursor, epoch = trainer._cursor, trainer.epoch  # where the ordinary batch starts
    old = net.flat.copy()
    state_before = trainer.optimizer.state_dict()
    if row is None:
        report: StepReport = trainer.step()
        perm = trainer._perm  # drawn by the step when it began an epoch
        rows = (
            np.arange(trainer.n_train)
            if perm is None
            else perm[cursor : cursor + report.batch_size]
        )
    else:
        rows = np.asarray([int(row)], dtype=np.intp)
        report = trainer.step_rows(rows)
    rows = np.array(rows, dtype=np.intp)
    b = rows.size
    n_layers = net.n_layers
    deltas = tuple(np.array(d) for d in net.deltas)
    inputs = tuple(np.array(x) for x in net.inputs)
    ones = np.ones(b)
    # the data gradient, by the same calls as Network.backward (bit for bit its values)
    grad_W = tuple(np.dot(deltas[k].T, inputs[k]) for k in range(n_layers))
    grad_b = tuple(np.dot(ones, deltas[k]) for k in range(n_layers))
    data_flat = _data_gradient(net, grad_W, grad_b)
    config = trainer.config
    pre_clip = _penalised(data_flat, old, net.decay_mask, config)
    norm = clip_global_norm(pre_clip.copy(), 0.0)
    clip = float(config.clip_norm)
    scale = clip / norm if clip > 0.0 and math.isfinite(norm) and norm > clip else 1.0
    offsets = tuple(int(o) for o in net.offsets)
    final_W, final_b = _split(net.flat_grad, net)
    upd_W, upd_b = _split(trainer.optimizer.updates, net)
    old_W, old_b = _split(old, net)
    new_W, new_b = _split(net.flat, net)
    X = trainer.data.X_train[rows]
    y = np.asarray(trainer.data.y_train)[rows]
    logits = np.array(net.post[-1])
    after = trainer.optimizer.state_dict()
    return InspectedStep(
        step=report.step,
        epoch=epoch,
        single=row is not None,
        rows=rows,
        X=np.array(X),
        y=np.array(y),
        layer_inputs=inputs,
        z=tuple(np.array(z) for z in net.pre),
        a=tuple(np.array(a) for a in net.post),
        masks=tuple(None if m is None else np.array(m) for m in net.masks),
        activations=tuple(act.name for act in net.activations),
        per_example_loss=np.asarray(net.objective.per_example(logits, y), dtype=np.float64),
        loss=float(report.loss),
        loss_name=net.objective.name,
        deltas=deltas,
        grad_W=grad_W,
        grad_b=grad_b,
        final_grad_W=final_W,
        final_grad_b=final_b,
        grad_norm=float(norm),
        clip_scale=float(scale),
        update_W=upd_W,
        update_b=upd_b,
        old_W=old_W,
        old_b=old_b,
        new_W=new_W,
        new_b=new_b,
        config=config,
        optimizer=trainer.optimizer.name,
        optimizer_step=int(after.pop("step")),
        state_before={k: v for k, v in state_before.items() if k != "step"},
        state_after=after,
        offsets=offsets,
        decay_mask=net.decay_mask.copy(),
        weight_tensors=tuple(net.weight_tensor),
        lr=float(report.lr),
        old_params=old,
    )


def _data_gradient(net, grad_W, grad_b) -> np.ndarray:
    """The step's data gradient in the flat layout: the recomputed dL/dW and dL/db of each
    layer, and the other tensors' as the layer kept them (batch norm, shortcuts)."""
    parts = []
    for name in net.tensor_names:
        k, _, local = name.removeprefix("layers.").partition(".")
        layer = net.layers[int(k)]
        if local == "weight":
            parts.append(grad_W[layer.index].ravel())
        elif local == "bias":
            parts.append(grad_b[layer.index].ravel())
        else:  # buffers (running statistics) have none
            kept = getattr(layer, "data_grads", {}).get(local)
            parts.append(np.zeros(layer.params[local].size) if kept is None else kept.ravel())
    return np.concatenate(parts)


def _penalised(g: np.ndarray, flat: np.ndarray, mask: np.ndarray, config: TrainConfig):
    """The data gradient plus the trainer's L2 and L1 terms, by the trainer's own function."""
    g = g.copy()
    l1, l2 = penalty_strengths(config)
    add_penalties(g, flat, mask.astype(np.float64), l1, l2, np.empty_like(g))
    return g


def explain_weight(step: InspectedStep, layer: int, i: int, j: int) -> WeightExplanation:
    """The chain rule and the update for W[layer][i, j] in a recorded step."""
    if not 0 <= layer < step.n_layers:
        raise SpecError(f"Layer {layer} does not exist; the network has {step.n_layers} layers")
    out, inp = step.old_W[layer].shape
    if not (0 <= i < out and 0 <= j < inp):
        raise SpecError(f"W[{layer}] has shape ({out}, {inp}); received unit indices i={i}, j={j}")
    b = step.batch_size
    delta = step.deltas[layer][:, i] * b  # each example's own dloss/dz
    a_in = step.layer_inputs[layer][:, j]
    terms = delta * a_in
    w = float(step.old_W[layer][i, j])
    config = step.config
    l1, l2 = penalty_strengths(config)
    l2_term = l2 * w
    l1_term = l1 * float(np.sign(w))
    gradient = float(step.final_grad_W[layer][i, j])
    idx = step.flat_index(layer, i, j)
    formula, quantities, update = _explain_update(step, idx, w, gradient)
    return WeightExplanation(
        layer=layer,
        i=i,
        j=j,
        rows=step.rows,
        delta=delta,
        a_in=np.array(a_in),
        terms=terms,
        chain_sum=float(terms.sum() / b),
        backprop=float(step.grad_W[layer][i, j]),
        l2_term=l2_term,
        l1_term=l1_term,
        clip_scale=step.clip_scale,
        gradient=gradient,
        weight=w,
        optimizer=step.optimizer,
        formula=formula,
        quantities=quantities,
        update=update,
        applied=float(step.update_W[layer][i, j]),
        new_weight=float(step.new_W[layer][i, j]),
    )


def _explain_update(step: InspectedStep, idx: int, w: float, g: float):
    """The update rule, its values, and the update recomputed for this one parameter.

    The recomputation runs the optimizer itself on a one-parameter copy of its state
    before the step, so it is the real rule, not a transcription of it.
    """
    config, name = step.config, step.optimizer
    one = make_optimizer(config, 1, step.decay_mask[idx : idx + 1].copy())
    before = {k: v[idx : idx + 1].copy() for k, v in step.state_before.items()}
    one.load_state_dict({"step": step.optimizer_step - 1, **before})
    if not math.isnan(step.lr):
        one.lr = step.lr  # the schedule's rate of that epoch, not the configured one
    update = float(one.compute(np.array([w]), np.array([g]))[0])
    q: list[tuple[str, Any]] = [("g", g), ("lr", one.lr), *one.explain(before, w)]
    return one.formula or name, tuple((k, float(x)) for k, x in q), update


__all__ = [
    "PHASES",
    "InspectedStep",
    "WeightExplanation",
    "explain_weight",
    "inspect_step",
    "twin",
]
