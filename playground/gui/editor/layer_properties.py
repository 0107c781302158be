"""The selected hidden layer's properties: units, activation, initialiser, dropout, flags.

The panel only reports what the user asked for (`edited` with the changed
field); the editor validates the edit, records it for undo, and calls `show`
with the layer as it now is. A refused value is therefore put back at once, next
to the editor's message saying why.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QSpinBox,
)

from engine.initializers import INITIALIZERS as INIT_FUNCTIONS
from engine.spec import ACTIVATIONS, INITIALIZERS, MAX_UNITS, LayerSpec
from playground.gui.editor.layer_cards import FLAG_TOGGLES, activation_tip


class LayerProperties(QGroupBox):
    """Edits one hidden layer; disabled while none is selected."""

    edited = Signal(dict)

    def __init__(self, parent=None):
        super().__init__("Layer properties", parent)
        self.setObjectName("layerProperties")
        self.units = QSpinBox()
        self.units.setObjectName("propertyUnits")
        self.units.setRange(0, 4 * MAX_UNITS)  # out-of-bounds values are refused with a reason
        self.units.setKeyboardTracking(False)
        self.units.setToolTip(f"Number of neurons (1 to {MAX_UNITS})")
        self.activation = QComboBox()
        self.activation.setObjectName("propertyActivation")
        for k, name in enumerate(ACTIVATIONS):
            self.activation.addItem(name)
            self.activation.setItemData(k, activation_tip(name), Qt.ItemDataRole.ToolTipRole)
        self.activation.setToolTip("Activation function applied to the layer's outputs")
        self.init = QComboBox()
        self.init.setObjectName("propertyInit")
        for k, name in enumerate(INITIALIZERS):
            self.init.addItem(name)
            self.init.setItemData(k, INIT_FUNCTIONS.get(name).tip, Qt.ItemDataRole.ToolTipRole)
        self.init.setToolTip("How the layer's weights are initialised when the network is built")
        self.own_dropout = QCheckBox("dropout")
        self.own_dropout.setObjectName("propertyOwnDropout")
        self.own_dropout.setToolTip(
            "Give this layer its own dropout rate; unchecked, the training setting's "
            "dropout applies"
        )
        self.dropout = QDoubleSpinBox()
        self.dropout.setObjectName("propertyDropout")
        self.dropout.setRange(0.0, 1.0)
        self.dropout.setSingleStep(0.05)
        self.dropout.setDecimals(2)
        self.dropout.setKeyboardTracking(False)
        self.dropout.setToolTip("Share of this layer's outputs silenced at each step (0 to 0.95)")
        grid = QGridLayout(self)
        grid.setContentsMargins(6, 4, 6, 4)
        grid.setHorizontalSpacing(6)
        grid.setVerticalSpacing(2)
        # one field a row: the panel sits beside the column of cards
        for row, (text, widget) in enumerate(
            (("units", self.units), ("activation", self.activation), ("init", self.init))
        ):
            grid.addWidget(QLabel(text), row, 0)
            grid.addWidget(widget, row, 1)
        grid.addWidget(self.own_dropout, 3, 0)
        grid.addWidget(self.dropout, 3, 1)
        self.flags: dict[str, QCheckBox] = {}
        flags = QHBoxLayout()  # short names: the panel keeps its width beside the cards
        flags.setContentsMargins(0, 0, 0, 0)
        for field, text, tip in FLAG_TOGGLES:
            box = QCheckBox(text)
            box.setObjectName(f"property_{field}")
            box.setToolTip(tip.format(n="this"))
            box.toggled.connect(lambda on, field=field: self.edited.emit({field: on}))
            flags.addWidget(box)
            self.flags[field] = box
        grid.addWidget(QLabel("with"), 4, 0)
        grid.addLayout(flags, 4, 1)
        grid.setRowStretch(5, 1)
        self.units.valueChanged.connect(lambda v: self.edited.emit({"units": v}))
        self.activation.activated.connect(
            lambda _i: self.edited.emit({"activation": self.activation.currentText()})
        )
        self.init.activated.connect(lambda _i: self.edited.emit({"init": self.init.currentText()}))
        self.own_dropout.toggled.connect(self._dropout_edited)
        self.dropout.valueChanged.connect(self._dropout_edited)
        self.show_layer(None, None)

    def _dropout_edited(self, *_args) -> None:
        rate = round(self.dropout.value(), 4) if self.own_dropout.isChecked() else None
        self.edited.emit({"dropout": rate})

    def show_layer(self, index: int | None, layer: LayerSpec | None) -> None:
        """Show `layer` (hidden layer `index`) without emitting; None disables the panel."""
        self.setEnabled(layer is not None)
        self.setTitle(
            "Select a layer to edit it" if layer is None else f"Layer {index + 1} properties"
        )
        widgets = (self.units, self.activation, self.init, self.own_dropout, self.dropout,
                   *self.flags.values())  # fmt: skip
        for w in widgets:
            w.blockSignals(True)
        if layer is not None:
            self.units.setValue(layer.units)
            self.activation.setCurrentText(layer.activation)
            self.init.setCurrentText(layer.init)
            self.own_dropout.setChecked(layer.dropout is not None)
            self.dropout.setValue(0.2 if layer.dropout is None else layer.dropout)
            for field, box in self.flags.items():
                box.setChecked(bool(getattr(layer, field)))
        self.dropout.setEnabled(layer is not None and layer.dropout is not None)
        for w in widgets:
            w.blockSignals(False)
