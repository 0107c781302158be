"""The drop targets of the layer editor: the palette (also a "remove" zone) and the canvas.

The canvas is the column of cards; it takes every drag of ours (cards pass drag
events through), works out the insertion position from the cursor's height and
draws the drop indicator there. Both hand the result to the editor (`drop`,
`remove`), which validates and records the edit.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QGridLayout, QVBoxLayout, QWidget

from engine.spec import ACTIVATIONS
from playground.gui import palette
from playground.gui.editor.layer_cards import PaletteChip, describe, read_mime

PALETTE_COLUMNS = 5


class Palette(QFrame):
    """The layer kinds; also a drop zone: a layer dragged back here is removed."""

    def __init__(self, editor):
        super().__init__()
        self.editor = editor
        self.setObjectName("layerPalette")
        self.setAcceptDrops(True)
        self.setToolTip("Drag a layer onto the network below; drag a layer back here to remove it")
        grid = QGridLayout(self)
        grid.setContentsMargins(2, 2, 2, 2)
        grid.setSpacing(3)
        payloads = [{"kind": "dense", "activation": a} for a in ACTIVATIONS]
        payloads.append({"kind": "dropout"})
        payloads.append({"kind": "block"})  # a residual block: relu, batch norm, shortcut
        self.chips = []
        for k, payload in enumerate(payloads):
            chip = PaletteChip(payload)
            chip.clicked.connect(lambda _c=False, p=payload: editor.drop(p, None))
            grid.addWidget(chip, k // PALETTE_COLUMNS, k % PALETTE_COLUMNS)
            self.chips.append(chip)
        self._highlight(False)

    def _highlight(self, on: bool) -> None:
        border = palette.NEGATIVE_HEX if on else "transparent"
        self.setStyleSheet(f"QFrame#layerPalette {{ border: 2px dashed {border}; }}")

    def dragEnterEvent(self, event) -> None:
        payload = read_mime(event.mimeData())
        if payload is not None and payload["kind"] == "move":
            self._highlight(True)
            self.editor.hint(f"Release to remove {describe(payload)}")
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:
        self.dragEnterEvent(event)

    def dragLeaveEvent(self, _event) -> None:
        self._highlight(False)

    def dropEvent(self, event) -> None:
        self._highlight(False)
        payload = read_mime(event.mimeData())
        if payload is not None and payload["kind"] == "move":
            event.acceptProposedAction()
            self.editor.remove(int(payload["index"]), how="dragged back to the palette")


class Canvas(QWidget):
    """The column of cards; takes the drops and shows where they would land."""

    def __init__(self, editor):
        super().__init__()
        self.editor = editor
        self.setObjectName("layerCanvas")
        self.setAcceptDrops(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.column = QVBoxLayout(self)
        self.column.setContentsMargins(4, 4, 4, 4)
        self.column.setSpacing(6)
        self.indicator = QFrame(self)
        self.indicator.setObjectName("dropIndicator")
        self.indicator.setStyleSheet(f"background: {palette.POSITIVE_HEX}; border-radius: 2px;")
        self.indicator.hide()
        self.gap: int | None = None

    def gap_at(self, y: float) -> int:
        """The insertion position (0..n hidden layers) for a drop at height y."""
        return sum(1 for c in self.editor.cards if c.geometry().center().y() < y)

    def show_indicator(self, gap: int) -> None:
        cards = self.editor.cards
        below = cards[gap] if gap < len(cards) else self.editor.output_card
        y = below.geometry().top() - self.column.spacing() // 2 - 2
        self.indicator.setGeometry(4, max(0, y), self.width() - 8, 4)
        self.indicator.show()
        self.indicator.raise_()
        self.gap = gap

    def hide_indicator(self) -> None:
        self.indicator.hide()
        self.gap = None

    def dragEnterEvent(self, event) -> None:
        if read_mime(event.mimeData()) is None:
            event.ignore()
            return
        event.acceptProposedAction()
        self._track(event)

    def dragMoveEvent(self, event) -> None:
        if read_mime(event.mimeData()) is None:
            event.ignore()
            return
        event.acceptProposedAction()
        self._track(event)

    def _track(self, event) -> None:
        payload = read_mime(event.mimeData())
        gap = self.gap_at(event.position().y())
        self.show_indicator(gap)
        self.editor.hint(f"Release to put {describe(payload)} at position {gap + 1}")

    def dragLeaveEvent(self, _event) -> None:
        self.hide_indicator()
        self.editor.hint("")

    def dropEvent(self, event) -> None:
        payload = read_mime(event.mimeData())
        self.hide_indicator()
        if payload is None:
            event.ignore()
            return
        event.acceptProposedAction()
        self.editor.drop(payload, self.gap_at(event.position().y()))

    def keyPressEvent(self, event) -> None:
        if (
            event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace)
            and self.editor.selected is not None
        ):
            self.editor.remove(self.editor.selected)
            return
        super().keyPressEvent(event)
