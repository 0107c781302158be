"""A comparison lesson's variants, trained headless into runs. Qt-free.

A lesson file may list variants of itself (`"variants": [{"name": "SGD", "training":
{"optimizer": "sgd", "lr": 0.1}}, ...]`): the same data and network with some
training settings changed. `train_variant` trains one with `Trainer.fit` (the
numbers of `playground train` on that project) and returns it as a Run, so the
window can train them all in a worker and overlay them. Older versions of the
application ignore the entry.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from engine.errors import EngineError
from engine.grid import GridEvaluator
from engine.settings import BY_NAME, check_all
from engine.snapshot import History
from engine.trainer import Trainer
from playground.document.lesson import CONFIG_LABELS
from playground.document.lesson import _value as setting_text
from playground.document.picture import thumbnail
from playground.document.project import Project
from playground.document.runs import HISTORY_RECORDS, Run, final_value

THUMBNAIL = 48


@dataclass(frozen=True)
class Variant:
    name: str
    training: dict[str, Any]  # TrainConfig fields to change

    def describe(self) -> str:
        parts = [
            f"{CONFIG_LABELS.get(k, k)} {setting_text(k, v)}" for k, v in self.training.items()
        ]
        return "lesson variant: " + ", ".join(parts)


def variants_of(path: str | Path) -> list[Variant]:
    """The variants a lesson file declares ([] when none); ValueError naming a bad one."""
    doc = json.loads(Path(path).read_text(encoding="utf-8"))
    items = doc.get("variants", []) if isinstance(doc, dict) else []
    out = []
    for k, item in enumerate(items if isinstance(items, list) else [None]):
        try:
            name, training = item["name"], item["training"]
            if not isinstance(name, str) or not isinstance(training, dict):
                raise TypeError("expected a name (text) and training settings (an object)")
            unknown = sorted(set(training) - set(BY_NAME))
            if unknown:
                raise ValueError(f"unknown training settings {unknown}")
            check_all(dict(training))
        except (KeyError, TypeError, ValueError, EngineError) as exc:
            raise ValueError(f"variant {k + 1} of {Path(path).name} is damaged: {exc}") from None
        out.append(Variant(name, dict(training)))
    return out


def train_variant(project: Project, variant: Variant) -> Run:
    """Train `variant` of `project` from step 0 (the project's seed and epochs)."""
    ds = project.build_dataset()
    data = project.build_data(ds)
    config = project.training.replace(**variant.training)
    spec = project.network
    trainer = Trainer(spec, config, data)
    history = History(trainer.n_layers)
    started = time.perf_counter()
    with np.errstate(over="ignore", invalid="ignore"):
        result = trainer.fit(config.epochs, history=history)
    seconds = time.perf_counter() - started
    ev = result.evaluation
    view = None
    if GridEvaluator.supports(spec.input_dim, spec.task):
        grid = GridEvaluator(data.bounds, spec.input_dim, spec.task, 64)
        view = grid.evaluate(trainer.network)
    final = {
        "train_loss": final_value(ev.train_loss),
        "test_loss": final_value(ev.test_loss),
        "train_metric": final_value(ev.train_metric),
        "test_metric": final_value(ev.test_metric),
        "metric": ev.metric_name,
    }
    return Run(
        variant.name,
        variant.describe(),
        project.data.source,
        spec,
        config,
        history.chunk().bounded(HISTORY_RECORDS),
        int(trainer.step_count),
        round(seconds, 3),
        final,
        thumbnail(view, max(spec.n_classes, 2), THUMBNAIL),
    )


__all__ = ["Variant", "train_variant", "variants_of"]
