"""The lesson that is open, and how the user's settings now differ from it.

A lesson (a bundled example project) explains one setting: "plain SGD with a
learning rate of 0.03 crawls here". Once the user switches to AdamW, that
explanation no longer describes what is on screen, so the window says which
settings differ ("optimizer adamw (lesson: sgd)") and offers them back. The
initialisation seed is not a setting here: Reset draws a new one on purpose.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from engine.settings import BY_NAME, SETTINGS
from engine.spec import NetworkSpec, TrainConfig
from playground.document.project import Project
from playground.document.session import DataChoice, epochs_to_gui

# the training settings' labels, as the toolbar and the Advanced panel show them
CONFIG_LABELS = {s.name: s.label if s.label[1:2].isdigit() else s.label.lower() for s in SETTINGS}
NOT_SETTINGS = ("seed",)  # Reset draws a new initialisation seed on purpose


@dataclass(frozen=True)
class Lesson:
    """An opened lesson: its file (to open it again) and its project (the settings)."""

    path: str
    project: Project

    @property
    def title(self) -> str:
        return self.project.title or "the lesson"

    @property
    def classroom_controls(self) -> tuple[str, ...]:
        """The controls it keeps in classroom mode besides Run/Step/Reset/Speed (its
        optional `classroom` key, playground/document/classroom.py)."""
        return self.project.classroom or ()


def _value(name: str, value) -> str:
    setting = BY_NAME.get(name)
    if name == "epochs":
        value = epochs_to_gui(value)
    if setting is not None and setting.special and value == setting.low:
        return setting.special  # "full", "off", "∞": what the control shows
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float):
        return f"{value:g}"
    return "default" if value is None else str(value)


def _layers(hidden) -> str:
    return ", ".join(f"{layer.units} {layer.activation}" for layer in hidden) or "none"


def config_differences(lesson: TrainConfig, current: TrainConfig) -> list[str]:
    """'optimizer adamw (lesson: sgd)' for each training setting that differs."""
    out = []
    for f in dataclasses.fields(TrainConfig):
        if f.name in NOT_SETTINGS:
            continue
        mine, theirs = getattr(current, f.name), getattr(lesson, f.name)
        if mine != theirs:
            label = CONFIG_LABELS.get(f.name, f.name)
            out.append(f"{label} {_value(f.name, mine)} (lesson: {_value(f.name, theirs)})")
    return out


def data_differences(lesson: DataChoice, current: DataChoice) -> list[str]:
    """The dataset, or the generator settings, that differ."""
    if (lesson.source, lesson.path) != (current.source, current.path):
        return [f"dataset {current.key()} (lesson: {lesson.key()})"]
    out = []
    for key in sorted(set(lesson.params) | set(current.params)):
        mine, theirs = current.params.get(key), lesson.params.get(key)
        if mine != theirs:
            out.append(
                f"{key.replace('_', ' ')} {_value(key, mine)} (lesson: {_value(key, theirs)})"
            )
    for name in ("test_ratio", "task", "standardize"):
        mine, theirs = getattr(current, name), getattr(lesson, name)
        if mine != theirs:
            label = name.replace("_", " ")
            out.append(f"{label} {_value(name, mine)} (lesson: {_value(name, theirs)})")
    return out


def network_differences(lesson: NetworkSpec, current: NetworkSpec) -> list[str]:
    """Inputs, hidden layers and loss that differ."""
    out = []
    if tuple(current.features) != tuple(lesson.features):
        out.append(f"inputs {', '.join(current.features)} (lesson: {', '.join(lesson.features)})")
    if tuple(current.hidden) != tuple(lesson.hidden):
        out.append(f"hidden layers {_layers(current.hidden)} (lesson: {_layers(lesson.hidden)})")
    if current.loss != lesson.loss:
        out.append(f"loss {current.loss} (lesson: {lesson.loss})")
    return out


def differences(lesson: Lesson, data: DataChoice, spec: NetworkSpec, config: TrainConfig):
    """(data and network differences, training differences): the first need a rebuild."""
    project = lesson.project
    rebuild = data_differences(project.data, data) + network_differences(project.network, spec)
    return rebuild, config_differences(project.training, config)


def notice_text(changes: list[str]) -> str:
    """The banner's sentence, or '' when nothing differs."""
    if not changes:
        return ""
    return "Your settings differ from the lesson: " + "; ".join(changes)
