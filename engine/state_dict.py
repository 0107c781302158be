"""The entries of `Trainer.state_dict()` and the checks a saved one passes before loading.

A saved state comes from a file a person may have edited or that another version
wrote, so everything is checked, with a message naming the entry, before the
trainer changes at all.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from engine.errors import SpecError
from engine.hand_edits import HAND_KEY, checked_hand, hand_state

if TYPE_CHECKING:
    from engine.trainer import Trainer

# version 2 adds the learning-rate schedule's state ("schedule"); a version-1 state
# (saved before schedules existed, so with a constant rate) loads with a fresh one.
# Version 3 adds the compute precision ("dtype"); older states were float64.
STATE_VERSION = 3
STATE_KEYS = (  # the entries of `Trainer.state_dict()`
    "version",
    "dtype",
    "step",
    "epoch",
    "cursor",
    "perm",
    "network",
    "optimizer_name",
    "optimizer",
    "schedule",
    "rng",
)


def state_of(trainer: Trainer) -> dict[str, Any]:
    """`Trainer.state_dict()`: the entries of STATE_KEYS, copied."""
    return {
        "version": STATE_VERSION,
        "dtype": trainer.network.dtype.name,
        "step": trainer.step_count,
        "epoch": trainer.epoch,
        "cursor": trainer._cursor,
        "perm": None if trainer._perm is None else trainer._perm.copy(),
        "network": trainer.network.state_dict(),
        "optimizer_name": trainer.optimizer.name,
        "optimizer": trainer.optimizer.state_dict(),
        "schedule": trainer.schedule.state_dict(),
        "rng": {
            "shuffle": trainer._shuffle_rng.bit_generator.state,
            "dropout": trainer._dropout_rng.bit_generator.state,
        },
        **hand_state(trainer.hand),  # only once something was set or frozen by hand
    }


def load_state(trainer: Trainer, d: Any) -> None:
    """Put a checked saved state into `trainer`; its weights stay as they were on failure.

    The values go into the trainer's dtype: a state saved in the same dtype continues
    bit for bit; one saved in the other dtype is converted (the config decides).
    """
    step, epoch, cursor, perm, shuffle, dropout = checked_state(
        d, trainer.n_train, trainer.optimizer.name
    )
    checked_hand(d.get(HAND_KEY), trainer.network.flat.size)
    saved = trainer.network.flat.copy()
    try:
        trainer.network.load_state_dict(d["network"])
        trainer.optimizer.load_state_dict(d["optimizer"])
        trainer.schedule.load_state_dict(d.get("schedule"))
    except Exception:
        trainer.network.flat[...] = saved
        raise
    trainer._shuffle_rng, trainer._dropout_rng = shuffle, dropout
    trainer.step_count, trainer.epoch, trainer._cursor = step, epoch, cursor
    trainer._perm = perm
    trainer.hand.load(d.get(HAND_KEY), trainer.network.flat.size)
    trainer.apply_rate()


def checked_state(d: Any, n_train: int, optimizer_name: str):
    """(step, epoch, cursor, perm or None, shuffle rng, dropout rng) of a saved trainer state.

    The network and optimizer entries are checked by their own `load_state_dict`.
    """
    if not isinstance(d, dict):
        raise SpecError(f"A trainer state must be a dict; received {type(d).__name__}")
    expected = set(STATE_KEYS) | ({HAND_KEY} & set(d))  # "hand": engine/hand_edits.py
    if d.get("version") in (1, 2):  # before the dtype: float64
        expected.discard("dtype")
    if d.get("version") == 1:  # before schedules: no "schedule" entry
        expected.discard("schedule")
    if set(d) != expected:
        raise SpecError(f"A trainer state has entries {sorted(d)}, expected {sorted(expected)}")
    if not isinstance(d["version"], int) or d["version"] > STATE_VERSION:
        raise SpecError(
            f"This trainer state has version {d['version']!r}; this program reads up to "
            f"version {STATE_VERSION}"
        )
    if d.get("dtype", "float64") not in ("float64", "float32"):
        raise SpecError(
            f"Trainer state `dtype` must be float64 or float32; received {d['dtype']!r}"
        )
    if d["optimizer_name"] != optimizer_name:
        raise SpecError(
            f"The saved optimizer state is for {d['optimizer_name']!r} but the training "
            f"config uses {optimizer_name!r}"
        )
    n = n_train
    counters = {k: d[k] for k in ("step", "epoch", "cursor")}
    for key, value in counters.items():
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 0:
            raise SpecError(f"Trainer state `{key}` must be an integer >= 0; received {value!r}")
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
    step, epoch, cursor = (int(counters[k]) for k in ("step", "epoch", "cursor"))
    return step, epoch, cursor, perm, shuffle, dropout
