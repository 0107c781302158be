"""One editor widget per training setting, built from its record in engine/settings.py.

The record's `widget` kind picks the widget ("combo", "presets", "int", "real", "check"),
its bounds, steps, special text and tip configure it. `show` puts a value in
without emitting; `read` returns the value typed in or raises SpecError
(what / expected / received); `changed` connects the signal that means "edited".
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QCheckBox, QComboBox, QDoubleSpinBox, QSpinBox, QWidget

from engine.errors import SpecError
from engine.settings import Setting

DEFAULT_TEXT = "default"  # a "presets" editor's entry for None (the optimizer's own)


def make_editor(setting: Setting, width: int = 78) -> QWidget:
    """The widget for `setting`, with its range, steps, special text and tooltip."""
    kind = setting.widget
    if kind in ("combo", "presets"):
        box = QComboBox()
        box.addItems(setting.choices if kind == "combo" else setting.presets)
        if kind == "presets":
            box.setEditable(True)
            box.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
    elif kind == "int":
        box = QSpinBox()
        box.setRange(int(setting.low), int(setting.high))
        box.setSingleStep(int(setting.step) or 1)
        box.setKeyboardTracking(False)
    elif kind == "real":
        box = QDoubleSpinBox()
        box.setDecimals(setting.decimals)
        box.setRange(setting.low, setting.high)
        box.setSingleStep(setting.step)
        box.setKeyboardTracking(False)
    elif kind == "check":
        box = QCheckBox()
    else:
        raise ValueError(f"Setting {setting.name!r} has an unknown widget kind {kind!r}")
    if setting.special and isinstance(box, QSpinBox | QDoubleSpinBox):
        box.setSpecialValueText(setting.special)
    box.setObjectName(f"setting_{setting.name}")
    box.setToolTip(setting.tip)
    box.setFixedWidth(width)
    return box


def changed(setting: Setting, box: QWidget, slot: Callable[..., Any]) -> None:
    """Call `slot` when the person has finished editing `box`."""
    if isinstance(box, QCheckBox):
        box.toggled.connect(slot)
    elif isinstance(box, QComboBox):
        if box.isEditable():
            box.lineEdit().editingFinished.connect(slot)
            box.activated.connect(slot)
        else:
            box.currentTextChanged.connect(slot)
    else:
        box.valueChanged.connect(slot)


def show(setting: Setting, box: QWidget, value: Any) -> None:
    """Put `value` into `box` without emitting."""
    box.blockSignals(True)
    if isinstance(box, QCheckBox):
        box.setChecked(bool(value))
    elif isinstance(box, QComboBox):
        if box.isEditable():
            box.setCurrentText(DEFAULT_TEXT if value is None else number_text(value))
            box.setStyleSheet("")
            box.setToolTip(setting.tip)
        else:
            box.setCurrentText(value)
    else:
        box.setValue(value)
    box.blockSignals(False)


def number_text(value: float) -> str:
    """`value` short ("0.01", "1e-06") yet exact: reading it back gives the same float."""
    text = f"{value:g}"
    return text if float(text) == value else repr(float(value))


def read(setting: Setting, box: QWidget) -> Any:
    """The value in `box`; SpecError (what / expected / received) for unreadable text."""
    if isinstance(box, QCheckBox):
        return box.isChecked()
    if not isinstance(box, QComboBox):
        return box.value()
    text = box.currentText().strip()
    if not box.isEditable():
        return text
    if setting.optional and text.lower() == DEFAULT_TEXT:
        return None
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    try:
        return setting.check(value)
    except SpecError:
        raise SpecError(
            f"Received an invalid {setting.label.lower()}, expected a number "
            f"{setting.bounds_text()}{' or default' if setting.optional else ''}. "
            f"Received: {text!r}"
        ) from None
