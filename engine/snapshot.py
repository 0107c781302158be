"""What the runner hands to its consumer: immutable snapshots and the training history.

A `Snapshot` is a frozen copy of everything a view draws (state, counters, last
step's layer statistics, weights, the boundary grid, the misclassified marks). Its
arrays are read-only copies, so the consumer may keep them as long as it likes
while the worker goes on.

The history (every step's minibatch loss and per-layer weight-gradient norm, plus
the whole-set evaluations at epoch ends) must survive a consumer that is slower
than the runner, and must stay bounded on very long runs. `History` is the
runner's store: when it is full it halves itself by averaging neighbouring step
records and doubles the stride at which new steps are recorded (each record is
then the mean over its window of steps). `HistoryChunk` is a copied slice of it;
the mailbox merges the chunks of snapshots nobody took (`HistoryChunk.concat`).
"""

from __future__ import annotations

import dataclasses
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from engine.spec import NetworkSpec, TrainConfig

if TYPE_CHECKING:
    from engine.activation_health import ActivationHealth
    from engine.grid import GridView, MistakeMarks
    from engine.trainer import Evaluation, LayerStats

EVAL_FIELDS = ("train_loss", "test_loss", "train_metric", "test_metric")


def frozen_copy(a: Any, dtype: Any = None) -> np.ndarray:
    """A read-only copy, so a snapshot's arrays cannot change under the consumer."""
    out = np.array(a, dtype=dtype, copy=True)
    out.flags.writeable = False
    return out


@dataclass(frozen=True)
class HistoryChunk:
    """Step records (steps, loss, grad_norms) and evaluation records (epochs ... test_metric).

    A step record with stride s > 1 holds the mean loss and gradient norms of the
    s steps ending at `steps[i]`. `test_loss` and `test_metric` are NaN when there
    is no test set.
    """

    steps: np.ndarray
    loss: np.ndarray
    grad_norms: np.ndarray
    epochs: np.ndarray
    eval_steps: np.ndarray
    train_loss: np.ndarray
    test_loss: np.ndarray
    train_metric: np.ndarray
    test_metric: np.ndarray

    @classmethod
    def empty(cls, n_layers: int) -> HistoryChunk:
        return cls.build(
            np.zeros(0, np.int64),
            np.zeros(0),
            np.zeros((0, n_layers)),
            np.zeros(0, np.int64),
            np.zeros(0, np.int64),
            *(np.zeros(0) for _ in EVAL_FIELDS),
        )

    @classmethod
    def build(cls, steps, loss, grad_norms, epochs, eval_steps, *evals) -> HistoryChunk:
        """Copy the arrays (read-only) into a chunk."""
        return cls(
            frozen_copy(steps, np.int64),
            frozen_copy(loss, np.float64),
            frozen_copy(grad_norms, np.float64),
            frozen_copy(epochs, np.int64),
            frozen_copy(eval_steps, np.int64),
            *(frozen_copy(e, np.float64) for e in evals),
        )

    @property
    def n_layers(self) -> int:
        return self.grad_norms.shape[1]

    def __len__(self) -> int:
        """The number of step records."""
        return len(self.steps)

    @property
    def n_evals(self) -> int:
        return len(self.epochs)

    def concat(self, later: HistoryChunk) -> HistoryChunk:
        """This chunk followed by `later` (records of `later` already here are dropped)."""
        last_step = self.steps[-1] if len(self.steps) else -1
        last_eval = self.eval_steps[-1] if len(self.eval_steps) else -1
        keep = later.steps > last_step
        keep_e = later.eval_steps > last_eval
        return HistoryChunk.build(
            np.concatenate([self.steps, later.steps[keep]]),
            np.concatenate([self.loss, later.loss[keep]]),
            np.concatenate([self.grad_norms, later.grad_norms[keep]]),
            np.concatenate([self.epochs, later.epochs[keep_e]]),
            np.concatenate([self.eval_steps, later.eval_steps[keep_e]]),
            *(np.concatenate([getattr(self, f), getattr(later, f)[keep_e]]) for f in EVAL_FIELDS),
        )

    def bounded(self, capacity: int) -> HistoryChunk:
        """Halve until at most `capacity` step and evaluation records remain.

        Step records are averaged in pairs; evaluations are thinned, keeping the latest.
        """
        steps, loss, grads = self.steps, self.loss, self.grad_norms
        evals = [getattr(self, f) for f in ("epochs", "eval_steps", *EVAL_FIELDS)]
        if len(steps) <= capacity and len(evals[0]) <= capacity:
            return self
        while len(steps) > capacity:
            steps, loss, grads = _halve_steps(steps, loss, grads, len(steps))
        while len(evals[0]) > capacity:
            start = 1 - len(evals[0]) % 2  # keep the last one
            evals = [e[start::2] for e in evals]
        return HistoryChunk.build(steps, loss, grads, *evals)

    def to_dict(self) -> dict[str, list]:
        """Plain lists for a project file."""
        return {
            "steps": self.steps.tolist(),
            "loss": self.loss.tolist(),
            "grad_norms": self.grad_norms.tolist(),
            "epochs": self.epochs.tolist(),
            "eval_steps": self.eval_steps.tolist(),
            **{f: getattr(self, f).tolist() for f in EVAL_FIELDS},
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any], n_layers: int) -> HistoryChunk:
        grads = np.asarray(d["grad_norms"], dtype=np.float64).reshape(-1, n_layers)
        return cls.build(
            d["steps"], d["loss"], grads, d["epochs"], d["eval_steps"], *(d[f] for f in EVAL_FIELDS)
        )


def _halve_steps(steps, loss, grads, n):
    """Average records pairwise (an odd last record stays alone); each pair keeps its later step."""
    m = n // 2
    new_steps = steps[1 : 2 * m : 2]
    new_loss = 0.5 * (loss[0 : 2 * m : 2] + loss[1 : 2 * m : 2])
    new_grads = 0.5 * (grads[0 : 2 * m : 2] + grads[1 : 2 * m : 2])
    if n % 2:
        new_steps = np.append(new_steps, steps[n - 1])
        new_loss = np.append(new_loss, loss[n - 1])
        new_grads = np.vstack([new_grads, grads[n - 1 : n]])
    return new_steps, new_loss, new_grads


class History:
    """The runner's bounded, downsampling record of a run; written by one thread, read by any.

    Capacity is in step records; when full, neighbouring records are averaged in
    pairs and the stride doubles, so memory stays bounded and long runs keep an
    even resolution over their whole length.
    """

    def __init__(self, n_layers: int, capacity: int = 20_000):
        if capacity < 2:
            raise ValueError(f"History capacity must be at least 2; received {capacity}")
        self.n_layers = n_layers
        self.capacity = capacity + capacity % 2
        self._lock = threading.Lock()
        cap = self.capacity
        self._steps = np.zeros(cap, np.int64)
        self._loss = np.zeros(cap)
        self._grads = np.zeros((cap, n_layers))
        self._n = 0
        self.stride = 1
        self._acc_loss = 0.0
        self._acc_grads = np.zeros(n_layers)
        self._acc_n = 0
        self._epochs = np.zeros(cap, np.int64)
        self._eval_steps = np.zeros(cap, np.int64)
        self._evals = np.zeros((len(EVAL_FIELDS), cap))
        self._ne = 0

    def record_step(self, step: int, loss: float, grad_norms: np.ndarray) -> None:
        """Record one step (averaged into the current stride window when the stride is > 1)."""
        if self._n == self.capacity:  # only this (the writing) thread changes _n
            with self._lock:
                self._halve()
        if self.stride > 1:
            self._acc_loss += loss
            self._acc_grads += grad_norms
            self._acc_n += 1
            if step % self.stride:
                return
            loss = self._acc_loss / self._acc_n
            grad_norms = self._acc_grads / self._acc_n
            self._acc_loss = 0.0
            self._acc_grads[...] = 0.0
            self._acc_n = 0
        # No lock for an append (it runs every step): readers copy only the first `_n`
        # records, and `_n` grows after the new record is written.
        i = self._n
        self._steps[i] = step
        self._loss[i] = loss
        self._grads[i] = grad_norms
        self._n = i + 1

    def _halve(self) -> None:
        n = self._n
        s, lo, g = _halve_steps(self._steps, self._loss, self._grads, n)
        m = len(s)
        self._steps[:m], self._loss[:m], self._grads[:m] = s, lo, g
        self._n = m
        self.stride *= 2

    def record_eval(self, epoch: int, step: int, evaluation: Evaluation) -> None:
        """Record a whole-set evaluation; when full, every other old evaluation is dropped."""
        with self._lock:
            if self._ne == self.capacity:
                keep = slice(1, None, 2)
                m = self._ne // 2
                self._epochs[:m] = self._epochs[keep].copy()
                self._eval_steps[:m] = self._eval_steps[keep].copy()
                self._evals[:, :m] = self._evals[:, keep].copy()
                self._ne = m
            i = self._ne
            self._epochs[i] = epoch
            self._eval_steps[i] = step
            self._evals[:, i] = (
                evaluation.train_loss,
                np.nan if evaluation.test_loss is None else evaluation.test_loss,
                evaluation.train_metric,
                np.nan if evaluation.test_metric is None else evaluation.test_metric,
            )
            self._ne = i + 1

    def since(self, step: int) -> HistoryChunk:
        """A copy of the records after `step` (step -1: everything)."""
        with self._lock:
            a = int(np.searchsorted(self._steps[: self._n], step, side="right"))
            e = int(np.searchsorted(self._eval_steps[: self._ne], step, side="right"))
            n, ne = self._n, self._ne
            return HistoryChunk.build(
                self._steps[a:n],
                self._loss[a:n],
                self._grads[a:n],
                self._epochs[e:ne],
                self._eval_steps[e:ne],
                *self._evals[:, e:ne],
            )

    def chunk(self) -> HistoryChunk:
        """A copy of the whole history."""
        return self.since(-1)

    def load(self, chunk: HistoryChunk, stride: int = 1) -> None:
        """Replace the contents with `chunk` (a saved run), halving if it does not fit."""
        chunk = chunk.bounded(self.capacity - 2)
        with self._lock:
            n, ne = len(chunk.steps), chunk.n_evals
            self._steps[:n], self._loss[:n], self._grads[:n] = (
                chunk.steps,
                chunk.loss,
                chunk.grad_norms,
            )
            self._n = n
            self._epochs[:ne], self._eval_steps[:ne] = chunk.epochs, chunk.eval_steps
            self._evals[:, :ne] = [getattr(chunk, f) for f in EVAL_FIELDS]
            self._ne = ne
            self.stride = max(1, int(stride))
            self._acc_loss, self._acc_n = 0.0, 0
            self._acc_grads[...] = 0.0


@dataclass(frozen=True)
class UnitMapsView:
    """The network diagram's neuron pictures at the weights of training step `step`.

    `columns[c]` is (units, ny, nx) float32: the first units of diagram column c
    (input features, then each dense layer's outputs; engine/unit_maps.py) over a
    coarse grid of `bounds`; ny == 1 for 1-D inputs.
    """

    step: int
    bounds: tuple[tuple[float, float], ...]
    columns: tuple[np.ndarray, ...]


@dataclass(frozen=True)
class UnitPreviewView:
    """One watched unit's output over a fine grid of `bounds` (2-D inputs), at step `step`.

    `values` is (ny, nx) float32, values[iy, ix] at (xs[ix], ys[iy]) as in a GridView.
    """

    step: int
    column: int
    unit: int
    bounds: tuple[tuple[float, float], ...]
    values: np.ndarray


@dataclass(frozen=True)
class Snapshot:
    """One immutable, copied view of the runner (see docs/engine-interfaces.md).

    `history` holds the records since the previous *taken* snapshot: the mailbox
    merges the chunks of snapshots that were replaced before anyone took them.
    """

    state: str
    reason: str
    generation: int
    rebuilt: bool
    step: int
    epoch: int
    steps_per_second: float
    history: HistoryChunk
    layers: tuple[LayerStats, ...] | None
    evaluation: Evaluation | None
    weights: tuple[tuple[np.ndarray, np.ndarray], ...]
    view: GridView | None
    message: str | None
    traceback: str | None
    spec: NetworkSpec
    config: TrainConfig
    # rows the weights of `mistakes.step` misclassify (2-D classification, after step 0)
    mistakes: MistakeMarks | None = None
    unit_maps: UnitMapsView | None = None  # 1-D and 2-D inputs
    unit_preview: UnitPreviewView | None = None  # the unit `Runner.watch_unit` asked for
    # hidden layers' outputs over the training set (engine/activation_health.py)
    activation_health: ActivationHealth | None = None
    lr: float = float("nan")  # the learning rate the next step uses (the schedule's)
    lr_changes: tuple[tuple[int, float], ...] = ()  # plateau's reductions: (epoch, new rate)


STATES = ("paused", "running", "diverged", "finished", "error")
REASONS = (
    "tick",
    "start",
    "pause",
    "step",
    "reset",
    "rebuild",
    "configure",
    "diverged",
    "error",
    "finished",
    "stop",
)


def schedule_fields(trainer: Any) -> dict[str, Any]:
    """The snapshot's learning-rate fields: the current rate and the schedule's changes."""
    return {"lr": float(trainer.optimizer.lr), "lr_changes": trainer.schedule.changes()}


class Mailbox:
    """A one-slot mailbox: the worker puts, the consumer takes the newest without blocking.

    A snapshot replaced before it was taken passes its history chunk on to its
    successor (unless the generation changed, which clears the consumer's curves
    anyway), so a slow consumer loses no records; the merged chunk is bounded.
    """

    def __init__(self, capacity: int = 20_000):
        self.capacity = capacity
        self._cond = threading.Condition(threading.Lock())
        self._slot: Snapshot | None = None

    def put(self, snap: Snapshot) -> None:
        with self._cond:
            old = self._slot
            if old is not None and old.generation == snap.generation:
                merged = old.history.concat(snap.history).bounded(self.capacity)
                snap = _replace_history(snap, merged)
            self._slot = snap
            self._cond.notify_all()

    def take(self) -> Snapshot | None:
        with self._cond:
            snap, self._slot = self._slot, None
            return snap

    def wait(self, timeout: float | None = None) -> Snapshot | None:
        """Block until a snapshot is there (or `timeout`), then take it. For headless use."""
        with self._cond:
            self._cond.wait_for(lambda: self._slot is not None, timeout)
            snap, self._slot = self._slot, None
            return snap


def _replace_history(snap: Snapshot, history: HistoryChunk) -> Snapshot:
    return dataclasses.replace(snap, history=history)
