"""The sweep window (`sweepPanel`): choose parameters and ranges, run, watch, open a trial.

The search itself is playground/document/sweep's (Qt-free, shared with `playground
sweep`); trials run in worker processes (a local pool or a Dask cluster), the loop
waits on them in a `SweepThread`, and rows arrive here through signals. A
double-clicked trial is handed to `on_open(row)` (the main window applies its
settings and seed).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from engine.settings import MAX_SEED
from playground.document.errors import InputError
from playground.document.sweep import results
from playground.document.sweep.executors import default_workers
from playground.document.sweep.params import parse_param
from playground.document.sweep.study import STRATEGIES, Sweep
from playground.document.sweep.trial import PRUNERS, TrialSetup
from playground.gui.sweep_plots import SweepPlots
from playground.gui.sweep_runner import SweepThread

# The parameters offered, with a starting range (activation: through the layer layouts).
OFFERED = (
    ("lr", "log:0.0001:1", True),
    ("batch_size", "8,16,32,64", True),
    ("optimizer", "sgd,momentum,adam", False),
    ("layers", "8:tanh|8:relu|8:tanh,8:tanh|16:relu,16:relu", False),
    ("l2", "0,0.0001,0.001,0.01", False),
    ("dropout", "lin:0:0.5", False),
    ("epochs", "int:10:100", False),
)


class NumberItem(QTableWidgetItem):
    """A table cell that sorts by its number, not its text."""

    def __init__(self, value: Any):
        text = "" if value is None else f"{value:.4g}" if isinstance(value, float) else str(value)
        super().__init__(text)
        self.value = value

    def __lt__(self, other) -> bool:
        a, b = self.value, getattr(other, "value", None)
        if isinstance(a, (int, float)) and isinstance(b, (int, float)):
            return a < b
        return str(a) < str(b)


class SweepPanel(QWidget):
    """The sweep window. `setup_source()` gives the TrialSetup of the main window's
    data and network when Start is pressed."""

    finished = Signal()

    def __init__(self, setup_source: Callable[[], TrialSetup], parent=None):
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("sweepPanel")
        self.setWindowTitle("Hyper-parameter sweep")
        self.setup_source = setup_source
        self.on_open: Callable[[dict[str, Any]], Any] | None = None
        self.thread: SweepThread | None = None
        self.sweep: Sweep | None = None
        self.rows: list[dict[str, Any]] = []
        self._started = 0.0
        self._build()

    # -- layout ----------------------------------------------------------------------
    def _build(self) -> None:
        self.param_rows: dict[str, tuple[QCheckBox, QLineEdit]] = {}
        form = QFormLayout()
        for name, spec, on in OFFERED:
            check, edit = QCheckBox(name), QLineEdit(spec)
            check.setChecked(on)
            edit.setToolTip("a,b,c (layer layouts separated by |), log:LO:HI, lin:LO:HI, int:LO:HI")
            form.addRow(check, edit)
            self.param_rows[name] = (check, edit)
        self.strategy = QComboBox()
        self.strategy.addItems(STRATEGIES)
        self.strategy.setCurrentText("random")
        self.trials = self._spin(1, 10_000, 20)
        self.grid_points = self._spin(2, 50, 3)
        self.workers = self._spin(1, 256, default_workers())
        self.seed = self._spin(0, MAX_SEED, 0)
        self.pruner = QComboBox()
        self.pruner.addItems(PRUNERS)
        self.scheduler = QLineEdit()
        self.scheduler.setPlaceholderText("local pool (or tcp://host:8786)")
        for label, widget in (
            ("Strategy", self.strategy), ("Trials", self.trials),
            ("Grid points", self.grid_points), ("Workers", self.workers), ("Seed", self.seed),
            ("Pruner", self.pruner), ("Dask scheduler", self.scheduler),
        ):  # fmt: skip
            form.addRow(label, widget)
        self.start_button = QPushButton("Start")
        self.start_button.setObjectName("sweepStart")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.export_button = QPushButton("Export…")
        self.start_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.cancel)
        self.export_button.clicked.connect(self._ask_export)
        buttons = QHBoxLayout()
        for b in (self.start_button, self.cancel_button, self.export_button):
            buttons.addWidget(b)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        left = QWidget()
        column = QVBoxLayout(left)
        column.addLayout(form)
        column.addLayout(buttons)
        column.addWidget(self.message)
        column.addStretch(1)
        self.progress = QProgressBar()
        self.progress.setFormat("%v / %m trials")
        self.time_left = QLabel("")
        self.table = QTableWidget(0, 0)
        self.table.setObjectName("sweepTable")
        self.table.setSortingEnabled(True)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.cellDoubleClicked.connect(self._open_row)
        self.plots = SweepPlots()
        tabs = QTabWidget()
        tabs.addTab(self.table, "Trials")
        tabs.addTab(self.plots, "Plots")
        self.tabs = tabs
        right = QWidget()
        rcol = QVBoxLayout(right)
        top = QHBoxLayout()
        top.addWidget(self.progress, 1)
        top.addWidget(self.time_left)
        rcol.addLayout(top)
        rcol.addWidget(tabs, 1)
        split = QSplitter()
        split.addWidget(left)
        split.addWidget(right)
        split.setSizes([330, 900])
        QVBoxLayout(self).addWidget(split)

    @staticmethod
    def _spin(low: int, high: int, value: int) -> QSpinBox:
        box = QSpinBox()
        box.setRange(low, high)
        box.setValue(value)
        return box

    # -- running ---------------------------------------------------------------------
    def make_sweep(self) -> Sweep:
        """The sweep the form describes; InputError naming a bad parameter."""
        params = [
            parse_param(f"{name}={edit.text()}")
            for name, (check, edit) in self.param_rows.items()
            if check.isChecked()
        ]
        sweep = Sweep(
            setup=self.setup_source(), params=params, strategy=self.strategy.currentText(),
            trials=self.trials.value(), workers=self.workers.value(), seed=self.seed.value(),
            grid_points=self.grid_points.value(), pruner=self.pruner.currentText(),
            scheduler=self.scheduler.text().strip() or None,
        )  # fmt: skip
        sweep.check()
        return sweep

    def start(self) -> bool:
        if self.is_running():
            return False
        try:
            sweep = self.make_sweep()
        except InputError as exc:
            self.message.setText(str(exc))
            return False
        self.sweep, self.rows = sweep, []
        names = self.param_names()
        self.table.setSortingEnabled(False)
        self.table.setRowCount(0)
        columns = results.columns(names, "accuracy" if self._classifies() else "r2")
        self.table.setColumnCount(len(columns))
        self.table.setHorizontalHeaderLabels(columns)
        self.table.setSortingEnabled(True)
        self.progress.setRange(0, sweep.total())
        self.progress.setValue(0)
        self.message.setText("Starting the workers…")
        self._started = time.monotonic()
        self.thread = SweepThread(sweep, self)
        self.thread.row.connect(self._add_row)
        self.thread.done.connect(self._done)
        self.thread.failed.connect(self._failed)
        self.thread.finished.connect(self._thread_ended)
        self.start_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.thread.start()
        return True

    def _classifies(self) -> bool:
        try:
            return self.sweep.setup.given is None or self.sweep.setup.given.task != "regression"
        except AttributeError:
            return True

    def param_names(self) -> list[str]:
        return [p.name for p in self.sweep.params] if self.sweep else []

    def is_running(self) -> bool:
        return self.thread is not None and self.thread.isRunning()

    def cancel(self) -> None:
        if self.thread is not None:
            self.thread.cancel()
            self.message.setText("Cancelling: running trials stop, finished ones are kept…")

    def wait(self, ms: int = 5000) -> bool:
        """Cancel and wait for the loop's thread (closing the window, tests)."""
        if self.thread is None:
            return True
        self.thread.cancel()
        return self.thread.wait(ms)

    def _add_row(self, row: dict[str, Any], done: int, total: int) -> None:
        self.rows.append(row)
        names = self.param_names()
        metric = row.get("metric") or results.metric_of(self.rows)
        flat = results.flat(row, names, metric)
        self.table.setSortingEnabled(False)
        at = self.table.rowCount()
        self.table.insertRow(at)
        for col, value in enumerate(flat.values()):
            item = NumberItem(value)
            item.setData(Qt.ItemDataRole.UserRole, row["trial"])
            self.table.setItem(at, col, item)
        self.table.setSortingEnabled(True)
        self.progress.setValue(done)
        elapsed = time.monotonic() - self._started
        left = elapsed / max(done, 1) * (total - done)
        self.time_left.setText(f"about {left:.0f} s left" if done < total else "")
        self.plots.show_rows(self.rows, names, self._grid())
        self.message.setText(f"Trial {row['trial']}: {row['state']}")

    def _grid(self):
        return self.sweep.grid() if self.sweep and self.sweep.strategy == "grid" else None

    def _done(self, rows, seconds: float) -> None:
        summary = results.summary(rows, self.param_names(), seconds)
        counts = ", ".join(f"{summary[s]} {s}" for s in results.STATES if summary[s])
        self.message.setText(f"{summary['trials']} trials in {seconds:.1f} s: {counts}")
        self.time_left.setText("")

    def _failed(self, text: str) -> None:
        self.message.setText(f"The sweep stopped: {text}")

    def _thread_ended(self) -> None:
        self.start_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        self.finished.emit()

    # -- results ---------------------------------------------------------------------
    def row_of(self, table_row: int) -> dict[str, Any] | None:
        item = self.table.item(table_row, 0)
        trial = None if item is None else item.data(Qt.ItemDataRole.UserRole)
        return next((r for r in self.rows if r["trial"] == trial), None)

    def _open_row(self, table_row: int, _column: int) -> None:
        row = self.row_of(table_row)
        if row is not None and self.on_open is not None:
            self.on_open(row)

    def export(self, path: str) -> None:
        results.write(path, sorted(self.rows, key=lambda r: r["trial"]), self.param_names())

    def _ask_export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Export the trials", "sweep.csv", "CSV (*.csv);;JSON (*.json)"
        )
        if path:
            try:
                self.export(path)
            except OSError as exc:
                self.message.setText(f"Could not write {path}: {exc.strerror or exc}")

    def closeEvent(self, event) -> None:
        self.wait()
        super().closeEvent(event)
