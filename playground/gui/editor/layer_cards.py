"""The pieces of the layer editor: palette chips, the drag payload, and the layer cards.

A drag carries a small JSON payload under MIME_TYPE: a new dense layer
(`{"kind": "dense", "activation": "tanh"}`), dropout (`{"kind": "dropout"}`), a
residual block (`{"kind": "block"}`: a relu layer with batch norm and a shortcut) or
an existing hidden layer being moved (`{"kind": "move", "index": 2}`). Cards do
not accept drops themselves, so drag events reach the editor's canvas, which
decides the position and draws the drop indicator.
"""

from __future__ import annotations

import json

from PySide6.QtCore import QMimeData, QPoint, Qt, Signal
from PySide6.QtGui import QDrag
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from engine.activations import ACTIVATIONS
from engine.spec import LayerSpec
from playground.gui import palette

MIME_TYPE = "application/x-backprop-playground-layer"
MAX_TOGGLES = 64  # more input features than this are chosen in the picker's list only


def activation_tip(name: str) -> str:
    """The tooltip of an activation, from its own file in engine/activations/."""
    return ACTIVATIONS.get(name).tip if name in ACTIVATIONS else name


FLAG_TOGGLES = (  # a hidden layer's switches on its card: field, text, tooltip
    ("batch_norm", "BN", "Batch normalisation in layer {n}: normalise z over the batch, "
     "then scale and shift (gamma, beta) before the activation"),
    ("residual", "res", "Residual connection around layer {n}: its output is a + f(z), "
     "so the gradient also reaches the layer before through the shortcut"),
)  # fmt: skip
TOGGLE_STYLE = (
    "QToolButton { color: #777; padding: 0px; font-size: 10px; } "
    "QToolButton:checked { background: #dff0e6; border: 1px solid #1a6b4f; "
    "border-radius: 3px; color: #1a6b4f; font-weight: bold; }"
)
CARD_STYLE = "QFrame#{name} {{ border: {w}px solid {c}; border-radius: 5px; background: {bg}; }}"


def make_mime(payload: dict) -> QMimeData:
    mime = QMimeData()
    mime.setData(MIME_TYPE, json.dumps(payload).encode())
    return mime


def read_mime(mime: QMimeData) -> dict | None:
    """The payload of one of our drags, or None for anything else (other apps' drags)."""
    if mime is None or not mime.hasFormat(MIME_TYPE):
        return None
    try:
        payload = json.loads(bytes(mime.data(MIME_TYPE)).decode())
    except (ValueError, UnicodeDecodeError):
        return None
    return payload if isinstance(payload, dict) and "kind" in payload else None


def describe(payload: dict) -> str:
    kind = payload.get("kind")
    if kind == "dense":
        return f"a dense {payload.get('activation')} layer"
    if kind == "dropout":
        return "dropout"
    if kind == "block":
        return "a residual block"
    return f"layer {int(payload.get('index', 0)) + 1}"


class DragStarter:
    """Mouse handling shared by chips and cards: a drag starts after the usual distance."""

    def _press(self, event) -> None:
        self._press_pos = (
            event.position().toPoint() if event.button() == Qt.MouseButton.LeftButton else None
        )

    def _moved_far(self, event) -> bool:
        start = getattr(self, "_press_pos", None)
        if start is None or not event.buttons() & Qt.MouseButton.LeftButton:
            return False
        distance = (event.position().toPoint() - start).manhattanLength()
        return distance >= QApplication.startDragDistance()

    def _drag(self, widget: QWidget, payload: dict, action) -> Qt.DropAction:
        self._press_pos = None
        drag = QDrag(widget)
        drag.setMimeData(make_mime(payload))
        drag.setPixmap(widget.grab())
        drag.setHotSpot(QPoint(10, 10))
        return drag.exec(action)


class PaletteChip(QToolButton, DragStarter):
    """One layer kind of the palette: drag it onto the network, or click to append it."""

    def __init__(self, payload: dict, parent: QWidget | None = None):
        super().__init__(parent)
        self.payload = payload
        if payload["kind"] == "dense":
            act = payload["activation"]
            self.setText(act)
            self.setObjectName(f"palette_{act}")
            self.setToolTip(
                f"Dense layer with {act} activation ({activation_tip(act)}). "
                "Drag it onto the network, where a blue line shows its place, or click to "
                "add it just before the output."
            )
        elif payload["kind"] == "block":
            self.setText("residual block")
            self.setObjectName("palette_block")
            self.setToolTip(
                "Residual block: a relu layer with batch normalisation whose input is added to "
                "its output (a + f(BN(z))), as wide as the layer before it, so the gradient "
                "also flows through the shortcut. Drag it onto the network or click to add it."
            )
        else:
            self.setText("dropout")
            self.setObjectName("palette_dropout")
            self.setToolTip(
                "Dropout: randomly silences a share of a hidden layer's outputs while training. "
                "Drag it after (or onto) a hidden layer, or click to add it to the last one."
            )
        self.setCursor(Qt.CursorShape.OpenHandCursor)

    def mousePressEvent(self, event) -> None:
        self._press(event)
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:
        if self._moved_far(event):
            self.setDown(False)
            self._drag(self, self.payload, Qt.DropAction.CopyAction)
            return
        super().mouseMoveEvent(event)


class Card(QFrame):
    """A framed row of the canvas; drag events pass through to the canvas."""

    def __init__(self, name: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName(name)
        self.setAcceptDrops(False)
        self.set_selected(False)

    def set_selected(self, on: bool, colour: str = "#c8c8c8", bg: str = "#fafafa") -> None:
        w, c = (2, palette.POSITIVE_HEX) if on else (1, colour)
        self.setStyleSheet(CARD_STYLE.format(name=self.objectName(), w=w, c=c, bg=bg))


def small_button(text: str, tip: str, name: str) -> QToolButton:
    b = QToolButton()
    b.setText(text)
    b.setToolTip(tip)
    b.setObjectName(name)
    b.setAutoRaise(False)
    return b


class InputCard(Card):
    """The input features, each a toggle; switching the last one off is refused."""

    toggled = Signal(str, bool)

    def __init__(self, allowed: tuple[str, ...], selected: tuple[str, ...], parent=None):
        super().__init__("inputCard", parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(2)
        title = QLabel(f"<b>Inputs</b> · {len(selected)} feature(s)")
        title.setToolTip("The features the network sees; the dataset picker shows the same choice")
        layout.addWidget(title)
        grid = QGridLayout()
        grid.setSpacing(3)
        self.buttons: dict[str, QToolButton] = {}
        if len(allowed) > MAX_TOGGLES:  # a wide CSV: one widget per column froze the window
            layout.addWidget(QLabel(f"{len(allowed):,} columns: choose them in the dataset picker"))
            allowed = ()
        for k, name in enumerate(allowed):
            b = small_button(name, f"Feed feature {name} to the network (click to toggle)",
                             f"editorFeature_{name}")  # fmt: skip
            b.setCheckable(True)
            b.setChecked(name in selected)
            b.toggled.connect(lambda on, name=name: self.toggled.emit(name, on))
            grid.addWidget(b, k // 4, k % 4)
            self.buttons[name] = b
        layout.addLayout(grid)
        self.setStyleSheet(
            self.styleSheet()
            + " QToolButton:checked { background: #d3e6f5; border-radius: 3px;"
            + f" border: 1px solid {palette.POSITIVE_HEX}; }}"
        )


class OutputCard(Card):
    """The output layer: fixed by the data's task, so there is nothing to edit."""

    def __init__(self, text: str, parent=None):
        super().__init__("outputCard", parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        self.label = QLabel(f"<b>Output</b> · {text}")
        layout.addWidget(self.label)
        self.setToolTip(
            "The output layer follows the dataset's task (units and link function) and the "
            "chosen loss; it cannot be edited or removed"
        )


class HiddenCard(Card, DragStarter):
    """One hidden layer: units with -/+, its activation, its dropout; drag to move."""

    selected = Signal(int)
    units = Signal(int, int)  # index, delta
    dropout_removed = Signal(int)
    flag = Signal(int, str, bool)  # index, "residual" or "batch_norm", on
    context = Signal(int, object)  # index, global position
    drag_finished = Signal(int, object)  # index, Qt.DropAction

    def __init__(self, index: int, layer: LayerSpec, parent=None):
        super().__init__(f"hiddenCard{index}", parent)
        self.index = index
        self.layer = layer
        self.setCursor(Qt.CursorShape.OpenHandCursor)
        self.setToolTip(
            f"Hidden layer {index + 1}: click to select (Delete removes it, the panel below edits "
            "it), drag to move it, drag it off the editor to remove it, right-click for more"
        )
        row = QHBoxLayout(self)
        row.setContentsMargins(6, 3, 6, 3)
        row.setSpacing(3)
        row.addWidget(QLabel(f"<b>{index + 1}</b>"))
        self.minus = small_button("−", f"One unit fewer in layer {index + 1}", f"unitsMinus{index}")
        self.plus = small_button("+", f"One unit more in layer {index + 1}", f"unitsPlus{index}")
        self.minus.clicked.connect(lambda: self.units.emit(self.index, -1))
        self.plus.clicked.connect(lambda: self.units.emit(self.index, +1))
        self.units_label = QLabel(f"{layer.units} units")
        self.units_label.setObjectName(f"unitsLabel{index}")
        self.units_label.setMinimumWidth(48)
        self.units_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        act = QLabel(layer.activation)
        act.setToolTip(activation_tip(layer.activation))
        act.setStyleSheet(
            "background: #e8f1f8; border-radius: 3px; padding: 1px 5px; color: #0b3d63"
        )
        for w in (self.minus, self.units_label, self.plus, act):
            row.addWidget(w)
        row.addStretch(1)
        self.toggles = {}
        for field, text, tip in FLAG_TOGGLES:
            b = small_button(text, tip.format(n=index + 1), f"{field}Toggle{index}")
            b.setCheckable(True)
            b.setChecked(bool(getattr(layer, field)))
            b.setStyleSheet(TOGGLE_STYLE)
            b.setFixedWidth(b.fontMetrics().horizontalAdvance(text) + 6)
            b.toggled.connect(lambda on, field=field: self.flag.emit(self.index, field, on))
            row.addWidget(b)
            self.toggles[field] = b
        if layer.dropout is not None:
            self.dropout_button = small_button(
                f"dropout {layer.dropout:g} ✕",
                "This layer's own dropout rate; click to remove it (then the training "
                "setting's dropout applies)",
                f"dropoutBadge{index}",
            )
            self.dropout_button.clicked.connect(lambda: self.dropout_removed.emit(self.index))
            row.addWidget(self.dropout_button)

    def mousePressEvent(self, event) -> None:
        self._press(event)
        if event.button() == Qt.MouseButton.LeftButton:
            self.selected.emit(self.index)
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:
        if self._moved_far(event):
            result = self._drag(
                self, {"kind": "move", "index": self.index}, Qt.DropAction.MoveAction
            )
            self.drag_finished.emit(self.index, result)
            return
        super().mouseMoveEvent(event)

    def contextMenuEvent(self, event) -> None:
        self.selected.emit(self.index)
        self.context.emit(self.index, event.globalPos())
