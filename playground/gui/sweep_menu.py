"""Training > Sweep…: the sweep window joins the main window through one call.

The document's data, network and settings become the sweep's fixed setup when
Start is pressed. A double-clicked trial comes back with exactly its settings and
seed: its layers through the layer editor's undoable edit, its settings through the
controls' signal (as an edit there: the document and the runner take them), then a
reset to its seed, so training it again gives the numbers in the table. Kept here
so main_window.py does not grow.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QAction, QKeySequence

from engine.settings import SETTINGS
from engine.spec import TrainConfig
from playground.document import training_data
from playground.document.sweep.trial import TrialSetup
from playground.gui.sweep_window import SweepPanel

UNTIL_PAUSED_EPOCHS = 100  # a sweep trial needs an end: "until paused" sweeps this many
SETTINGS_EPOCHS_HIGH = next(s.high for s in SETTINGS if s.name == "epochs")


class _StopOnClose(QObject):
    """Cancels the sweep (and waits for its loop's thread) when the main window closes."""

    def __init__(self, panel: SweepPanel):
        super().__init__(panel)
        self.panel = panel

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.Type.Close:
            self.panel.wait()
            self.panel.close()
        return False


def setup_of(window) -> TrialSetup:
    """The main window's data, network and training settings as a sweep's fixed part."""
    doc = window.document
    choice, spec, config = doc.session.data, doc.spec, doc.config
    settings = {s.name: getattr(config, s.name) for s in SETTINGS}
    if settings["epochs"] > SETTINGS_EPOCHS_HIGH:
        settings["epochs"] = UNTIL_PAUSED_EPOCHS
    return TrialSetup(
        dataset=choice.source,
        given=doc.dataset,
        data_seed=choice.seed,
        test_ratio=choice.test_ratio,
        standardize=spec.input_scaling is not None,
        features=tuple(spec.features),
        layers=training_data.format_layers(spec.hidden),
        loss=spec.loss,
        settings=settings,
    )


def open_trial(window, setup: TrialSetup, row: dict[str, Any]) -> None:
    """Put trial `row` into the main window: its layers, settings and seed, at step 0."""
    params = row.get("params", {})
    config = TrainConfig(**setup.config_values(params))
    hidden = training_data.parse_layers(params.get("layers", setup.layers))
    window.layer_editor.edit(f"Open sweep trial {row['trial']}", hidden=hidden)
    window.controls.configChanged.emit(config)  # the window's path: document and runner
    window.reset(seed=config.seed)
    window.status.announce(
        f"Sweep trial {row['trial']} opened: press Run to train it again with seed {config.seed}"
    )


def install(window) -> SweepPanel:
    """Add Training > Sweep… to `window`; the panel is `window.sweep_panel`."""
    panel = SweepPanel(lambda: setup_of(window), window)
    panel.on_open = lambda row: open_trial(window, panel.sweep.setup, row)
    window.sweep_panel = panel
    action = QAction("Sweep…", window)
    action.setShortcut(QKeySequence("Ctrl+Shift+W"))
    action.triggered.connect(lambda: (panel.show(), panel.raise_(), panel.activateWindow()))
    for menu_action in window.menuBar().actions():
        if menu_action.text() == "&Training":
            menu_action.menu().addSeparator()
            menu_action.menu().addAction(action)
    window.sweep_action = action
    window.installEventFilter(_StopOnClose(panel))
    return panel
