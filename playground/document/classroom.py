"""Which controls a lesson keeps on screen in classroom mode: the optional `classroom` key.

In classroom mode (playground/gui/classroom.py) the toolbar shrinks to Run, Step,
Reset and Speed so a projected window reads from the back of a room. A lesson
that is about one setting names the controls it needs besides those:

    "classroom": {"controls": ["lr", "optimizer"]}

The names are the training settings' names (engine/settings.py, as projects store
them) and a few other parts of the window (`OTHER_CONTROLS`); "schedule" also
keeps the learning-rate curve. The key is
optional: older files and projects without it open as before. Qt-free.
"""

from __future__ import annotations

from typing import Any

from engine.settings import SETTINGS

ALWAYS = ("run", "step", "reset", "speed")  # every classroom toolbar has these
OTHER_CONTROLS = {
    "loss": "the loss",
    "inspect": "the Inspect button (the backprop inspector)",
    "advanced": "the Advanced… button",
    "layers": "the layer editor (units and activations)",
    "data": "the dataset picker",
    "timeline": "the timeline under the plots",
    "gradients": "the Gradients, Activations and Loss landscape tabs",
}
CONTROLS = (*(s.name for s in SETTINGS), *OTHER_CONTROLS)  # the names a lesson may use
KEYS = ("controls",)


def read_classroom(value: Any) -> tuple[str, ...] | None:
    """The controls a `classroom` entry declares (None when absent).

    ValueError naming the entry, what was expected and what was received otherwise.
    """
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ValueError(
            f'`classroom` must be an object like {{"controls": ["lr"]}}; '
            f"received {type(value).__name__}"
        )
    unknown = sorted(set(value) - set(KEYS))
    if unknown:
        raise ValueError(f"`classroom` has unknown entries {unknown}: expected only {list(KEYS)}")
    controls = value.get("controls", [])
    if not isinstance(controls, list) or not all(isinstance(c, str) for c in controls):
        raise ValueError(
            f"`classroom.controls` must be a list of control names; received {controls!r}"
        )
    for name in controls:
        if name not in CONTROLS:
            raise ValueError(
                f"`classroom.controls` names an unknown control {name!r}: expected some of "
                f"{', '.join(CONTROLS)}"
            )
    return tuple(dict.fromkeys(controls))  # in order, each once


def classroom_json(controls: tuple[str, ...]) -> dict[str, list[str]]:
    """The `classroom` entry of a project file declaring `controls`."""
    return {"controls": list(controls)}


__all__ = ["ALWAYS", "CONTROLS", "OTHER_CONTROLS", "classroom_json", "read_classroom"]
