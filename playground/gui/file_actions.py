"""The File menu: projects (open, save, recent, examples), weights, pictures and data.

A project captures the window's data, network, settings and the runner's whole
resumable state (`Runner.capture`, a short wait for the current minibatch to
end); opening one validates it completely (headless) before anything in the
window changes, so a damaged, foreign or newer file is refused with a message
and the current work stays; a training process that died is replaced before the
project goes in, and the open succeeds only once the runner holds the state.
Files are written with QSaveFile: the old file is replaced only by a complete new
one, and replacing a longer run with a shorter one asks first (default: keep).

Examples (resources/examples/*.playground.json) open as untitled projects and
show their explanation above the plots. The window asks before closing when an
opened or saved project has changes since it was last saved.

Everything goes through the `Document` (playground/document/document.py): an
open loads the project into it (the window's views follow its events) and the
window's public runner methods (`capture_training`, `restore_training`,
`training_failure`, `latest_snapshot`) move the training state; nothing here
reads or writes the window's other attributes (tests/test_layering.py checks).
"""

from __future__ import annotations

import csv
import dataclasses
import importlib.resources
import io
import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np
import pyqtgraph.exporters
from PySide6.QtCore import QIODevice, QObject, QSaveFile, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox

import datasets
from engine.errors import EngineError
from engine.layers import state_of
from engine.network import Network
from engine.trainer_state import capture
from playground.document import project as projects
from playground.document.document import Document
from playground.document.errors import InputError
from playground.document.project import Project, ProjectError
from playground.gui.animation_export import export_animation_dialog
from playground.gui.messages import MessageBanner, show_error_dialog

MAX_RECENT = 8
CHUNK = 1 << 16  # bytes per QSaveFile.write
CAPTURE_TIMEOUT = 5.0
PROJECT_FILTER = "Backprop Playground projects (*.playground.json);;All files (*)"
WEIGHT_FILTERS = {
    ".npz": "NumPy archive (*.npz)",
    ".json": "JSON weights (*.json)",
    ".onnx": "ONNX model (*.onnx)",
    ".py": "Standalone NumPy script (*.py)",
}
OPEN_PROBLEMS = (ProjectError, OSError, EngineError, datasets.DatasetError)


def write_file(path: str, data: bytes) -> None:
    """Write through QSaveFile: committed only when every byte was written."""
    f = QSaveFile(path)
    if not f.open(QIODevice.OpenModeFlag.WriteOnly):
        raise OSError(f"cannot write {path}: {f.errorString()}")
    try:
        for start in range(0, len(data), CHUNK):
            if f.write(data[start : start + CHUNK]) == -1:
                raise OSError(f"cannot write {path}: {f.errorString()}")
    except BaseException:
        f.cancelWriting()
        raise
    if not f.commit():
        raise OSError(f"cannot write {path}: {f.errorString()}")


def example_paths() -> list[Path]:
    """The bundled example projects, in file-name order."""
    folder = importlib.resources.files("playground.resources") / "examples"
    if not folder.is_dir():
        return []
    return sorted(Path(str(p)) for p in folder.iterdir() if p.name.endswith(projects.SUFFIX))


def history_csv(chunk) -> str:
    """One row per recorded step (and evaluation): the loss history of the run."""
    steps = np.union1d(chunk.steps, chunk.eval_steps)
    n_layers = chunk.n_layers
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    fields = ("epoch", "train_loss", "test_loss", "train_metric", "test_metric")
    writer.writerow(
        ["step", "minibatch_loss", *fields, *(f"grad_norm_{k + 1}" for k in range(n_layers))]
    )
    at_step = {int(s): i for i, s in enumerate(chunk.steps)}
    at_eval = {int(s): i for i, s in enumerate(chunk.eval_steps)}
    for s in steps.tolist():
        i, e = at_step.get(s), at_eval.get(s)
        row = [s, "" if i is None else repr(float(chunk.loss[i]))]
        for name in fields:
            v = None if e is None else getattr(chunk, name + "s" if name == "epoch" else name)[e]
            row.append("" if v is None or v != v else repr(v.item()))
        row += [""] * n_layers if i is None else [repr(float(g)) for g in chunk.grad_norms[i]]
        writer.writerow(row)
    return out.getvalue()


class FileActions(QObject):
    """Owns the File menu's actions; projects go in and out through the document."""

    opened = Signal(object, str, bool)  # project, path, is an example (a lesson)

    def __init__(self, window, document: Document, settings, banner: MessageBanner):
        super().__init__(window)
        self.w = window  # the dialogs' parent and the runner's owner (its public methods)
        self.doc = document
        self.settings = settings
        self.banner = banner
        self.ask_save = self._ask_save  # tests replace this (a modal question)
        self.ask_overwrite = self._ask_overwrite  # likewise: (path, old step, new step)
        self.extras: list[Callable[[Project], Project]] = []  # add more to a saved project
        self.recent_menu = QMenu("Open &Recent")
        self.examples_menu = QMenu("E&xamples")

    @property
    def path(self) -> str | None:
        """The project file (None: untitled)."""
        return self.doc.path

    @property
    def project(self):
        """The opened/saved project (None: a plain session)."""
        return self.doc.project

    # -- menu -------------------------------------------------------------------------------
    def populate(self, menu: QMenu, pictures: Mapping[str, object]) -> None:
        """Fill `menu`; `pictures` names the plots that Export Picture offers."""
        items = (
            ("&Open Project…", QKeySequence.StandardKey.Open, self.open_dialog),
            ("&Save Project", QKeySequence.StandardKey.Save, self.save),
            ("Save Project &As…", QKeySequence("Ctrl+Shift+S"), self.save_as),
        )
        for text, keys, slot in items:
            action = QAction(text, self.w)
            action.setShortcut(keys)
            action.triggered.connect(slot)
            menu.addAction(action)
        menu.addMenu(self.recent_menu)
        menu.addMenu(self.examples_menu)
        for path in example_paths():
            title = self._title_of(path)
            self.examples_menu.addAction(title, lambda p=str(path): self.open_example(p))
        menu.addSeparator()
        export = QAction("&Export Weights…", self.w)
        export.setShortcut(QKeySequence("Ctrl+E"))
        export.triggered.connect(self.export_weights_dialog)
        menu.addAction(export)
        menu.addAction("&Import Weights…", self.import_weights_dialog)
        pictures_menu = menu.addMenu("Export &Picture")
        for name, plot in pictures.items():
            pictures_menu.addAction(
                f"{name}…", lambda p=plot, n=name: self.export_picture_dialog(p, n)
            )
        menu.addAction("Export Loss &History (CSV)…", self.export_history_dialog)
        menu.addAction("Export &Animation…", lambda: export_animation_dialog(self.w))
        menu.addAction("Export &Dataset (CSV)…", self.export_dataset_dialog)
        menu.addSeparator()
        self._fill_recent()

    @staticmethod
    def _title_of(path: Path) -> str:
        try:
            return projects.read_project(path).title or path.name
        except OPEN_PROBLEMS:
            return path.name

    # -- the document -------------------------------------------------------------------------
    def is_modified(self) -> bool:
        """True when an opened or saved project has changed since (plain sessions: never)."""
        return self.doc.is_project() and self.doc.dirty

    def confirm_close(self) -> bool:
        """Ask about unsaved project changes (before closing the window or opening another
        project); False when the user cancels."""
        if not self.is_modified():
            return True
        answer = self.ask_save()
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    def _ask_save(self):
        name = self.doc.title() or "This project"
        return QMessageBox.question(
            self.w,
            "Unsaved changes",
            f"{name} has unsaved changes. Save them first?",
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel,
        )

    # -- open -----------------------------------------------------------------------------------
    def open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.w, "Open project", "", PROJECT_FILTER)
        if path:
            self.open_path(path)

    def open_example(self, path: str, *, confirm: bool = True) -> bool:
        return self.open_path(path, example=True, confirm=confirm)

    def open_path(
        self, path: str, *, example: bool = False, confirm: bool = True, loaded=None
    ) -> bool:
        """Make the project in `path` current; a bad file changes nothing and is explained.
        `confirm`: ask first about unsaved changes to the current project. `loaded`: what
        `open_project` gives, read elsewhere (a lesson link `path` names: kept untitled)."""
        try:
            project, ds, data, trainer = loaded or projects.open_project(path)  # checked first
        except OPEN_PROBLEMS as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            show_error_dialog(self.w, "Cannot open project", f"{reason}\nYour current work stays.")
            return False
        if confirm and not self.confirm_close():  # unsaved changes: Save, Discard or Cancel
            return False
        self.doc.load_project(project, ds, data)  # the views follow its `loaded` event
        if not self.w.restore_training(project.state or capture(trainer), CAPTURE_TIMEOUT):
            failure = self.w.training_failure()
            reason = failure or f"It did not answer within {CAPTURE_TIMEOUT:g} s; press Reset."
            show_error_dialog(
                self.w,
                "Cannot open project",
                f"The training process did not load {os.path.basename(path)}.\n{reason}",
            )
            return False
        step = 0 if project.state is None else project.state.step
        untitled = example or loaded is not None
        self.doc.mark_saved(project, None if untitled else os.path.abspath(path), step)
        if not untitled:
            self._remember_recent(os.path.abspath(path))
        text = project.explanation or f"Opened {os.path.basename(path)}"
        title = f"<b>{project.title}</b> — " if project.title else ""
        self.banner.show_message(title + text, "info")
        self.doc.announce(f"Opened {project.title or os.path.basename(path)} at step {step}")
        self.opened.emit(project, path, example)
        return True

    # -- save -----------------------------------------------------------------------------------
    def current_project(self) -> Project:
        """The document with the runner's resumable state; OSError if unavailable."""
        doc = self.doc
        state = self.w.capture_training(CAPTURE_TIMEOUT)
        base = doc.project or Project(doc.session.data, doc.spec, doc.config)
        dataset = doc.dataset if doc.session.data.source == "csv" else None
        project = base.replace(
            data=doc.session.data,
            network=doc.spec,
            training=doc.config,
            dataset=dataset,
            state=state,
            runs=tuple(doc.runs.runs),
        )
        for extra in self.extras:
            project = extra(project)
        return project

    def save(self) -> bool:
        if self.path is None:
            return self.save_as()
        return self.save_to(self.path)

    def save_as(self) -> bool:
        start = self.path or ((self.project.title if self.project else "") or "untitled")
        path, _ = QFileDialog.getSaveFileName(
            self.w, "Save project", projects.with_suffix(start), PROJECT_FILTER
        )
        return bool(path) and self.save_to(projects.with_suffix(path))

    def save_to(self, path: str) -> bool:
        """Write the project to `path` atomically; a failure is explained and changes nothing."""
        try:
            project = self.current_project()
            if not self._may_replace(path, project.state.step):
                self.doc.announce(f"Not saved: {os.path.basename(path)} is unchanged")
                return False
            write_file(path, projects.dumps(project))
        except (OSError, EngineError) as exc:
            show_error_dialog(self.w, "Cannot save project", f"{exc}\nThe old file is unchanged.")
            return False
        self.doc.mark_saved(project, os.path.abspath(path), project.state.step)
        self._remember_recent(os.path.abspath(path))
        self.doc.announce(f"Saved {os.path.basename(path)} at step {project.state.step}")
        return True

    def _may_replace(self, path: str, step: int) -> bool:
        """False when `path` holds more training than `step` and the user keeps it."""
        try:
            old = projects.read_project(path)
        except OPEN_PROBLEMS:  # no file, or nothing readable to lose
            return True
        old_step = 0 if old.state is None else old.state.step
        if old_step <= step:
            return True
        return self.ask_overwrite(path, old_step, step) == QMessageBox.StandardButton.Yes

    def _ask_overwrite(self, path: str, old_step: int, step: int):
        return QMessageBox.question(
            self.w,
            "Replace a longer run?",
            f"{os.path.basename(path)} holds a run trained for {old_step} steps; the current "
            f"run has {step}. Replace the file with the shorter run?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )

    # -- recent files ---------------------------------------------------------------------------
    def recent(self) -> list[str]:
        try:
            files = json.loads(str(self.settings.qsettings.value("recent/files", "[]")))
        except ValueError:
            return []
        return [f for f in files if isinstance(f, str)][:MAX_RECENT]

    def _remember_recent(self, path: str) -> None:
        files = [path, *(f for f in self.recent() if f != path)][:MAX_RECENT]
        self.settings.set("recent/files", json.dumps(files))
        self._fill_recent()

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        for path in self.recent():
            self.recent_menu.addAction(os.path.basename(path), lambda p=path: self.open_path(p))
        self.recent_menu.setEnabled(bool(self.recent()))

    # -- weights --------------------------------------------------------------------------------
    def current_network(self) -> Network:
        """A copy of the network as trained right now (from the latest snapshot)."""
        last = self.w.latest_snapshot()
        if last is None:
            raise OSError("no network yet")
        dtype = last.weights[0][0].dtype.name  # the run's precision: files record it
        net = Network(last.spec, rng=0, dtype=dtype)
        net.load_state_dict(state_of(last.spec, last.weights))
        return net

    def export_weights_dialog(self) -> None:
        path, chosen = QFileDialog.getSaveFileName(
            self.w, "Export weights", "weights.npz", ";;".join(WEIGHT_FILTERS.values())
        )
        if path:
            suffix = next((s for s, f in WEIGHT_FILTERS.items() if f == chosen), ".npz")
            self.export_weights(path if Path(path).suffix else path + suffix)

    def export_weights(self, path: str) -> bool:
        """.npz / .json / .onnx / .py (a standalone NumPy script) by the suffix of `path`."""
        try:
            net = self.current_network()
            if Path(path).suffix.lower() == ".py":
                from engine.script_export import export_numpy_script

                export_numpy_script(net, path)
            else:
                from playground.document.exporting import check_output_path, export

                export(net, check_output_path(path))
        except (InputError, OSError, EngineError, ImportError) as exc:
            show_error_dialog(self.w, "Cannot export weights", str(exc))
            return False
        self.doc.announce(f"Weights written to {os.path.basename(path)}")
        return True

    def import_weights_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self.w, "Import weights", "", "Weights (*.npz *.json);;All files (*)"
        )
        if path:
            self.import_weights(path)

    def import_weights(self, path: str) -> bool:
        """Load `path` into the current network when every tensor's shape fits."""
        from engine.weights_io import load_into

        try:
            state = self.current_project().state
            net = Network(self.doc.spec, rng=0)
            load_into(net, path)
        except (OSError, EngineError) as exc:
            show_error_dialog(self.w, "Cannot import weights", f"{exc}\nThe network is unchanged.")
            return False
        trainer = dict(state.trainer, network=net.state_dict())
        if not self.w.restore_training(
            dataclasses.replace(state, trainer=trainer), CAPTURE_TIMEOUT
        ):
            show_error_dialog(
                self.w, "Cannot import weights", "The training process did not load them."
            )
            return False
        self.doc.announce(f"Weights imported from {os.path.basename(path)}")
        return True

    # -- pictures and data ----------------------------------------------------------------------
    def export_picture_dialog(self, plot, name: str) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self.w, f"Export {name} picture", f"{plot.objectName()}.png", "PNG (*.png);;SVG (*.svg)"
        )
        if path:
            self.export_picture(plot, path)

    def export_picture(self, plot, path: str) -> bool:
        """The plot's graphics as PNG or SVG (pyqtgraph's exporters).

        pyqtgraph 0.14's SVG exporter cannot parse the paths Qt 6.11 writes
        (ValueError); Qt's own QSvgGenerator then draws the same scene.
        """
        scene = plot.graphics.scene()
        try:
            if Path(path).suffix.lower() != ".svg":
                pyqtgraph.exporters.ImageExporter(scene).export(path)
            else:
                try:
                    pyqtgraph.exporters.SVGExporter(scene).export(path)
                except ValueError:
                    _render_svg(plot.graphics, path)
        except (OSError, RuntimeError, ValueError, TypeError) as exc:  # the exporters' failures
            show_error_dialog(self.w, "Cannot export picture", str(exc))
            return False
        return True

    def export_history_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self.w, "Export loss history", "loss.csv", "CSV (*.csv)"
        )
        if path:
            self.export_history(path)

    def export_history(self, path: str) -> bool:
        try:
            state = self.current_project().state
            write_file(path, history_csv(state.history).encode("utf-8"))
        except (OSError, EngineError) as exc:
            show_error_dialog(self.w, "Cannot export the loss history", str(exc))
            return False
        return True

    def export_dataset_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self.w, "Export dataset", "data.csv", "CSV (*.csv)")
        if path:
            self.export_dataset(path)

    def export_dataset(self, path: str) -> bool:
        try:
            datasets.save_csv(self.doc.dataset, path)
        except (OSError, datasets.DatasetError) as exc:
            show_error_dialog(self.w, "Cannot export the dataset", str(exc))
            return False
        return True


def _render_svg(view, path: str) -> None:
    """Draw a graphics view into an SVG file with Qt's QSvgGenerator."""
    from PySide6.QtCore import QRect
    from PySide6.QtGui import QPainter
    from PySide6.QtSvg import QSvgGenerator

    generator = QSvgGenerator()
    generator.setFileName(path)
    generator.setSize(view.size())
    generator.setViewBox(QRect(0, 0, view.width(), view.height()))
    generator.setTitle("Backprop Playground")
    painter = QPainter(generator)
    try:
        view.render(painter)
    finally:
        painter.end()
    if not os.path.isfile(path) or os.path.getsize(path) == 0:
        raise OSError(f"cannot write {path}")
