"""The main window: dataset picker left, output centre, curves right, controls on top.

The window's views edit a Qt-free `Document` (playground/document/document.py)
and follow its events; the window sends what changed to the runner (which never
waits for the GUI) and owns it; a `FrameLoop` draws its newest snapshot about 30
times a second (`SnapshotPresenter`). Architecture, feature, loss and dataset
changes rebuild the network; hyper-parameters apply to the next step. Run after a
divergence resumes from the last finite weights (a new divergence shows its banner
again). Closing stops the runner with a bounded wait.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QScrollArea, QSplitter, QVBoxLayout, QWidget

import datasets
from datasets.csv_checks import csv_warnings
from engine.errors import EngineError
from engine.runner import Runner
from playground.document import lesson as lesson_rules
from playground.document.document import Document
from playground.document.process_runner import SUPPORTED as PROCESS_SUPPORTED
from playground.document.process_runner import ProcessRunner
from playground.document.session import Session, default_data_choice
from playground.document.training_data import make_data
from playground.gui import classroom, look_inside, runs_panel, watching, weight_edit
from playground.gui.controls import TrainingControls
from playground.gui.dataset_picker import DatasetPicker
from playground.gui.document_link import follow
from playground.gui.document_views import DocumentViews
from playground.gui.editor.layer_editor import LayerEditor
from playground.gui.file_actions import FileActions
from playground.gui.inspector.inspector import InspectorPanel
from playground.gui.lessons_panel import SHOWN_KEY as LESSONS_SHOWN
from playground.gui.lessons_panel import LessonsPanel, lessons
from playground.gui.messages import LessonNotice, MessageBanner, show_error_dialog
from playground.gui.network.network_view import NetworkView
from playground.gui.plots import lr_plot
from playground.gui.plots.boundary_plot import BoundaryPlot
from playground.gui.plots.gradient_plot import DEFAULT_EXPLODING, DEFAULT_VANISHING, GradientPlot
from playground.gui.plots.loss_plot import LossPlot
from playground.gui.presenter import SnapshotPresenter
from playground.gui.settings import AppSettings
from playground.gui.share_actions import install as install_sharing
from playground.gui.status import StatusPanel
from playground.gui.unit_preview import UnitPreview
from playground.gui.window_state import default_size, restore_layout, save_layout

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
        self.document = Document(session)
        self.runner: Runner | None = None
        self._data_warning = ""  # the banner text of the current data's warnings, if any
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
        self.files = FileActions(self, self.document, settings, self.banner)
        self._build_layout()
        self.watching, self.frames = watching.install(self, FRAME_HZ)  # speed, timeline, frames
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
        self.classroom = classroom.install(self)  # View > Classroom mode (F11)
        self._connect()
        default_size(self)
        restore_layout(self, settings, self._splitters)
        self._start_session(session)
        self.frames.start()

    # -- the document's parts, read-only here (changes go through its methods) ----------------
    session = property(lambda self: self.document.session)
    dataset = property(lambda self: self.document.dataset)
    data = property(lambda self: self.document.data)
    spec = property(lambda self: self.document.spec)

    # -- layout ---------------------------------------------------------------------------
    def _build_layout(self) -> None:
        left = QScrollArea()
        left.setWidget(self.picker)
        left.setWidgetResizable(True)
        left.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        left.setMinimumWidth(self.picker.minimumSizeHint().width() + 20)
        # output and diagram side by side, the layer editor below: the centre column is only as
        # wide as the wider row, so the window fits 1280 x 720 (no controls in an overflow menu)
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
        right.addWidget(lr_plot.install(self))  # the loss plot, the learning rate beneath
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
        self.files.populate(
            file_menu,
            {
                "Loss": self.loss_plot,
                "Decision boundary / fit": self.boundary_plot,
                "Gradients": self.gradient_plot,
            },
        )
        install_sharing(self, file_menu)  # Copy Lesson Link, Open from Text…
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
        self.weight_edit = weight_edit.install(self)  # click a weight or bias to set or freeze it
        self.menuBar().addMenu("&Help").addAction(self.lessons.toggleViewAction())

    def _connect(self) -> None:
        c = self.controls
        c.runToggled.connect(self._run_toggled)
        c.stepRequested.connect(self.step)
        c.inspectRequested.connect(self.inspect_step)
        c.resetRequested.connect(lambda seed: self.reset(seed=seed))  # None: the next seed
        c.configChanged.connect(self._config_edited)
        c.lossChanged.connect(self.document.set_loss)
        c.problem.connect(lambda text: self.status.announce(text, 10000))
        self.picker.choiceChanged.connect(self._data_changed)
        self.picker.featuresChanged.connect(self.layer_editor.set_features)  # undoable there
        self.layer_editor.featuresChanged.connect(self.document.set_features)
        self.layer_editor.hiddenChanged.connect(self.document.set_hidden)
        self.layer_editor.problem.connect(lambda text: self.status.announce(text, 10000))
        self.banner.resetRequested.connect(self.reset)
        self.files.opened.connect(self._document_opened)
        self.lesson_notice.restoreRequested.connect(self.restore_lesson)
        self.gradient_plot.thresholdsChanged.connect(self.settings.set_gradient_thresholds)
        self.views = DocumentViews(self, self.document)  # the views first, then the runner
        doc, events = self.document, self.document.events
        for event, callback in (  # new data, or a network edit on the same data: rebuild
            (events.data, lambda data: self._rebuild(doc.spec, data, doc.change)),
            (events.spec, lambda spec: self._rebuild(spec, None, doc.change)),
            (events.session, self.settings.save_session),
            (events.session, lambda _session: self._compare_with_lesson()),
            (events.status, self.status.announce),
        ):
            follow(self, event, callback)

    # -- start ----------------------------------------------------------------------------
    def _start_session(self, session: Session) -> None:
        if session.data.source == "csv":  # read in the background; the default trains meanwhile
            self._restoring = session
            self.picker.importFinished.connect(self._import_restored)
            self.picker.restore_import(session.data)
        elif self.picker.apply(session.data, quiet=True):
            return
        log.info("starting on the default data (remembered: %s)", session.data.source)
        self.picker.apply(default_data_choice())

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

    # -- session changes: the views edit the document, the window follows its events ------------
    def _data_changed(self, choice, ds) -> None:
        try:
            data = make_data(ds, choice.test_ratio, choice.seed)
        except (datasets.DatasetError, EngineError) as exc:
            show_error_dialog(self, "Cannot use this data", str(exc))
            return
        features = None
        if self._restoring is not None and self._restoring.data.key() == choice.key():
            features = self._restoring.features  # as remembered
        self.document.set_data(choice, ds, data, features)
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

    def _rebuild(self, spec, data, what: str) -> None:
        """A new network (and data): like a reset; a running session keeps running."""
        self.inspector.drop("the network or the data changed")
        self.layer_editor.set_spec(spec)
        self.network_view.set_spec(spec, self.data)
        self.drop_failed_runner()  # a training process that died is replaced here
        if self.runner is None:
            self.runner = self._runner_class(
                spec, self.document.config, self.data, snapshot_hz=SNAPSHOT_HZ, grid_size=GRID_SIZE
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

    def _config_edited(self, config) -> None:
        self.document.set_config(config)
        if self.runner is not None:
            self.runner.configure(training=config)
        self.status.announce("New training settings apply from the next step")

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
            self.files.open_example(self.lesson.path, confirm=False)  # asked for: no question
        elif training:
            config = self.lesson.project.training.replace(seed=self.session.config.seed)
            self._config_edited(config)  # the controls follow the document
            self.status.announce(f"Restored the settings of {self.lesson.title}")

    # -- the runner, for the File menu and the inspector -------------------------------------
    def capture_training(self, timeout: float):
        """The runner's whole resumable state; OSError when it cannot be read."""
        state = self.runner.capture(timeout) if self.runner is not None else None
        if state is None:
            failure = getattr(self.runner, "failure", None)  # a dead process: say so
            raise OSError(failure or "the training state could not be read; pause and try again")
        return state

    def restore_training(self, state, timeout: float) -> bool:
        """Put `state` (of the document's network and data) into the runner; True once it
        holds it (a training process that died is replaced, once more if it dies again)."""
        doc = self.document
        for _attempt in range(2):
            self.drop_failed_runner()
            if self.runner is None:
                self._rebuild(doc.spec, doc.data, "project")
            self.runner.restore(doc.spec, doc.config, doc.data, state)
            held = self.runner.capture(timeout)  # the runner's word, not our hope
            if held is not None and held.step == state.step:
                return True
        return False

    def training_failure(self) -> str | None:
        """Why the training process ended, if it did."""
        return getattr(self.runner, "failure", None)

    def latest_snapshot(self):
        """The latest snapshot drawn (None before the first)."""
        return self.presenter.last

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
        config = self.document.config
        config = config.next_seed() if seed is None else config.replace(seed=seed)
        self.document.set_config(config)  # the controls follow
        self.controls.set_running(False)
        self.runner.reset(seed=config.seed)
        self.layer_editor.clear_message()
        self.clear_problem()
        self.status.announce(f"Reset: step 0 with new weights (initialisation seed {config.seed})")

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
    def _save_layout(self) -> None:
        save_layout(self, self.settings, self._splitters)
        self.settings.save_session(self._restoring or self.session)  # an import being read stays
        self.settings.sync()

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
        self.classroom.set_on(False)  # and the layout saved is not the projector's
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
