"""Which training configs can step together in one population, and why others cannot.

Members of a population share one architecture, one batch size, one optimizer
kind (with the constants that kind reads as plain floats, Adam's beta2), one
dtype, and layers the stacked step knows (plain dense layers: batch norm and
residual blocks keep per-layer machinery of their own). Everything else (seed,
learning rate and schedule, momentum, betas, eps, L1/L2, clipping, dropout,
epochs, patience) may differ per member.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from engine.errors import SpecError
from engine.optimizers import make_optimizer
from engine.population_optimizer import shared_constants
from engine.spec import NetworkSpec, TrainConfig


def dtype_of(config: TrainConfig) -> str:
    """The config's compute precision, "float64" or "float32" (`TrainConfig.dtype`)."""
    return str(config.dtype)


def group_key(config: TrainConfig) -> tuple:
    """What members must share: the optimizer kind and its shared constants, batch size, dtype."""
    if not isinstance(config, TrainConfig):
        raise SpecError(f"Expected a TrainConfig; received {type(config).__name__}")
    shared = ()
    names = shared_constants(config.optimizer)
    if names:
        opt = make_optimizer(config, 0, np.zeros(0, bool))
        shared = tuple((name, getattr(opt, name)) for name in names)
    return (config.optimizer, int(config.batch_size), dtype_of(config), shared)


def groups(configs: Sequence[TrainConfig]) -> list[list[int]]:
    """Indices of `configs` that can train together, in order of first appearance.

    (Every config of a group also needs the same NetworkSpec and Data: the
    caller groups by those itself; see `check_spec` for the layers refused.)
    """
    found: dict[tuple, list[int]] = {}
    for i, config in enumerate(configs):
        found.setdefault(group_key(config), []).append(i)
    return list(found.values())


def check_spec(spec: NetworkSpec) -> None:
    """Refuse layers the stacked step does not implement, naming the first one."""
    for k, h in enumerate(spec.hidden, start=1):
        if h.kind != "dense" or h.batch_norm or h.residual:
            what = "batch norm" if h.batch_norm else "a residual connection"
            if h.kind != "dense":
                what = f"the {h.kind!r} layer kind"
            raise SpecError(
                f"Hidden layer {k} uses {what}; the population trainer steps plain dense "
                f"layers only (train this network with a Trainer)"
            )


def check_configs(configs: Sequence[TrainConfig]) -> list[TrainConfig]:
    """The configs as a list; SpecError naming the first member that cannot join member 1."""
    configs = list(configs)
    if not configs:
        raise SpecError("A population needs at least one TrainConfig; received none")
    first = group_key(configs[0])
    labels = ("optimizer", "batch size", "dtype")
    for i, config in enumerate(configs[1:], start=2):
        key = group_key(config)
        if key == first:
            continue
        for label, a, b in zip(labels, first, key, strict=False):
            if a != b:
                raise SpecError(
                    f"Member {i} has {label} {b!r} but member 1 has {a!r}; a population "
                    f"steps one {label} (use engine.population.groups to split the configs)"
                )
        name, value = next(
            (n, v) for (n, v), (_, w) in zip(key[3], first[3], strict=True) if v != w
        )
        raise SpecError(
            f"Member {i} has {name} {value!r} but member 1 has {dict(first[3])[name]!r}; "
            f"a {config.optimizer} population needs one {name} (see engine.population.groups)"
        )
    return configs
