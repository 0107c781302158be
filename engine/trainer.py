"""Synchronous, Qt-free training: one `step()` is one minibatch update.

The runner thread only loops over `Trainer.step()`, so nearly everything can be
tested without threads. Randomness comes from `SeedSequence(config.seed).spawn(3)`:
weight initialisation, the per-epoch shuffle and the dropout masks each have their
own generator, so the same seed and settings give bit-identical runs, and a run
restored from `state_dict()` continues exactly as if it had never stopped.

Tiny networks are limited by Python overhead per step (about 40 numpy calls of
~1 us each for a 2-8-8-1 network), so the step does as little else as it can:
the examples are copied into the epoch's shuffled order once per epoch (a
minibatch is then a slice), the targets are kept in the loss's own form, the loss
and its gradient come from one call, every per-tensor norm is one `np.add.reduceat`
over the flat vectors, the gradient norms are computed when first read (the history
reads them every step, `run_steps` never), and the per-layer statistics (another
~25 us) only when asked for: `step()` by default, the runner only for what it publishes.

Divergence (a NaN or Inf in the loss, a gradient, an update or a new weight, or
an exploding loss; engine/divergence.py has the rule) stops the step before
anything is written to the weights and raises `DivergenceError` naming the step,
the layer and the quantity. If the optimizer's state itself became non-finite
(an update overflowed), that optimizer is restarted fresh so a retry with a
smaller learning rate can succeed.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from engine.data import Data
from engine.divergence import NO_LOSS_LIMIT, check_finite, loss_divergence, loss_limit
from engine.errors import DivergenceError, SpecError
from engine.hand_edits import HandEdits
from engine.layer_stats import LayerStats, layer_stats_of
from engine.ndarray_calls import dot
from engine.network import Network
from engine.optimizers import clip_global_norm, make_optimizer
from engine.penalties import add_penalties, penalty_strengths
from engine.schedules import make_schedule
from engine.spec import NetworkSpec, TrainConfig
from engine.state_dict import load_state, state_of
from engine.training_loop import EarlyStopping, FitResult, fit

if TYPE_CHECKING:
    from engine.snapshot import History

__all__ = ["EarlyStopping", "Evaluation", "FitResult", "LayerStats", "StepReport", "Trainer"]

EVAL_CHUNK = 1024  # rows per forward pass in evaluate(): bounds memory and abort latency


@dataclass(frozen=True)
class StepReport:
    step: int
    epoch: int
    epoch_end: bool
    loss: float
    batch_size: int
    layers: tuple[LayerStats, ...]
    lr: float = math.nan  # the learning rate this step used (the schedule's)


@dataclass(frozen=True)
class Evaluation:
    train_loss: float
    train_metric: float
    test_loss: float | None
    test_metric: float | None
    metric_name: str


def check_compatible(spec: NetworkSpec, data: Data) -> None:
    """Refuse data the network cannot train on, naming what differs."""
    if not isinstance(spec, NetworkSpec):
        raise SpecError(f"Expected a NetworkSpec; received {type(spec).__name__}")
    if not isinstance(data, Data):
        raise SpecError(f"Expected an engine.data.Data; received {type(data).__name__}")
    d = data.X_train.shape[1]
    if d != spec.input_dim:
        raise SpecError(
            f"The network takes {spec.input_dim} raw input(s) but the data has {d} column(s)"
        )
    if data.task != spec.task:
        raise SpecError(f"The network is built for {spec.task} but the data is {data.task}")
    if spec.task == "classification" and data.n_classes != spec.n_classes:
        raise SpecError(
            f"The network has {spec.n_classes} classes but the data has {data.n_classes}"
        )
    if len(data.X_train) == 0:
        raise SpecError("The training set is empty; expected at least 1 example")


class Trainer:
    """Trains one network on one `Data` with one `TrainConfig` (see the module docstring)."""

    def __init__(
        self,
        spec: NetworkSpec,
        config: TrainConfig,
        data: Data,
        *,
        network: Network | None = None,
    ):
        check_compatible(spec, data)
        if not isinstance(config, TrainConfig):
            raise SpecError(f"Expected a TrainConfig; received {type(config).__name__}")
        init_ss, shuffle_ss, dropout_ss = np.random.SeedSequence(config.seed).spawn(3)
        if network is None:
            network = Network(spec, np.random.default_rng(init_ss), config.dtype)
        elif not isinstance(network, Network):
            raise SpecError(f"Expected an engine Network; received {type(network).__name__}")
        elif network.spec != spec:
            raise SpecError("The given network was built from a different spec")
        else:
            network.set_dtype(config.dtype)  # trains in the config's precision
        self.spec, self.data, self.network, net = spec, data, network, network
        self._shuffle_rng = np.random.default_rng(shuffle_ss)
        self._dropout_rng = np.random.default_rng(dropout_ss)
        self._y = np.ascontiguousarray(data.y_train)
        self.n_train = len(self._y)
        # what the statistics count per layer: "dead", "tanh" or "sigmoid" saturation, or nothing
        self._counts = [layer.activation.counted for layer in net.layers]
        self._count_tanh = "tanh" in self._counts
        self._count_sigmoid = "sigmoid" in self._counts
        self.n_layers = net.n_layers
        p = net.flat.size
        self._offsets = np.asarray(net.offsets, dtype=np.intp)
        # the statistics' "weight" and "bias" of each layer: tensor indices in flat order
        self._weight_at, self._bias_at = net.weight_tensor, net.bias_tensor
        pairs = self._weight_at == list(range(0, 2 * net.n_layers, 2))  # dense only: a view
        self._weights_of = slice(0, None, 2) if pairs else np.asarray(self._weight_at)
        self._sq_offsets = np.concatenate([self._offsets + i * p for i in range(3)])
        self._take_arrays()
        self.step_count = self.epoch = self._cursor = 0
        self._first_loss: float | None = None  # the reference of the exploding-loss rule
        self._loss_limit = NO_LOSS_LIMIT
        self._perm: np.ndarray | None = None
        self._grad_norms = np.zeros(self.n_layers)  # `grad_norms`, of step `_norms_step`
        self._norms_step = 0
        self._gsq_sums: np.ndarray | None = None  # per tensor; None: `flat_grad` has them
        self.last_report: StepReport | None = None
        self._last: tuple[np.ndarray, int] | None = None  # update, step
        self.hand = HandEdits()  # parameters set or frozen by hand (engine/hand_edits.py)
        self.config = config
        self.optimizer = make_optimizer(config, p, net.decay_mask)
        self.schedule = make_schedule(config)
        self._apply_config(config)

    def _take_arrays(self) -> None:
        """The step's data copies and scratch, in the network's dtype (again after a change)."""
        net, data, dt, p = self.network, self.data, self.network.dtype, self.network.flat.size
        self._F = np.ascontiguousarray(net.features(data.X_train))
        # the targets in the loss's own form, and both in this epoch's shuffled order:
        # a minibatch is then a slice (a view), gathered once per epoch, not per step
        t = np.ascontiguousarray(net.objective.prepare(self._y))
        self._t = t.astype(dt) if t.dtype.kind == "f" else t  # ce's integer labels stay
        self._F_epoch = np.empty_like(self._F)
        self._t_epoch = np.empty_like(self._t)
        has_test = data.X_test is not None and len(data.X_test) > 0
        self._F_test = np.ascontiguousarray(net.features(data.X_test)) if has_test else None
        self._maskf = net.decay_mask.astype(dt)
        # squared gradients (every step), updates and weights (statistics), end to end, so
        # the norms of every tensor are one `reduceat` over `_sq_offsets`
        self._sq = np.empty(3 * p, dt)
        self._gsq = self._sq[:p]
        self._new = np.empty(p, dt)
        self._tmp = np.empty(p, dt)
        self._loss_buffers: dict[int, tuple[np.ndarray, np.ndarray]] = {}  # rows -> dlogits, work
        self._stat_buffers: dict[int, tuple[np.ndarray, np.ndarray]] = {}  # size -> scratch, flags

    # -- configuration -------------------------------------------------------------
    def set_config(self, config: TrainConfig) -> None:
        """New hyper-parameters for the next step; weights and optimizer state are kept.

        A different optimizer name starts that optimizer fresh. The seed only
        matters when a trainer is built, so changing it here has no effect. A
        different dtype converts the weights and the optimizer state and carries on.
        """
        if not isinstance(config, TrainConfig):
            raise SpecError(f"Expected a TrainConfig; received {type(config).__name__}")
        if config.dtype != self.network.dtype.name:
            self.grad_norms  # noqa: B018 -- computed from the gradient before it is reallocated
            self.network.set_dtype(config.dtype)
            self._take_arrays()
            self._gather_epoch()
            self._last = None  # the statistics' activations were the old network's
        if config.optimizer != self.optimizer.name:
            self.optimizer = make_optimizer(config, self.network.flat.size, self.network.decay_mask)
        else:
            self.optimizer.set_config(config)
        schedule = make_schedule(config)
        schedule.adopt(self.schedule)
        self.config, self.schedule = config, schedule
        self._apply_config(config)

    def _apply_config(self, config: TrainConfig) -> None:
        n = self.n_train
        self.batch_size = n if config.batch_size == 0 else min(config.batch_size, n)
        rates = tuple(config.dropout if h.dropout is None else h.dropout for h in self.spec.hidden)
        self._dropout = rates if any(r > 0 for r in rates) else None
        self._l1, self._l2 = penalty_strengths(config)  # AdamW decays by itself: l2 0
        self._clip = float(config.clip_norm)
        self.apply_rate()

    def apply_rate(self) -> None:
        """Give the optimizer the schedule's rate of the current epoch (at each epoch end)."""
        self.optimizer.lr = self.schedule.rate(self.epoch)

    # -- training ------------------------------------------------------------------
    def step(self, stats: bool = True) -> StepReport:
        """One minibatch: forward, loss, backward, penalties, clipping, checked update.

        `stats=False` skips the activation statistics (`layers` is then empty; the
        runner asks `layer_stats()` only for the steps it publishes).
        """
        with np.errstate(all="ignore"):  # non-finite values are checked and reported below
            return self._step(stats)

    def _step(self, stats: bool) -> StepReport:
        """`step` without its own `np.errstate`, for loops that set one up once."""
        loss, b, epoch_end, lr, upd = self._advance()
        layers = self._layer_stats(upd) if stats else ()
        report = StepReport(self.step_count, self.epoch, epoch_end, loss, b, layers, lr)
        self.last_report = report
        return report

    def _advance(self) -> tuple[float, int, bool, float, np.ndarray]:
        """One minibatch, no report (run_steps): (loss, batch, epoch end, lr, update)."""
        n, c = self.n_train, self._cursor
        if c == 0:
            self._perm = None if self.batch_size >= n else self._shuffle_rng.permutation(n)
            self._gather_epoch()
        if self._perm is None:
            xb, tb, b = self._F, self._t, n
        else:
            b = min(self.batch_size, n - c)
            xb, tb = self._F_epoch[c : c + b], self._t_epoch[c : c + b]
        step = self.step_count + 1
        lr = self.optimizer.lr
        loss, upd = self._descend(xb, tb, b, step)
        self._cursor = c + b
        epoch_end = self._cursor >= n
        if epoch_end:
            self._cursor = 0
            self.epoch += 1
            self.apply_rate()
        self.step_count = step
        self._last = (upd, step)
        return loss, b, epoch_end, lr, upd

    def step_rows(self, rows, stats: bool = True) -> StepReport:
        """One step on the given training rows (indices) instead of the next minibatch.

        For following chosen examples (the backprop inspector's single-example mode):
        the step counter, optimizer state and dropout generator advance as for any
        step, but the epoch position (epoch, cursor, shuffle) does not move, so the
        ordinary minibatches carry on where they were.
        """
        rows = np.asarray(rows)
        n = self.n_train
        if rows.ndim != 1 or rows.size == 0 or rows.dtype.kind not in "iu":
            raise SpecError(f"Expected a non-empty 1-D array of row indices; received {rows!r}")
        if rows.min() < 0 or rows.max() >= n:
            raise SpecError(f"Row indices must lie in [0, {n}); received {rows.tolist()}")
        step = self.step_count + 1
        with np.errstate(all="ignore"):
            loss, upd = self._descend(self._F[rows], self._t[rows], rows.size, step)
            self.step_count = step
            self._last = (upd, step)
            layers = self._layer_stats(upd) if stats else ()
        report = StepReport(
            step, self.epoch, False, loss, int(rows.size), layers, self.optimizer.lr
        )
        self.last_report = report
        return report

    def _descend(self, xb: np.ndarray, tb: np.ndarray, b: int, step: int):
        """Forward -> loss -> backward -> penalties -> clipping -> checked update, applied.

        Returns (loss, update); raises `DivergenceError` before writing anything
        when a value is not finite. Without penalties, clipping or frozen parameters
        the gradient stays in `flat_grad` as it is, so its norms wait until read.
        """
        net = self.network
        # forward -> loss -> backward
        logits = net.forward(xb, dropout=self._dropout, rng=self._dropout_rng)
        bufs = self._loss_buffers.get(b)
        if bufs is None or bufs[0].shape != logits.shape:
            bufs = self._loss_buffers[b] = (np.empty_like(logits), np.empty_like(logits))
        dl, work = bufs
        loss = net.objective.value_and_grad(logits, tb, dl, work)
        if not loss <= self._loss_limit:  # NaN, Inf or exploding
            raise loss_divergence(net.post, step, loss, self._first_loss)
        if self._first_loss is None:
            self._first_loss = loss
            self._loss_limit = loss_limit(loss)
        g = net.backward(dl)
        flat, hand, opt = net.flat, self.hand, self.optimizer
        if self._l1 or self._l2 or self._clip or hand.frozen is not None:
            # g changes below: its norms (the data loss's) now
            gsq = np.add.reduceat(np.multiply(g, g, out=self._gsq), self._offsets)
            self._gsq_sums = gsq
            if not math.isfinite(np.add.reduce(gsq)):  # gsq.sum() without its Python wrapper
                check_finite(self._offsets, step, g, "gradient", net.tensor_names)
            # -> L2 / L1 penalties -> clipping
            if self._l1 or self._l2:
                add_penalties(g, flat, self._maskf, self._l1, self._l2, self._tmp)
            hand.hold(g)  # frozen parameters: no gradient (so in no norm, no moment) ...
            if self._clip:
                clip_global_norm(g, self._clip)
        else:
            self._gsq_sums = None  # g is left alone: `grad_norms` computes them if read
            # SGD (no state) turns a NaN or Inf gradient into a non-finite update: the
            # update's check below finds it, names the gradient and takes the step back
            if opt.state_names and not math.isfinite(dot(g, g)):  # squares may overflow
                check_finite(self._offsets, step, g, "gradient", net.tensor_names)
        # -> optimizer update -> finiteness check -> apply
        upd = opt.compute(flat, g)
        if hand.frozen is not None:
            hand.hold(upd)  # ... and no update (AdamW's decay, a decaying moment)
        # A finite sum of squares bounds every |update| by sqrt(max float), far below half
        # a spacing of the largest floats, so finite weights stay finite: written in place.
        # Otherwise (a non-finite update, or squares overflowing) the new weights go to
        # a buffer and are checked before anything is written.
        if not math.isfinite(dot(upd, upd)):
            self._check_update(step, g, upd, np.add(flat, upd, out=self._new))
        np.add(flat, upd, out=flat)
        return loss, upd

    @property
    def grad_norms(self) -> np.ndarray:
        """Per layer, the norm of the last step's weight gradient (data loss; zeros before any).

        Computed at the first read after a step, from the gradient that step left
        in the network's `flat_grad`: read it before anything else runs a backward
        pass of this network. The array is reused: copy it to keep it.
        """
        if self._norms_step != self.step_count:
            self._norms_step = self.step_count
            np.sqrt(self._grad_square_sums()[self._weights_of], out=self._grad_norms)
        return self._grad_norms

    def _grad_square_sums(self) -> np.ndarray:
        """Per tensor, the last step's squared data-gradient sums (`_gsq` holds the squares)."""
        if self._gsq_sums is None:
            g = self.network.flat_grad
            self._gsq_sums = np.add.reduceat(np.multiply(g, g, out=self._gsq), self._offsets)
        return self._gsq_sums

    def _gather_epoch(self) -> None:
        """Copy the examples and targets into this epoch's order (no-op for full batches)."""
        if self._perm is not None:
            self._F.take(self._perm, axis=0, out=self._F_epoch)
            self._t.take(self._perm, axis=0, out=self._t_epoch)

    def layer_stats(self) -> tuple[LayerStats, ...] | None:
        """Per-layer statistics of the last step (None before the first).

        Valid until the next step: activations come from the network's training
        buffers, which evaluation and prediction leave alone.
        """
        if self._last is None or self._last[1] != self.step_count:
            return None
        with np.errstate(all="ignore"):  # huge (still finite) values may overflow a square
            return self._layer_stats(self._last[0])

    def _layer_stats(self, upd: np.ndarray) -> tuple[LayerStats, ...]:
        return layer_stats_of(self, upd)

    def _check_update(self, step: int, g: np.ndarray, upd: np.ndarray, new: np.ndarray) -> None:
        if not self.optimizer.state_names and self._gsq_sums is None:  # g not checked yet
            try:
                check_finite(self._offsets, step, g, "gradient", self.network.tensor_names)
            except DivergenceError:
                self.optimizer.step -= 1  # as if the update had never been computed
                raise
        try:
            check_finite(self._offsets, step, upd, "update", self.network.tensor_names)
            check_finite(self._offsets, step, new, "", self.network.tensor_names)
        except DivergenceError:
            state = self.optimizer.state_dict()
            if not all(np.isfinite(v).all() for k, v in state.items() if k != "step"):
                self.optimizer = make_optimizer(
                    self.config, self.network.flat.size, self.network.decay_mask
                )
            raise

    def run_steps(self, n: int, stats: bool = False) -> StepReport:
        """`n` steps in a row (n >= 1); returns the last one's report.

        The same steps as n calls of `step(stats)`, under one `np.errstate` instead of
        one per step: entering and leaving it costs ~4 us, a tenth of a tiny step.
        Without statistics only the last step makes a report (`last_report`).
        """
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise SpecError(
                f"Received an invalid value for `n`, expected an integer >= 1. Received: n={n!r}"
            )
        inner = (lambda: self._step(True)) if stats else self._advance
        with np.errstate(all="ignore"):
            for _ in range(n - 1):
                inner()
            return self._step(stats)

    def run_epoch(self) -> StepReport:
        """Steps to the end of the current epoch; returns the last step's report."""
        with np.errstate(all="ignore"):
            while not (report := self._step(False)).epoch_end:
                pass
        return self.finish_report(report)

    def finish_report(self, report: StepReport) -> StepReport:
        """The last step's report with its layer statistics, kept as `last_report`."""
        report = dataclasses.replace(report, layers=self.layer_stats())
        self.last_report = report
        return report

    # -- evaluation ----------------------------------------------------------------
    def evaluate(self, should_stop: Callable[[], bool] | None = None) -> Evaluation | None:
        """Loss and metric of the current weights on the whole train and test sets.

        No dropout, no penalty terms. Runs in chunks of rows; returns None only when
        `should_stop()` became true between chunks (the runner's prompt shutdown).
        """
        d = self.data
        train = self._eval_set(self._F, d.y_train, should_stop)
        if train is None:
            return None
        test = (None, None)
        if self._F_test is not None:
            test = self._eval_set(self._F_test, d.y_test, should_stop)
            if test is None:
                return None
        return Evaluation(train[0], train[1], test[0], test[1], self.network.objective.metric_name)

    def _eval_set(self, F, y, should_stop) -> tuple[float, float] | None:
        net, obj = self.network, self.network.objective
        if len(F) <= EVAL_CHUNK:
            logits = net.logits_of_features(F)
        else:
            parts = []
            for start in range(0, len(F), EVAL_CHUNK):
                if should_stop is not None and should_stop():
                    return None
                parts.append(net.logits_of_features(F[start : start + EVAL_CHUNK]))
            logits = np.concatenate(parts)
        with np.errstate(all="ignore"):
            return float(obj.value(logits, y)), float(obj.metric(obj.link(logits), y))

    def fit(
        self,
        epochs: int | None = None,
        on_epoch: Callable[[Trainer, Evaluation], Any] | None = None,
        history: History | None = None,
    ) -> FitResult:
        """Train `epochs` more epochs (default `config.epochs`), evaluating at each epoch end.

        With `config.patience > 0` and a test set, training stops after that many
        epochs without a lower test loss and the best weights are restored (the
        optimizer state and the step/epoch counters are not rewound).
        `on_epoch(trainer, evaluation)` is called after each epoch's evaluation.
        With a `history`, every step and evaluation is recorded into it (the same
        steps, so the same numbers). The loop is `engine.training_loop`'s, the runner's.
        """
        return fit(self, epochs, on_epoch, history)

    # -- persistence ---------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """Everything needed to continue bit-identically; plain numbers, lists, dicts, arrays."""
        return state_of(self)

    def load_state_dict(self, d: dict[str, Any]) -> None:
        """Restore a `state_dict` taken from a trainer with the same spec, data and optimizer."""
        self.grad_norms  # noqa: B018 -- kept (of the last step run) as before the load
        load_state(self, d)
        self._norms_step = self.step_count
        self._gather_epoch()
        self._last = None
        self.last_report = None
        self._first_loss, self._loss_limit = None, NO_LOSS_LIMIT
