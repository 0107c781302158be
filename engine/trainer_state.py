"""Everything a run needs to continue bit for bit, and its plain-JSON form. Qt-free.

`Trainer.state_dict()` holds the trainer's part: step, epoch, the position in
the epoch (cursor) and its permutation, the shuffle and dropout generators'
states, the weights and the optimizer state. A run driven by the runner has a
little more: the history the plots draw (and the stride it records at), the
epoch its current training segment began at, and the early-stopping memory.
`ResumeState` bundles them, so a saved project continues exactly as if it had
never been closed.

`to_json` / `from_json` convert to and from plain JSON values: floats are
written by Python's shortest repr and read back to the same bits; the rare
non-finite value (a gradient norm that overflowed) is written as the string
"nan", "inf" or "-inf", so the file stays strict JSON.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.errors import SpecError
from engine.hand_edits import HAND_KEY
from engine.migrations import register_format
from engine.snapshot import History, HistoryChunk
from engine.state_dict import STATE_KEYS
from engine.trainer import Trainer
from engine.training_loop import EarlyStopping

RESUME_VERSION = 3
RESUME = register_format("training-state", "training state", RESUME_VERSION, SpecError)


@RESUME.step(1)
def _constant_schedule(doc: dict[str, Any]) -> dict[str, Any]:
    """Version 1 predates learning-rate schedules: its run had a constant rate (no state)."""
    trainer = doc.get("trainer")
    if isinstance(trainer, dict) and "schedule" not in trainer:
        doc["trainer"] = {**trainer, "schedule": {}, "version": 2}
    return doc


@RESUME.step(2)
def _float64(doc: dict[str, Any]) -> dict[str, Any]:
    """Version 2 predates the compute precision: its run was float64."""
    trainer = doc.get("trainer")
    if isinstance(trainer, dict):
        doc["trainer"] = {"dtype": "float64", **trainer, "version": 3}
    return doc


STOPPER_KEYS = ("best_loss", "best_epoch", "wait", "best_flat")


@dataclass(frozen=True)
class ResumeState:
    """A run at a step boundary: the trainer's state plus what the runner keeps around it."""

    trainer: dict[str, Any]
    history: HistoryChunk
    history_stride: int = 1
    base_epoch: int = 0
    early_stopping: dict[str, Any] | None = None

    @property
    def step(self) -> int:
        return int(self.trainer["step"])

    @property
    def epoch(self) -> int:
        return int(self.trainer["epoch"])


def capture(
    trainer: Trainer,
    history: History | HistoryChunk | None = None,
    *,
    base_epoch: int = 0,
    stopper: EarlyStopping | None = None,
) -> ResumeState:
    """Copy the resumable state of `trainer` (and of the runner's history and stopper)."""
    stride = 1
    if isinstance(history, History):
        stride = history.stride
        history = history.chunk()
    elif history is None:
        history = HistoryChunk.empty(trainer.n_layers)
    stopping = None
    if stopper is not None and stopper.best_epoch is not None:
        stopping = {
            "best_loss": float(stopper.best_loss),
            "best_epoch": int(stopper.best_epoch),
            "wait": int(stopper.wait),
            "best_flat": None if stopper.best_flat is None else stopper.best_flat.copy(),
        }
    return ResumeState(trainer.state_dict(), history, stride, int(base_epoch), stopping)


def restore(
    trainer: Trainer,
    state: ResumeState,
    history: History | None = None,
    stopper: EarlyStopping | None = None,
) -> None:
    """Put `state` into a trainer built from the same spec, config and data.

    Raises SpecError (or WeightsFileError) naming what does not fit; the trainer's
    weights are left as they were then.
    """
    if not isinstance(state, ResumeState):
        raise SpecError(f"Expected a ResumeState; received {type(state).__name__}")
    if state.history.n_layers != trainer.n_layers:
        raise SpecError(
            f"The saved history has gradient norms of {state.history.n_layers} layer(s); "
            f"the network has {trainer.n_layers}"
        )
    best = None
    if stopper is not None and state.early_stopping is not None:
        best = state.early_stopping["best_flat"]
        if best is not None:
            best = np.asarray(best, dtype=np.float64)
            if best.shape != trainer.network.flat.shape:
                raise SpecError(
                    f"The saved early-stopping weights have {best.size} values; "
                    f"the network has {trainer.network.flat.size}"
                )
    trainer.load_state_dict(state.trainer)
    if history is not None:
        history.load(state.history, state.history_stride)
    if stopper is not None and state.early_stopping is not None:
        stopper.best_loss = state.early_stopping["best_loss"]
        stopper.best_epoch = state.early_stopping["best_epoch"]
        stopper.wait = state.early_stopping["wait"]
        stopper.best_flat = None if best is None else best.copy()


# -- JSON -----------------------------------------------------------------------------------
def floats_to_json(a: Any) -> Any:
    """Nested lists of floats; non-finite values as "nan" / "inf" / "-inf"."""
    a = np.asarray(a, dtype=np.float64)
    if np.isfinite(a).all():
        return a.tolist()
    return np.vectorize(_float_out, otypes=[object])(a).tolist()


def _float_out(x: float) -> float | str:
    return x if math.isfinite(x) else str(x)


def _plain(value: Any) -> Any:
    """A schedule's state as strict JSON: its non-finite floats (best = inf) as strings."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return _float_out(value) if isinstance(value, float) else value


def floats_from_json(value: Any, what: str) -> np.ndarray:
    """The float64 array of `floats_to_json`; SpecError naming `what` otherwise."""
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        pass
    try:
        out = np.asarray(value, dtype=object)
        if out.dtype != object or any(isinstance(v, bool) for v in out.ravel()):
            raise TypeError
        return np.vectorize(_float_in, otypes=[np.float64])(out)
    except (TypeError, ValueError):
        raise SpecError(f"`{what}` must be an array of numbers") from None


def _float_in(x: Any) -> float:
    if isinstance(x, str) and x not in ("nan", "inf", "-inf"):
        raise ValueError(x)
    return float(x)


def to_json(state: ResumeState) -> dict[str, Any]:
    """Plain JSON values (see the module docstring)."""
    t = state.trainer
    stopping = None
    if state.early_stopping is not None:
        s = state.early_stopping
        stopping = {
            "best_loss": floats_to_json(s["best_loss"]),
            "best_epoch": s["best_epoch"],
            "wait": s["wait"],
            "best_flat": None if s["best_flat"] is None else floats_to_json(s["best_flat"]),
        }
    optimizer = {
        key: int(value) if key == "step" else floats_to_json(value)
        for key, value in t["optimizer"].items()
    }
    return {
        "version": RESUME_VERSION,
        "trainer": {
            "version": t["version"],
            "dtype": t["dtype"],
            "step": int(t["step"]),
            "epoch": int(t["epoch"]),
            "cursor": int(t["cursor"]),
            "perm": None if t["perm"] is None else np.asarray(t["perm"]).tolist(),
            "network": {key: floats_to_json(value) for key, value in t["network"].items()},
            "optimizer_name": t["optimizer_name"],
            "optimizer": optimizer,
            "schedule": _plain(t["schedule"]),
            "rng": t["rng"],
            **({HAND_KEY: t[HAND_KEY]} if HAND_KEY in t else {}),  # plain JSON already
        },
        "history": {
            key: floats_to_json(value) if key in _HISTORY_FLOATS else value
            for key, value in state.history.to_dict().items()
        },
        "history_stride": int(state.history_stride),
        "base_epoch": int(state.base_epoch),
        "early_stopping": stopping,
    }


_HISTORY_FLOATS = ("loss", "grad_norms", "train_loss", "test_loss", "train_metric", "test_metric")


def from_json(d: Any, n_layers: int) -> ResumeState:
    """The ResumeState of `to_json`; SpecError naming the first entry that is wrong.

    Shapes against a network are checked later, by `restore`.
    """
    _object(d, "state")
    _keys(d, ("version", "trainer", "history", "history_stride", "base_epoch", "early_stopping"))
    d = RESUME.upgrade(d, "The training state")
    t = _object(d["trainer"], "state.trainer")
    _keys(t, STATE_KEYS + ((HAND_KEY,) if HAND_KEY in t else ()), "state.trainer")
    network = _object(t["network"], "state.trainer.network")
    optimizer = _object(t["optimizer"], "state.trainer.optimizer")
    trainer = dict(t)
    trainer["network"] = {
        k: floats_from_json(v, f"state.trainer.network.{k}") for k, v in network.items()
    }
    trainer["optimizer"] = {
        k: v if k == "step" else floats_from_json(v, f"state.trainer.optimizer.{k}")
        for k, v in optimizer.items()
    }
    if t["perm"] is not None:
        perm = np.asarray(t["perm"])
        if perm.ndim != 1 or perm.dtype.kind not in "iu":
            raise SpecError("`state.trainer.perm` must be a list of integers")
        trainer["perm"] = perm.astype(np.intp)
    _object(t["rng"], "state.trainer.rng")
    _object(t["schedule"], "state.trainer.schedule")
    history = _history(d["history"], n_layers)
    stride = _count(d["history_stride"], "state.history_stride", 1)
    base_epoch = _count(d["base_epoch"], "state.base_epoch", 0)
    stopping = d["early_stopping"]
    if stopping is not None:
        _object(stopping, "state.early_stopping")
        _keys(stopping, STOPPER_KEYS, "state.early_stopping")
        best = stopping["best_flat"]
        stopping = {
            "best_loss": float(floats_from_json(stopping["best_loss"], "best_loss")),
            "best_epoch": _count(stopping["best_epoch"], "state.early_stopping.best_epoch", 0),
            "wait": _count(stopping["wait"], "state.early_stopping.wait", 0),
            "best_flat": None if best is None else floats_from_json(best, "best_flat"),
        }
    return ResumeState(trainer, history, stride, base_epoch, stopping)


def _history(d: Any, n_layers: int) -> HistoryChunk:
    _object(d, "state.history")
    keys = ("steps", "loss", "grad_norms", "epochs", "eval_steps", *_HISTORY_FLOATS[2:])
    _keys(d, keys, "state.history")
    values = {k: floats_from_json(v, f"state.history.{k}") for k, v in d.items()}
    n, ne = len(values["steps"]), len(values["epochs"])
    for key, length in (("loss", n), ("eval_steps", ne), *((f, ne) for f in _HISTORY_FLOATS[2:])):
        if values[key].shape != (length,):
            raise SpecError(
                f"`state.history.{key}` has {values[key].size} values; expected {length}"
            )
    if values["grad_norms"].size != n * n_layers:
        raise SpecError(
            f"`state.history.grad_norms` has {values['grad_norms'].size} values; expected "
            f"{n} steps x {n_layers} layers"
        )
    for key in ("steps", "epochs", "eval_steps"):
        if not np.array_equal(values[key], np.round(values[key])):
            raise SpecError(f"`state.history.{key}` must hold integers")
    return HistoryChunk.from_dict(values, n_layers)


def _object(d: Any, what: str) -> dict[str, Any]:
    if not isinstance(d, dict):
        raise SpecError(f"`{what}` must be a JSON object; received {type(d).__name__}")
    return d


def _keys(d: dict[str, Any], expected: tuple[str, ...], what: str = "state") -> None:
    missing = [k for k in expected if k not in d]
    extra = sorted(set(d) - set(expected))
    if missing or extra:
        problem = f"lacks {missing}" if missing else f"has unknown entries {extra}"
        raise SpecError(f"`{what}` {problem}; expected the entries {list(expected)}")


def _count(value: Any, what: str, lo: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < lo:
        raise SpecError(f"`{what}` must be an integer >= {lo}; received {value!r}")
    return int(value)


__all__ = ["RESUME_VERSION", "ResumeState", "capture", "from_json", "restore", "to_json"]
