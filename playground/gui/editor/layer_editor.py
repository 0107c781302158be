"""The drag-to-build layer editor (objectName `layerEditor`).

A palette of layer kinds (a dense layer per activation, dropout, a residual block) above a
column of cards: the input features (toggles), the hidden layers, the output.
Dragging a palette chip onto the column inserts it where the blue line shows;
dragging a card moves it; dragging a card off the editor (or onto the palette),
the Delete key and the context menu remove it. The selected layer's properties
are edited beside the column.

Every edit goes through `edit()`, which validates it (playground/layer_edits.py)
and pushes an undoable command on `undo_stack`; a refused edit leaves the network
as it was and shows why (`problem` carries the message). Applying a state emits
`hiddenChanged` / `featuresChanged`, which the window turns into a rebuilt
network (the runner's reset, announced in the status bar).
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QCursor, QKeySequence, QUndoCommand, QUndoStack
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMenu,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from engine.spec import LayerSpec, NetworkSpec
from playground.document.session import allowed_features
from playground.gui.editor import layer_edits
from playground.gui.editor.layer_canvas import Canvas, Palette
from playground.gui.editor.layer_cards import HiddenCard, InputCard, OutputCard
from playground.gui.editor.layer_edits import BOUNDS_TEXT, DEFAULT_UNITS, EditRefused
from playground.gui.editor.layer_properties import LayerProperties

ERROR_STYLE = "color: #9b2c00"
HINT_STYLE = "color: #555555"
CARDS_MIN_HEIGHT = 130  # the inputs and a hidden layer stay in view on a 1280 x 720 screen


class ArchitectureEdit(QUndoCommand):
    """One edit: the whole (features, hidden) before and after, so undo is exact."""

    def __init__(self, editor: LayerEditor, text: str, before, after, select):
        super().__init__(text)
        self.editor, self.before, self.after = editor, before, after
        self.select_before, self.select_after = editor.selected, select

    def redo(self) -> None:
        self.editor._apply(*self.after, self.select_after)

    def undo(self) -> None:
        self.editor._apply(*self.before, self.select_before)


class LayerEditor(QWidget):
    """Builds the hidden layers and picks the input features; see the module docstring."""

    hiddenChanged = Signal(object)  # tuple[LayerSpec, ...]
    featuresChanged = Signal(object)  # tuple[str, ...]
    problem = Signal(str)

    def __init__(self, hidden=(), parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("layerEditor")
        self.undo_stack = QUndoStack(self)
        self.hidden: tuple = tuple(hidden)
        self.features: tuple[str, ...] = ("x1", "x2")
        self.allowed: tuple[str, ...] = allowed_features(2)
        self.input_dim = 2
        self.output_text = "1 unit · sigmoid · bce loss"
        self.selected: int | None = None
        self.cards: list[HiddenCard] = []
        self.input_card: InputCard | None = None
        self.output_card: OutputCard | None = None

        title = QLabel(
            f"<b>Network</b> <span style='{HINT_STYLE}'>· {BOUNDS_TEXT}. Edits rebuild the "
            f"network: training restarts at step 0.</span>"
        )
        title.setWordWrap(True)
        self.palette = Palette(self)
        self.canvas = Canvas(self)
        scroll = QScrollArea()
        scroll.setWidget(self.canvas)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        scroll.setMinimumHeight(CARDS_MIN_HEIGHT)
        self.cards_view = scroll
        self.properties = LayerProperties()
        self.properties.edited.connect(self._property_edited)
        self.message = QLabel("")
        self.message.setObjectName("layerEditorMessage")
        self.message.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(3)
        for w in (title, self.palette):
            layout.addWidget(w)
        row = QHBoxLayout()  # the properties beside the cards: the cards keep the height
        row.addWidget(scroll, 1)
        row.addWidget(self.properties)
        layout.addLayout(row, 1)
        layout.addWidget(self.message)
        self._rebuild_cards()

    # -- state from the window ---------------------------------------------------------------
    def set_spec(self, spec: NetworkSpec) -> None:
        """Show `spec`'s features, hidden layers and output; no signal, history kept.

        The message of an earlier edit is cleared: it spoke of another network.

        Other inputs (a dataset of another dimension) clear the undo history: its
        states would name features this data does not have.
        """
        if spec.input_dim != self.input_dim:
            self.undo_stack.clear()
        self.input_dim = spec.input_dim
        self.allowed = allowed_features(spec.input_dim)
        self.features = tuple(spec.features)
        self.hidden = tuple(spec.hidden)
        self.output_text = output_text(spec)
        if self.selected is not None and self.selected >= len(self.hidden):
            self.selected = None
        self.clear_message()  # a message about the previous network no longer applies
        self._rebuild_cards()  # the properties show the selected layer as it now is

    def set_document(self, spec: NetworkSpec) -> None:
        """Show `spec` as a new document (a project was opened): no signal, history cleared."""
        self.selected = None
        self.set_spec(spec)
        self.undo_stack.clear()

    # -- edits ---------------------------------------------------------------------------------
    def edit(self, text: str, *, hidden=None, features=None, select=None) -> bool:
        """Record and apply an edit (already validated); False when it changes nothing."""
        after = (
            self.features if features is None else tuple(features),
            self.hidden if hidden is None else tuple(hidden),
        )
        if after == (self.features, self.hidden):
            return False
        self.undo_stack.push(
            ArchitectureEdit(self, text, (self.features, self.hidden), after, select)
        )
        self.hint(f"{text}: the network is rebuilt")
        return True

    def refuse(self, message: str) -> None:
        self.message.setStyleSheet(ERROR_STYLE)
        self.message.setText(message)
        self.problem.emit(message)

    def clear_message(self) -> None:
        self.message.setStyleSheet(HINT_STYLE)
        self.message.clear()

    def hint(self, text: str) -> None:
        self.message.setStyleSheet(HINT_STYLE)
        self.message.setText(text)

    def _try(self, text: str, make, select=None, **which) -> bool:
        try:
            result = make()
        except EditRefused as exc:
            self.refuse(str(exc))
            return False
        key = "features" if which.get("features") else "hidden"
        return self.edit(text, select=select, **{key: result})

    def drop(self, payload: dict, gap: int | None) -> bool:
        """A palette kind or a moved layer arrives at `gap` (None: the end, i.e. a click)."""
        kind = payload.get("kind")
        end = len(self.hidden)
        if kind == "dense":
            at = end if gap is None else gap
            template = self.hidden[at - 1] if 0 < at <= end else None
            units = template.units if template is not None else DEFAULT_UNITS
            act = payload.get("activation", "tanh")
            layer = LayerSpec(units, act)
            return self._try(
                f"Insert a {act} layer at position {at + 1}",
                lambda: layer_edits.insert(self.hidden, at, layer),
                select=at,
            )
        if kind == "block":
            at = end if gap is None else gap
            template = self.hidden[at - 1] if 0 < at <= end else None
            units = template.units if template is not None else DEFAULT_UNITS
            block = LayerSpec(units, "relu", batch_norm=True, residual=True)
            return self._try(
                f"Insert a residual block at position {at + 1}",
                lambda: layer_edits.insert(self.hidden, at, block),
                select=at,
            )
        if kind == "dropout":
            at = end if gap is None else gap
            return self._try(
                f"Add dropout after layer {max(at, 1)}",
                lambda: layer_edits.add_dropout(self.hidden, at),
                select=max(0, min(at, end) - 1),
            )
        if kind == "move":
            i = int(payload.get("index", -1))
            if gap is None:
                return False
            new_index = gap if gap <= i else gap - 1
            return self._try(
                f"Move layer {i + 1} to position {new_index + 1}",
                lambda: layer_edits.move(self.hidden, i, gap),
                select=new_index,
            )
        return False

    def add_layer(self) -> bool:
        """Append a copy of the last hidden layer (a tanh layer when there is none)."""
        act = self.hidden[-1].activation if self.hidden else "tanh"
        return self.drop({"kind": "dense", "activation": act}, None)

    def remove(self, i: int, how: str = "") -> bool:
        select = None if not self.hidden[:-1] else min(i, len(self.hidden) - 2)
        suffix = f" ({how})" if how else ""
        return self._try(
            f"Remove layer {i + 1}{suffix}", lambda: layer_edits.remove(self.hidden, i), select
        )

    def add_units(self, i: int, delta: int) -> bool:
        word = "Add a unit to" if delta > 0 else "Remove a unit from"
        return self._try(
            f"{word} layer {i + 1}", lambda: layer_edits.add_units(self.hidden, i, delta), i
        )

    def change_layer(self, i: int, **changes) -> bool:
        what = ", ".join(f"{k} {v}" for k, v in changes.items())
        return self._try(
            f"Set layer {i + 1} {what}", lambda: layer_edits.change(self.hidden, i, **changes), i
        )

    def toggle_feature(self, name: str, on: bool) -> bool:
        try:
            features = layer_edits.toggle_feature(self.features, self.allowed, name, on)
        except EditRefused as exc:
            self.refuse(str(exc))
            self._rebuild_cards()  # the toggle shows the unchanged state again
            return False
        return self.edit(f"{'Use' if on else 'Drop'} input {name}", features=features,
                         select=self.selected)  # fmt: skip

    def set_features(self, features, text: str = "Change input features") -> bool:
        """Select `features` (for example from the dataset picker) as an undoable edit."""
        features = tuple(f for f in self.allowed if f in set(features))
        if not features:
            self.refuse("At least one input feature must stay on: the network needs an input")
            self._rebuild_cards()
            return False
        return self.edit(text, features=features, select=self.selected)

    def _property_edited(self, changes: dict) -> None:
        if self.selected is None:
            return
        if not self.change_layer(self.selected, **changes):
            self._show_properties()  # refused or no change: show the layer as it is

    def select(self, i: int | None) -> None:
        self.selected = i if i is not None and 0 <= i < len(self.hidden) else None
        for k, card in enumerate(self.cards):
            card.set_selected(k == self.selected)
        self._show_properties()
        self.canvas.setFocus()

    def _show_properties(self) -> None:
        i = self.selected
        self.properties.show_layer(i, None if i is None else self.hidden[i])

    def _apply(self, features, hidden, select) -> None:
        """Make (features, hidden) the current state and tell the window (undo stack only)."""
        features_changed = features != self.features
        hidden_changed = hidden != self.hidden
        self.features, self.hidden = tuple(features), tuple(hidden)
        self.selected = select if select is not None and 0 <= select < len(hidden) else None
        self._rebuild_cards()
        if features_changed:
            self.featuresChanged.emit(self.features)
        if hidden_changed:
            self.hiddenChanged.emit(self.hidden)

    # -- cards ---------------------------------------------------------------------------------
    def _rebuild_cards(self) -> None:
        column = self.canvas.column
        while column.count():
            item = column.takeAt(0)
            if item.widget() is not None:
                item.widget().hide()  # deleteLater waits for the event loop; hidden at once
                item.widget().deleteLater()
        self.input_card = InputCard(self.allowed, self.features)
        self.input_card.toggled.connect(self.toggle_feature)
        column.addWidget(self.input_card)
        self.cards = []
        for i, layer in enumerate(self.hidden):
            card = HiddenCard(i, layer)
            card.selected.connect(self.select)
            card.units.connect(self.add_units)
            card.dropout_removed.connect(lambda k: self.change_layer(k, dropout=None))
            card.flag.connect(lambda k, field, on: self.change_layer(k, **{field: on}))
            card.context.connect(self._context_menu)
            card.drag_finished.connect(self._drag_finished)
            card.set_selected(i == self.selected)
            column.addWidget(card)
            self.cards.append(card)
        if not self.hidden:
            none = QLabel("no hidden layer: a linear model of the features")
            none.setStyleSheet(HINT_STYLE)
            column.addWidget(none)
        self.output_card = OutputCard(self.output_text)
        column.addWidget(self.output_card)
        column.addStretch(1)
        for k in range(column.count()):
            widget = column.itemAt(k).widget()
            if widget is not None:
                widget.setVisible(True)  # placed at once (not at the next event loop turn):
        column.activate()  # a drop right after an edit uses the new cards' geometry
        self.canvas.indicator.raise_()
        self._show_properties()

    def _context_menu(self, i: int, pos: QPoint) -> None:
        menu = self.context_menu(i)
        menu.exec(pos)

    def context_menu(self, i: int) -> QMenu:
        menu = QMenu(self)
        remove = menu.addAction(f"Remove layer {i + 1}")
        remove.setShortcut(QKeySequence(Qt.Key.Key_Delete))
        remove.triggered.connect(lambda: self.remove(i))
        duplicate = menu.addAction(f"Duplicate layer {i + 1}")
        duplicate.triggered.connect(
            lambda: self._try(
                f"Duplicate layer {i + 1}",
                lambda: layer_edits.insert(self.hidden, i + 1, self.hidden[i]),
                i + 1,
            )
        )
        for label, delta in (("Move up", -1), ("Move down", 2)):
            action = menu.addAction(label)
            gap = i + delta
            action.setEnabled(0 <= gap <= len(self.hidden) and gap not in (i, i + 1))
            action.triggered.connect(
                lambda _c=False, g=gap: self.drop({"kind": "move", "index": i}, g)
            )
        return menu

    def _drag_finished(self, i: int, action) -> None:
        """A card's drag ended: dropped nowhere outside the editor means "take it out"."""
        inside = self.rect().contains(self.mapFromGlobal(QCursor.pos()))
        if action == Qt.DropAction.IgnoreAction and not inside:
            self.remove(i, how="dragged off the editor")

    # -- menu ----------------------------------------------------------------------------------
    def edit_menu(self, parent: QWidget) -> QMenu:
        """An Edit menu with Undo (Ctrl+Z) and Redo (Ctrl+Shift+Z, Ctrl+Y) of architecture edits."""
        menu = QMenu("&Edit", parent)
        self.undo_action = self.undo_stack.createUndoAction(parent, "&Undo")
        self.undo_action.setShortcuts([QKeySequence(QKeySequence.StandardKey.Undo)])
        self.redo_action = self.undo_stack.createRedoAction(parent, "&Redo")
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        for action in (self.undo_action, self.redo_action):
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            menu.addAction(action)
            parent.addAction(action)
        return menu


def output_text(spec: NetworkSpec) -> str:
    n = spec.n_outputs
    units = f"{n} unit" + ("s" if n > 1 else "")
    if spec.task == "regression":
        link = "linear"
    else:
        link = "sigmoid" if spec.n_classes == 2 else "softmax"
    return f"{units} · {link} · {spec.loss} loss"


__all__ = ["ArchitectureEdit", "LayerEditor", "output_text"]
