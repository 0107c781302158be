"""The main window: dataset picker left, output centre, curves right, controls on top.

The window edits a `Session`, derives NetworkSpec / Data / TrainConfig from it and sends
them to the runner (which never waits for the GUI); a `FrameLoop` draws its newest snapshot
about 30 times a second (`SnapshotPresenter`). Architecture, feature, loss and dataset changes
rebuild the network; hyper-parameters apply to the next step. Run after a divergence resumes
from the last finite weights. Closing stops the runner with a bounded wait.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QScrollArea, QSplitter, QVBoxLayout, QWidget

import datasets
from datasets.csv_checks import csv_warnings
from engine.errors import EngineError
from engine.losses import losses_for
from engine.runner import Runner
from playground.document import lesson as lesson_rules
from playground.document.process_runner import SUPPORTED as PROCESS_SUPPORTED
from playground.document.process_runner import ProcessRunner
from playground.document.session import Session, default_data_choice
from playground.document.training_data import default_features, make_data
from playground.gui import look_inside, runs_panel
from playground.gui.controls import TrainingControls
from playground.gui.dataset_picker import DatasetPicker
from playground.gui.editor.layer_editor import LayerEditor
from playground.gui.file_actions import FileActions
from playground.gui.frame_loop import FrameLoop
from playground.gui.inspector.inspector import InspectorPanel
from playground.gui.lessons_panel import SHOWN_KEY as LESSONS_SHOWN
from playground.gui.lessons_panel import LessonsPanel, lessons
from playground.gui.messages import LessonNotice, MessageBanner, show_error_dialog
from playground.gui.network.network_view import NetworkView
from playground.gui.plots.boundary_plot import BoundaryPlot
from playground.gui.plots.gradient_plot import DEFAULT_EXPLODING, DEFAULT_VANISHING, GradientPlot
from playground.gui.plots.loss_plot import LossPlot
from playground.gui.presenter import SnapshotPresenter
from playground.gui.settings import AppSettings
from playground.gui.status import StatusPanel
from playground.gui.unit_preview import UnitPreview

log = logging.getLogger(__name__)
STOP_TIMEOUT = 2.0
RUNNERS = {"process": ProcessRunner, "thread": Runner}
DEFAULT_RUNNER = "process" if PROCESS_SUPPORTED else "thread"
FRAME_HZ = 32.0  # a little above 30, so timer jitter still leaves 30 frames a second
SNAPSHOT_HZ = 60.0  # the runner publishes faster than we draw: every frame finds a fresh one
GRID_SIZE = 96  # boundary picture resolution (computed in the runner, on its time budget)


class MainWindow(QMainWindow):
    def __init__(
        self,
        session: Session,
        settings: AppSettings,
        parent: QWidget | None = None,
        *,
        runner: str = DEFAULT_RUNNER,
    ):
        super().__init__(parent)
        if runner not in RUNNERS:
            raise ValueError(
                f"Could not interpret runner {runner!r}: expected one of {', '.join(RUNNERS)}"
            )
        self._runner_class = RUNNERS[runner]
        self.setWindowTitle("Backprop Playground")
        self.settings = settings
        self.session = session
        self.runner: Runner | None = None
        self.dataset = None
        self._data_warning = ""  # the banner text of the current data's warnings, if any
        self.data = None
        self.spec = None
        self._closed = False
        self._restoring: Session | None = None  # a remembered import being read at start-up

        self.picker = DatasetPicker()
        self.controls = TrainingControls(session.config, self)
        self.controls.populate(self)
        self.loss_plot = LossPlot()
        self.boundary_plot = BoundaryPlot()
        self.gradient_plot = GradientPlot(vanishing=DEFAULT_VANISHING, exploding=DEFAULT_EXPLODING)
        self.gradient_plot.set_thresholds(
            *settings.gradient_thresholds((DEFAULT_VANISHING, DEFAULT_EXPLODING))
        )
        self.layer_editor = LayerEditor(session.hidden)
        self.network_view = NetworkView()
        self.unit_preview = UnitPreview(self.boundary_plot, self.network_view)
        self.banner = MessageBanner()
        self.lesson_notice = LessonNotice()
        self.lesson: lesson_rules.Lesson | None = None  # the open lesson (an example project)
        self.status = StatusPanel(self.statusBar())
        self.presenter = SnapshotPresenter(self)
        self.frames = FrameLoop(
            self._take, self.presenter.draw, self._drawing_failed, hz=FRAME_HZ, parent=self
        )
        self.files = FileActions(self)
        self._build_layout()
        self.inspector = InspectorPanel(self)  # a dock on the right, shown when used
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.inspector)
        self.inspector.hide()
        # the inspector takes the curves' column, so the window keeps its size
        self.inspector.opening.connect(self._splitters[2].hide)
        self.inspector.visibilityChanged.connect(
            lambda shown: self._splitters[2].setVisible(not shown)
        )
        self.lessons = LessonsPanel(lessons(), self)  # the first thing a newcomer sees
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.lessons)
        curves = self._splitters[2]  # the lessons, too, take the curves' column
        self.lessons.visibilityChanged.connect(
            lambda: curves.setVisible(self.lessons.isHidden() and self.inspector.isHidden())
        )
        self.lessons.lessonChosen.connect(  # the lesson opens; its curves come back
            lambda path: self.files.open_example(path) and self.lessons.hide()
        )
        self.lessons.setVisible(not settings.get_bool(LESSONS_SHOWN, False))
        curves.setVisible(self.lessons.isHidden())
        settings.set(LESSONS_SHOWN, True)
        self._build_menu()
        self._connect()
        self._default_size()
        self._restore_layout()
        self._start_session(session)
        self.frames.start()

    # -- layout ---------------------------------------------------------------------------
    def _build_layout(self) -> None:
        left = QScrollArea()
        left.setWidget(self.picker)
        left.setWidgetResizable(True)
        left.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        left.setMinimumWidth(self.picker.minimumSizeHint().width() + 20)
        # the output and the diagram side by side, the layer editor below them: the
        # centre column is then only as wide as the wider of the two rows, so the
        # whole window fits a 1280 x 720 screen (controls never in an overflow menu)
        bottom = QSplitter(Qt.Orientation.Horizontal)
        bottom.setObjectName("networkSplitter")
        bottom.addWidget(self.boundary_plot)
        bottom.addWidget(self.network_view)
        bottom.setSizes([560, 300])
        centre = QSplitter(Qt.Orientation.Vertical)
        centre.setObjectName("centreSplitter")
        centre.addWidget(bottom)
        centre.addWidget(self.layer_editor)
        centre.setSizes([520, 400])  # room for the layer editor's cards
        for splitter in (bottom, centre):
            splitter.setChildrenCollapsible(False)  # the editor never shrinks to a strip
        right = QSplitter(Qt.Orientation.Vertical)
        right.setObjectName("rightSplitter")
        right.addWidget(self.loss_plot)
        right.addWidget(look_inside.install(self))  # gradients, activations, landscape; paint
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("mainSplitter")
        for w in (left, centre, right):
            self.splitter.addWidget(w)
        self.splitter.setSizes([290, 620, 560])
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setStretchFactor(2, 1)
        self._splitters = (self.splitter, centre, right, bottom)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(6, 4, 6, 0)
        layout.addWidget(self.banner)
        layout.addWidget(self.lesson_notice)
        layout.addWidget(self.splitter, 1)
        self.setCentralWidget(body)

    def _build_menu(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.files.populate(file_menu)
        import_action = QAction("Import CSV…", self)
        import_action.setShortcut(QKeySequence("Ctrl+I"))
        import_action.triggered.connect(self.picker.ask_csv)
        quit_action = QAction("Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(import_action)
        file_menu.addSeparator()
        file_menu.addAction(quit_action)
        train_menu = self.menuBar().addMenu("&Training")
        for text, keys, slot in (
            ("Run / Pause", ("Space",), self.toggle_run),
            ("Step", ("Right", "S"), self.step),
            ("Inspect step", ("Shift+Right", "Shift+S"), self.inspect_step),
            ("Reset", ("R",), self.reset),
        ):
            action = QAction(text, self)
            action.setShortcuts([QKeySequence(k) for k in keys])
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.triggered.connect(slot)
            train_menu.addAction(action)
            self.addAction(action)
        train_menu.addAction(runs_panel.install(self))  # earlier runs, overlaid on the curves
        self.menuBar().insertMenu(train_menu.menuAction(), self.layer_editor.edit_menu(self))
        self.menuBar().addMenu("&Help").addAction(self.lessons.toggleViewAction())

    def _connect(self) -> None:
        c = self.controls
        c.runToggled.connect(self._run_toggled)
        c.stepRequested.connect(self.step)
        c.inspectRequested.connect(self.inspect_step)
        c.resetRequested.connect(lambda seed: self.reset(seed=seed))  # None: the next seed
        c.configChanged.connect(self._config_changed)
        c.lossChanged.connect(self._loss_changed)
        c.problem.connect(lambda text: self.status.announce(text, 10000))
        self.picker.choiceChanged.connect(self._data_changed)
        self.picker.featuresChanged.connect(self.layer_editor.set_features)  # undoable there
        self.layer_editor.featuresChanged.connect(self._features_changed)
        self.layer_editor.hiddenChanged.connect(self._hidden_changed)
        self.layer_editor.problem.connect(lambda text: self.status.announce(text, 10000))
        self.banner.resetRequested.connect(self.reset)
        self.files.opened.connect(self._document_opened)
        self.lesson_notice.restoreRequested.connect(self.restore_lesson)
        self.gradient_plot.thresholdsChanged.connect(self.settings.set_gradient_thresholds)

    # -- start ----------------------------------------------------------------------------
    def _start_session(self, session: Session) -> None:
        if session.data.source == "csv":  # read in the background; the default trains meanwhile
            self._restoring = session
            self.picker.importFinished.connect(self._import_restored)
            self.picker.restore_import(session.data)
        elif self.picker.apply(session.data, quiet=True):
            return
        log.info("starting on the default data (remembered: %s)", session.data.source)
        self.session = session.replace(data=default_data_choice())
        self.picker.apply(self.session.data)

    def _import_restored(self, choice, ok: bool, reason: str) -> None:
        if self._restoring is None or choice.key() != self._restoring.data.key():
            return
        self._restoring = None
        if not ok:
            self.banner.show_message(
                f"The last imported file {choice.path} could not be read again ({reason}); "
                f"started on the default dataset.",
                "warning",
            )

    def _take(self):
        if self.runner is None:
            return None
        snap = self.runner.take()
        failure = getattr(self.runner, "failure", None)
        if failure and self.banner.message() != failure:
            self.controls.set_running(False)
            self.status.update(state="error", steps_per_s=0.0)  # no snapshot will say so
            self.banner.show_message(failure, "error", offer_reset=True)
        return snap

    # -- session changes ------------------------------------------------------------------
    def _data_changed(self, choice, ds) -> None:
        try:
            data = make_data(ds, choice.test_ratio, choice.seed)
        except (datasets.DatasetError, EngineError) as exc:
            show_error_dialog(self, "Cannot use this data", str(exc))
            return
        self.session = self.session.replace(data=choice)
        if self._restoring is not None and self._restoring.data.key() == choice.key():
            self.session = self.session.replace(features=self._restoring.features)  # as remembered
        elif self.dataset is not None and self.dataset.input_dim != ds.input_dim:
            # other inputs: start from the raw ones (x1..xd), not a fit of the old selection
            self.session = self.session.replace(features=default_features(ds.input_dim))
        self.dataset, self.data = ds, data
        spec = self.session.spec_for(ds)
        self.picker.set_features(ds.input_dim, spec.features)
        self.controls.set_losses(losses_for(ds.task, ds.n_classes), spec.loss)
        self.boundary_plot.set_data(data)
        what = f"dataset {ds.name!r}" if ds.name else "new data"
        self._rebuild(spec, data, what)
        self._show_data_warnings(choice, ds)

    def _show_data_warnings(self, choice, ds) -> None:
        """An imported CSV's traps (scales, a row index, the task chosen) in the banner."""
        found = []
        if choice.source == "csv":
            found = csv_warnings(ds, standardize=choice.standardize, task=choice.task)
        text = " ".join(found)
        if text:
            self.banner.show_message(text, "warning")
        elif self._data_warning and self.banner.message() == self._data_warning:
            self.banner.hide()
        self._data_warning = text

    def _features_changed(self, features) -> None:
        self.session = self.session.replace(features=tuple(features))
        if self.picker.selected_features() != tuple(features):  # an edit in the layer editor
            self.picker.set_features(self.dataset.input_dim, tuple(features))
        self._rebuild(self.session.spec_for(self.dataset), None, "features " + ", ".join(features))

    def _hidden_changed(self, hidden) -> None:
        self.session = self.session.replace(hidden=tuple(hidden))
        self._rebuild(self.session.spec_for(self.dataset), None, "hidden layers")

    def _loss_changed(self, loss: str) -> None:
        self.session = self.session.replace(loss=loss)
        self._rebuild(self.session.spec_for(self.dataset), None, f"loss {loss}")

    def _rebuild(self, spec, data, what: str) -> None:
        """A new network (and data): like a reset; a running session keeps running."""
        self.inspector.drop("the network or the data changed")
        self.spec = spec
        self.layer_editor.set_spec(spec)
        self.network_view.set_spec(spec, self.data)
        self.drop_failed_runner()  # a training process that died is replaced here
        if self.runner is None:
            self.runner = self._runner_class(
                spec, self.session.config, self.data, snapshot_hz=SNAPSHOT_HZ, grid_size=GRID_SIZE
            )
            self.presenter.forget()  # a new runner counts its generations from 0 again
            self.status.announce(f"Ready: {what}. Press Run (Space) to train.")
        else:
            running = self.controls.run_button.isChecked()
            self.runner.configure(network=spec, data=data)
            if running:
                self.runner.start()
            self.status.announce(
                f"Network rebuilt for the new {what}: training restarts from step 0"
            )
        self.clear_problem()
        self.settings.save_session(self.session)
        self._compare_with_lesson()

    def _config_changed(self, config) -> None:
        self.session = self.session.replace(config=config)
        if self.runner is not None:
            self.runner.configure(training=config)
        self.status.announce("New training settings apply from the next step")
        self.settings.save_session(self.session)
        self._compare_with_lesson()

    # -- lessons --------------------------------------------------------------------------
    def _document_opened(self, project, path: str, example: bool) -> None:
        """An example is a lesson: remember its settings; any other project ends the lesson."""
        self.lesson = lesson_rules.Lesson(path, project) if example else None
        self._compare_with_lesson()

    def lesson_differences(self) -> tuple[list[str], list[str]]:
        """(data and network, training) settings that differ from the open lesson's."""
        if self.lesson is None or self.spec is None:
            return [], []
        return lesson_rules.differences(
            self.lesson, self.session.data, self.spec, self.session.config
        )

    def _compare_with_lesson(self) -> None:
        rebuild, training = self.lesson_differences()
        self.lesson_notice.show_text(lesson_rules.notice_text(rebuild + training))

    def restore_lesson(self) -> None:
        """The lesson's settings back: its training settings in place (the run goes on),
        or, when the data or the network differ, the lesson opened again at its start."""
        if self.lesson is None:
            return
        rebuild, training = self.lesson_differences()
        if rebuild:
            self.files.open_example(self.lesson.path)
        elif training:
            config = self.lesson.project.training.replace(seed=self.session.config.seed)
            self.controls.set_config(config)
            self._config_changed(config)
            self.status.announce(f"Restored the settings of {self.lesson.title}")

    # -- commands -------------------------------------------------------------------------
    def _run_toggled(self, on: bool) -> None:
        if self.runner is None:
            return
        failure = on and getattr(self.runner, "poll_failure", lambda: None)()
        if failure:  # nothing would train: say so instead of showing "running"
            self.controls.set_running(False)
            self.banner.show_message(failure, "error", offer_reset=True)
            return
        if on:
            self.clear_problem()
            self.presenter.expect_new_attempt()  # diverging again brings the banner back
            self.inspector.drop("training runs on")
            self.runner.start()
        else:
            self.runner.pause()

    def toggle_run(self) -> None:
        self.controls.run_button.toggle()

    def step(self) -> None:
        if self.inspector.step is not None:  # that is the next step: apply the one shown
            self.inspector.finish()
        elif self.runner is not None:
            self.controls.set_running(False)
            self.runner.step(1)

    def inspect_step(self) -> None:
        """One recorded step in the backprop inspector (bounded wait for one minibatch)."""
        if self.runner is not None:
            self.inspector.begin()

    def reset(self, *, seed: int | None = None) -> None:
        """Back to step 0 with fresh weights: the next initialisation seed, or `seed`."""
        if self.runner is None:
            return
        self.inspector.drop("the network was reset")
        if self.drop_failed_runner():  # the training process is gone: a new one
            self._rebuild(self.spec, self.data, "training process")
            return
        config = self.session.config
        config = config.next_seed() if seed is None else config.replace(seed=seed)
        self.session = self.session.replace(config=config)
        self.controls.set_config(config)
        self.controls.set_running(False)
        self.runner.reset(seed=config.seed)
        self.layer_editor.clear_message()
        self.clear_problem()
        self.status.announce(f"Reset: step 0 with new weights (initialisation seed {config.seed})")
        self.settings.save_session(self.session)

    def drop_failed_runner(self) -> bool:
        """Forget a training process that ended by itself (the caller builds a new one)."""
        poll_failure = getattr(self.runner, "poll_failure", None)  # the thread Runner cannot die
        if poll_failure is None or not poll_failure():
            return False
        self.runner.stop(timeout=0.1)
        self.runner = None
        return True

    def clear_problem(self) -> None:
        """Hide a warning or error the user has acted on; an example's explanation stays."""
        if self.banner.kind != "info":
            self.banner.hide()

    def is_running(self) -> bool:
        return self.controls.run_button.isChecked()

    def _drawing_failed(self, exc: BaseException) -> None:
        if not self.banner.isVisible():
            self.banner.show_message(f"A view could not be drawn: {exc}", "error")

    # -- settings and closing ---------------------------------------------------------------
    def _default_size(self) -> None:
        """1480 x 920, or 95% of a smaller screen."""
        width, height = 1480, 920
        screen = self.screen()
        if screen is not None:
            available = screen.availableGeometry()
            width = min(width, int(available.width() * 0.95))
            height = min(height, int(available.height() * 0.95))
        self.resize(width, height)

    def _restore_layout(self) -> None:
        geometry = self.settings.get_bytes("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        for splitter in self._splitters:
            state = self.settings.get_bytes(f"window/{splitter.objectName()}")
            if state is not None:
                splitter.restoreState(state)
        self.loss_plot.set_log_y(self.settings.get_bool("view/log_loss", True))
        self.boundary_plot.discretise_check.setChecked(
            self.settings.get_bool("view/discretise", False)
        )
        self.boundary_plot.test_check.setChecked(self.settings.get_bool("view/test_points", True))

    def _save_layout(self) -> None:
        s = self.settings
        s.set("window/geometry", self.saveGeometry())
        for splitter in self._splitters:
            s.set(f"window/{splitter.objectName()}", splitter.saveState())
        s.set("view/log_loss", self.loss_plot.log_check.isChecked())
        s.set("view/discretise", self.boundary_plot.discretise_check.isChecked())
        s.set("view/test_points", self.boundary_plot.test_check.isChecked())
        s.save_session(self._restoring or self.session)  # an import still being read stays
        s.sync()

    def shutdown(self) -> bool:
        """Stop drawing and the runner (bounded wait); True when the worker has ended."""
        if self._closed:
            return True
        self._closed = True
        self.frames.stop()
        self.landscape_plot.wait()
        stopped = True
        if self.runner is not None:
            stopped = self.runner.stop(timeout=STOP_TIMEOUT)
            if not stopped:
                log.warning("the training thread did not stop within %.1f s", STOP_TIMEOUT)
        self.inspector.hide()  # the curves' column is back before the splitters are saved
        try:
            self._save_layout()
        except Exception:
            log.exception("saving the settings failed")
        return stopped

    def closeEvent(self, event) -> None:
        if not self._closed and not self.files.confirm_close():
            event.ignore()  # the user chose Cancel (or the save failed): keep working
            return
        self.shutdown()
        event.accept()
