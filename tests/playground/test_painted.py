"""Painted data: reaches the trainer unchanged, survives projects, trains as its CSV does."""

from __future__ import annotations

import numpy as np
import pytest

import datasets
from engine.trainer import Trainer
from playground.document.painted import PaintedPoints
from playground.document.project import Project, read_project, write_project
from playground.document.session import DataChoice, Session
from playground.document.training_data import make_data

RNG = np.random.default_rng(4)
BLOBS = tuple(
    (float(x), float(y), float(c))
    for c, (cx, cy) in ((0, (-0.5, -0.4)), (2, (0.5, 0.3)), (5, (0.0, 0.7)))
    for x, y in RNG.normal((cx, cy), 0.15, (20, 2))
)
CURVE = tuple((float(x), float(np.sin(3 * x))) for x in np.linspace(-1, 1, 30))


def painted_choice(points=BLOBS, task="classification", test_ratio=0.25) -> DataChoice:
    return DataChoice(
        source="painted",
        params=PaintedPoints(task, points).to_params(),
        test_ratio=test_ratio,
    )


def trained(choice: DataChoice, ds=None, steps: int = 60, features=("x1", "x2")):
    """(losses, final weights) of the default session's network on this data."""
    session = Session(data=choice, features=features)
    ds = ds if ds is not None else choice.build()
    data = make_data(ds, choice.test_ratio, choice.seed)
    trainer = Trainer(session.spec_for(ds), session.config, data)
    losses = [trainer.step().loss for _ in range(steps)]
    return losses, trainer.network.flat.copy(), trainer


def test_painted_points_reach_the_trainer_unchanged():
    choice = painted_choice(test_ratio=0.0)
    *_, trainer = trained(choice, steps=1)
    rows = np.column_stack([trainer.data.X_train, trainer.data.y_train])
    original = np.array(BLOBS)
    # classes numbered in sorted order of the painted labels: 0, 2, 5 -> 0, 1, 2
    original[:, 2] = np.searchsorted([0, 2, 5], original[:, 2])
    assert trainer.data.n_classes == 3
    np.testing.assert_array_equal(
        rows[np.lexsort(rows.T)], original[np.lexsort(original.T)]
    )  # the same numbers, bit for bit (the split only orders them)


@pytest.mark.parametrize("task, points", [("classification", BLOBS), ("regression", CURVE)])
def test_training_on_painted_data_equals_training_on_its_exported_csv(tmp_path, task, points):
    choice = painted_choice(points, task)
    path = tmp_path / "painted.csv"
    datasets.save_csv(choice.build(), path)
    imported = datasets.load_csv(path, task=None if task == "classification" else task)
    painted_losses, painted_weights, _ = trained(choice)
    csv_choice = DataChoice(source="csv", path=str(path), task=task, test_ratio=0.25)
    csv_losses, csv_weights, _ = trained(csv_choice, imported)
    assert painted_losses == csv_losses
    np.testing.assert_array_equal(painted_weights, csv_weights)


def test_painted_data_survives_a_project_and_a_remembered_session(tmp_path):
    choice = painted_choice()
    ds = choice.build()
    session = Session(data=choice)
    trainer = Trainer(session.spec_for(ds), session.config, make_data(ds, 0.25, 0))
    project = Project(choice, trainer.network.spec, session.config)
    write_project(project, tmp_path / "p.playground.json")
    back = read_project(tmp_path / "p.playground.json")
    assert PaintedPoints.from_params(back.data.params).points == BLOBS
    np.testing.assert_array_equal(back.build_dataset().X, ds.X)
    assert Session.from_dict(session.to_dict()).data == choice


def test_edits_erase_near_the_pointer_and_clear():
    canvas = PaintedPoints("classification", ((0.0, 0.0, 0), (0.05, 0.0, 1), (0.5, 0.5, 1)))
    assert len(canvas.erased((0.0, 0.0), 0.1)) == 1
    assert canvas.added([(0.2, 0.2, 3)]).points[-1] == (0.2, 0.2, 3.0)
    assert len(canvas.cleared()) == 0 and len(canvas) == 3  # values never change in place


def test_what_cannot_be_trained_on_is_refused_with_a_reason():
    with pytest.raises(datasets.DatasetError, match="canvas is empty"):
        PaintedPoints().to_dataset()
    with pytest.raises(datasets.DatasetError, match="at least 2 classes; every point is class 2"):
        PaintedPoints("classification", ((0, 0, 1), (1, 1, 1))).to_dataset()
    with pytest.raises(datasets.DatasetError, match=r"class must be 0\.\.9"):
        PaintedPoints("classification", ((0, 0, 12),))
    with pytest.raises(datasets.DatasetError, match="2 finite numbers"):
        PaintedPoints("regression", ((0, 0, 1),))
    with pytest.raises(datasets.DatasetError, match="lists of numbers"):
        PaintedPoints.from_params({"points": "lots"})


# -- the window's paint mode ----------------------------------------------------------------


def press_drag_release(paint, points):
    from PySide6.QtCore import QEvent

    kinds = [QEvent.Type.MouseButtonPress]
    kinds += [QEvent.Type.MouseMove] * (len(points) - 2) + [QEvent.Type.MouseButtonRelease]
    for kind, (x, y) in zip(kinds, points, strict=True):
        paint.pointer(kind, x, y)


def test_paint_mode_adds_erases_clears_and_undoes_in_the_window(qtbot, window):
    from PySide6.QtCore import QPoint, Qt

    paint = window.paint
    shown = window.dataset
    paint.tools.paint_check.setChecked(True)
    assert paint.painting and len(paint.canvas) == shown.n_samples  # starts from the data
    assert window.session.data.source == "painted"
    np.testing.assert_array_equal(window.dataset.X, shown.X)  # the same points, now painted
    # a real click in the middle of the plot adds one point of the chosen class there
    paint.tools.class_box.setCurrentIndex(1)
    view = window.boundary_plot.graphics
    qtbot.mouseClick(
        view.viewport(),
        Qt.MouseButton.LeftButton,
        pos=QPoint(view.width() // 2, view.height() // 2),
    )
    assert len(window.dataset.X) == shown.n_samples + 1
    x, y, label = paint.canvas.points[-1]
    assert label == 1 and abs(x) < 1.1 and abs(y) < 1.1
    # a drag is one stroke of several points, one undo step
    press_drag_release(paint, [(-1.0, -1.0), (-0.5, -1.0), (0.0, -1.0), (0.5, -1.0)])
    assert len(window.dataset.X) == shown.n_samples + 5
    paint.stack.undo()
    assert len(window.dataset.X) == shown.n_samples + 1
    paint.stack.redo()
    # the eraser removes the stroke's points near the pointer
    paint.tools.eraser_check.setChecked(True)
    press_drag_release(paint, [(-1.0, -1.0), (-0.5, -1.0)])
    assert sum(p[1] == -1.0 for p in paint.canvas.points) == 2
    # Clear: an empty canvas is drawn, training stays on the last points, undo brings them back
    kept = window.dataset
    qtbot.mouseClick(paint.tools.clear_button, Qt.MouseButton.LeftButton)
    assert len(paint.canvas) == 0 and window.dataset is kept
    assert "canvas is empty" in window.statusBar().currentMessage()
    paint.stack.undo()
    assert len(paint.canvas) == len(kept.X)
    snap_rows = len(window.data.X_train) + len(window.data.X_test)
    assert snap_rows == len(kept.X)


def test_painted_data_is_saved_in_the_project_and_reopens(qtbot, window, tmp_path):
    paint = window.paint
    paint.tools.paint_check.setChecked(True)
    press_drag_release(paint, [(0.9, 0.9), (0.95, 0.9)])
    path = tmp_path / "painted.playground.json"
    assert window.files.save_to(str(path))
    back = read_project(path)
    assert back.data.source == "painted"
    assert PaintedPoints.from_params(back.data.params).points == paint.canvas.points


def test_1d_regression_is_painted_at_the_pointers_height(qtbot, window):
    sine = DataChoice(source="sine", params=dict(datasets.info("sine").defaults))
    assert window.picker.apply(sine)
    paint = window.paint
    paint.tools.paint_check.setChecked(True)
    assert paint.canvas.task == "regression" and not paint.tools.class_box.isVisible()
    n = len(paint.canvas)
    press_drag_release(paint, [(0.25, 0.75), (0.25, 0.75)])
    assert paint.canvas.points[-1] == (0.25, 0.75) and len(window.dataset.X) == n + 1
    assert window.dataset.task == "regression" and window.dataset.input_dim == 1
    # another dataset chosen: painting ends, nothing left to undo
    assert window.picker.apply(DataChoice(source="moons", params={"n_samples": 100}))
    assert not paint.painting and not paint.tools.paint_check.isChecked()
    assert not paint.stack.canUndo()


def test_painting_again_keeps_the_painted_labels_not_the_renumbered_classes(qtbot, window):
    assert window.picker.apply(painted_choice())  # labels 0, 2 and 5: classes 1, 2, 3
    paint = window.paint
    paint.tools.paint_check.setChecked(True)
    assert paint.canvas.points == BLOBS
    press_drag_release(paint, [(0.9, -0.9), (0.9, -0.9)])
    assert window.dataset.n_classes == 3 and window.dataset.class_labels == (0, 2, 5)


def test_painted_data_trains_with_every_input_feature_as_its_csv_does(tmp_path):
    choice = painted_choice()
    path = tmp_path / "painted.csv"
    datasets.save_csv(choice.build(), path)
    csv_choice = DataChoice(source="csv", path=str(path), test_ratio=0.25)
    features = ("x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)")
    painted = trained(choice, features=features, steps=20)
    imported = trained(csv_choice, datasets.load_csv(path), features=features, steps=20)
    assert painted[2].network.spec.features == features
    assert painted[0] == imported[0]
