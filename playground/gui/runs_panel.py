"""Runs side by side: the earlier runs in a dock (objectName `runsPanel`), overlaid when ticked.

Every Reset, rebuild or opened project ends the run on screen; the window's
presenter hands each snapshot it draws to `RunsController.observe`, whose
RunRecorder (Qt-free) keeps the run that ended. The dock lists them (name, what
changed, final losses and metric, steps, seconds, a picture of the final output);
ticked runs are drawn over the loss, metric and gradient plots, each in its own
dashed colour (a run that ends arrives unticked, so the new run's axes start
afresh; a lesson's variants arrive ticked). Runs can be renamed, deleted and
exported as CSV; projects save them. `install(window)` puts all this into the main
window in one call.
"""

from __future__ import annotations

import itertools
import os
import threading

import numpy as np
from PySide6.QtCore import QObject, QSize, Qt, QTimer
from PySide6.QtGui import QAction, QIcon, QImage, QPixmap
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QWidget,
)

from engine.errors import EngineError
from playground.document.animation import FrameRecord
from playground.document.run_recorder import RunRecorder
from playground.document.runs import RunList
from playground.document.variants import train_variant, variants_of
from playground.gui.messages import show_error_dialog
from playground.gui.palette import LAYER_HEX
from playground.gui.plots.run_overlays import RunOverlays

PREVIEW = 96  # pixels of the hovered run's final output
LIST_HEIGHT = 112  # about three runs: the dock leaves the plots their room


def _pixmap(rgb: np.ndarray | None, size: int) -> QPixmap:
    if rgb is None:
        return QPixmap()
    rgb = np.ascontiguousarray(rgb, np.uint8)
    h, w = rgb.shape[:2]
    image = QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()
    return QPixmap.fromImage(image).scaled(
        size, size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
    )


def _number(x) -> str:
    return "–" if x is None else f"{x:.3g}"


def describe(run) -> str:
    """The list's line for a run."""
    f = run.final
    metric = "acc" if f["metric"] == "accuracy" else "R²"
    test = "" if f["test_loss"] is None else f" / test {_number(f['test_loss'])}"
    return (
        f"{run.name} — {run.change} · loss {_number(f['train_loss'])}{test} · "
        f"{metric} {_number(f['train_metric'])} · {run.steps} steps, {run.seconds:.1f} s"
    )


class RunsPanel(QDockWidget):
    """The runs list (see the module docstring)."""

    def __init__(self, runs: RunList, overlays: RunOverlays, parent=None):
        super().__init__("Runs", parent)
        self.setObjectName("runsPanel")
        self.runs = runs
        self.overlays = overlays
        self._ticked: dict[int, bool] = {}  # id(run) -> overlaid
        self._colours: dict[int, str] = {}
        self._known: dict[int, object] = {}  # id -> run: keeps ids from being reused
        # a run that ends arrives unticked (a new run's axes start afresh); trained
        # variants arrive ticked, to be compared at once
        self.tick_new = False
        self._palette = itertools.cycle(LAYER_HEX[1:])  # blue is the live train curve's
        self.list = QListWidget()
        self.list.setObjectName("runsList")
        self.list.setIconSize(QSize(24, 24))
        self.list.setMaximumHeight(LIST_HEIGHT)
        self.list.setMouseTracking(True)
        self.list.itemEntered.connect(lambda item: self._preview(self.list.row(item)))
        self.list.itemChanged.connect(self._tick_changed)
        self.list.setToolTip("Tick runs to draw them over the curves (dashed, one colour each)")
        self.preview = QLabel("Hover a run to see\nits final output")
        self.preview.setObjectName("runPreview")
        self.preview.setFixedSize(PREVIEW, PREVIEW)
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setStyleSheet("color: #666666; border: 1px solid #cccccc")
        buttons = QGridLayout()
        for k, (text, slot, tip) in enumerate(
            (
                ("Rename…", self._ask_rename, "Give the selected run a name"),
                ("Delete", self._delete_selected, "Forget the selected run"),
                ("Export CSV…", self._ask_export, "Write every run's numbers to a CSV file"),
            )
        ):
            button = QPushButton(text)
            button.setToolTip(tip)
            button.clicked.connect(slot)
            buttons.addWidget(button, k, 0)
        self.variants_button = QPushButton("Train all variants")
        self.variants_button.setObjectName("trainVariants")
        self.variants_button.hide()
        buttons.addWidget(self.variants_button, 3, 0)
        buttons.setRowStretch(4, 1)
        body = QWidget()
        layout = QHBoxLayout(body)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.preview)
        layout.addLayout(buttons)
        self.setWidget(body)
        runs.listeners.append(self.refresh)
        self.refresh()

    # -- the list -------------------------------------------------------------------------
    def refresh(self) -> None:
        """Show the list as it is; each new run gets a colour of its own."""
        present = {id(run) for run in self.runs.runs}
        for key in list(self._ticked):
            if key not in present:
                del self._ticked[key], self._colours[key], self._known[key]
        self.list.blockSignals(True)
        self.list.clear()
        for run in self.runs.runs:
            key = id(run)
            if key not in self._ticked:
                self._known[key] = run
                self._ticked[key] = self.tick_new
                self._colours[key] = next(self._palette)
            item = QListWidgetItem(describe(run))
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(
                Qt.CheckState.Checked if self._ticked[key] else Qt.CheckState.Unchecked
            )
            item.setForeground(_colour_brush(self._colours[key]))
            item.setIcon(QIcon(_pixmap(run.thumbnail, 24)))
            item.setToolTip(f"{run.name}: {run.change}\n{describe(run)}")
            self.list.addItem(item)
        self.list.blockSignals(False)
        self.list.scrollToBottom()
        self._draw()

    def ticked(self) -> list:
        return [run for run in self.runs.runs if self._ticked.get(id(run))]

    def set_ticked(self, row: int, on: bool) -> None:
        self.list.item(row).setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)

    def _tick_changed(self, item: QListWidgetItem) -> None:
        run = self.runs[self.list.row(item)]
        self._ticked[id(run)] = item.checkState() == Qt.CheckState.Checked
        self._draw()

    def _draw(self) -> None:
        self.overlays.show([(run, self._colours[id(run)]) for run in self.ticked()])

    def _preview(self, row: int) -> None:
        if 0 <= row < len(self.runs):
            run = self.runs[row]
            if run.thumbnail is None:
                self.preview.setText(f"{run.name}:\nno picture\nfor this data")
            else:
                self.preview.setPixmap(_pixmap(run.thumbnail, PREVIEW))

    # -- editing ----------------------------------------------------------------------------
    def rename(self, row: int, name: str) -> None:
        old = self.runs[row]
        kept = self._ticked[id(old)], self._colours[id(old)]
        self.runs.rename(row, name)  # ValueError for an empty name; refreshes the list
        new = self.runs[row]
        self._ticked[id(new)], self._colours[id(new)] = kept
        self.refresh()

    def delete(self, row: int) -> None:
        self.runs.delete(row)

    def export_csv(self, path: str) -> bool:
        from playground.gui.file_actions import write_file

        try:
            write_file(path, self.runs.to_csv().encode("utf-8"))
        except OSError as exc:
            show_error_dialog(self, "Cannot export the runs", str(exc))
            return False
        return True

    def _selected(self) -> int:
        return self.list.currentRow()

    def _ask_rename(self) -> None:
        row = self._selected()
        if row < 0:
            return
        name, ok = QInputDialog.getText(self, "Rename run", "Name:", text=self.runs[row].name)
        if ok:
            try:
                self.rename(row, name)
            except ValueError as exc:
                show_error_dialog(self, "Cannot rename the run", str(exc))

    def _delete_selected(self) -> None:
        if self._selected() >= 0:
            self.delete(self._selected())

    def _ask_export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export runs", "runs.csv", "CSV (*.csv)")
        if path:
            self.export_csv(path)


def _colour_brush(hex_colour: str):
    from PySide6.QtGui import QBrush, QColor

    return QBrush(QColor(hex_colour))


class RunsController:
    """The window's runs: the recorder fed by the presenter, the list, the dock, the overlays."""

    def __init__(self, window):
        self.w = window
        self.list = window.document.runs  # the document's: saved in projects
        self.recorder = RunRecorder(self.list)
        self.frames = FrameRecord()  # the current run's output pictures (animation export)
        self.overlays = RunOverlays(window.loss_plot, window.gradient_plot)
        self.panel = RunsPanel(self.list, self.overlays, window)
        self.list.listeners.append(self._first_run_shown)
        window.files.opened.connect(self._opened)
        self.panel.variants_button.clicked.connect(self.train_variants)
        self.variants = VariantTraining(self)

    def observe(self, snap) -> None:
        """Every drawn snapshot: a new run begins when its generation changes."""
        data = self.w.session.data
        label = os.path.basename(data.path) if data.source == "csv" else data.source
        if (
            self.recorder.observe(snap, label) is not None
            or self.frames.generation != snap.generation
        ):
            self.frames.clear(snap.generation)
        if snap.view is not None:
            self.frames.add(snap.step, snap.view)

    def _opened(self, project, path: str, example: bool) -> None:
        """A project's runs join the list; a comparison lesson offers its variants."""
        self.list.extend(project.runs)
        self.variants.offer(project, path if example else None)

    def train_variants(self) -> None:
        self.variants.start()

    def _first_run_shown(self) -> None:
        if len(self.list) and self.panel.isHidden() and not self.panel.property("shownOnce"):
            self.panel.setProperty("shownOnce", self.pop_up())

    def pop_up(self) -> bool:
        """Show the panel unasked, except in classroom mode (the projector keeps its layout)."""
        classroom = getattr(self.w, "classroom", None)
        if classroom is not None and classroom.is_on():
            return False
        self.panel.show()
        return True


class VariantTraining(QObject):
    """Trains the open lesson's variants in a worker thread, then adds them as runs."""

    def __init__(self, controller: RunsController):
        super().__init__(controller.panel)
        self.c = controller
        self.project = None
        self.found: list = []
        self.thread: threading.Thread | None = None
        self.results: list = []
        self.error: str | None = None
        self.timer = QTimer(self)
        self.timer.setInterval(100)
        self.timer.timeout.connect(self._poll)

    def offer(self, project, path: str | None) -> None:
        button = self.c.panel.variants_button
        try:
            self.found = variants_of(path) if path else []
        except (OSError, ValueError) as exc:
            self.found = []
            self.c.w.status.announce(f"This lesson's variants cannot be trained: {exc}", 10000)
        self.project = project if self.found else None
        button.setVisible(bool(self.found))
        names = ", ".join(v.name for v in self.found)
        button.setText(f"Train all {len(self.found)} variants")
        button.setToolTip(f"Train {names} from step 0 in the background and overlay them")
        if self.found:
            self.c.pop_up()

    def running(self) -> bool:
        return self.thread is not None and self.thread.is_alive()

    def start(self) -> None:
        if self.project is None or self.running():
            return
        self.results, self.error = [], None
        self.thread = threading.Thread(
            target=self._work, args=(self.project, list(self.found)), name="variants", daemon=True
        )
        self.c.panel.variants_button.setEnabled(False)
        self.c.w.status.announce(f"Training {len(self.found)} variants in the background…")
        self.thread.start()
        self.timer.start()

    def _work(self, project, variants) -> None:
        try:
            for variant in variants:
                self.results.append(train_variant(project, variant))
        except (EngineError, ValueError, OSError) as exc:
            self.error = str(exc)

    def _poll(self) -> None:
        if self.running():
            return
        self.timer.stop()
        self.c.panel.variants_button.setEnabled(True)
        self.c.panel.tick_new = True
        try:
            for run in self.results:
                self.c.list.add(run)
        finally:
            self.c.panel.tick_new = False
        if self.error is not None:
            show_error_dialog(self.c.w, "Cannot train the variants", self.error)
        else:
            self.c.w.status.announce(
                f"Trained {len(self.results)} variants: overlaid on the curves"
            )

    def finished(self) -> bool:
        return not self.running() and not self.timer.isActive()


def install(window) -> QAction:
    """Give `window` its `runs` (a RunsController) and the Runs dock; return the dock's
    show/hide action for a menu. The dock appears by itself when the first run ends."""
    window.runs = RunsController(window)
    dock = window.runs.panel
    window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
    dock.hide()
    action = dock.toggleViewAction()
    action.setText("Runs")
    return action


__all__ = ["RunsController", "RunsPanel", "describe", "install"]
