"""Training controls: Run/Pause, Step, Reset, and the hyper-parameter editors.

The widgets live in toolbars on two rows (`populate`). Hyper-parameter edits are
validated where they enter (what / expected / received in the status tip, the
field turns red and the last good value stays) and emitted as a whole
`TrainConfig`; the loss is part of the network spec, so it has its own signal
(changing it rebuilds the network).
"""

from __future__ import annotations

import math

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QLabel,
    QMainWindow,
    QSpinBox,
    QStyle,
    QToolBar,
    QToolButton,
    QWidget,
)

from engine.errors import SpecError
from engine.losses import LOSSES
from engine.optimizers import OPTIMIZERS as OPTIMIZERS_BY_NAME
from engine.spec import LIMITS, OPTIMIZERS, TrainConfig
from playground.document.session import epochs_from_gui, epochs_to_gui

LR_PRESETS = ("0.00001", "0.0001", "0.001", "0.003", "0.01", "0.03", "0.1", "0.3", "1", "3", "10")
MAX_LR = LIMITS["lr"]
ERROR_STYLE = "QComboBox { background: #fbe3d6; }"


def _spin(box: QDoubleSpinBox | QSpinBox, tip: str, width: int = 78) -> None:
    box.setToolTip(tip)
    box.setKeyboardTracking(False)
    box.setFixedWidth(width)


class TrainingControls(QWidget):
    """Owns the control widgets; `populate(window)` puts them into toolbars."""

    runToggled = Signal(bool)
    stepRequested = Signal()
    inspectRequested = Signal()  # the backprop inspector: one recorded step
    resetRequested = Signal()
    configChanged = Signal(object)  # TrainConfig
    lossChanged = Signal(object)  # str
    problem = Signal(str)  # a refused input, for the status bar

    def __init__(self, config: TrainConfig, parent: QWidget | None = None):
        super().__init__(parent)
        self._config = config
        style = self.style()
        self.run_button = QToolButton()
        self.run_button.setObjectName("runButton")
        self.run_button.setCheckable(True)
        self.run_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.run_button.toggled.connect(self._run_toggled)
        self.step_button = QToolButton()
        self.step_button.setObjectName("stepButton")
        self.step_button.setText("Step")
        self.step_button.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_MediaSkipForward))
        self.step_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.step_button.setToolTip("Pause and train on exactly one minibatch (Right arrow or S)")
        self.step_button.clicked.connect(self.stepRequested)
        self.inspect_button = QToolButton()
        self.inspect_button.setObjectName("inspectButton")
        self.inspect_button.setText("Inspect")
        self.inspect_button.setIcon(
            style.standardIcon(QStyle.StandardPixmap.SP_FileDialogDetailedView)
        )
        self.inspect_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.inspect_button.setToolTip(
            "Pause and follow one step through forward, loss, backward and update "
            "(Shift+Right or Shift+S)"
        )
        self.inspect_button.clicked.connect(self.inspectRequested)
        self.reset_button = QToolButton()
        self.reset_button.setObjectName("resetButton")
        self.reset_button.setText("Reset")
        self.reset_button.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_BrowserReload))
        self.reset_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.reset_button.setToolTip("Back to step 0 with freshly initialised weights (R)")
        self.reset_button.clicked.connect(self.resetRequested)
        self._show_running(False)

        self.epochs = QSpinBox()
        self.epochs.setRange(0, int(LIMITS["epochs"]))
        self.epochs.setSpecialValueText("∞")
        _spin(self.epochs, "Stop after this many epochs (∞: train until paused)", 66)
        self.optimizer = QComboBox()
        self.optimizer.setObjectName("optimizerCombo")
        for i, name in enumerate(OPTIMIZERS):
            self.optimizer.addItem(name)
            self.optimizer.setItemData(
                i, OPTIMIZERS_BY_NAME.get(name).tip, Qt.ItemDataRole.ToolTipRole
            )
        self.optimizer.setToolTip("How the gradient becomes a weight update")
        self.optimizer.setFixedWidth(88)
        self.lr = QComboBox()
        self.lr.setObjectName("learningRate")
        self.lr.setEditable(True)
        self.lr.addItems(LR_PRESETS)
        self.lr.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.lr.setFixedWidth(80)
        self.lr.setToolTip(
            "Learning rate: the size of each update step. Too large diverges, too small crawls."
        )
        self.batch = QSpinBox()
        self.batch.setObjectName("batchSize")
        self.batch.setRange(0, int(LIMITS["batch_size"]))
        self.batch.setSpecialValueText("full")
        _spin(self.batch, "Examples per minibatch (full: the whole training set each step)", 68)
        self.loss = QComboBox()
        self.loss.setObjectName("lossCombo")
        self.loss.setToolTip("What the network minimises (changing it rebuilds the network)")
        self.loss.setFixedWidth(66)
        self.l1 = QDoubleSpinBox()
        self.l1.setDecimals(5)
        self.l1.setRange(0.0, LIMITS["l1"])
        self.l1.setSingleStep(0.0001)
        _spin(
            self.l1, "L1 regularisation: adds l1 * sign(w) to each weight's gradient (sparsity)", 80
        )
        self.l2 = QDoubleSpinBox()
        self.l2.setDecimals(5)
        self.l2.setRange(0.0, LIMITS["l2"])
        self.l2.setSingleStep(0.0001)
        _spin(
            self.l2, "L2 regularisation: adds l2 * w to each weight's gradient (small weights)", 80
        )
        self.dropout = QDoubleSpinBox()
        self.dropout.setRange(0.0, LIMITS["dropout"])
        self.dropout.setSingleStep(0.05)
        _spin(
            self.dropout,
            "Dropout: the fraction of hidden units switched off at random in training",
            62,
        )
        self.clip = QDoubleSpinBox()
        self.clip.setRange(0.0, LIMITS["clip_norm"])
        self.clip.setSingleStep(0.5)
        self.clip.setSpecialValueText("off")
        _spin(
            self.clip,
            "Gradient clipping: rescale the gradient when its global norm exceeds this",
            68,
        )

        self.set_config(config)
        self.optimizer.currentTextChanged.connect(self._emit_config)
        self.lr.lineEdit().editingFinished.connect(self._emit_config)
        self.lr.activated.connect(self._emit_config)
        for box in (self.epochs, self.batch, self.l1, self.l2, self.dropout, self.clip):
            box.valueChanged.connect(self._emit_config)
        self.loss.activated.connect(lambda _i: self.lossChanged.emit(self.loss.currentText()))

    # -- layout ---------------------------------------------------------------------------
    def populate(self, window: QMainWindow) -> tuple[QToolBar, ...]:
        """Two rows that fit 1280 px: training and the usual settings, then regularisation.

        Nothing lands in a toolbar's overflow menu on a 1280 x 720 laptop screen.
        """
        run_bar = QToolBar("Training")
        run_bar.setObjectName("trainingToolbar")
        for button in (self.run_button, self.step_button, self.inspect_button, self.reset_button):
            run_bar.addWidget(button)
        run_bar.addSeparator()
        self._labelled(run_bar, "Epochs", self.epochs)
        hyper = QToolBar("Hyper-parameters")
        hyper.setObjectName("hyperToolbar")
        for text, widget in (
            ("Optimizer", self.optimizer),
            ("Learning rate", self.lr),
            ("Batch", self.batch),
            ("Loss", self.loss),
        ):
            self._labelled(hyper, text, widget)
        regular = QToolBar("Regularisation")
        regular.setObjectName("regularisationToolbar")
        for text, widget in (
            ("L1", self.l1),
            ("L2", self.l2),
            ("Dropout", self.dropout),
            ("Clip", self.clip),
        ):
            self._labelled(regular, text, widget)
        bars = (run_bar, hyper, regular)
        for bar in bars:
            bar.setMovable(False)
            if bar is regular:
                window.addToolBarBreak()
            window.addToolBar(bar)
        return bars

    @staticmethod
    def _labelled(bar: QToolBar, text: str, widget: QWidget) -> None:
        label = QLabel(text)
        label.setContentsMargins(8, 0, 3, 0)
        label.setToolTip(widget.toolTip())
        label.setBuddy(widget)
        bar.addWidget(label)
        bar.addWidget(widget)

    # -- state ----------------------------------------------------------------------------
    def set_running(self, running: bool) -> None:
        """Show the run state without emitting runToggled (snapshots drive this)."""
        self.run_button.blockSignals(True)
        self.run_button.setChecked(running)
        self.run_button.blockSignals(False)
        self._show_running(running)

    def _show_running(self, running: bool) -> None:
        icon = (
            QStyle.StandardPixmap.SP_MediaPause if running else QStyle.StandardPixmap.SP_MediaPlay
        )
        self.run_button.setIcon(self.style().standardIcon(icon))
        self.run_button.setText("Pause" if running else "Run")
        self.run_button.setToolTip(
            "Pause training (Space)" if running else "Train continuously until paused (Space)"
        )

    def _run_toggled(self, on: bool) -> None:
        self._show_running(on)
        self.runToggled.emit(on)

    def set_losses(self, names: tuple[str, ...], current: str) -> None:
        """Offer the losses valid for the task, `current` selected."""
        self.loss.blockSignals(True)
        self.loss.clear()
        for i, name in enumerate(names):
            self.loss.addItem(name)
            self.loss.setItemData(
                i, LOSSES.get(name).tip if name in LOSSES else name, Qt.ItemDataRole.ToolTipRole
            )
        self.loss.setCurrentText(current)
        self.loss.blockSignals(False)

    def set_config(self, config: TrainConfig) -> None:
        """Show `config` in the editors without emitting."""
        self._config = config
        widgets = (
            self.optimizer,
            self.lr,
            self.epochs,
            self.batch,
            self.l1,
            self.l2,
            self.dropout,
            self.clip,
        )
        for w in widgets:
            w.blockSignals(True)
        self.optimizer.setCurrentText(config.optimizer)
        self.lr.setCurrentText(f"{config.lr:g}")
        self.lr.setStyleSheet("")
        self.epochs.setValue(epochs_to_gui(config.epochs))
        self.batch.setValue(config.batch_size)
        self.l1.setValue(config.l1)
        self.l2.setValue(config.l2)
        self.dropout.setValue(config.dropout)
        self.clip.setValue(config.clip_norm)
        for w in widgets:
            w.blockSignals(False)

    def config(self) -> TrainConfig:
        return self._config

    def read_lr(self) -> float:
        """The learning rate typed in; SpecError with what / expected / received otherwise."""
        text = self.lr.currentText().strip()
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not (math.isfinite(value) and 0 < value <= MAX_LR):
            raise SpecError(
                f"Received an invalid learning rate, expected a number > 0 and <= {MAX_LR:g}. "
                f"Received: {text!r}"
            )
        return value

    def _emit_config(self, *_args) -> None:
        try:
            lr = self.read_lr()
            config = self._config.replace(
                optimizer=self.optimizer.currentText(),
                lr=lr,
                epochs=epochs_from_gui(self.epochs.value()),
                batch_size=self.batch.value(),
                l1=self.l1.value(),
                l2=self.l2.value(),
                dropout=self.dropout.value(),
                clip_norm=self.clip.value(),
            )
        except SpecError as exc:
            self.lr.setStyleSheet(ERROR_STYLE)
            self.lr.setToolTip(str(exc))
            self.problem.emit(str(exc))
            return
        self.lr.setStyleSheet("")
        self.lr.setToolTip(
            "Learning rate: the size of each update step. Too large diverges, too small crawls."
        )
        if config != self._config:
            self._config = config
            self.configChanged.emit(config)
