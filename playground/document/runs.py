"""Earlier runs, kept to compare with: what changed, how they ended, their curves. Qt-free.

Each Reset, rebuild or opened project ends the run on screen, which is kept as a
`Run` (playground/document/run_recorder.py makes them): its name, what changed from
the run before it ("optimizer sgd → adam", "layer 2 tanh → relu"), the final
whole-set losses and metrics, steps and training seconds, a bounded downsampled
history (loss, gradient norms, evaluations) and a small picture of its final output.
`RunList` holds at most MAX_RUNS of them; they are saved in projects (the optional
`runs` entry: a file without it opens with no runs, and an older version of the
application ignores it) and exported as CSV.
"""

from __future__ import annotations

import base64
import csv
import dataclasses
import io
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.snapshot import HistoryChunk
from engine.spec import NetworkSpec, TrainConfig

MAX_RUNS = 30  # the list drops its oldest run beyond this
HISTORY_RECORDS = 400  # step and evaluation records kept per run (downsampled)
CSV_COLUMNS = (
    "name",
    "change",
    "data",
    "layers",
    "optimizer",
    "steps",
    "seconds",
    "metric",
    "train_loss",
    "test_loss",
    "train_metric",
    "test_metric",
)


def layers_text(spec: NetworkSpec) -> str:
    return ", ".join(f"{h.units} {h.activation}" for h in spec.hidden) or "no hidden layer"


def final_value(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


@dataclass(frozen=True)
class Run:
    """One finished run (see the module docstring); `final` holds the last evaluation."""

    name: str
    change: str
    data: str
    spec: NetworkSpec
    config: TrainConfig
    history: HistoryChunk
    steps: int
    seconds: float
    final: dict[str, Any]  # train_loss, test_loss, train_metric, test_metric, metric
    thumbnail: np.ndarray | None = None  # small (rows, cols, 3) uint8 picture

    def replace(self, **changes: Any) -> Run:
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        thumb = None
        if self.thumbnail is not None:
            raw = np.ascontiguousarray(self.thumbnail, np.uint8)
            thumb = {"shape": list(raw.shape), "rgb": base64.b64encode(raw.tobytes()).decode()}
        return {
            "name": self.name,
            "change": self.change,
            "data": self.data,
            "network": self.spec.to_dict(),
            "training": self.config.to_dict(),
            "history": self.history.to_dict(),
            "steps": self.steps,
            "seconds": self.seconds,
            "final": dict(self.final),
            "thumbnail": thumb,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Run:
        """A saved run; ValueError / KeyError / TypeError / EngineError when damaged."""
        spec = NetworkSpec.from_dict(d["network"])
        thumb = None
        if d.get("thumbnail") is not None:
            shape = tuple(int(n) for n in d["thumbnail"]["shape"])
            raw = base64.b64decode(d["thumbnail"]["rgb"])
            thumb = np.frombuffer(raw, np.uint8).reshape(shape).copy()
        history = HistoryChunk.from_dict(d["history"], len(spec.hidden) + 1)
        final = {k: final_value(d["final"].get(k)) for k in ("train_loss", "test_loss")}
        final |= {k: final_value(d["final"].get(k)) for k in ("train_metric", "test_metric")}
        final["metric"] = str(d["final"].get("metric", "accuracy"))
        if not isinstance(d["name"], str) or not isinstance(d["change"], str):
            raise ValueError("a run's name and change must be text")
        return cls(
            d["name"],
            d["change"],
            str(d["data"]),
            spec,
            TrainConfig.from_dict(d["training"]),
            history.bounded(HISTORY_RECORDS),
            int(d["steps"]),
            float(d["seconds"]),
            final,
            thumb,
        )


class RunList:
    """The runs kept, oldest first, at most MAX_RUNS; `changed` callbacks hear of edits."""

    def __init__(self, runs: list[Run] | tuple[Run, ...] = ()):
        self.runs: list[Run] = list(runs)[-MAX_RUNS:]
        self.listeners: list[Callable[[], None]] = []
        self._counter = len(self.runs)

    def __len__(self) -> int:
        return len(self.runs)

    def __getitem__(self, index: int) -> Run:
        return self.runs[index]

    def _changed(self) -> None:
        for listener in list(self.listeners):
            listener()

    def next_name(self) -> str:
        self._counter += 1
        return f"run {self._counter}"

    def add(self, run: Run) -> None:
        self.runs.append(run)
        del self.runs[:-MAX_RUNS]
        self._changed()

    def extend(self, runs) -> None:
        """Add saved runs (a project's), skipping ones already here."""
        have = {(r.name, r.steps, r.final.get("train_loss")) for r in self.runs}
        new = [r for r in runs if (r.name, r.steps, r.final.get("train_loss")) not in have]
        if new:
            self.runs.extend(new)
            del self.runs[:-MAX_RUNS]
            self._counter = max(self._counter, len(self.runs))
            self._changed()

    def rename(self, index: int, name: str) -> None:
        name = name.strip()
        if not name:
            raise ValueError("A run's name cannot be empty")
        self.runs[index] = self.runs[index].replace(name=name)
        self._changed()

    def delete(self, index: int) -> None:
        del self.runs[index]
        self._changed()

    def last(self) -> Run | None:
        return self.runs[-1] if self.runs else None

    def to_list(self) -> list[dict[str, Any]]:
        return [run.to_dict() for run in self.runs]

    def to_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        for r in self.runs:
            f = r.final
            writer.writerow(
                [r.name, r.change, r.data, layers_text(r.spec), r.config.optimizer, r.steps]
                + [f"{r.seconds:.3f}", f["metric"]]
                + ["" if f[k] is None else repr(f[k]) for k in CSV_COLUMNS[8:]]
            )
        return out.getvalue()


def runs_from_list(items: Any) -> list[Run]:
    """A project's saved runs; ValueError naming the damaged one."""
    if not isinstance(items, list):
        raise ValueError(f"`runs` must be a list; received {type(items).__name__}")
    out = []
    for k, item in enumerate(items):
        try:
            out.append(Run.from_dict(item))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ValueError(f"saved run {k + 1} is damaged ({exc})") from None
    return out


__all__ = [
    "HISTORY_RECORDS",
    "MAX_RUNS",
    "Run",
    "RunList",
    "final_value",
    "layers_text",
    "runs_from_list",
]
