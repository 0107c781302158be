"""The lessons (resources/examples) as the first thing a newcomer sees: `lessonsPanel`.

A dock listing every bundled example with its title and the first sentence of
its explanation; a click opens it (as File > Examples does). It is shown on the
first launch (QSettings remembers that it has been shown), can be closed, and
comes back from Help > Lessons.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QRect, QSize, Qt, Signal
from PySide6.QtGui import QFont, QFontMetrics, QPalette
from PySide6.QtWidgets import (
    QDockWidget,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QStyle,
    QStyledItemDelegate,
    QVBoxLayout,
    QWidget,
)

from playground.document import project as projects
from playground.gui.file_actions import OPEN_PROBLEMS, example_paths

SHOWN_KEY = "lessons/shown"  # set once the panel has been offered (first launch)
PATH_ROLE = Qt.ItemDataRole.UserRole
_SENTENCE = re.compile(r"(.+?[.!?])(\s|$)")
SUMMARY_CHARS = 110


@dataclass(frozen=True)
class Lesson:
    path: Path
    title: str
    summary: str  # one line: the first sentence of the explanation


def first_sentence(text: str) -> str:
    """The explanation's first sentence, cut at a word near SUMMARY_CHARS characters."""
    match = _SENTENCE.match(text.strip())
    sentence = match.group(1) if match else text.strip()
    if len(sentence) <= SUMMARY_CHARS:
        return sentence
    return sentence[:SUMMARY_CHARS].rsplit(" ", 1)[0].rstrip(",:;") + "…"


def lessons() -> list[Lesson]:
    """Every bundled example; one that cannot be read is listed by its file name."""
    found = []
    for path in example_paths():
        try:
            doc = projects.read_project(path)
            title, summary = doc.title or path.name, first_sentence(doc.explanation)
        except OPEN_PROBLEMS:
            title, summary = path.name, "(this lesson could not be read)"
        found.append(Lesson(path, title, summary))
    return found


class LessonDelegate(QStyledItemDelegate):
    """Draws a lesson as its number and title in bold over its summary, wrapped to the width."""

    MARGIN = 6

    def _parts(self, option, index):
        title, _, summary = index.data(Qt.ItemDataRole.DisplayRole).partition("\n")
        bold = QFont(option.font)
        bold.setBold(True)
        view = self.parent()  # the same width for measuring and drawing: the view's
        width = max(50, view.viewport().width() - 2 * (self.MARGIN + view.spacing()))
        flags = int(Qt.TextFlag.TextWordWrap)
        t = QFontMetrics(bold).boundingRect(QRect(0, 0, width, 10_000), flags, title)
        s = QFontMetrics(option.font).boundingRect(QRect(0, 0, width, 10_000), flags, summary)
        return title, summary, bold, width, t.height(), s.height()

    def sizeHint(self, option, index) -> QSize:
        *_, width, t, s = self._parts(option, index)
        return QSize(width, t + s + 2 * self.MARGIN)

    def paint(self, painter, option, index) -> None:
        self.initStyleOption(option, index)
        title, summary, bold, width, t, s = self._parts(option, index)
        style = option.widget.style() if option.widget else None
        option.text = ""
        if style is not None:  # the background, hover and selection as the style draws them
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, option, painter, option.widget)
        selected = option.state & QStyle.StateFlag.State_Selected
        role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        painter.save()
        painter.setPen(option.palette.color(role))
        x, y = option.rect.left() + self.MARGIN, option.rect.top() + self.MARGIN
        flags = int(Qt.TextFlag.TextWordWrap)
        painter.setFont(bold)
        painter.drawText(QRect(x, y, width, t), flags, title)
        painter.setFont(option.font)
        painter.drawText(QRect(x, y + t, width, s), flags, summary)
        painter.restore()


class LessonList(QListWidget):
    """A list that measures its wrapped items again whenever its width changes."""

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self.doItemsLayout()


class LessonsPanel(QDockWidget):
    """Emits `lessonChosen(path)` when a lesson is clicked."""

    lessonChosen = Signal(str)

    def __init__(self, items: list[Lesson], parent: QWidget | None = None):
        super().__init__("Lessons", parent)
        self.setObjectName("lessonsPanel")
        self.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetClosable
            | QDockWidget.DockWidgetFeature.DockWidgetMovable
        )
        intro = QLabel(
            "<b>Start here.</b> Each lesson sets up data and a network and says what to "
            "watch. Click one, then press Run (Space)."
        )
        intro.setWordWrap(True)
        self.list = LessonList()
        self.list.setObjectName("lessonsList")
        self.list.setItemDelegate(LessonDelegate(self.list))
        self.list.setSpacing(1)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # a scroll bar that came and went would change the wrapping width after measuring
        self.list.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        self.list.setVerticalScrollMode(QListWidget.ScrollMode.ScrollPerPixel)
        for number, lesson in enumerate(items, start=1):
            item = QListWidgetItem(f"{number}. {lesson.title}\n{lesson.summary}")
            item.setData(PATH_ROLE, str(lesson.path))
            item.setToolTip(f"Open lesson {number}: {lesson.title}")
            self.list.addItem(item)
        self.list.itemClicked.connect(lambda item: self.lessonChosen.emit(item.data(PATH_ROLE)))
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.addWidget(intro)
        layout.addWidget(self.list, 1)
        self.setWidget(body)
        self.setMinimumWidth(220)
        self.toggleViewAction().setText("&Lessons")
        self.toggleViewAction().setShortcut("F1")
