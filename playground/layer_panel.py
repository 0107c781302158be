"""A simple editor of the hidden layers (objectName `layerEditor`).

One row per hidden layer: its units and activation, and a button removing it;
"Add layer" appends a copy of the last one. Every edit emits the whole new tuple
of LayerSpecs; the window rebuilds the network from it. A later drag-to-build
editor replaces this widget behind the same signal.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from engine.spec import ACTIVATIONS, MAX_HIDDEN_LAYERS, MAX_UNITS, LayerSpec

ACTIVATION_TIPS = {
    "linear": "No non-linearity: stacked linear layers stay linear",
    "relu": "max(0, z): fast, but units can die (output 0 for every input)",
    "leaky_relu": "Like relu with slope 0.01 below zero, so units do not die",
    "elu": "Smooth relu variant, exp(z) - 1 below zero",
    "tanh": "Smooth, zero-centred, saturates at -1 and 1",
    "sigmoid": "Smooth, between 0 and 1; saturates, gradients vanish in deep stacks",
    "softplus": "log(1 + exp(z)): a smooth relu",
    "gelu": "Gaussian error linear unit (tanh approximation)",
    "swish": "z * sigmoid(z) (also called silu)",
}


class LayerPanel(QWidget):
    """Edits the hidden layers; emits `hiddenChanged(tuple[LayerSpec, ...])`."""

    hiddenChanged = Signal(object)

    def __init__(self, hidden: tuple[LayerSpec, ...] = (), parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("layerEditor")
        self._hidden: tuple[LayerSpec, ...] = ()
        title = QLabel("<b>Hidden layers</b>")
        self.add_button = QPushButton("+ Add layer")
        self.add_button.setObjectName("addLayerButton")
        self.add_button.setToolTip(f"Append a hidden layer (at most {MAX_HIDDEN_LAYERS})")
        self.add_button.clicked.connect(self.add_layer)
        self.summary = QLabel()
        self.summary.setStyleSheet("color: #555555")
        self.summary.setToolTip("Layer widths from the input features to the output")
        head = QHBoxLayout()
        head.addWidget(title)
        head.addStretch(1)
        head.addWidget(self.add_button)
        self.rows = QGridLayout()
        self.rows.setHorizontalSpacing(6)
        self.rows.setVerticalSpacing(2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(head)
        layout.addLayout(self.rows)
        layout.addWidget(self.summary)
        layout.addStretch(1)
        self._io = (2, 1)
        self.set_hidden(hidden)

    def hidden(self) -> tuple[LayerSpec, ...]:
        return self._hidden

    def set_io(self, n_features: int, n_outputs: int) -> None:
        """The widths on either side, for the summary line."""
        self._io = (n_features, n_outputs)
        self._update_summary()

    def set_hidden(self, hidden: tuple[LayerSpec, ...]) -> None:
        """Show `hidden` without emitting."""
        self._hidden = tuple(hidden)
        while self.rows.count():
            item = self.rows.takeAt(0)
            if item.widget() is not None:
                item.widget().hide()  # deleteLater waits for the event loop; hidden at once
                item.widget().deleteLater()
        for i, layer in enumerate(self._hidden):
            self._add_row(i, layer)
        if not self._hidden:
            none = QLabel("no hidden layer: a linear model of the features")
            none.setStyleSheet("color: #555555")
            self.rows.addWidget(none, 0, 0, 1, 4)
        self.add_button.setEnabled(len(self._hidden) < MAX_HIDDEN_LAYERS)
        self._update_summary()

    def _add_row(self, i: int, layer: LayerSpec) -> None:
        name = QLabel(f"layer {i + 1}")
        units = QSpinBox()
        units.setObjectName(f"units{i}")
        units.setRange(1, MAX_UNITS)
        units.setValue(layer.units)
        units.setKeyboardTracking(False)
        units.setSuffix(" units")
        units.setToolTip(f"Number of neurons in hidden layer {i + 1} (1 to {MAX_UNITS})")
        units.valueChanged.connect(lambda v, i=i: self._edit(i, units=v))
        act = QComboBox()
        act.setObjectName(f"activation{i}")
        for k, a in enumerate(ACTIVATIONS):
            act.addItem(a)
            act.setItemData(k, ACTIVATION_TIPS.get(a, a), Qt.ItemDataRole.ToolTipRole)
        act.setCurrentText(layer.activation)
        act.setToolTip(f"Activation function of hidden layer {i + 1}")
        act.currentTextChanged.connect(lambda a, i=i: self._edit(i, activation=a))
        remove = QPushButton("✕")
        remove.setFixedWidth(28)
        remove.setToolTip(f"Remove hidden layer {i + 1}")
        remove.clicked.connect(lambda _c=False, i=i: self.remove_layer(i))
        for col, w in enumerate((name, units, act, remove)):
            self.rows.addWidget(w, i, col)

    def _update_summary(self) -> None:
        widths = [self._io[0], *(h.units for h in self._hidden), self._io[1]]
        self.summary.setText("widths: " + " → ".join(str(w) for w in widths))

    def _commit(self, hidden: tuple[LayerSpec, ...]) -> None:
        self.set_hidden(hidden)
        self.hiddenChanged.emit(self._hidden)

    def _edit(self, i: int, **changes) -> None:
        layer = self._hidden[i]
        new = LayerSpec(
            changes.get("units", layer.units),
            changes.get("activation", layer.activation),
            layer.init,
            layer.dropout,
        )
        hidden = (*self._hidden[:i], new, *self._hidden[i + 1 :])
        self._hidden = hidden  # rows stay: the edited widget keeps its focus
        self._update_summary()
        self.hiddenChanged.emit(hidden)

    def add_layer(self) -> None:
        if len(self._hidden) >= MAX_HIDDEN_LAYERS:
            return
        last = self._hidden[-1] if self._hidden else LayerSpec(8, "tanh")
        self._commit((*self._hidden, last))

    def remove_layer(self, i: int) -> None:
        if 0 <= i < len(self._hidden):
            self._commit(self._hidden[:i] + self._hidden[i + 1 :])
