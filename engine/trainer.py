"""Synchronous, Qt-free training: one `step()` is one minibatch update.

The runner thread only loops over `Trainer.step()`, so nearly everything can be
tested without threads. Randomness comes from `SeedSequence(config.seed).spawn(3)`:
weight initialisation, the per-epoch shuffle and the dropout masks each have their
own generator, so the same seed and settings give bit-identical runs, and a run
restored from `state_dict()` continues exactly as if it had never stopped.

Tiny networks are limited by Python overhead per step, so the step gathers the
minibatch into preallocated buffers and gets every per-tensor norm from a couple
of `np.add.reduceat` calls over the network's flat vectors.

Divergence: a NaN or Inf in the loss, a gradient, an update or a new weight stops
the step before anything is written to the weights and raises `DivergenceError`
naming the step, the layer and the quantity. If the optimizer's state itself
became non-finite (an update overflowed), that optimizer is restarted fresh so a
retry with a smaller learning rate can succeed.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.activations import ACTIVATIONS
from engine.data import Data
from engine.errors import DivergenceError, SpecError
from engine.network import Network
from engine.optimizers import clip_global_norm, make_optimizer
from engine.spec import NetworkSpec, TrainConfig

STATE_VERSION = 1
EVAL_CHUNK = 1024  # rows per forward pass in evaluate(): bounds memory and abort latency


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


@dataclass(frozen=True)
class StepReport:
    step: int
    epoch: int
    epoch_end: bool
    loss: float
    batch_size: int
    layers: tuple[LayerStats, ...]


@dataclass(frozen=True)
class Evaluation:
    train_loss: float
    train_metric: float
    test_loss: float | None
    test_metric: float | None
    metric_name: str


@dataclass(frozen=True)
class FitResult:
    """What `fit` did: epochs run in this call, the total steps, early stopping."""

    epochs: int
    steps: int
    stopped_early: bool
    best_epoch: int | None
    evaluation: Evaluation
    evaluations: tuple[Evaluation, ...]


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


class EarlyStopping:
    """Stops after `patience` epochs without a lower test loss; remembers the best weights."""

    def __init__(self, patience: int):
        self.patience = patience
        self.best_loss = math.inf
        self.best_epoch: int | None = None
        self.best_flat: np.ndarray | None = None
        self.wait = 0

    def update(self, trainer: Trainer, evaluation: Evaluation) -> bool:
        """Record an epoch-end evaluation; True when training should stop."""
        loss = evaluation.test_loss
        if loss is None or self.patience <= 0:
            return False
        if loss < self.best_loss:
            self.best_loss, self.best_epoch, self.wait = loss, trainer.epoch, 0
            if self.best_flat is None:
                self.best_flat = trainer.network.flat.copy()
            else:
                self.best_flat[...] = trainer.network.flat
            return False
        self.wait += 1
        return self.wait >= self.patience

    def restore(self, trainer: Trainer) -> bool:
        """Put the best weights back (optimizer state and counters stay); True if changed."""
        if self.best_flat is None or np.array_equal(self.best_flat, trainer.network.flat):
            return False
        trainer.network.flat[...] = self.best_flat
        return True


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
            network = Network(spec, np.random.default_rng(init_ss))
        elif network.spec != spec:
            raise SpecError("The given network was built from a different spec")
        self.spec = spec
        self.data = data
        self.network = network
        self._shuffle_rng = np.random.default_rng(shuffle_ss)
        self._dropout_rng = np.random.default_rng(dropout_ss)
        net = network
        self._F = np.ascontiguousarray(net.features(data.X_train))
        self._y = np.ascontiguousarray(data.y_train)
        has_test = data.X_test is not None and len(data.X_test) > 0
        self._F_test = np.ascontiguousarray(net.features(data.X_test)) if has_test else None
        self.n_train = len(self._y)
        self._kinds = [ACTIVATIONS.get(h.activation).kind for h in spec.hidden]
        self.n_layers = net.n_layers
        p = net.flat.size
        self._offsets = np.asarray(net.offsets, dtype=np.intp)
        self._maskf = net.decay_mask.astype(np.float64)
        self._gsq = np.empty(p)
        self._sq = np.empty((2, p))
        self._new = np.empty(p)
        self._tmp = np.empty(p)
        self._dlogits: np.ndarray | None = None
        self._batch_cap = -1
        self.step_count = 0
        self.epoch = 0
        self._cursor = 0
        self._perm: np.ndarray | None = None
        self.grad_norms = np.zeros(self.n_layers)  # weight-gradient norms of the last step
        self.last_report: StepReport | None = None
        self._last: tuple[np.ndarray, np.ndarray, int] | None = None  # gsq, update, step
        self.config = config
        self.optimizer = make_optimizer(config, p, net.decay_mask)
        self._apply_config(config)

    # -- configuration -------------------------------------------------------------
    def set_config(self, config: TrainConfig) -> None:
        """New hyper-parameters for the next step; weights and optimizer state are kept.

        A different optimizer name starts that optimizer fresh. The seed only
        matters when a trainer is built, so changing it here has no effect.
        """
        if not isinstance(config, TrainConfig):
            raise SpecError(f"Expected a TrainConfig; received {type(config).__name__}")
        if config.optimizer != self.optimizer.name:
            self.optimizer = make_optimizer(config, self.network.flat.size, self.network.decay_mask)
        else:
            self.optimizer.set_config(config)
        self.config = config
        self._apply_config(config)

    def _apply_config(self, config: TrainConfig) -> None:
        n = self.n_train
        self.batch_size = n if config.batch_size == 0 else min(config.batch_size, n)
        if self.batch_size > self._batch_cap:
            self._batch_cap = self.batch_size
            self._xbuf = np.empty((self.batch_size, self._F.shape[1]))
            self._ybuf = np.empty(self.batch_size, dtype=self._y.dtype)
        rates = tuple(config.dropout if h.dropout is None else h.dropout for h in self.spec.hidden)
        self._dropout = rates if any(r > 0 for r in rates) else None
        self._l1 = float(config.l1)
        self._l2 = 0.0 if config.optimizer == "adamw" else float(config.l2)
        self._clip = float(config.clip_norm)

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
        net = self.network
        n, b, c = self.n_train, self.batch_size, self._cursor
        if c == 0:
            self._perm = None if b >= n else self._shuffle_rng.permutation(n)
        if self._perm is None:
            xb, yb, b = self._F, self._y, n
        else:
            b = min(b, n - c)
            idx = self._perm[c : c + b]
            xb, yb = self._xbuf[:b], self._ybuf[:b]
            self._F.take(idx, axis=0, out=xb)
            self._y.take(idx, out=yb)
        step = self.step_count + 1
        obj = net.objective
        logits = net.forward(xb, dropout=self._dropout, rng=self._dropout_rng)
        loss = obj.value(logits, yb)
        if not math.isfinite(loss):
            self._raise_loss(step)
        dl = self._dlogits
        if dl is None or dl.shape != logits.shape:
            dl = self._dlogits = np.empty_like(logits)
        g = net.backward(obj.grad(logits, yb, dl))
        offsets = self._offsets
        gsq = np.add.reduceat(np.multiply(g, g, out=self._gsq), offsets)
        if not math.isfinite(gsq.sum()):
            self._check_finite(step, g, "gradient")
        flat, tmp, maskf = net.flat, self._tmp, self._maskf
        if self._l2:
            np.multiply(flat, maskf, out=tmp)
            tmp *= self._l2
            g += tmp
        if self._l1:
            np.sign(flat, out=tmp)
            tmp *= maskf
            tmp *= self._l1
            g += tmp
        if self._clip:
            clip_global_norm(g, self._clip)
        upd = self.optimizer.compute(flat, g)
        new = np.add(flat, upd, out=self._new)  # finite new weights imply a finite update
        if not math.isfinite(np.dot(new, new)):
            self._check_update(step, upd, new)
        np.copyto(flat, new)
        self._cursor = c + b
        epoch_end = self._cursor >= n
        if epoch_end:
            self._cursor = 0
            self.epoch += 1
        self.step_count = step
        np.sqrt(gsq[0::2], out=self.grad_norms)
        self._last = (gsq, upd, step)
        report = StepReport(
            step, self.epoch, epoch_end, loss, b, self.layer_stats() if stats else ()
        )
        self.last_report = report
        return report

    def layer_stats(self) -> tuple[LayerStats, ...] | None:
        """Per-layer statistics of the last step (None before the first).

        Valid until the next step: activations come from the network's training
        buffers, which evaluation and prediction leave alone.
        """
        if self._last is None or self._last[2] != self.step_count:
            return None
        with np.errstate(all="ignore"):  # huge (still finite) values may overflow a square
            return self._layer_stats(*self._last[:2])

    def _layer_stats(self, gsq: np.ndarray, upd: np.ndarray) -> tuple[LayerStats, ...]:
        sq, flat = self._sq, self.network.flat
        np.multiply(upd, upd, out=sq[0])
        np.multiply(flat, flat, out=sq[1])
        un, wn = np.sqrt(np.add.reduceat(sq, self._offsets, axis=1)[:, 0::2]).tolist()
        gn = np.sqrt(gsq).tolist()
        post, kinds = self.network.post, self._kinds
        stats = []
        last = self.n_layers - 1
        for k in range(self.n_layers):
            a = post[k]
            size = a.size
            s = float(a.sum())
            mean = s / size
            var = float(np.vdot(a, a)) / size - mean * mean
            dead = sat = 0.0
            kind = kinds[k] if k < last else "output"
            if kind == "relu":
                dead = np.count_nonzero(a.max(axis=0) <= 0.0) / a.shape[1]
            elif kind == "saturating":
                if self.spec.hidden[k].activation == "tanh":
                    sat = np.count_nonzero(np.abs(a) > 0.99) / size
                else:
                    sat = (np.count_nonzero(a < 0.01) + np.count_nonzero(a > 0.99)) / size
            w = wn[k]
            stats.append(
                LayerStats(
                    gn[2 * k],
                    gn[2 * k + 1],
                    w,
                    un[k] / w if w > 0.0 else 0.0,
                    mean,
                    math.sqrt(var) if var > 0.0 else 0.0,
                    dead,
                    sat,
                )
            )
        return tuple(stats)

    def _raise_loss(self, step: int) -> None:
        for k, a in enumerate(self.network.post):
            if not np.isfinite(a).all():
                raise DivergenceError(step, k, "activation")
        raise DivergenceError(step, None, "loss")

    def _check_finite(self, step: int, vec: np.ndarray, what: str) -> None:
        """Raise naming the first tensor of `vec` with a NaN or Inf (squares may just overflow)."""
        bounds = [*self._offsets.tolist(), vec.size]
        for t in range(len(bounds) - 1):
            if not np.isfinite(vec[bounds[t] : bounds[t + 1]]).all():
                kind = "weight" if t % 2 == 0 else "bias"
                raise DivergenceError(step, t // 2, f"{kind} {what}".strip())

    def _check_update(self, step: int, upd: np.ndarray, new: np.ndarray) -> None:
        try:
            self._check_finite(step, upd, "update")
            self._check_finite(step, new, "")
        except DivergenceError:
            state = self.optimizer.state_dict()
            if not all(np.isfinite(v).all() for k, v in state.items() if k != "step"):
                self.optimizer = make_optimizer(
                    self.config, self.network.flat.size, self.network.decay_mask
                )
            raise

    def run_epoch(self) -> StepReport:
        """Steps to the end of the current epoch; returns the last step's report."""
        with np.errstate(all="ignore"):
            while not (report := self._step(False)).epoch_end:
                pass
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
    ) -> FitResult:
        """Train `epochs` more epochs (default `config.epochs`), evaluating at each epoch end.

        With `config.patience > 0` and a test set, training stops after that many
        epochs without a lower test loss and the best weights are restored (the
        optimizer state and the step/epoch counters are not rewound).
        `on_epoch(trainer, evaluation)` is called after each epoch's evaluation.
        """
        if epochs is None:
            epochs = self.config.epochs
        if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 0:
            raise SpecError(
                f"Received an invalid value for `epochs`, expected an integer >= 0. "
                f"Received: epochs={epochs!r}"
            )
        stopper = EarlyStopping(self.config.patience)
        evaluations = []
        stopped = False
        for _ in range(epochs):
            self.run_epoch()
            evaluation = self.evaluate()
            evaluations.append(evaluation)
            if on_epoch is not None:
                on_epoch(self, evaluation)
            if stopper.update(self, evaluation):
                stopped = True
                break
        final = self.evaluate() if not evaluations else evaluations[-1]
        if stopped and stopper.restore(self):
            final = self.evaluate()
        return FitResult(
            len(evaluations),
            self.step_count,
            stopped,
            stopper.best_epoch,
            final,
            tuple(evaluations),
        )

    # -- persistence ---------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """Everything needed to continue bit-identically; plain numbers, lists, dicts, arrays."""
        return {
            "version": STATE_VERSION,
            "step": self.step_count,
            "epoch": self.epoch,
            "cursor": self._cursor,
            "perm": None if self._perm is None else self._perm.copy(),
            "network": self.network.state_dict(),
            "optimizer_name": self.optimizer.name,
            "optimizer": self.optimizer.state_dict(),
            "rng": {
                "shuffle": self._shuffle_rng.bit_generator.state,
                "dropout": self._dropout_rng.bit_generator.state,
            },
        }

    def load_state_dict(self, d: dict[str, Any]) -> None:
        """Restore a `state_dict` taken from a trainer with the same spec, data and optimizer."""
        if not isinstance(d, dict):
            raise SpecError(f"A trainer state must be a dict; received {type(d).__name__}")
        expected = {
            "version",
            "step",
            "epoch",
            "cursor",
            "perm",
            "network",
            "optimizer_name",
            "optimizer",
            "rng",
        }
        if set(d) != expected:
            raise SpecError(f"A trainer state has entries {sorted(d)}, expected {sorted(expected)}")
        if not isinstance(d["version"], int) or d["version"] > STATE_VERSION:
            raise SpecError(
                f"This trainer state has version {d['version']!r}; this program reads up to "
                f"version {STATE_VERSION}"
            )
        if d["optimizer_name"] != self.optimizer.name:
            raise SpecError(
                f"The saved optimizer state is for {d['optimizer_name']!r} but the training "
                f"config uses {self.optimizer.name!r}"
            )
        n = self.n_train
        counters = {k: d[k] for k in ("step", "epoch", "cursor")}
        for key, value in counters.items():
            if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 0:
                raise SpecError(
                    f"Trainer state `{key}` must be an integer >= 0; received {value!r}"
                )
        if counters["cursor"] >= n:
            raise SpecError(f"Trainer state `cursor` must be below {n}; received {d['cursor']}")
        perm = None
        if d["perm"] is not None:
            perm = np.asarray(d["perm"], dtype=np.intp)
            if perm.shape != (n,) or not np.array_equal(np.sort(perm), np.arange(n)):
                raise SpecError(f"Trainer state `perm` must be a permutation of {n} examples")
        shuffle = np.random.default_rng(0)
        dropout = np.random.default_rng(0)
        try:
            shuffle.bit_generator.state = d["rng"]["shuffle"]
            dropout.bit_generator.state = d["rng"]["dropout"]
        except (KeyError, TypeError, ValueError) as exc:
            raise SpecError(f"Trainer state `rng` cannot be restored: {exc}") from None
        if perm is None and counters["cursor"] != 0:
            raise SpecError("Trainer state without `perm` must have `cursor` 0")
        saved = self.network.flat.copy()
        try:
            self.network.load_state_dict(d["network"])
            self.optimizer.load_state_dict(d["optimizer"])
        except Exception:
            self.network.flat[...] = saved
            raise
        self._shuffle_rng, self._dropout_rng = shuffle, dropout
        self.step_count = int(counters["step"])
        self.epoch = int(counters["epoch"])
        self._cursor = int(counters["cursor"])
        self._perm = perm
        self._last = None
        self.last_report = None
