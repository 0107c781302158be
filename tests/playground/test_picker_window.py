"""The picker inside the window: big imports in the background, refused data, restoring."""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QMessageBox, QToolButton

from playground.app import build_window
from tests.playground.gui_support import WAIT_MS, close_window, make_window, wait_snapshot


def write_csv(path, n_rows: int, n_inputs: int, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_rows, n_inputs))
    y = (X[:, 0] > 0).astype(int)
    header = ",".join([*(f"col{i}" for i in range(n_inputs)), "label"])
    rows = (",".join(f"{v:.3f}" for v in r) + f",{c}" for r, c in zip(X, y, strict=True))
    path.write_text(header + "\n" + "\n".join(rows) + "\n")


def remember_import(qtbot, tmp_path, name: str, n_rows: int, n_inputs: int, features=None):
    """A first session that imports `name` (and picks `features`), then closes."""
    path = tmp_path / name
    write_csv(path, n_rows, n_inputs)
    first = make_window(qtbot, tmp_path)
    assert first.picker.import_csv(str(path))
    for feature in features or ():
        first.picker.features.set_checked(feature, False)
    close_window(first)
    return path


def test_a_wide_csv_is_read_in_the_background_and_its_features_are_one_list(
    qtbot, window, tmp_path
):
    path = tmp_path / "wide.csv"
    write_csv(path, 40, 600)
    picker = window.picker
    with qtbot.waitSignal(picker.importFinished, timeout=WAIT_MS) as blocker:
        picker.start_import(str(path))
        # the call returns at once: the file is read while the window stays responsive
        assert picker.busy.isVisibleTo(picker) and not picker.import_button.isEnabled()
        assert window.dataset.name == "spirals"
    assert blocker.args[1] is True and window.dataset.input_dim == 600
    assert not picker.busy.isVisibleTo(picker) and picker.import_button.isEnabled()
    card = window.layer_editor.input_card  # no widget per column in the editor either
    assert card.buttons == {} and len(card.findChildren(QToolButton)) == 0
    features = picker.features
    assert features.model.rowCount() == 600 and features.filter.isVisibleTo(picker)
    assert features.model.data(features.model.index(4)) == "x5 (col4)"
    features.filter.setText("(col59)")
    assert features.proxy.rowCount() == 1  # col59 (x60)
    with qtbot.waitSignal(picker.featuresChanged) as changed:
        features.none_button.click()
    assert len(changed.args[0]) == 599 and "x60" not in changed.args[0]
    features.filter.clear()
    with qtbot.waitSignal(picker.featuresChanged) as changed:
        features.none_button.click()  # none of everything: the first one stays
    assert changed.args[0] == ("x1",)
    snap = wait_snapshot(qtbot, window, lambda s: s.spec.features == ("x1",))
    assert snap.spec.input_dim == 600


def test_data_the_split_refuses_keeps_training_on_the_current_data(qtbot, window, tmp_path):
    tiny = tmp_path / "tiny.csv"
    tiny.write_text("a,b,label\n0,0,0\n1,1,1\n")  # nothing can be held out
    before = window.presenter.last.generation
    assert not window.picker.import_csv(str(tiny))
    window.findChild(QMessageBox, "errorDialog").close()
    assert window.picker.list.currentItem().text() == "spirals"
    assert window.picker.choice == window.session.data and window.dataset.name == "spirals"
    window.picker.test_ratio.setValue(0.0)  # a later change: still spirals, never the refused file
    assert window.session.data.source == "spirals" and window.dataset.name == "spirals"
    snap = wait_snapshot(qtbot, window, lambda s: s.generation > before)
    assert snap.spec.input_dim == 2


def test_a_remembered_import_is_read_in_the_background_at_start(qtbot, tmp_path):
    remember_import(qtbot, tmp_path, "three.csv", 50, 3, features=("x2",))  # x1, x3 stay
    second = build_window(settings_path=str(tmp_path / "settings.ini"), runner="process")
    qtbot.addWidget(second)
    try:
        # the window is there before the file is read: the default data trains meanwhile
        assert second.dataset.name == "spirals" and second.picker.busy.isVisibleTo(second.picker)
        with qtbot.waitSignal(second.picker.importFinished, timeout=WAIT_MS) as blocker:
            second.show()
        assert blocker.args[1] is True
        assert second.dataset.name == "three" and second.session.features == ("x1", "x3")
        assert second.picker.selected_features() == ("x1", "x3")
        snap = wait_snapshot(qtbot, second, lambda s: s.spec.input_dim == 3)
        assert snap.spec.features == ("x1", "x3")
    finally:
        close_window(second)


def test_a_remembered_import_that_is_gone_starts_on_the_default(qtbot, tmp_path):
    path = remember_import(qtbot, tmp_path, "gone.csv", 20, 2)
    path.unlink()
    second = make_window(qtbot, tmp_path)
    try:
        qtbot.waitUntil(lambda: second._restoring is None, timeout=WAIT_MS)
        assert second.dataset.name == "spirals" and second.picker.choice.source == "spirals"
        assert "could not be read again" in second.banner.message()
    finally:
        close_window(second)


def test_closing_while_the_remembered_import_is_read_keeps_it_remembered(qtbot, tmp_path):
    remember_import(qtbot, tmp_path, "kept.csv", 30, 3)
    second = build_window(settings_path=str(tmp_path / "settings.ini"), runner="thread")
    qtbot.addWidget(second)
    assert second._restoring is not None  # closed before the file was read
    close_window(second)
    assert second.picker.loader.wait(WAIT_MS / 1000)
    third = make_window(qtbot, tmp_path)
    try:
        qtbot.waitUntil(lambda: third.dataset.name == "kept", timeout=WAIT_MS)
    finally:
        close_window(third)
