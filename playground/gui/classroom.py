"""Classroom mode (View > Classroom mode, F11; Esc leaves): the window for a projector.

Fonts grow (the application font, plot axes and legends), lines thicken (curves,
cursors, diagram edges), the toolbar shrinks to Run, Step, Reset and Speed plus the
controls the open lesson declares (its `classroom` key,
playground/document/classroom.py), the dataset picker, layer editor, timeline and
docks make room, and the lesson's explanation is shown large above the plots; the
window goes full screen. Leaving restores everything it changed, exactly: fonts,
pens, fixed widths, what was visible, splitter sizes, docks, geometry and window state.

It is not remembered across launches: a teacher turns it on in front of the room,
and the next launch on the same laptop should not surprise its owner.
`install(window)` adds the View menu and returns the `ClassroomMode`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QRect, Qt, QTimer
from PySide6.QtGui import QAction, QFont, QKeySequence, QPen, QShortcut
from PySide6.QtWidgets import QApplication, QLabel, QMenu, QSplitter, QToolBar, QWidget

from engine.settings import BY_NAME
from playground.document.classroom import ALWAYS

FONT_SCALE = 1.5  # the application font's point size, for the back of a room
EXPLANATION_SCALE = 1.15  # the lesson's explanation, larger still
LINE_SCALE = 2.0  # the widths of the bold curves (train, test, smoothed) and cursors
BOLD_FROM = 2.0  # px: thinner curves (minibatch losses, raw gradients) keep their width
EDGE_SCALE = 1.6  # the diagram's edges (already up to 4.5 px wide)
CENTRE_SHARE = 0.56  # of the window's width: the output and diagram; the curves beside
REFRESH_MS = 500  # curves made while in the mode (a rebuilt gradient plot) thicken too


@dataclass
class Saved:
    """What entering changed, to be put back on leaving."""

    font: QFont
    state: bytes
    window_state: Qt.WindowState
    rect: QRect
    splitters: dict = field(default_factory=dict)  # splitter -> saveState()
    visible: dict = field(default_factory=dict)  # widget or action -> was it visible
    widths: dict = field(default_factory=dict)  # widget -> (minimum, maximum) width
    icon_sizes: dict = field(default_factory=dict)  # toolbar -> iconSize
    banner: tuple = ("", False)  # the explanation's style sheet, the banner shown
    explanation: str | None = None  # the explanation shown again on entering
    line_scale: float = 1.0


class ClassroomMode(QObject):
    """The View menu's checkable `classroomAction` and what it does (module docstring)."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self.w = window
        self.full_screen = True  # tests and screenshots turn it off to choose the size
        self.action = QAction("&Classroom mode", window)
        self.action.setObjectName("classroomAction")
        self.action.setCheckable(True)
        self.action.setShortcut(QKeySequence("F11"))
        self.action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.action.setToolTip(
            "Large fonts, thick lines and only the lesson's controls, for a projector "
            "(F11; Esc leaves)"
        )
        self.action.toggled.connect(self.set_on)
        window.addAction(self.action)  # F11 works with the menu bar hidden, too
        self.leave = QShortcut(QKeySequence(Qt.Key.Key_Escape), window)
        self.leave.setEnabled(False)
        self.leave.activated.connect(lambda: self.action.setChecked(False))
        self.saved: Saved | None = None
        self.lesson_controls: tuple[str, ...] = self._lesson_controls()
        self._pens: dict = {}  # item -> (its own pen, the thick pen given)
        self._axes: dict = {}  # axis -> (its tick font, its label style)
        self._legends: dict = {}  # legend -> its label size
        self._refresh = QTimer(self)
        self._refresh.setInterval(REFRESH_MS)
        self._refresh.timeout.connect(self._enlarge_plots)
        window.files.opened.connect(self._opened)

    def is_on(self) -> bool:
        return self.saved is not None

    def set_on(self, on: bool) -> None:
        if on and self.saved is None:
            self._enter()
        elif not on and self.saved is not None:
            self._leave()
        if self.action.isChecked() != on:
            self.action.setChecked(on)

    # -- the lesson's controls ----------------------------------------------------------------
    def _lesson_controls(self) -> tuple[str, ...]:
        lesson = getattr(self.w, "lesson", None)
        return lesson.classroom_controls if lesson is not None else ()

    def _opened(self, project, _path: str, example: bool) -> None:
        """A lesson opened in classroom mode brings its own controls."""
        self.lesson_controls = (project.classroom or ()) if example else ()
        if self.is_on():
            self._show_controls()

    def shown_controls(self) -> set[str]:
        """The control names the toolbar shows now (with the mode on)."""
        names = {*ALWAYS, *self.lesson_controls}
        if any(BY_NAME[n].group == "advanced" for n in names if n in BY_NAME):
            names.add("advanced")  # the Advanced panel holds those settings
        return names

    def _control_names(self) -> dict[QWidget, str]:
        c = self.w.controls
        names = {c.editors[name]: name for name in c.editors}
        names.update(
            {
                c.run_button: "run",
                c.step_button: "step",
                c.reset_button: "reset",
                c.inspect_button: "inspect",
                c.advanced_button: "advanced",
                c.loss: "loss",
                self.w.watching.speed: "speed",
            }
        )
        return names

    def _toolbar_actions(self):
        """(toolbar, action, control name or None) in order; a label takes its control's name."""
        names = self._control_names()
        for bar in self.w.findChildren(QToolBar):
            actions = bar.actions()
            for i, action in enumerate(actions):
                widget = bar.widgetForAction(action)
                if isinstance(widget, QLabel) and i + 1 < len(actions):
                    widget = bar.widgetForAction(actions[i + 1])
                yield bar, action, names.get(widget)

    def _panels(self) -> dict[str, QWidget]:
        """The parts of the window a lesson may keep (the rest make room)."""
        return {
            "data": self.w.splitter.widget(0),
            "layers": self.w.layer_editor,
            "timeline": self.w.watching.timeline,
            "gradients": self.w.health_tabs,
            "schedule": self.w.lr_plot,
        }

    # -- entering and leaving -------------------------------------------------------------------
    def _enter(self) -> None:
        w = self.w
        app = QApplication.instance()
        self.lesson_controls = self._lesson_controls()
        saved = Saved(app.font(), w.saveState(), w.windowState(), w.geometry())
        saved.splitters = {s: s.saveState() for s in w.findChildren(QSplitter)}
        bars = w.findChildren(QToolBar)
        for bar, action, _name in self._toolbar_actions():
            saved.visible[action] = action.isVisible()  # the action's own flag
            widget = bar.widgetForAction(action)
            if widget is not None and widget.minimumWidth() == widget.maximumWidth():
                saved.widths[widget] = (widget.minimumWidth(), widget.maximumWidth())
        for part in (*bars, *self._panels().values(), w.lessons, w.inspector, w.runs.panel):
            saved.visible[part] = not part.isHidden()  # its own flag, shown window or not
        saved.icon_sizes = {bar: bar.iconSize() for bar in bars}
        saved.banner = (w.banner.text.styleSheet(), w.banner.isVisible())
        saved.line_scale = w.network_view.line_scale
        self.saved = saved

        font = QFont(saved.font)
        font.setPointSizeF(saved.font.pointSizeF() * FONT_SCALE)
        self._set_font(font)
        for widget, (low, _high) in saved.widths.items():
            widget.setFixedWidth(round(low * FONT_SCALE))
        for bar, size in saved.icon_sizes.items():
            bar.setIconSize(size * FONT_SCALE)
        for dock in (w.lessons, w.inspector, w.runs.panel):
            dock.hide()
        self._show_controls()
        self._show_explanation(font)
        w.network_view.line_scale = saved.line_scale * EDGE_SCALE
        w.network_view.update()
        self._enlarge_plots()
        self._refresh.start()
        self.leave.setEnabled(True)
        if self.full_screen:
            w.showFullScreen()
        w.status.announce("Classroom mode (Esc leaves)")

    def _set_font(self, font: QFont) -> None:
        """The application font; widgets under a style sheet take it once it is set again
        (Qt's style sheet style keeps the font it resolved before)."""
        QApplication.instance().setFont(font)
        for widget in self.w.findChildren(QWidget):
            if widget.styleSheet():
                widget.setStyleSheet(widget.styleSheet())

    def _show_controls(self) -> None:
        """Only Run/Step/Reset/Speed and the lesson's controls; toolbars left empty hide."""
        shown = self.shown_controls()
        visible_in: dict[QToolBar, bool] = {}
        for bar, action, name in self._toolbar_actions():
            on = name in shown and self.saved.visible.get(action, True)
            action.setVisible(on)
            visible_in[bar] = visible_in.get(bar, False) or on
        for bar, any_shown in visible_in.items():
            bar.setVisible(any_shown and self.saved.visible.get(bar, True))
        for name, part in self._panels().items():
            part.setVisible(name in shown and self.saved.visible[part])
        splitter = self.w.splitter  # the output and diagram, then the curves
        width = sum(splitter.sizes())
        splitter.setSizes([0, round(width * CENTRE_SHARE), round(width * (1 - CENTRE_SHARE))])
        for name, splitter_name, share in (
            ("gradients", "rightSplitter", 0.5),  # the curves over the gradient tabs
            ("layers", "centreSplitter", 0.6),  # the output and diagram over the layer editor
        ):
            splitter = self.w.findChild(QSplitter, splitter_name)
            if splitter is not None and name in shown:
                height = sum(splitter.sizes())
                splitter.setSizes([round(height * share), height - round(height * share)])

    def _show_explanation(self, font: QFont) -> None:
        """The lesson's explanation, large, above the plots (again, if it was dismissed)."""
        banner, lesson = self.w.banner, self.w.lesson
        size = font.pointSizeF() * EXPLANATION_SCALE
        banner.text.setStyleSheet(f"font-size: {size:.1f}pt")
        if not banner.isVisible() and lesson is not None:
            text = lesson.project.explanation
            title = f"<b>{lesson.project.title}</b> — " if lesson.project.title else ""
            banner.show_message(title + text, "info")
            self.saved.explanation = banner.text.text()

    def _leave(self) -> None:
        w, saved = self.w, self.saved
        self._refresh.stop()
        self.leave.setEnabled(False)
        self._restore_plots()
        w.network_view.line_scale = saved.line_scale
        w.network_view.update()
        self._set_font(saved.font)
        for widget, (low, high) in saved.widths.items():
            widget.setMinimumWidth(low)
            widget.setMaximumWidth(high)
        for bar, size in saved.icon_sizes.items():
            bar.setIconSize(size)
        style, shown = saved.banner
        w.banner.text.setStyleSheet(style)
        if not shown and w.banner.message() == saved.explanation:
            w.banner.hide()  # the explanation it brought back; a newer message stays
        w.setWindowState(saved.window_state)
        if not saved.window_state & (
            Qt.WindowState.WindowMaximized | Qt.WindowState.WindowFullScreen
        ):
            w.setGeometry(saved.rect)  # not restoreGeometry: the frame can move it a little
        for part, visible in saved.visible.items():
            part.setVisible(visible)
        w.restoreState(saved.state)
        for splitter, state in saved.splitters.items():
            splitter.restoreState(state)
        self.saved = None
        # the plots' layouts now, not at the next event: a window shut down in the mode and
        # never given another event (a script's last line) must not crash as Python exits
        QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest.value)
        w.status.announce("Classroom mode left: the layout is as it was")

    # -- plots: larger text, thicker lines ------------------------------------------------------
    def _plot_items(self):
        for view in self.w.findChildren(pg.GraphicsView):
            scene = view.scene()
            if scene is not None:
                yield from scene.items()

    def _enlarge_plots(self) -> None:
        """Thicken every curve and cursor and enlarge axis and legend text; items made
        since the last call (or given a new pen by their plot) are caught here too."""
        font = QApplication.instance().font()
        size = f"{font.pointSizeF():.1f}pt"
        for item in self._plot_items():
            if isinstance(item, pg.PlotDataItem | pg.InfiniteLine) or (
                isinstance(item, pg.PlotCurveItem)
                and not isinstance(item.parentItem(), pg.PlotDataItem)
            ):
                self._thicken(item)
            elif isinstance(item, pg.AxisItem) and item not in self._axes:
                self._axes[item] = (item.style["tickFont"], dict(item.labelStyle))
                item.setTickFont(QFont(font))
                if item.labelText:
                    item.labelStyle = {**item.labelStyle, "font-size": size}
                    item._updateLabel()  # pyqtgraph's own refresh of the label's HTML
            elif isinstance(item, pg.LegendItem) and item not in self._legends:
                self._legends[item] = item.labelTextSize()
                _legend_text_size(item, size)
        self._pens = {i: p for i, p in self._pens.items() if i.scene() is not None}

    def _thicken(self, item) -> None:
        pen = item.pen if isinstance(item, pg.InfiniteLine) else item.opts["pen"]
        if pen is None:
            return
        current = pg.mkPen(pen)
        known = self._pens.get(item)
        if known is not None and current == known[1]:
            return  # already thick
        if current.style() == Qt.PenStyle.NoPen:
            return
        if current.widthF() < BOLD_FROM and not isinstance(item, pg.InfiniteLine):
            return  # a hairline of thousands of noisy points: thick, it would halve the frame rate
        thick = QPen(current)
        thick.setWidthF(max(1.0, current.widthF()) * LINE_SCALE)
        self._pens[item] = (pen, thick)
        item.setPen(thick)

    def _restore_plots(self) -> None:
        for item, (pen, thick) in self._pens.items():
            now = item.pen if isinstance(item, pg.InfiniteLine) else item.opts["pen"]
            if pg.mkPen(now) == thick:  # not given another pen by its plot meanwhile
                item.setPen(pen)
        for axis, (tick_font, label_style) in self._axes.items():
            axis.setTickFont(tick_font)
            if axis.labelText:
                axis.labelStyle = label_style
                axis._updateLabel()
        for legend, size in self._legends.items():
            _legend_text_size(legend, size)
        self._pens, self._axes, self._legends = {}, {}, {}


def _legend_text_size(legend, size: str) -> None:
    """pyqtgraph's setLabelTextSize, and the labels drawn again at that size (it only
    records the size for the next text)."""
    legend.setLabelTextSize(size)
    for _sample, label in legend.items:
        label.setText(label.text)


def install(window) -> ClassroomMode:
    """Give `window` a View menu (before Help) holding Classroom mode; return the mode."""
    mode = ClassroomMode(window)
    bar = window.menuBar()
    view = QMenu("&View", bar)
    help_menu = next((a for a in bar.actions() if a.text() == "&Help"), None)
    bar.insertMenu(help_menu, view)  # None: at the end
    view.setObjectName("viewMenu")
    view.addAction(mode.action)
    return mode


__all__ = ["ClassroomMode", "install"]
