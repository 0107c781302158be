"""Making runs: what changed from the run before, and the runs that end on screen. Qt-free.

`RunRecorder` watches the snapshots the window draws; when a new run starts (the
snapshot's generation changes, or its step goes back under a new runner) it keeps
the one that ended in the RunList. `describe_change` names what differs between
two runs with the labels the toolbar and the Advanced panel show.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable

from engine.snapshot import HistoryChunk
from engine.spec import NetworkSpec, TrainConfig
from playground.document.lesson import CONFIG_LABELS, NOT_SETTINGS
from playground.document.lesson import _value as setting_text
from playground.document.picture import thumbnail
from playground.document.runs import HISTORY_RECORDS, Run, RunList, final_value, layers_text

THUMBNAIL = 48  # pixels of a run's final-output picture


def describe_change(before: Run | None, data: str, spec: NetworkSpec, config: TrainConfig) -> str:
    """What differs from the run `before`: "optimizer sgd → adam; layer 2 tanh → relu"."""
    if before is None:
        return "first run"
    out = []
    if before.data != data:
        out.append(f"data {before.data} → {data}")
    old, new = before.spec, spec
    if tuple(old.features) != tuple(new.features):
        out.append(f"inputs {', '.join(old.features)} → {', '.join(new.features)}")
    out += hidden_changes(old, new)
    if old.loss != new.loss:
        out.append(f"loss {old.loss} → {new.loss}")
    for f in dataclasses.fields(TrainConfig):
        a, b = getattr(before.config, f.name), getattr(config, f.name)
        if a != b and f.name not in NOT_SETTINGS:
            label = CONFIG_LABELS.get(f.name, f.name)
            out.append(f"{label} {setting_text(f.name, a)} → {setting_text(f.name, b)}")
    if not out and before.config.seed != config.seed:  # Reset draws a new seed each time
        out.append(f"new weights (seed {before.config.seed} → {config.seed})")
    return "; ".join(out) or "same settings"


def hidden_changes(old: NetworkSpec, new: NetworkSpec) -> list[str]:
    """How the hidden layers differ: ["layer 2 tanh → relu", "layer 2 init … → he_normal"]."""
    if len(old.hidden) != len(new.hidden):
        return [f"hidden layers {layers_text(old)} → {layers_text(new)}"]
    out = []
    for k, (a, b) in enumerate(zip(old.hidden, new.hidden, strict=True), start=1):
        if a.units != b.units:
            out.append(f"layer {k} {a.units} → {b.units} units")
        if a.activation != b.activation:
            out.append(f"layer {k} {a.activation} → {b.activation}")
        if a.kind != b.kind:
            out.append(f"layer {k} {a.kind} → {b.kind}")
        if a.init != b.init:
            out.append(f"layer {k} init {a.init} → {b.init}")
    return out


class RunRecorder:
    """Turns the stream of drawn snapshots into finished runs in a RunList."""

    def __init__(self, runs: RunList, clock: Callable[[], float] = time.monotonic):
        self.runs = runs
        self.clock = clock
        self._generation: int | None = None
        self._step = -1
        self._chunk: HistoryChunk | None = None
        self._last = None  # the run's latest snapshot
        self._view = None  # its latest output picture
        self._data = ""
        self._seconds = 0.0
        self._since: float | None = None  # when the run was last seen running

    def observe(self, snap, data: str) -> Run | None:
        """Follow `snap` (drawn for data `data`); the run that ended, when a new one began."""
        ended = None
        if snap.generation != self._generation or snap.step < self._step:
            ended = self.finish()
            self._generation = snap.generation
            self._chunk = HistoryChunk.empty(len(snap.spec.hidden) + 1)
            self._seconds, self._since, self._view = 0.0, None, None
        if snap.history.n_layers == self._chunk.n_layers:
            self._chunk = self._chunk.concat(snap.history).bounded(HISTORY_RECORDS)
        now = self.clock()
        if self._since is not None:
            self._seconds += now - self._since
        self._since = now if snap.state == "running" else None
        self._step, self._last, self._data = snap.step, snap, data
        if snap.view is not None:
            self._view = snap.view
        return ended

    def continue_as(self, generation: int) -> None:
        """The run followed goes on under `generation` (a weight set by hand restores it)."""
        self._generation = generation

    def history(self) -> HistoryChunk | None:
        """The history of the run being followed (bounded, downsampled)."""
        return self._chunk

    def finish(self) -> Run | None:
        """Keep the run being followed (if it made a step) in the list; the Run kept."""
        snap, self._last = self._last, None
        if snap is None or snap.step <= 0:
            return None
        ev = snap.evaluation
        chunk = self._chunk
        final = {
            "train_loss": final_value(ev.train_loss) if ev else None,
            "test_loss": final_value(ev.test_loss) if ev else None,
            "train_metric": final_value(ev.train_metric) if ev else None,
            "test_metric": final_value(ev.test_metric) if ev else None,
            "metric": "accuracy" if snap.spec.task == "classification" else "r2",
        }
        if ev is None and chunk.n_evals:  # the history's last evaluation
            for key in ("train_loss", "test_loss", "train_metric", "test_metric"):
                final[key] = final_value(float(getattr(chunk, key)[-1]))
        before = self.runs.last()
        run = Run(
            self.runs.next_name(),
            describe_change(before, self._data, snap.spec, snap.config),
            self._data,
            snap.spec,
            snap.config,
            chunk,
            int(snap.step),
            round(self._seconds, 3),
            final,
            thumbnail(self._view, max(snap.spec.n_classes, 2), THUMBNAIL),
        )
        self.runs.add(run)
        return run


__all__ = ["RunRecorder", "describe_change", "hidden_changes"]
