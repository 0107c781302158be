"""The window fits a 1280 x 720 laptop screen (issue 11, item 17).

About 1280 x 680 remain after the window decorations: the window's minimum size
fits, no toolbar widget lands in the overflow menu, and the layer editor keeps
the inputs and a hidden layer in view.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import QRect
from PySide6.QtWidgets import QApplication, QToolBar

USABLE = (1280, 680)  # a 1280 x 720 screen minus the title bar and a panel


@pytest.fixture
def small_window(qtbot, window):
    window.resize(*USABLE)
    QApplication.processEvents()  # the layouts place the widgets at the new size
    return window


def test_the_minimum_size_fits_1280_by_680(small_window):
    hint = small_window.minimumSizeHint()
    assert hint.width() <= USABLE[0] and hint.height() <= USABLE[1], hint
    assert small_window.width() == USABLE[0]


def test_every_toolbar_widget_is_visible_inside_its_toolbar(qtbot, small_window):
    bars = small_window.findChildren(QToolBar)
    assert {b.objectName() for b in bars} >= {"trainingToolbar", "hyperToolbar"}
    controls = small_window.controls
    for widget in (controls.run_button, controls.l1, controls.l2, controls.dropout, controls.clip):
        assert widget.isVisible(), widget.toolTip()
    for bar in bars:
        extensions = [c for c in bar.children() if type(c).__name__ == "QToolBarExtension"]
        assert not any(e.isVisible() for e in extensions), bar.objectName()
        inside = QRect(0, 0, bar.width(), bar.height())
        for action in bar.actions():
            widget = bar.widgetForAction(action)
            if widget is None or action.isSeparator():
                continue
            assert widget.isVisible(), (bar.objectName(), action.text())
            assert inside.contains(widget.geometry()), (bar.objectName(), widget.geometry())


def test_the_layer_editor_keeps_the_inputs_and_a_hidden_layer_in_view(small_window):
    editor = small_window.layer_editor
    assert editor.hidden, "the default network has hidden layers"
    viewport = editor.cards_view.viewport()
    seen = QRect(0, 0, viewport.width(), viewport.height())
    for card in (editor.input_card, editor.cards[0]):
        top_left = card.mapTo(viewport, card.rect().topLeft())
        assert seen.contains(QRect(top_left, card.size())), (type(card).__name__, seen)
    assert editor.properties.isVisible()
    assert editor.properties.geometry().bottom() <= editor.height()
