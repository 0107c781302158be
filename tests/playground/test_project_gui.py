"""The File menu in the main window: save/open projects, refusals, the close prompt, exports."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PySide6.QtWidgets import QMessageBox

import engine
from engine.network import Network
from engine.spec import LayerSpec
from engine.weights_io import save
from playground.document.project import read_project
from tests.playground.gui_support import WAIT_MS, close_window, make_window, wait_snapshot


def stepped(qtbot, window, n: int):
    target = window.presenter.last.step + n
    window.runner.step(n)
    return wait_snapshot(qtbot, window, lambda s: s.step == target and s.reason == "step")


def flat_weights(snap) -> np.ndarray:
    return np.concatenate([a.ravel() for pair in snap.weights for a in pair])


def error_text(window) -> str:
    boxes = [b for b in window.findChildren(QMessageBox) if b.objectName() == "errorDialog"]
    return boxes[-1].text() if boxes else ""


def test_save_and_open_restore_plots_and_continue_like_an_uninterrupted_run(qtbot, tmp_path):
    path = str(tmp_path / "run.playground.json")
    first = make_window(qtbot, tmp_path, name="a.ini")
    try:
        stepped(qtbot, first, 37)
        assert first.files.save_to(path)
        points = first.loss_plot.point_count()
        assert points == 37 and first.windowTitle().startswith("run.playground.json")
        assert read_project(path).state.step == 37
        later = flat_weights(stepped(qtbot, first, 11))
    finally:
        close_window(first)
    second = make_window(qtbot, tmp_path, name="b.ini")
    try:
        assert second.files.open_path(path)
        opened = wait_snapshot(qtbot, second, lambda s: s.step == 37 and s.reason == "rebuild")
        assert second.loss_plot.point_count() == points  # the curves come back
        assert not second.files.is_modified()
        assert second.files.recent()[0] == path
        saved = read_project(path).state.trainer["network"].values()
        np.testing.assert_array_equal(
            flat_weights(opened), np.concatenate([v.ravel() for v in saved])
        )
        np.testing.assert_array_equal(flat_weights(stepped(qtbot, second, 11)), later)
        assert second.files.is_modified()
    finally:
        close_window(second)


@pytest.mark.parametrize(
    "content",
    [
        b"{broken",
        b'{"format": "other"}',
        b'{"format": "backprop-playground-project", "version": 99}',
        b"[" * 100_000 + b"]" * 100_000,  # once a RecursionError
        "params-list",  # once a TypeError that crashed `playground open`
    ],
)
def test_bad_project_files_are_refused_and_the_work_stays(qtbot, tmp_path, content):
    window = make_window(qtbot, tmp_path, runner="thread")
    try:
        before = stepped(qtbot, window, 3)
        session, runner = window.session, window.runner
        bad = tmp_path / "bad.playground.json"
        if content == "params-list":
            from playground.gui.file_actions import example_paths

            doc = json.loads(example_paths()[0].read_text())
            doc["data"]["params"] = [1, 2]
            content = json.dumps(doc).encode()
        bad.write_bytes(content)
        assert not window.files.open_path(str(bad))
        assert "bad.playground.json" in error_text(window)
        assert "current work stays" in error_text(window)
        assert window.session == session and window.runner is runner
        assert window.presenter.last.step == before.step and window.files.path is None
    finally:
        close_window(window)


def test_a_failed_save_keeps_the_old_file(qtbot, tmp_path, monkeypatch):
    from playground.gui import file_actions

    path = tmp_path / "keep.playground.json"
    window = make_window(qtbot, tmp_path, runner="thread")
    try:
        stepped(qtbot, window, 2)
        assert window.files.save_to(str(path))
        before = path.read_bytes()
        stepped(qtbot, window, 5)
        writes = []

        def fail_second(self, data):
            writes.append(len(data))
            if len(writes) > 1:
                raise OSError("disk full")
            return original(self, data)

        original = file_actions.QSaveFile.write
        monkeypatch.setattr(file_actions, "CHUNK", 1000)
        monkeypatch.setattr(file_actions.QSaveFile, "write", fail_second)
        assert not window.files.save_to(str(path))
        assert len(writes) == 2 and "disk full" in error_text(window)
        assert path.read_bytes() == before
        assert [p.name for p in tmp_path.glob("keep*")] == ["keep.playground.json"]
    finally:
        close_window(window)


def test_closing_a_modified_project_asks_first(qtbot, tmp_path):
    path = str(tmp_path / "p.playground.json")
    window = make_window(qtbot, tmp_path, runner="thread")
    asked = []
    window.files.ask_save = lambda: asked.append(1) or answers.pop(0)
    answers = [QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Save]
    try:
        assert window.files.save_to(path)
        assert not window.files.is_modified()
        stepped(qtbot, window, 4)
        assert window.files.is_modified()
        assert not window.close() and not window._closed  # Cancel keeps the window
        assert window.close() and window._closed  # Save writes, then closes
        assert asked == [1, 1] and read_project(path).state.step == 4
    finally:
        close_window(window)


def test_exports_reproduce_predict_and_wrong_shapes_are_refused(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path, runner="thread")
    try:
        snap = stepped(qtbot, window, 20)
        net = window.files.current_network()
        X = np.random.default_rng(0).uniform(-1, 1, (50, 2))
        for suffix in (".npz", ".json"):
            assert window.files.export_weights(str(tmp_path / f"w{suffix}"))
            np.testing.assert_array_equal(
                engine.load(tmp_path / f"w{suffix}").predict(X), net.predict(X)
            )
        assert window.files.export_weights(str(tmp_path / "w.onnx"))
        import onnxruntime

        session = onnxruntime.InferenceSession(str(tmp_path / "w.onnx"))
        got = session.run(None, {"input": X.astype(np.float32)})[0]
        np.testing.assert_allclose(got, net.predict(X), atol=1e-5)
        assert window.files.export_weights(str(tmp_path / "w.py"))
        namespace: dict = {}
        exec((tmp_path / "w.py").read_text(), namespace)  # the standalone script: numpy only
        np.testing.assert_array_equal(namespace["predict"](X), net.predict(X))

        other = Network(snap.spec.replace(hidden=(LayerSpec(3), LayerSpec(8))), rng=1)
        save(other, tmp_path / "other.npz")
        assert not window.files.import_weights(str(tmp_path / "other.npz"))
        text = error_text(window)
        assert "'layers.0.weight'" in text and "(3, 2)" in text and "(8, 2)" in text
        deep = tmp_path / "deep.json"
        deep.write_text("[" * 100_000 + "]" * 100_000)
        assert not window.files.import_weights(str(deep))
        assert "deep.json" in error_text(window) and "nested too deeply" in error_text(window)
        fitting = Network(snap.spec, rng=5)
        save(fitting, tmp_path / "fits.json")
        assert window.files.import_weights(str(tmp_path / "fits.json"))
        imported = wait_snapshot(qtbot, window, lambda s: s.reason == "rebuild")
        np.testing.assert_array_equal(imported.weights[0][0], fitting.weights[0])
        assert imported.step == 20
    finally:
        close_window(window)


def test_pictures_history_and_dataset_exports(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path, runner="thread")
    try:
        stepped(qtbot, window, 6)
        for plot in (window.loss_plot, window.boundary_plot, window.gradient_plot):
            for suffix in (".png", ".svg"):
                out = tmp_path / f"{plot.objectName()}{suffix}"
                assert window.files.export_picture(plot, str(out))
                assert out.stat().st_size > 500
        assert (tmp_path / "lossPlot.png").read_bytes()[:4] == b"\x89PNG"
        assert b"<svg" in (tmp_path / "gradientPlot.svg").read_bytes()
        assert window.files.export_history(str(tmp_path / "loss.csv"))
        rows = (tmp_path / "loss.csv").read_text().splitlines()
        assert rows[0].startswith("step,minibatch_loss,epoch,train_loss")
        assert [int(r.split(",")[0]) for r in rows[1:]] == list(range(1, 7))
        assert window.files.export_dataset(str(tmp_path / "data.csv"))
        import datasets

        again = datasets.load_csv(tmp_path / "data.csv")
        np.testing.assert_array_equal(again.X, window.dataset.X)
    finally:
        close_window(window)


def test_recent_files_survive_in_the_settings(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path, runner="thread")
    try:
        for name in ("a", "b", "a"):
            assert window.files.save_to(str(tmp_path / f"{name}.playground.json"))
        assert [p.rsplit("/", 1)[-1] for p in window.files.recent()] == [
            "a.playground.json",
            "b.playground.json",
        ]
        assert json.loads(window.settings.qsettings.value("recent/files"))[0].endswith(
            "a.playground.json"
        )
    finally:
        close_window(window)


def test_every_example_opens_in_the_window_with_its_explanation(qtbot, tmp_path):
    from playground.gui.file_actions import example_paths

    window = make_window(qtbot, tmp_path, runner="thread")
    try:
        window.layer_editor.edit("an edit before opening", hidden=(LayerSpec(3, "relu"),))
        assert window.layer_editor.undo_stack.count() == 1
        titles = [a.text() for a in window.files.examples_menu.actions()]
        assert len(titles) == len(example_paths()) == 21
        for path in example_paths():
            project = read_project(path)
            before = window.presenter.last.generation
            assert window.files.open_example(str(path))
            snap = wait_snapshot(qtbot, window, lambda s, g=before: s.generation > g)
            assert snap.spec == project.network and snap.step == 0
            assert snap.config == project.training
            # the editor and the diagram show the example's network; undo starts afresh
            assert window.layer_editor.hidden == project.network.hidden
            assert window.layer_editor.features == project.network.features
            assert window.layer_editor.undo_stack.count() == 0
            assert window.network_view.spec == project.network
            assert project.explanation in window.banner.message()
            assert window.files.path is None  # an example is saved with Save As
            assert window.windowTitle().startswith(project.title)
    finally:
        close_window(window)


@pytest.mark.parametrize("finished_before_first_frame", [False, True])
def test_an_examples_explanation_stays_while_it_trains(
    qtbot, tmp_path, finished_before_first_frame
):
    from playground.gui.file_actions import example_paths

    window = make_window(qtbot, tmp_path, runner="thread")
    try:
        path = next(p for p in example_paths() if "vanishing" in str(p))
        assert window.files.open_example(str(path))
        project = read_project(path)
        explanation = project.explanation
        if finished_before_first_frame:  # a fast machine: the whole run between two frames
            config, n_train = project.training, len(window.data.y_train)
            total = config.epochs * -(-n_train // config.batch_size)
            window.frames.stop()
        window.controls.run_button.click()
        if finished_before_first_frame:
            qtbot.waitUntil(lambda: window.runner.capture(5.0).step == total, timeout=WAIT_MS)
            window.frames.start()
        # true whether it still runs or (on a fast machine) already finished its epochs
        trained = wait_snapshot(qtbot, window, lambda s: s.step > 5)
        assert trained.state in ("running", "finished")
        assert window.banner.isVisible() and explanation in window.banner.message()
        window.step()  # pauses either way, then one more step
        stepped = wait_snapshot(qtbot, window, lambda s: s.reason == "step")
        assert stepped.state == "paused" and not window.is_running()
        assert window.banner.isVisible() and explanation in window.banner.message()
    finally:
        close_window(window)
