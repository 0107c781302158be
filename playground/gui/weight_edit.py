"""Set or freeze one weight or bias by hand: the popup, the undoable edit, the run's marks.

Clicking an edge of the network diagram (a weight), a neuron (its bias) or a
cell of the inspector's "W after the step" / "b after the step" tables opens a
small popup naming the parameter as the file does (`layers.{k}.weight[i, j]`)
and as a person counts (layer k + 1). Typing a value and Enter, or turning the
mouse wheel over the field, sets it; "Frozen" excludes it from training.

An edit pauses a running session and goes through the runner's own
`capture()` / `restore()` (engine/runner_protocol.py), the path "Continue from
here" takes: the run's state is captured, that one number changed
(engine/hand_edits.py keeps the frozen set and a log of edits in the trainer's
state) and restored, so both runners, projects and the timeline's checkpoints
carry it, and the restore's fresh snapshot redraws the output, the neuron maps
and the losses at once. The restore starts a new generation of snapshots; the
run goes on, so the runs list and the curves' setting markers are told so.

Each edit is one QUndoCommand on the layer editor's undo stack (Edit > Undo,
Ctrl+Z): undoing puts the old value back bit for bit. Wheel turns on one
parameter merge into one command. Logged edits are drawn as markers on the
loss, metric and gradient curves at their step.
"""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import QObject, QPoint, Qt, Signal
from PySide6.QtGui import QCursor, QUndoCommand
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QGridLayout,
    QLabel,
    QLineEdit,
    QWidget,
)

from engine.errors import EngineError
from engine.hand_edits import HandEdit, checked_value
from playground.document.weight_edits import Target, current, edited, edits_of, frozen_targets
from playground.gui.plots.markers import EDIT_HEX, StepMarkers

ASK_TIMEOUT = 5.0  # seconds to wait for the runner's state
WHEEL_STEPS = {"plain": 0.1, "shift": 0.01, "ctrl": 1.0}  # per wheel notch
EDIT_ID = 1807  # QUndoCommand.id(): wheel turns on one parameter merge
LABEL_HEIGHTS = (0.6, 0.35)  # successive edit markers' labels alternate: neighbours stay legible
HINT = "Enter sets it · wheel ±0.1 (Shift ±0.01, Ctrl ±1) · Edit > Undo takes it back"


class ValueField(QLineEdit):
    """A number field the mouse wheel turns (`wheeled(delta)`); typing is read on Enter."""

    wheeled = Signal(float)

    def wheelEvent(self, event) -> None:
        notches = event.angleDelta().y() / 120.0
        if not notches:
            super().wheelEvent(event)
            return
        mods = event.modifiers()
        key = "plain"
        if mods & Qt.KeyboardModifier.ShiftModifier:
            key = "shift"
        elif mods & Qt.KeyboardModifier.ControlModifier:
            key = "ctrl"
        self.wheeled.emit(notches * WHEEL_STEPS[key])
        event.accept()


class WeightEditPopup(QFrame):
    """The popup: the parameter's names, its value, "Frozen", and why a value was refused."""

    submitted = Signal(float, bool)  # value, frozen

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent, Qt.WindowType.Popup)
        self.setObjectName("weightEditPopup")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet("#weightEditPopup { background: white; border: 1px solid #888; }")
        self.title = QLabel()
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.where = QLabel()
        self.where.setStyleSheet("color: #444")
        self.field = ValueField()
        self.field.setAccessibleName("Parameter value")
        self.field.setMinimumWidth(150)
        self.frozen = QCheckBox("Frozen")
        self.frozen.setToolTip("Training leaves a frozen parameter exactly as it is")
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b00020")
        self.message.hide()
        hint = QLabel(HINT)
        hint.setStyleSheet("color: #666")
        grid = QGridLayout(self)
        grid.setContentsMargins(10, 8, 10, 8)
        grid.addWidget(self.title, 0, 0, 1, 3)
        grid.addWidget(self.where, 1, 0, 1, 3)
        grid.addWidget(QLabel("Value"), 2, 0)
        grid.addWidget(self.field, 2, 1)
        grid.addWidget(self.frozen, 2, 2)
        grid.addWidget(self.message, 3, 0, 1, 3)
        grid.addWidget(hint, 4, 0, 1, 3)
        self.value = 0.0  # the value the run holds now
        self.kind = "weight"  # or "bias": what a refusal names
        self.field.returnPressed.connect(self._typed)
        self.field.wheeled.connect(self._wheeled)
        self.frozen.toggled.connect(lambda on: self.submitted.emit(self.value, on))

    def show_for(self, name: str, where: str, value: float, frozen: bool, at: QPoint) -> None:
        self.title.setText(name)
        self.where.setText(where)
        self.held(value, frozen)
        self.message.hide()
        self.adjustSize()
        self.move(at + QPoint(12, 12))
        self.show()
        self.field.setFocus()
        self.field.selectAll()

    def held(self, value: float, frozen: bool) -> None:
        """The run now holds `value` (frozen or not): show it."""
        self.value = value
        self.field.setText(repr(value))
        self.frozen.blockSignals(True)
        self.frozen.setChecked(frozen)
        self.frozen.blockSignals(False)

    def refuse(self, message: str) -> None:
        self.message.setText(message)
        self.message.show()
        self.adjustSize()

    def _typed(self) -> None:
        try:
            value = checked_value(self.field.text(), self.kind)
        except EngineError as exc:
            self.refuse(str(exc))
            return
        self.message.hide()
        self.submitted.emit(value, self.frozen.isChecked())

    def _wheeled(self, delta: float) -> None:
        value = round(self.value + delta, 12)  # 0.1 + 0.2 shows as 0.3
        try:
            value = checked_value(value, self.kind)
        except EngineError as exc:
            self.refuse(str(exc))
            return
        self.message.hide()
        self.submitted.emit(value, self.frozen.isChecked())


class WeightEditCommand(QUndoCommand):
    """One edit on the undo stack; its first `redo` is the edit already made."""

    def __init__(self, editing: WeightEditing, edit: HandEdit):
        super().__init__(f"set {edit.text()}")
        self.editing, self.edit = editing, edit
        self._done = True

    def id(self) -> int:
        return EDIT_ID

    def mergeWith(self, other) -> bool:
        a, b = self.edit, other.edit
        if (a.tensor, a.index, a.step) != (b.tensor, b.index, b.step):
            return False
        self.edit = dataclasses.replace(b, old=a.old, was_frozen=a.was_frozen)
        self.setText(f"set {self.edit.text()}")
        return True

    def redo(self) -> None:
        if self._done:
            self._done = False
            return
        self.editing.apply(self.edit)

    def undo(self) -> None:
        self.editing.apply(self.edit, undo=True)


class WeightEditing(QObject):
    """Opens the popup from the diagram and the inspector; makes, undoes and marks edits."""

    def __init__(self, window):
        super().__init__(window)
        self.w = window
        self.popup = WeightEditPopup(window)
        self.stack = window.layer_editor.undo_stack  # one Edit > Undo for the whole window
        plots = (window.loss_plot.loss, window.loss_plot.metric_plot, window.gradient_plot.plot)
        self.markers = StepMarkers(plots, EDIT_HEX, label_at=0.6)
        self.target: Target | None = None
        self._generation = None
        self._pending = None  # the state an edit restored, until its snapshot is drawn
        self._kept: list[tuple[int, str]] = []  # the setting markers the restore would clear
        view = window.network_view
        view.weightClicked.connect(lambda k, i, j: self.open(Target(k, "weight", (i, j))))
        view.biasClicked.connect(lambda k, i: self.open(Target(k, "bias", (i,))))
        window.inspector.phase_tables.edit = self.open
        for action in (window.layer_editor.undo_action, window.layer_editor.redo_action):
            self.popup.addAction(action)  # Ctrl+Shift+Z / Ctrl+Y work in the popup too
        self.popup.submitted.connect(self.submit)

    def say(self, text: str) -> None:
        self.w.status.announce(text)

    # -- the run's state ----------------------------------------------------------------------
    def _capture(self):
        """The run's state, paused first (an edit pauses a running session); None: said why."""
        w = self.w
        if w.runner is None:
            self.say("No training run to edit: build a network first")
            return None
        if w.is_running():
            w.controls.run_button.setChecked(False)
        try:
            return w.capture_training(ASK_TIMEOUT)
        except OSError as exc:
            self.say(f"The weights cannot be edited now: {exc}")
            return None

    def open(self, target: Target, at: QPoint | None = None) -> bool:
        """Show the popup for `target` with the run's exact value (pausing the run)."""
        state = self._capture()
        if state is None:
            return False
        spec = self.w.document.spec
        try:
            value, frozen = current(state, spec, target)
        except (EngineError, KeyError, IndexError) as exc:
            self.say(f"{target.name} cannot be edited: {exc}")
            return False
        self.target = target
        where = f"{target.describe(spec)} (step {state.step:,})"
        self.popup.kind = target.kind
        self.popup.show_for(target.name, where, value, frozen, at or QCursor.pos())
        return True

    def submit(self, value: float, frozen: bool) -> bool:
        """Set the popup's parameter to `value` (frozen or not): one undoable edit."""
        target = self.target
        state = self._capture() if target is not None else None
        if state is None:
            return False
        try:
            old, was = current(state, self.w.document.spec, target)
        except (EngineError, KeyError, IndexError) as exc:
            self.popup.refuse(f"{target.name} cannot be edited: {exc}")
            return False
        if (old, was) == (value, frozen):
            return True
        edit = HandEdit(state.step, target.tensor, target.index, old, value, was, frozen)
        if not self.apply(edit, state=state):
            self.popup.refuse("The run did not take the new value; pause and try again")
            return False
        self.stack.push(WeightEditCommand(self, edit))
        return True

    def apply(self, edit: HandEdit, undo: bool = False, state=None) -> bool:
        """Put `edit` (or, `undo`, its old value) into the run; False when it did not take."""
        state = state if state is not None else self._capture()
        if state is None:
            return False
        spec = self.w.document.spec
        if not undo:
            edit = dataclasses.replace(edit, step=state.step)  # a redo: marked where it is made
        try:
            new = edited(state, spec, edit, undo)
        except EngineError as exc:  # the network changed since: the parameter is gone
            self.say(f"{edit.name} cannot be {'restored' if undo else 'set'}: {exc}")
            return False
        self._pending, self._kept = new, list(self.w.watching.markers.marks)
        if not self.w.restore_training(new, ASK_TIMEOUT):
            self._pending = None
            self.say("The run did not answer; the edit was not made")
            return False
        self.show_state(new)
        self.w.inspector.drop("a weight was set by hand; inspect again to follow it")
        if self.popup.isVisible() and self.target == Target.of(edit.tensor, edit.index):
            self.popup.held(*current(new, spec, self.target))
        self.say(f"{'Undid' if undo else 'Set'} {edit.text()}")
        return True

    # -- drawing ------------------------------------------------------------------------------
    def show_state(self, state) -> None:
        """The diagram's frozen marks and the curves' edit markers of a run's state."""
        spec, view = self.w.document.spec, self.w.network_view
        self.markers.clear()
        try:
            view.frozen = frozen_targets(state, spec) if state is not None else set()
            by_step: dict[int, list[HandEdit]] = {}  # one marker a step: labels would overlap
            for edit in edits_of(state, spec) if state is not None else ():
                by_step.setdefault(edit.step, []).append(edit)
            for n, (step, edits) in enumerate(by_step.items()):
                self.markers.label_at = LABEL_HEIGHTS[n % len(LABEL_HEIGHTS)]
                more = f" +{len(edits) - 1}" if len(edits) > 1 else ""
                self.markers.add(step, label(edits[0]) + more, "; ".join(e.text() for e in edits))
        except EngineError:  # a state of another network: nothing to mark
            view.frozen = set()
        view.update()

    def before_draw(self, snap) -> None:
        """An edit's own restore begins a new generation: the run goes on, not a new one."""
        if snap.generation != self._generation and self._pending is not None:
            runs = self.w.runs
            runs.recorder.continue_as(snap.generation)
            runs.frames.generation = snap.generation  # the animation keeps its frames

    def after_draw(self, snap) -> None:
        """After a new generation is drawn: its setting markers back, its marks shown."""
        if snap.generation == self._generation:
            return
        self._generation = snap.generation
        state, self._pending = self._pending, None
        if state is not None:
            for step, text in self._kept:
                self.w.watching.markers.add(step, text)
            self._kept = []
        elif snap.reason == "rebuild" and self.w.runner is not None:
            state = self.w.runner.capture(ASK_TIMEOUT)  # an opened project, a checkpoint
        self.show_state(state)


def label(edit: HandEdit) -> str:
    """A marker's short label, counted from 1 as the diagram's tips: "W1[2, 1] → 2.5"."""
    short = Target.of(edit.tensor, edit.index).short
    if edit.new != edit.old:
        short += f" → {edit.new:.3g}"
    if edit.frozen != edit.was_frozen:
        short += " frozen" if edit.frozen else " unfrozen"
    return short


def install(window) -> WeightEditing:
    """Click a weight or bias (diagram, inspector) to set or freeze it; see the docstring."""
    editing = WeightEditing(window)
    window.frames.wrap_draw(editing.before_draw, editing.after_draw)
    return editing


__all__ = ["WeightEditCommand", "WeightEditPopup", "WeightEditing", "install"]
