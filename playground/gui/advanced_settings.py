"""The Advanced panel: the training settings whose group is "advanced" (engine/settings.py).

A small tool window beside the toolbar (it does not crowd it), laid out from the
table: one labelled editor per setting, in the table's order. An optimizer's own
setting that the chosen optimizer does not read is disabled, its tip saying which
optimizers read it. The editors belong to TrainingControls, which reads them.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QFormLayout, QLabel, QWidget

from engine.schedules import SCHEDULES
from engine.settings import BY_NAME, EPOCHS_UNTIL_PAUSED

DEFAULT_HORIZON = 100  # the cosine's epochs when the run has no end


def with_horizon(values: dict[str, Any], box: QWidget) -> dict[str, Any]:
    """`values` with a cosine horizon: choosing cosine with none set fills one in.

    The horizon is the run's epochs, or 100 when training until paused (the box shows it).
    """
    schedule = SCHEDULES.get(values["schedule"])
    warmup = values["warmup_epochs"] if schedule.name == "warmup_cosine" else 0
    if not schedule.needs_horizon or values["schedule_epochs"] > warmup:
        return values
    epochs = values["epochs"]
    horizon = epochs if 0 < epochs < EPOCHS_UNTIL_PAUSED else DEFAULT_HORIZON
    horizon = max(horizon, warmup + 1)
    box.blockSignals(True)
    box.setValue(horizon)
    box.blockSignals(False)
    return {**values, "schedule_epochs": horizon}


class AdvancedSettings(QDialog):
    """A non-modal panel of `editors` (setting name -> widget), training goes on meanwhile."""

    def __init__(self, editors: dict[str, QWidget], parent: QWidget | None = None):
        super().__init__(parent, Qt.WindowType.Tool)
        self.setObjectName("advancedSettings")
        self.setWindowTitle("Advanced training settings")
        self.editors = editors
        self.labels: dict[str, QLabel] = {}
        form = QFormLayout(self)
        note = QLabel("Changes apply from the next step, like the toolbar's.")
        note.setWordWrap(True)
        form.addRow(note)
        for name, box in editors.items():
            label = QLabel(BY_NAME[name].label)
            label.setBuddy(box)
            label.setToolTip(box.toolTip())
            self.labels[name] = label
            form.addRow(label, box)

    def follow(self, optimizer: str, schedule: str) -> None:
        """Enable what `optimizer` and `schedule` read; the others say why they are off."""
        for name, box in self.editors.items():
            setting = BY_NAME[name]
            tip = setting.tip
            if not setting.applies_to(optimizer):
                tip = (
                    f"{setting.label} is not used by {optimizer}; it applies to "
                    f"{', '.join(setting.optimizers)}. {tip}"
                )
            elif not setting.read_by(schedule):
                tip = (
                    f"{setting.label} is not read by the {schedule} schedule; it applies to "
                    f"{', '.join(setting.schedules)}. {tip}"
                )
            used = tip is setting.tip
            for widget in (box, self.labels[name]):
                widget.setEnabled(used)
                widget.setToolTip(tip)

    def show_beside(self) -> None:
        """Show (or raise) the panel near the top right of its window."""
        parent = self.parentWidget()
        window = parent.window() if parent is not None else None
        if window is not None and not self.isVisible():
            self.adjustSize()
            corner = window.mapToGlobal(window.rect().topRight())
            self.move(corner.x() - self.width() - 24, corner.y() + 90)
        self.show()
        self.raise_()
        self.activateWindow()
