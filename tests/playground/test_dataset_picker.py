"""The dataset picker on its own: catalogue, parameters, regenerate, features, CSV import."""

from __future__ import annotations

import numpy as np
import pytest
import shiboken6
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QAbstractSpinBox, QDoubleSpinBox, QLineEdit, QMessageBox

import datasets
from playground.document.session import DataChoice, default_data_choice
from playground.gui.dataset_picker import DatasetPicker


@pytest.fixture
def picker(qtbot):
    p = DatasetPicker()
    qtbot.addWidget(p)
    assert p.apply(default_data_choice("spirals"))
    p.set_features(2, ("x1", "x2"))
    return p


@pytest.fixture
def shown_picker(qtbot, picker):
    """The picker on screen and active: focus moves as a person's typing moves it."""
    picker.show()
    qtbot.waitExposed(picker)
    picker.activateWindow()
    return picker


def items(picker):
    return [picker.list.item(r) for r in range(picker.list.count())]


def test_lists_every_dataset_with_a_thumbnail_grouped_by_task(picker):
    rows = items(picker)
    keys = [i.data(Qt.ItemDataRole.UserRole) for i in rows]
    for info in datasets.available():
        assert f"gen:{info.name}" in keys
        item = rows[keys.index(f"gen:{info.name}")]
        assert not item.icon().isNull() and info.description in item.toolTip()
    headers = [i.text() for i in rows if i.data(Qt.ItemDataRole.UserRole) is None]
    assert headers[:2] == ["Classification", "Regression"]
    first_regression = keys.index(None, 1)
    tasks = [
        datasets.info(k.split(":")[1]).task for k in keys if k is not None and k.startswith("gen:")
    ]
    assert tasks == sorted(tasks)  # classification entries first, then regression
    assert all(not (rows[i].flags() & Qt.ItemFlag.ItemIsSelectable) for i in (0, first_regression))


def test_selecting_an_entry_emits_the_built_dataset(qtbot, picker):
    picker.samples.setValue(120)
    item = next(i for i in items(picker) if i.text() == "sine")
    with qtbot.waitSignal(picker.choiceChanged) as blocker:
        picker.list.setCurrentItem(item)
    choice, ds = blocker.args
    assert choice.source == "sine" and ds.name == "sine" and ds.task == "regression"
    assert ds.n_samples == 120 and choice.params["n_samples"] == 120


def test_parameters_regenerate_and_generator_options(qtbot, picker):
    first = picker.dataset
    with qtbot.waitSignal(picker.choiceChanged) as blocker:
        picker.regenerate.click()
    choice, ds = blocker.args
    assert choice.seed == 1 and picker.seed.value() == 1
    assert not np.array_equal(ds.X, first.X)
    assert set(picker._extra) == {"arms", "turns"}
    with qtbot.waitSignal(picker.choiceChanged) as blocker:
        picker._extra["arms"].setValue(3)
    assert blocker.args[1].n_classes == 3
    with qtbot.waitSignal(picker.choiceChanged) as blocker:
        picker.test_ratio.setValue(0.5)
    assert blocker.args[0].test_ratio == 0.5


def test_feature_toggles_emit_and_the_last_one_stays(qtbot, picker):
    features = picker.features
    assert features.model.names == ("x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)")
    assert not features.filter.isVisibleTo(picker)  # a handful: no filter box
    with qtbot.waitSignal(picker.featuresChanged) as blocker:
        features.set_checked("x1*x2", True)
    assert blocker.args[0] == ("x1", "x2", "x1*x2")
    features.set_checked("x1", False)
    features.set_checked("x2", False)
    with qtbot.assertNotEmitted(picker.featuresChanged):
        assert not features.set_checked("x1*x2", False)
    assert picker.selected_features() == ("x1*x2",)
    assert "at least one" in features.count.text().lower()
    picker.set_features(1, ("x1",))
    assert features.model.names == ("x1", "x1^2", "sin(x1)")


def test_a_click_on_a_feature_toggles_it(qtbot, shown_picker):
    picker = shown_picker
    view = picker.features.view
    index = picker.features.proxy.index(4, 0)  # x1*x2
    rect = view.visualRect(index)
    check = rect.topLeft() + QPoint(rect.height() // 2 + 2, rect.height() // 2)
    with qtbot.waitSignal(picker.featuresChanged) as blocker:
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=check)
    assert blocker.args[0] == ("x1", "x2", "x1*x2")


def test_csv_import_adds_an_entry_and_a_bad_file_changes_nothing(qtbot, picker, tmp_path):
    good = tmp_path / "line.csv"
    good.write_text("x,y\n" + "\n".join(f"{x},{2 * x + 0.5}" for x in np.linspace(-1, 1, 20)))
    assert picker.import_csv(str(good))
    assert picker.dataset.task == "regression" and picker.choice.path == str(good)
    assert items(picker)[-1].text() == "line.csv" and not picker.samples.isEnabled()
    before = (picker.choice, picker.dataset)
    bad = tmp_path / "bad.csv"
    bad.write_text("1,2,3\n4,5\n")
    assert not picker.import_csv(str(bad))
    dialog = picker.findChild(QMessageBox, "errorDialog")
    assert dialog.isVisible() and "bad.csv was not imported" in dialog.text()
    assert (picker.choice, picker.dataset) == before
    assert not picker.import_csv(str(tmp_path / "missing.csv"))
    assert (picker.choice, picker.dataset) == before


def test_a_choice_that_cannot_be_built_is_refused(picker):
    before = picker.choice
    assert not picker.apply(DataChoice(source="spirals", params={"arms": 9}), quiet=True)
    assert picker.choice is before


def test_data_the_split_refuses_leaves_the_picker_on_the_trained_data(qtbot, picker, tmp_path):
    tiny = tmp_path / "tiny.csv"
    tiny.write_text("a,b,label\n0,0,0\n1,1,1\n")  # one row per class: nothing to hold out
    before = (picker.choice, picker.dataset)
    with qtbot.assertNotEmitted(picker.choiceChanged):
        assert not picker.import_csv(str(tiny))
    dialog = picker.findChild(QMessageBox, "errorDialog")
    assert dialog.isVisible() and "test_ratio" in dialog.text() and "spirals" in dialog.text()
    dialog.close()
    assert (picker.choice, picker.dataset) == before
    assert picker.list.currentItem().text() == "spirals"
    assert "csv:" + str(tiny) not in [i.data(Qt.ItemDataRole.UserRole) for i in items(picker)]
    with qtbot.waitSignal(picker.choiceChanged) as blocker:  # later changes: still spirals
        picker.test_ratio.setValue(0.0)
    assert blocker.args[0].source == "spirals" and blocker.args[0].test_ratio == 0.0


def test_an_imported_file_whose_split_fails_later_is_not_switched_to(qtbot, picker, tmp_path):
    small = tmp_path / "small.csv"
    small.write_text("a,b,label\n0,0,0\n1,1,1\n2,2,2\n")  # one row per class
    picker.test_ratio.setValue(0.0)
    assert picker.import_csv(str(small)) and picker.choice.source == "csv"
    with qtbot.assertNotEmitted(picker.choiceChanged):
        picker.test_ratio.setValue(0.3)
    picker.findChild(QMessageBox, "errorDialog").close()
    assert picker.choice.source == "csv" and picker.choice.test_ratio == 0.0
    assert picker.test_ratio.value() == 0.0 and picker.list.currentItem().text() == "small.csv"


# -- typing into the option boxes as a person does: keys, then Enter or a click away --------
# Each committed value rebuilds the dataset; the boxes must survive their own signal
# (issue 11: the generator's own options were deleted while emitting, a segmentation fault).


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
def test_typing_into_every_option_of_a_generator(qtbot, shown_picker, name, commit):
    picker = shown_picker
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
