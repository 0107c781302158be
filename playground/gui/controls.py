"""Training controls: Run/Pause, Step, Reset, and the hyper-parameter editors.

Each training setting's editor is built from its record in engine/settings.py
(playground/gui/setting_editors.py): the "basic" ones live in toolbars on two
rows (`populate`), the "advanced" ones in the Advanced panel. Edits are
validated where they enter (what / expected / received in the status tip, the
field turns red and the last good value stays) and emitted as a whole
`TrainConfig`; the loss is part of the network spec, so it has its own signal
(changing it rebuilds the network).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QLabel,
    QMainWindow,
    QStyle,
    QToolBar,
    QToolButton,
    QWidget,
)

from engine.errors import SpecError
from engine.losses import LOSSES
from engine.optimizers import OPTIMIZERS as OPTIMIZERS_BY_NAME
from engine.settings import BY_NAME, SETTINGS
from engine.spec import OPTIMIZERS, TrainConfig
from playground.document.session import epochs_from_gui, epochs_to_gui
from playground.gui import setting_editors as editors
from playground.gui.advanced_settings import AdvancedSettings, with_horizon

ERROR_STYLE = "QComboBox { background: #fbe3d6; }"
# toolbar widths (px) so both rows fit 1280 px; other editors are 78 px wide
WIDTHS = {
    "epochs": 66,
    "optimizer": 100,
    "lr": 80,
    "batch_size": 68,
    "l1": 80,
    "l2": 80,
    "dropout": 62,
    "clip_norm": 68,
}
HYPER_ROW = ("optimizer", "lr", "batch_size")  # then the loss; the rest of "basic": row 2


class TrainingControls(QWidget):
    """Owns the control widgets; `populate(window)` puts them into toolbars."""

    runToggled = Signal(bool)
    stepRequested = Signal()
    inspectRequested = Signal()  # the backprop inspector: one recorded step
    resetRequested = Signal(object)  # None: the next seed; an int: the seed chosen
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
        self.reset_button.clicked.connect(lambda: self.resetRequested.emit(None))
        self._show_running(False)

        # one editor per training setting, from its record (engine/settings.py)
        self.editors: dict[str, QWidget] = {
            setting.name: editors.make_editor(setting, WIDTHS.get(setting.name, 78))
            for setting in SETTINGS
        }
        self.epochs = self.editors["epochs"]
        self.epochs.setMinimum(0)  # 0 shows "∞": until paused
        self.optimizer = self.editors["optimizer"]
        self.optimizer.setObjectName("optimizerCombo")
        for i, name in enumerate(OPTIMIZERS):
            self.optimizer.setItemData(
                i, OPTIMIZERS_BY_NAME.get(name).tip, Qt.ItemDataRole.ToolTipRole
            )
        self.lr = self.editors["lr"]
        self.lr.setObjectName("learningRate")
        self.batch = self.editors["batch_size"]
        self.batch.setObjectName("batchSize")
        self.l1, self.l2 = self.editors["l1"], self.editors["l2"]
        self.dropout, self.clip = self.editors["dropout"], self.editors["clip_norm"]
        self.loss = QComboBox()
        self.loss.setObjectName("lossCombo")
        self.loss.setToolTip("What the network minimises (changing it rebuilds the network)")
        self.loss.setFixedWidth(66)
        self.advanced = AdvancedSettings(
            {s.name: self.editors[s.name] for s in SETTINGS if s.group == "advanced"}, self
        )
        self.advanced_button = QToolButton()
        self.advanced_button.setObjectName("advancedButton")
        self.advanced_button.setText("Advanced…")
        self.advanced_button.setToolTip(
            "Momentum, Adam's betas, epsilon, RMSprop's rho, early stopping (patience, "
            "restoring the best weights), the learning-rate schedule, the precision and the seed"
        )
        self.advanced_button.clicked.connect(self.advanced.show_beside)

        self.set_config(config)
        for setting in SETTINGS:
            editors.changed(setting, self.editors[setting.name], self._emit_config)
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
        self._labelled(run_bar, *self._labelled_editor("epochs"))
        hyper = QToolBar("Hyper-parameters")
        hyper.setObjectName("hyperToolbar")
        for name in HYPER_ROW:
            self._labelled(hyper, *self._labelled_editor(name))
            if name == "batch_size":
                self._labelled(hyper, "Loss", self.loss)
        regular = QToolBar("Regularisation")
        regular.setObjectName("regularisationToolbar")
        placed = {"epochs", *HYPER_ROW}
        for s in SETTINGS:  # the other basic settings: L1, L2, dropout, clipping...
            if s.group == "basic" and s.name not in placed:
                self._labelled(regular, *self._labelled_editor(s.name))
        regular.addSeparator()
        regular.addWidget(self.advanced_button)
        bars = (run_bar, hyper, regular)
        for bar in bars:
            bar.setMovable(False)
            if bar is regular:
                window.addToolBarBreak()
            window.addToolBar(bar)
        return bars

    def _labelled_editor(self, name: str) -> tuple[str, QWidget]:
        return BY_NAME[name].label, self.editors[name]

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
        for setting in SETTINGS:
            value = getattr(config, setting.name)
            if setting.name == "epochs":
                value = epochs_to_gui(value)
            editors.show(setting, self.editors[setting.name], value)
        self.advanced.follow(config.optimizer, config.schedule)

    def config(self) -> TrainConfig:
        return self._config

    def read_lr(self) -> float:
        """The learning rate typed in; SpecError with what / expected / received otherwise."""
        return editors.read(BY_NAME["lr"], self.lr)

    def _read(self) -> TrainConfig:
        """The config the editors show; SpecError naming the first unreadable one."""
        values = {}
        for setting in SETTINGS:
            box = self.editors[setting.name]
            try:
                values[setting.name] = editors.read(setting, box)
            except SpecError as exc:
                box.setStyleSheet(ERROR_STYLE)
                box.setToolTip(str(exc))
                raise
            if box.styleSheet():
                box.setStyleSheet("")
                box.setToolTip(setting.tip)
        values["epochs"] = epochs_from_gui(values["epochs"])
        return self._config.replace(**with_horizon(values, self.editors["schedule_epochs"]))

    def _emit_config(self, *_args) -> None:
        try:
            config = self._read()
        except SpecError as exc:
            self.problem.emit(str(exc))
            return
        self.advanced.follow(config.optimizer, config.schedule)
        if config.seed != self._config.seed:  # its initial weights: the window resets
            self._config = config
            self.resetRequested.emit(config.seed)
        elif config != self._config:
            self._config = config
            self.configChanged.emit(config)
