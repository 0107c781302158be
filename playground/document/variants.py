"""A comparison lesson's variants, trained headless into runs. Qt-free.

A lesson file may list variants of itself (`"variants": [{"name": "SGD", "training":
{"optimizer": "sgd", "lr": 0.1}}, ...]`): the same data with some training
settings changed and, optionally, other hidden layers (`"layers": ["8:relu", ...]`
in the grammar of `--layers`, and `"init"`, the initialiser of every hidden layer),
which is how "sigmoid vs ReLU + He" compares networks. `train_variant` trains one
with `Trainer.fit` (the numbers of `playground train` on that project) and returns
it as a Run, so the window can train them all in a worker and overlay them.
Older versions of the application ignore the entry.
"""

from __future__ import annotations

import dataclasses
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
from engine.spec import LayerSpec, NetworkSpec
from engine.trainer import Trainer
from playground.document.lesson import CONFIG_LABELS
from playground.document.lesson import _value as setting_text
from playground.document.picture import thumbnail
from playground.document.project import Project
from playground.document.run_recorder import hidden_changes
from playground.document.runs import HISTORY_RECORDS, Run, final_value

THUMBNAIL = 48


@dataclass(frozen=True)
class Variant:
    name: str
    training: dict[str, Any]  # TrainConfig fields to change
    hidden: tuple[LayerSpec, ...] | None = None  # the hidden layers, when it changes them

    def network(self, spec: NetworkSpec) -> NetworkSpec:
        return spec if self.hidden is None else spec.replace(hidden=self.hidden)

    def describe(self, spec: NetworkSpec | None = None) -> str:
        """What it changes; the layers' changes from `spec` ("every layer sigmoid → relu")."""
        parts = [
            f"{CONFIG_LABELS.get(k, k)} {setting_text(k, v)}" for k, v in self.training.items()
        ]
        if spec is not None:
            parts = _collapsed(hidden_changes(spec, self.network(spec)), len(spec.hidden)) + parts
        return "lesson variant: " + (", ".join(parts) or "same settings")


def _collapsed(changes: list[str], n_layers: int) -> list[str]:
    """ "layer 1 X", …, "layer n X" for every layer as one "every layer X"."""
    out: list[str] = []
    for text in changes:
        rest = text.removeprefix("layer ").partition(" ")[2]
        same = [f"layer {j} {rest}" for j in range(1, n_layers + 1)]
        if n_layers > 1 and text.startswith("layer ") and all(t in changes for t in same):
            if f"every layer {rest}" not in out:
                out.append(f"every layer {rest}")
        else:
            out.append(text)
    return out


def _hidden(item: dict[str, Any], doc: dict[str, Any]) -> tuple[LayerSpec, ...] | None:
    """The variant's hidden layers ("layers", "init"), checked against the lesson's network."""
    if "layers" not in item and "init" not in item:
        return None
    spec = NetworkSpec.from_dict(doc["network"])
    layers = item.get("layers")
    if layers is None:
        hidden = spec.hidden
    elif isinstance(layers, list) and layers:
        hidden = tuple(LayerSpec.parse(text) for text in layers)
    else:
        raise ValueError(f"`layers` must be a list of layers such as '8:relu'; received {layers!r}")
    if "init" in item:
        hidden = tuple(dataclasses.replace(h, init=item["init"]) for h in hidden)
    return spec.replace(hidden=hidden).hidden


def variants_of(path: str | Path) -> list[Variant]:
    """The variants a lesson file declares ([] when none); ValueError naming a bad one."""
    doc = json.loads(Path(path).read_text(encoding="utf-8"))
    items = doc.get("variants", []) if isinstance(doc, dict) else []
    out = []
    for k, item in enumerate(items if isinstance(items, list) else [None]):
        try:
            name, training = item["name"], item.get("training", {})
            if not isinstance(name, str) or not isinstance(training, dict):
                raise TypeError("expected a name (text) and training settings (an object)")
            unknown = sorted(set(training) - set(BY_NAME))
            if unknown:
                raise ValueError(f"unknown training settings {unknown}")
            check_all(dict(training))
            hidden = _hidden(item, doc)
        except (KeyError, TypeError, ValueError, EngineError) as exc:
            named = f" ({item['name']!r})" if isinstance(item, dict) and "name" in item else ""
            raise ValueError(
                f"variant {k + 1} of {Path(path).name} is damaged{named}: {exc}"
            ) from None
        out.append(Variant(name, dict(training), hidden))
    return out


def train_variant(project: Project, variant: Variant) -> Run:
    """Train `variant` of `project` from step 0 (the project's seed and epochs)."""
    ds = project.build_dataset()
    data = project.build_data(ds)
    config = project.training.replace(**variant.training)
    spec = variant.network(project.network)
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
        variant.describe(project.network),
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
