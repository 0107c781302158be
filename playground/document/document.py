"""The GUI's model: what is being worked on, in one Qt-free object with change events.

A `Document` holds the session (the data choice, features, hidden layers, loss
and training settings), the dataset and its split `Data`, the `NetworkSpec` built
from them, the run state the runner last reported, and the project file it was
opened from or saved to. The window, the File menu, the layer editor and the
inspector change it through its methods and follow it through `doc.events`
(playground/document/events.py) instead of reading each other's attributes.
Each event fires once per change, with the new value, and not at all when a
value did not change:

    session    Session       anything in the session changed (remembered in QSettings)
    data       Data          new data: the dataset, its split and the spec built for it
    spec       NetworkSpec   the network changed on the same data (features, layers, loss)
    config     TrainConfig   the training settings changed
    loaded     Project       a project was opened: every view shows it anew
    title      str           the file's name (or the project's title) after an open or a save
    run_state  RunState      the runner's step, epoch, status or message changed
    dirty      bool          the work differs (or no longer differs) from the last save/open
    status     str           a short message for the status bar

The live network is not here: the runner owns it (DESIGN.md, "Data flow").
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Any

from datasets.dataset import Dataset
from engine.data import Data
from engine.spec import LayerSpec, NetworkSpec, TrainConfig
from playground.document.events import EventGroup
from playground.document.project import Project
from playground.document.runs import RunList
from playground.document.session import DataChoice, Session
from playground.document.training_data import default_features

EVENTS = ("session", "data", "spec", "config", "loaded", "title", "run_state", "dirty", "status")


@dataclass(frozen=True)
class RunState:
    """What the runner last reported: `status` is idle, running, paused, finished,
    diverged or error; `message` says why it stopped (a divergence, an error)."""

    step: int = 0
    epoch: int = 0
    status: str = "idle"
    message: str = ""


class Document:
    """The data, network, settings and run state being worked on; see the module docstring."""

    def __init__(self, session: Session):
        self.events = EventGroup(*EVENTS)
        self.session = session
        self.dataset: Dataset | None = None
        self.data: Data | None = None
        self.spec: NetworkSpec | None = None
        self.run_state = RunState()
        self.project: Project | None = None  # the opened or saved project (None: plain session)
        self.path: str | None = None  # its file (None: untitled)
        self.runs = RunList()  # earlier runs to compare with, saved in the project
        self.change = ""  # what the last data or spec change was, for messages ("loss mse")
        self._saved = self._mark()
        self._dirty = False

    # -- reading ------------------------------------------------------------------------------
    @property
    def config(self) -> TrainConfig:
        return self.session.config

    @property
    def dirty(self) -> bool:
        """True when the session or the trained step differs from the last save or open."""
        return self._dirty

    def is_project(self) -> bool:
        return self.project is not None

    # -- edits --------------------------------------------------------------------------------
    def set_data(
        self, choice: DataChoice, ds: Dataset, data: Data, features: tuple[str, ...] | None = None
    ) -> None:
        """New data (always a change: a new split). `features` None: kept when they fit the
        new inputs, else the raw inputs x1..xd (not a fit of the old selection)."""
        session = self.session.replace(data=choice)
        if features is not None:
            session = session.replace(features=tuple(features))
        elif self.dataset is not None and self.dataset.input_dim != ds.input_dim:
            session = session.replace(features=default_features(ds.input_dim))
        self.session, self.dataset, self.data = session, ds, data
        self.spec = session.spec_for(ds)
        self.change = f"dataset {ds.name!r}" if ds.name else "new data"
        self.events.data.emit(data)
        self._session_changed()

    def set_features(self, features) -> None:
        self._edit_network(
            self.session.replace(features=tuple(features)), "features " + ", ".join(features)
        )

    def set_hidden(self, hidden: tuple[LayerSpec, ...]) -> None:
        self._edit_network(self.session.replace(hidden=tuple(hidden)), "hidden layers")

    def set_loss(self, loss: str) -> None:
        self._edit_network(self.session.replace(loss=loss), f"loss {loss}")

    def _edit_network(self, session: Session, change: str) -> None:
        if session == self.session:
            return
        self.session = session
        self.change = change
        if self.dataset is not None:
            self.spec = session.spec_for(self.dataset)
            self.events.spec.emit(self.spec)
        self._session_changed()

    def set_config(self, config: TrainConfig) -> None:
        if config == self.session.config:
            return
        self.session = self.session.replace(config=config)
        self.events.config.emit(config)
        self._session_changed()

    def load_project(self, project: Project, ds: Dataset, data: Data) -> None:
        """Everything from `project` at once (a `loaded` event, then `config`); the file and
        the saved mark follow with `mark_saved` once the runner holds its state."""
        config_changed = project.training != self.session.config
        self.session, self.dataset, self.data = project.session, ds, data
        self.spec = project.network
        self.change = "project"
        self.events.loaded.emit(project)
        if config_changed:
            self.events.config.emit(project.training)
        self._session_changed()

    # -- the run --------------------------------------------------------------------------------
    def set_run_state(self, **changes: Any) -> None:
        """Record what the runner reported (step, epoch, status, message)."""
        state = dataclasses.replace(self.run_state, **changes)
        if state == self.run_state:
            return
        self.run_state = state
        self.events.run_state.emit(state)
        self._update_dirty()

    def announce(self, text: str) -> None:
        """A short message for the status bar."""
        self.events.status.emit(text)

    # -- the file -------------------------------------------------------------------------------
    def mark_saved(self, project: Project | None, path: str | None, step: int) -> None:
        """`project` was opened from or saved to `path` (None: untitled) at `step`."""
        title = self.title()
        self.project, self.path = project, path
        self._saved = (self._session_json(), step)
        if self.title() != title:
            self.events.title.emit(self.title())
        self._update_dirty()

    def title(self) -> str:
        """The file's name, else the project's title, else "" (a plain session)."""
        if self.path:
            return self.path.replace("\\", "/").rsplit("/", 1)[-1]
        return self.project.title if self.project is not None else ""

    # -- bookkeeping ----------------------------------------------------------------------------
    def _session_json(self) -> str:
        return json.dumps(self.session.to_dict())

    def _mark(self) -> tuple[str, int]:
        return (self._session_json(), self.run_state.step)

    def _session_changed(self) -> None:
        self.events.session.emit(self.session)
        self._update_dirty()

    def _update_dirty(self) -> None:
        dirty = self._mark() != self._saved
        if dirty != self._dirty:
            self._dirty = dirty
            self.events.dirty.emit(dirty)


__all__ = ["EVENTS", "Document", "RunState"]
