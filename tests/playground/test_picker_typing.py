"""Typing into the picker's option boxes, as a person does: keys, then Enter or a click away.

Each committed value rebuilds the dataset; the option boxes must survive their own
signal (issue 11, item 1: the generator's own options were deleted while emitting
and the application crashed).
"""

from __future__ import annotations

import pytest
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractSpinBox, QDoubleSpinBox, QLineEdit

import datasets
from playground.dataset_picker import DatasetPicker
from playground.session import default_data_choice


@pytest.fixture
def picker(qtbot):
    p = DatasetPicker()
    qtbot.addWidget(p)
    assert p.apply(default_data_choice("spirals"))
    p.set_features(2, ("x1", "x2"))
    p.show()
    qtbot.waitExposed(p)
    p.activateWindow()
    return p


def option_boxes(picker) -> dict[str, QAbstractSpinBox]:
    """Every option a generator offers: the common ones and its own."""
    common = {
        "n_samples": picker.samples,
        "noise": picker.noise,
        "test_ratio": picker.test_ratio,
        "seed": picker.seed,
    }
    return {**common, **picker._extra}


def other_value(box: QAbstractSpinBox, step: int) -> str:
    """A valid value different from the box's current one, as a person would type it."""
    lo, hi, value = box.minimum(), box.maximum(), box.value()
    if isinstance(box, QDoubleSpinBox):
        new = round(lo + (hi - lo) * (0.3 + 0.2 * step), 2)
        new = new if new != value else lo
        return f"{new:.{box.decimals()}f}"
    new = lo + 1 + step if hi - lo < 100 else lo + 298 + step  # a few arms, a few hundred rows
    return str(new if new != value else lo)


def type_into(qtbot, box: QAbstractSpinBox, text: str, commit: str, away) -> None:
    box.setFocus()
    qtbot.waitUntil(box.hasFocus)
    editor = box.findChild(QLineEdit)
    editor.selectAll()
    qtbot.keyClicks(editor, text)
    if commit == "enter":
        qtbot.keyClick(editor, Qt.Key.Key_Return)
    else:  # a click away: the focus moves to another widget
        away.setFocus(Qt.FocusReason.MouseFocusReason)
        qtbot.waitUntil(lambda: not box.hasFocus())


@pytest.mark.parametrize("commit", ["enter", "focus-out"])
@pytest.mark.parametrize("name", [info.name for info in datasets.available()])
def test_typing_into_every_option_of_a_generator(qtbot, picker, name, commit):
    item = next(
        picker.list.item(r)
        for r in range(picker.list.count())
        if picker.list.item(r).data(Qt.ItemDataRole.UserRole) == f"gen:{name}"
    )
    picker.list.setCurrentItem(item)
    assert picker.choice.source == name
    for step, option in enumerate(list(option_boxes(picker))):
        box = option_boxes(picker)[option]
        text = other_value(box, step % 2)
        with qtbot.waitSignal(picker.choiceChanged, timeout=5000) as blocker:
            type_into(qtbot, box, text, commit, picker.list)
        choice, ds = blocker.args
        typed = float(text)
        if option == "test_ratio":
            assert choice.test_ratio == pytest.approx(typed)
        else:
            assert choice.params[option] == pytest.approx(typed)
        assert ds.name == name and picker.dataset is ds
        # the box that was typed into is alive, shows the value and still edits the data
        assert shiboken6.isValid(box) and option_boxes(picker)[option] is box
        assert box.value() == pytest.approx(typed)
