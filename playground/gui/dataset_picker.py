"""The dataset picker (objectName `datasetPicker`): data, its parameters, input features.

Every entry of `datasets.available()` is listed with a thumbnail, grouped by task;
"Import CSV..." reads the user's file in the background (a busy indicator; the
window keeps working) and adds it under "Imported"; a bad file is refused in a
dialog and the current dataset stays. Below: number of samples, noise, test
ratio, seed, the generator's own parameters, "Regenerate" (the next seed), and
the input features (a checkable list, `FeatureList`). Data the train/test split
refuses is refused here, so the picker always shows the data being trained.
Emits `choiceChanged(DataChoice, Dataset)` with the built dataset,
`featuresChanged(tuple)` and `importFinished(DataChoice, ok, reason)`.
"""

from __future__ import annotations

import logging
import os

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

import datasets
from datasets.dataset import Dataset
from engine.errors import EngineError
from engine.settings import MAX_SEED
from playground.document.session import DataChoice, allowed_features
from playground.document.training_data import make_data
from playground.gui.csv_loader import CsvLoader
from playground.gui.feature_list import FeatureList
from playground.gui.messages import show_error_dialog
from playground.gui.thumbnails import SIZE, thumbnail

log = logging.getLogger(__name__)
KEY_ROLE = Qt.ItemDataRole.UserRole
GROUPS = (("classification", "Classification"), ("regression", "Regression"))
MAX_GUI_SAMPLES = 20_000
THUMB_SAMPLES = 200
FEATURE_TIPS = {
    "x1": "The first input as it is",
    "x2": "The second input as it is",
    "x1^2": "The first input squared",
    "x2^2": "The second input squared",
    "x1*x2": "The product of the two inputs",
    "sin(x1)": "The sine of the first input",
    "sin(x2)": "The sine of the second input",
}


def _header(text: str) -> QListWidgetItem:
    item = QListWidgetItem(text)
    item.setFlags(Qt.ItemFlag.NoItemFlags)
    font = QFont()
    font.setBold(True)
    item.setFont(font)
    return item


class DatasetPicker(QWidget):
    choiceChanged = Signal(object, object)  # DataChoice, Dataset
    featuresChanged = Signal(object)  # tuple[str, ...]
    importFinished = Signal(object, bool, str)  # DataChoice, imported?, the reason when not

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("datasetPicker")
        self.choice: DataChoice | None = None
        self.dataset: Dataset | None = None
        self._imported: dict[str, tuple[DataChoice, Dataset]] = {}
        self._infos = {info.name: info for info in datasets.available()}
        self._extra: dict[str, QSpinBox | QDoubleSpinBox] = {}
        self._extra_source: str | None = None  # the generator whose options are shown
        self._updating = False

        self.list = QListWidget()
        self.list.setObjectName("datasetList")
        self.list.setIconSize(QSize(SIZE, SIZE))
        self.list.setSpacing(1)
        self.list.setToolTip("Pick the data to learn")
        self._fill_list()
        self.list.currentItemChanged.connect(self._item_changed)

        self.import_button = QPushButton("Import CSV…")
        self.import_button.setObjectName("importCsvButton")
        self.import_button.setToolTip(
            "Add your own data: numeric columns, the last one the target (optional header row)"
        )
        self.import_button.clicked.connect(self.ask_csv)
        self.standardize = QCheckBox("standardise")
        self.standardize.setToolTip(
            "Rescale each imported input column to mean 0 and variance 1 (fitted on the "
            "training rows); the network keeps the scaler, so its exports take raw rows"
        )
        self.standardize.toggled.connect(self._standardize_changed)
        self.task = QComboBox()
        self.task.addItems(["auto", "classification", "regression"])
        self.task.setToolTip(
            "Task of imported data (auto: integer targets with at most 10 values are classes)"
        )
        self.loader = CsvLoader(self)
        self.loader.finished.connect(self._loaded)
        self.loader.busyChanged.connect(self._show_busy)
        self._quiet_import = False
        self.busy = QWidget()
        self.busy.setObjectName("importBusy")
        self.busy_label = QLabel()
        bar = QProgressBar()
        bar.setRange(0, 0)  # busy: the length of a read is not known
        bar.setMaximumHeight(12)
        bar.setTextVisible(False)
        busy_row = QHBoxLayout(self.busy)
        busy_row.setContentsMargins(0, 0, 0, 0)
        busy_row.addWidget(self.busy_label)
        busy_row.addWidget(bar, 1)
        self.busy.hide()
        import_row = QVBoxLayout()
        import_row.addWidget(self.import_button)
        import_row.addWidget(self.busy)
        options = QHBoxLayout()
        options.addWidget(self.standardize)
        options.addWidget(QLabel("task"))
        options.addWidget(self.task, 1)
        import_row.addLayout(options)

        self.samples = QSpinBox()
        self.samples.setObjectName("samplesSpin")
        self.samples.setRange(2, MAX_GUI_SAMPLES)
        self.samples.setSingleStep(50)
        self.samples.setToolTip("Number of points to generate")
        self.noise = QDoubleSpinBox()
        self.noise.setObjectName("noiseSpin")
        self.noise.setRange(0.0, 0.5)
        self.noise.setSingleStep(0.05)
        self.noise.setToolTip("Noise: jitter or label noise as a fraction of the domain")
        self.test_ratio = QDoubleSpinBox()
        self.test_ratio.setObjectName("testRatioSpin")
        self.test_ratio.setRange(0.0, 0.9)
        self.test_ratio.setSingleStep(0.05)
        self.test_ratio.setToolTip("Fraction of the points held out as a test set (0: none)")
        self.seed = QSpinBox()
        self.seed.setObjectName("seedSpin")
        self.seed.setRange(0, MAX_SEED)
        self.seed.setToolTip("Random seed of the data and of the train/test split")
        self.regenerate = QPushButton("Regenerate")
        self.regenerate.setObjectName("regenerateButton")
        self.regenerate.setToolTip("Draw new data: the same settings with the next seed")
        self.regenerate.clicked.connect(lambda: self.seed.setValue(self.seed.value() + 1))
        for box in (self.samples, self.noise, self.test_ratio, self.seed):
            box.setKeyboardTracking(False)
            box.valueChanged.connect(self._params_changed)
        self.form = QFormLayout()
        self.form.addRow("Samples", self.samples)
        self.form.addRow("Noise", self.noise)
        self.form.addRow("Test ratio", self.test_ratio)
        self.form.addRow("Seed", self.seed)
        self.extra_form = QFormLayout()
        params = QGroupBox("Data")
        params_layout = QVBoxLayout(params)
        params_layout.addLayout(self.form)
        params_layout.addLayout(self.extra_form)
        params_layout.addWidget(self.regenerate)

        self.features = FeatureList()
        self.features.featuresChanged.connect(self.featuresChanged)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.list, 1)
        layout.addLayout(import_row)
        layout.addWidget(params)
        layout.addWidget(self.features)

    # -- the list ---------------------------------------------------------------------------
    def _fill_list(self) -> None:
        for task, title in GROUPS:
            self.list.addItem(_header(title))
            for info in self._infos.values():
                if info.task != task:
                    continue
                item = QListWidgetItem(info.name)
                item.setData(KEY_ROLE, f"gen:{info.name}")
                item.setToolTip(f"{info.name}: {info.description}")
                try:
                    item.setIcon(thumbnail(datasets.make(info.name, n_samples=THUMB_SAMPLES)))
                except Exception as exc:  # a thumbnail is decoration; never fatal
                    log.warning("no thumbnail for %s: %s", info.name, exc)
                self.list.addItem(item)
        self._imported_header = _header("Imported")
        self.list.addItem(self._imported_header)
        self._imported_header.setHidden(True)

    def _find_item(self, key: str) -> QListWidgetItem | None:
        for row in range(self.list.count()):
            item = self.list.item(row)
            if item.data(KEY_ROLE) == key:
                return item
        return None

    def _select_quietly(self, key: str) -> None:
        item = self._find_item(key)
        self.list.blockSignals(True)
        self.list.setCurrentItem(item)
        self.list.blockSignals(False)

    def _item_changed(self, item: QListWidgetItem | None, previous) -> None:
        if item is None or self.choice is None:
            return
        key = item.data(KEY_ROLE)
        if key is None or key == self.choice.key():
            return
        if key in self._imported:
            choice, ds = self._imported[key]
            choice = choice.replace(test_ratio=self.test_ratio.value())
            if self._splits(choice, ds):
                self._accept(choice, ds)
            return
        name = key.split(":", 1)[1]
        params = dict(self._infos[name].defaults)
        params.update(
            n_samples=self.samples.value(), noise=self.noise.value(), seed=self.seed.value()
        )
        choice = DataChoice(source=name, params=params, test_ratio=self.test_ratio.value())
        if not self.apply(choice):
            self._select_quietly(self.choice.key())

    # -- choices ----------------------------------------------------------------------------
    def apply(self, choice: DataChoice, *, quiet: bool = False) -> bool:
        """Build `choice` and make it current; False (after a dialog) if it cannot be built."""
        try:
            ds = choice.build()
        except (datasets.DatasetError, OSError) as exc:
            if not quiet:
                show_error_dialog(self, "Cannot use this data", str(exc))
            return False
        if not self._splits(choice, ds, quiet=quiet):
            return False
        if choice.source == "csv":
            self._remember_import(choice, ds)
        self._accept(choice, ds)
        return True

    def _splits(self, choice: DataChoice, ds: Dataset, *, quiet: bool = False) -> bool:
        """True when `ds` can be split as `choice` asks; else a dialog, and the picker
        goes back to showing the data being trained (nothing is switched later)."""
        try:
            make_data(ds, choice.test_ratio, choice.seed)
        except (datasets.DatasetError, EngineError) as exc:
            if not quiet:
                current = f"; training stays on {self.dataset.name}" if self.dataset else ""
                show_error_dialog(self, "Cannot use this data", f"{exc}{current}")
            if self.choice is not None:
                self._show_choice(self.choice)
                self._select_quietly(self.choice.key())
            return False
        return True

    def show_dataset(self, choice: DataChoice, ds: Dataset) -> None:
        """Make an already-built `ds` current without emitting (an opened project)."""
        self.blockSignals(True)
        try:
            if choice.source == "csv":
                self._remember_import(choice, ds)
            self.choice, self.dataset = choice, ds
            self._show_choice(choice)
            self._select_quietly(choice.key())
        finally:
            self.blockSignals(False)

    def _accept(self, choice: DataChoice, ds: Dataset) -> None:
        self.choice, self.dataset = choice, ds
        self._show_choice(choice)
        self._select_quietly(choice.key())
        self.choiceChanged.emit(choice, ds)

    def _show_choice(self, choice: DataChoice) -> None:
        """Put `choice`'s parameters into the editors without emitting."""
        self._updating = True
        generated = choice.generated
        p = choice.params
        self.samples.setValue(int(p.get("n_samples", self.samples.value())))
        self.noise.setValue(float(p.get("noise", self.noise.value())))
        self.seed.setValue(int(p.get("seed", self.seed.value())))
        self.test_ratio.setValue(choice.test_ratio)
        for box in (self.samples, self.noise, self.regenerate):
            box.setEnabled(generated)
        if not generated:
            self.standardize.setChecked(choice.standardize)
        self._build_extra(choice)
        self._updating = False

    def _build_extra(self, choice: DataChoice) -> None:
        """Show the generator's own options; the same generator's boxes are updated in place.

        A box's valueChanged leads here (a new dataset): deleting that box inside its
        own signal crashed the application, so boxes are only replaced when the
        generator changes, and then removed with deleteLater.
        """
        source = choice.source if choice.generated else None
        if source is not None and source == self._extra_source:
            for name, box in self._extra.items():
                box.setValue(choice.params.get(name, self._infos[source].defaults[name]))
            return
        while self.extra_form.rowCount():
            row = self.extra_form.takeRow(0)
            for part in (row.labelItem, row.fieldItem):
                if part is not None and part.widget() is not None:
                    part.widget().hide()
                    part.widget().deleteLater()
        self._extra = {}
        self._extra_source = source
        if source is None:
            return
        info = self._infos[source]
        for name, default in info.defaults.items():
            if name in ("n_samples", "noise", "seed"):
                continue
            lo, hi = info.limits[name]
            box = QSpinBox() if isinstance(default, int) else QDoubleSpinBox()
            box.setObjectName(f"option_{name}")
            box.setRange(lo, min(hi, MAX_SEED))  # MAX_SEED is also a Qt spin box's int limit
            if isinstance(box, QDoubleSpinBox):
                box.setSingleStep(0.25)
            box.setValue(choice.params.get(name, default))
            box.setKeyboardTracking(False)
            box.setToolTip(f"{source}: {name} ({lo} to {hi})")
            box.valueChanged.connect(self._params_changed)
            self._extra[name] = box
            self.extra_form.addRow(name, box)

    def _params_changed(self, *_args) -> None:
        if self._updating or self.choice is None:
            return
        choice = self.choice
        if not choice.generated:  # imported or painted: only the split changes
            params = dict(choice.params, seed=self.seed.value())
            new = choice.replace(params=params, test_ratio=self.test_ratio.value())
            if self._splits(new, self.dataset):  # the file is not re-read: only the split changes
                self._accept(new, self.dataset)
            return
        params = dict(choice.params)
        params.update(
            n_samples=self.samples.value(), noise=self.noise.value(), seed=self.seed.value()
        )
        params.update({name: box.value() for name, box in self._extra.items()})
        new = choice.replace(params=params, test_ratio=self.test_ratio.value())
        if not self.apply(new):
            self._show_choice(choice)

    def _standardize_changed(self, checked: bool) -> None:
        """Applies to the current import at once: the rows stay, the network gets a scaler."""
        if self._updating or self.choice is None or self.choice.source != "csv":
            return
        choice = self.choice.replace(standardize=checked)
        self._imported[choice.key()] = (choice, self.dataset)
        self._accept(choice, self.dataset)

    # -- CSV import -------------------------------------------------------------------------
    def ask_csv(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self, "Import CSV data", "", "CSV files (*.csv *.txt);;All files (*)"
        )
        if path:
            self.start_import(path)

    def _csv_choice(self, path: str) -> DataChoice:
        task = None if self.task.currentText() == "auto" else self.task.currentText()
        return DataChoice(
            source="csv",
            params={"seed": self.seed.value()},
            test_ratio=self.test_ratio.value(),
            path=os.path.abspath(path),
            task=task,
            standardize=self.standardize.isChecked(),
        )

    def start_import(self, path: str) -> None:
        """Read `path` in the background (busy indicator), then make it current:
        `importFinished(choice, ok, reason)`; a bad file shows a dialog and changes nothing."""
        self._load(self._csv_choice(path), quiet=False)

    def restore_import(self, choice: DataChoice) -> None:
        """Read a remembered import in the background; a failure only emits `importFinished`."""
        self._load(choice, quiet=True)

    def _load(self, choice: DataChoice, *, quiet: bool) -> None:
        self._quiet_import = quiet
        self.busy_label.setText(f"Reading {os.path.basename(choice.path or '')}…")
        self.loader.load(choice)

    def _show_busy(self, busy: bool) -> None:
        self.busy.setVisible(busy)
        self.import_button.setEnabled(not busy)

    def _loaded(self, choice: DataChoice, ds: Dataset | None, reason: str) -> None:
        self._finish_import(choice, ds, reason, quiet=self._quiet_import)

    def import_csv(self, path: str) -> bool:
        """Load `path` now (blocking; scripts and tests) and make it current, as `start_import`."""
        choice = self._csv_choice(path)
        try:
            ds, reason = choice.build(), ""
        except (datasets.DatasetError, OSError) as exc:
            ds = None
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        return self._finish_import(choice, ds, reason, quiet=False)

    def _finish_import(self, choice: DataChoice, ds: Dataset | None, reason: str, *, quiet) -> bool:
        ok = ds is not None and self._splits(choice, ds, quiet=quiet)
        if ds is None and not quiet:
            name = os.path.basename(choice.path or "")
            show_error_dialog(self, "Cannot import CSV", f"{name} was not imported:\n{reason}")
        if ok:
            self._remember_import(choice, ds)
            self._accept(choice, ds)
        self.importFinished.emit(choice, ok, reason)
        return ok

    def _remember_import(self, choice: DataChoice, ds: Dataset) -> None:
        key = choice.key()
        self._imported[key] = (choice, ds)
        if self._find_item(key) is None:
            self._imported_header.setHidden(False)
            item = QListWidgetItem(os.path.basename(choice.path or "data"))
            item.setData(KEY_ROLE, key)
            item.setToolTip(
                f"{choice.path}\n{ds.n_samples} rows, {ds.input_dim} inputs, {ds.task}"
                + (f", {ds.n_classes} classes" if ds.task == "classification" else "")
            )
            item.setIcon(thumbnail(ds))
            self.list.addItem(item)

    # -- features ---------------------------------------------------------------------------
    def set_features(self, input_dim: int, selected: tuple[str, ...]) -> None:
        """Offer the features valid for `input_dim`, `selected` checked; no signal."""
        names = allowed_features(input_dim)
        columns = None
        if self.dataset is not None and self.dataset.input_dim == input_dim:
            columns = self.dataset.feature_names  # a CSV's header names, where it has them
        labels, tips = [], []
        for i, name in enumerate(names):
            column = columns[i] if columns and len(names) == len(columns) else name
            labels.append(name if column == name else f"{name} ({column})")
            tips.append(FEATURE_TIPS.get(name, f"Input column {i + 1}: {column}"))
        self.features.set_features(names, selected, labels, tips)

    def selected_features(self) -> tuple[str, ...]:
        return self.features.selected()
