"""Project files (`*.playground.json`): read, write, migrate, validate. Qt-free.

A project is one JSON object (DESIGN.md "Projects"):

    {"format": "backprop-playground-project", "version": 1,
     "title": "...", "explanation": "...",          # shown when opened (examples)
     "data": {...DataChoice...},                     # how to generate / which CSV and options
     "dataset": null | {...Dataset.to_dict()...},    # an imported CSV's data itself
     "network": {...NetworkSpec.to_dict()...},
     "training": {...TrainConfig.to_dict()...},      # includes the seed
     "state": null | {...engine.trainer_state.to_json...},   # once trained
     "sweep": {...},    # optional: a sweep and its rows (document/sweep/saved.py)
     "speed": 10 | "max",  # optional: training speed in steps/s (lessons set their own)
     "classroom": {"controls": [...]}}  # optional: a lesson's classroom-mode controls

`state` holds the weights, the optimizer state, the random generators' states,
the position in the epoch and the history, so a reopened project continues with
the same numbers as a run that was never interrupted. Generated data is stored
as its recipe (generator name and parameters, all seeded); imported data is
stored itself, so the project does not depend on the CSV file still existing.

Older versions are upgraded step by step by `MIGRATIONS` (version n -> n + 1);
a newer version, a damaged file or a file that is not a project raises
`ProjectError` with a message naming the file and the problem. Writing goes to
a temporary file that replaces the old one only when complete.
"""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import datasets
from datasets.dataset import Dataset
from engine.data import Data
from engine.errors import EngineError
from engine.migrations import register_format
from engine.pacing import checked_speed
from engine.snapshot import History
from engine.spec import NetworkSpec, TrainConfig
from engine.trainer import Trainer
from engine.trainer_state import ResumeState, from_json, restore, to_json
from engine.weights_io import _write_atomic
from playground.document.classroom import classroom_json, read_classroom
from playground.document.runs import Run, runs_from_list
from playground.document.session import DataChoice, Session
from playground.document.sweep import saved as saved_sweep
from playground.document.training_data import make_data

PROJECT_FORMAT = "backprop-playground-project"
PROJECT_VERSION = 1
SUFFIX = ".playground.json"
KEYS = ("format", "version", "title", "explanation", "data", "dataset", "network", "training")
COMPACT = (
    "dataset",
    "state",
    "runs",
    "sweep",
)  # big arrays: one line each, not one number per line


class ProjectError(Exception):
    """A project file that cannot be opened or written; the message is for the user."""


# version n -> n + 1 (engine/migrations.py): register steps with @PROJECT.step(n)
PROJECT = register_format("project", "project format", PROJECT_VERSION, ProjectError)
MIGRATIONS = PROJECT.steps


@dataclass(frozen=True)
class Project:
    """Everything a project file holds (see the module docstring)."""

    data: DataChoice
    network: NetworkSpec
    training: TrainConfig
    dataset: Dataset | None = None
    state: ResumeState | None = None
    title: str = ""
    explanation: str = ""
    runs: tuple[Run, ...] = ()  # earlier runs to compare with (optional entry `runs`)
    sweep: dict[str, Any] | None = None  # the `sweep` entry (None: no sweep was kept)
    speed: float | str | None = None  # steps/s, "max", or None: the window's own speed
    classroom: tuple[str, ...] | None = None  # controls shown in classroom mode (lessons)

    def replace(self, **changes: Any) -> Project:
        return dataclasses.replace(self, **changes)

    @property
    def session(self) -> Session:
        """The GUI's document for this project."""
        spec = self.network
        loss = None if spec.loss == spec.default_loss() else spec.loss
        return Session(self.data, spec.features, spec.hidden, loss, self.training, spec.output_init)

    def build_dataset(self) -> Dataset:
        """The embedded data, or the generated one; DatasetError / OSError on failure."""
        return self.dataset if self.dataset is not None else self.data.build()

    def build_data(self, ds: Dataset | None = None) -> Data:
        return make_data(ds or self.build_dataset(), self.data.test_ratio, self.data.seed)

    def build_trainer(self, data: Data | None = None) -> Trainer:
        """A Trainer positioned where the project was saved (fresh when never trained)."""
        trainer = Trainer(self.network, self.training, data or self.build_data())
        if self.state is not None:
            restore(trainer, self.state)
        return trainer

    def to_dict(self) -> dict[str, Any]:
        doc = {
            "format": PROJECT_FORMAT,
            "version": PROJECT_VERSION,
            "title": self.title,
            "explanation": self.explanation,
            "data": self.data.to_dict(),
            "dataset": None if self.dataset is None else self.dataset.to_dict(),
            "network": self.network.to_dict(),
            "training": self.training.to_dict(),
            "state": None if self.state is None else to_json(self.state),
            **({"runs": [run.to_dict() for run in self.runs]} if self.runs else {}),
        }
        if self.sweep is not None:  # optional: older files and versions have none
            doc["sweep"] = saved_sweep.entry_json(self.sweep)
        if self.speed is not None:
            doc["speed"] = self.speed
        if self.classroom is not None:
            doc["classroom"] = classroom_json(self.classroom)
        return doc


def read_speed(value: Any) -> float | str | None:
    """A project's training speed: steps/s as the runner takes them, "max", or absent."""
    if value is None or value == "max":
        return value
    return checked_speed(value)  # SpecError (an EngineError) names the value


def from_dict(doc: Any, where: str = "the project") -> Project:
    """The Project of a parsed document (after migration); ProjectError naming the problem."""
    if not isinstance(doc, dict) or doc.get("format") != PROJECT_FORMAT:
        found = doc.get("format") if isinstance(doc, dict) else type(doc).__name__
        raise ProjectError(
            f"{where} is not a Backprop Playground project: expected format "
            f"{PROJECT_FORMAT!r}, found {found!r}"
        )
    doc = migrate(doc, where)
    missing = [k for k in (*KEYS, "state") if k not in doc]
    if missing:
        raise ProjectError(f"{where} is damaged: the entries {missing} are missing")
    try:
        network = NetworkSpec.from_dict(doc["network"])
        training = TrainConfig.from_dict(doc["training"])
        data = DataChoice.from_dict(doc["data"])
        if not isinstance(data.params, dict):
            raise ProjectError(
                f"{where} is damaged: `data.params` must be an object of generator "
                f"parameters; received {type(data.params).__name__}"
            )
        dataset = None if doc["dataset"] is None else Dataset.from_dict(doc["dataset"])
        n_layers = len(network.hidden) + 1
        state = None if doc["state"] is None else from_json(doc["state"], n_layers)
        sweep = saved_sweep.read(doc.get("sweep"))
        runs = tuple(runs_from_list(doc.get("runs", [])))  # optional: older files have none
        speed = read_speed(doc.get("speed"))
        classroom = read_classroom(doc.get("classroom"))  # optional: older files have none
    except (EngineError, datasets.DatasetError, TypeError, ValueError) as exc:
        raise ProjectError(f"{where} is damaged: {exc}") from None
    for key in ("title", "explanation"):
        if not isinstance(doc[key], str):
            raise ProjectError(f"{where} is damaged: `{key}` must be text")
    if data.source == "csv" and dataset is None:
        raise ProjectError(f"{where} is damaged: imported data must be stored in `dataset`")
    title, explanation = doc["title"], doc["explanation"]
    return Project(
        data,
        network,
        training,
        dataset,
        state,
        title,
        explanation,
        runs=runs,
        sweep=sweep,
        speed=speed,
        classroom=classroom,
    )


def migrate(doc: dict[str, Any], where: str = "the project") -> dict[str, Any]:
    """Upgrade `doc` to PROJECT_VERSION one version at a time; refuse newer versions."""
    return PROJECT.upgrade(doc, where)


def loads(raw: bytes, where: str = "the project") -> Project:
    """Parse and validate the bytes of a project file."""
    return from_dict(parse_json(raw, where), where)


def parse_json(raw: bytes, where: str = "the project") -> Any:
    """The JSON document in `raw` (not yet checked); ProjectError when it is not JSON."""
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ProjectError(f"{where} is not a Backprop Playground project: not text") from None
    except ValueError as exc:
        raise ProjectError(f"{where} is damaged or not a project: not valid JSON ({exc})") from None
    except RecursionError:
        raise ProjectError(f"{where} is damaged or not a project: nested too deeply") from None


def dumps(project: Project) -> bytes:
    """The file's bytes: readable settings, one compact line for each big array section."""
    doc = project.to_dict()
    lines = []
    for key, value in doc.items():
        if key in COMPACT:
            text = json.dumps(value, separators=(",", ":"), allow_nan=False)
        else:
            text = json.dumps(value, indent=1, allow_nan=False).replace("\n", "\n ")
        lines.append(f" {json.dumps(key)}: {text}")
    return ("{\n" + ",\n".join(lines) + "\n}\n").encode("utf-8")


def read_project(path: str | os.PathLike[str]) -> Project:
    """The project in `path`; ProjectError (or OSError for the file system) otherwise."""
    if os.path.exists(path) and not os.path.isfile(path):  # a FIFO would block for ever
        raise ProjectError(f"'{os.fspath(path)}' is not a regular file; expected a project")
    with open(path, "rb") as f:
        raw = f.read()
    return loads(raw, f"'{os.fspath(path)}'")


def open_project(path: str | os.PathLike[str]) -> tuple[Project, Dataset, Data, Trainer]:
    """The project in `path` with its dataset, data and a Trainer positioned where it was saved.

    Every failure (the file, its data, a state that does not fit) is a ProjectError
    naming the file.
    """
    project = read_project(path)
    return (project, *prepare(project, path))


def prepare(
    project: Project, path: str | os.PathLike[str], history: History | None = None
) -> tuple[Dataset, Data, Trainer]:
    """The dataset, data and positioned Trainer of `project` read from `path`.

    ProjectError naming the file when any of them fails; `history` (when given)
    receives the saved history.
    """
    try:
        ds = project.build_dataset()
        data = project.build_data(ds)
        trainer = Trainer(project.network, project.training, data)
        if project.state is not None:
            restore(trainer, project.state, history)
    except (EngineError, datasets.DatasetError, OSError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ProjectError(f"'{os.fspath(path)}' cannot be opened: {reason}") from None
    return ds, data, trainer


def write_project(project: Project, path: str | os.PathLike[str]) -> None:
    """Write atomically: a failure leaves any older file as it was."""
    data = dumps(project)
    _write_atomic(path, lambda f: f.write(data))


def with_suffix(path: str) -> str:
    """`path`, ending in `.playground.json`."""
    return path if path.endswith(SUFFIX) else str(Path(path).with_suffix("")) + SUFFIX


__all__ = [
    "MIGRATIONS",
    "PROJECT_FORMAT",
    "PROJECT_VERSION",
    "SUFFIX",
    "Project",
    "ProjectError",
    "dumps",
    "from_dict",
    "loads",
    "migrate",
    "open_project",
    "prepare",
    "read_project",
    "with_suffix",
    "write_project",
]
