"""File > Copy Lesson Link and File > Open from Text…: the window's state as a short text.

A teacher copies the link (data recipe, network, training settings, seed and
speed; playground/document/share_text.py) and students paste it into Open from
Text, which trains the same run from fresh weights. The pasted text is read and
checked completely before anything in the window changes; a text that is not a
lesson link is explained in the dialog, which stays open so it can be pasted
again, and the current work stays. Opening goes through the File menu's own
`open_path`, as a project read from a file does.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QFontDatabase, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMenu,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from playground.document import share_text
from playground.document.project import Project
from playground.document.share_text import ShareTextError
from playground.gui.messages import STYLES, show_error_dialog

NOT_OPENED = "The lesson link was not opened; your current work stays."


class OpenTextDialog(QDialog):
    """A text box for a pasted lesson link; `opener(text)` opens it or returns the problem."""

    def __init__(self, opener: Callable[[str], str | None], parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("openTextDialog")
        self.setWindowTitle("Open from Text")
        self.opener = opener
        intro = QLabel(
            "Paste a lesson link (it starts with "
            f"<b>{share_text.PREFIX}{share_text.SHARE_VERSION}.</b>). It sets the data, the "
            "network and every training setting; training starts again from fresh weights. "
            "Spaces and line breaks in the text are ignored."
        )
        intro.setWordWrap(True)
        self.text = QPlainTextEdit()
        self.text.setObjectName("shareTextEdit")
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.text.setPlaceholderText(f"{share_text.PREFIX}{share_text.SHARE_VERSION}.…")
        self.error = QLabel()
        self.error.setObjectName("shareTextError")
        self.error.setWordWrap(True)
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        background, border, _pixmap = STYLES["error"]
        self.error.setStyleSheet(
            f"#shareTextError {{ background: {background}; border: 1px solid {border};"
            " border-radius: 4px; padding: 4px; }"
        )
        self.error.hide()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Open | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.open_button = buttons.button(QDialogButtonBox.StandardButton.Open)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.resize(560, 300)

    def accept(self) -> None:
        """Open the text; on a problem the dialog stays, saying what is wrong."""
        problem = self.opener(self.text.toPlainText())
        if problem:
            self.error.setText(problem)
            self.error.show()
            return
        self.error.hide()
        super().accept()

    def problem(self) -> str:
        return self.error.text() if not self.error.isHidden() else ""


class ShareActions(QObject):
    """The two File menu actions and what they do to the window's document."""

    def __init__(self, window):
        super().__init__(window)
        self.setObjectName("shareActions")
        self.w = window
        self.copy_action = QAction("Copy &Lesson Link", window)
        self.copy_action.setShortcut(QKeySequence("Ctrl+Shift+L"))
        self.copy_action.setStatusTip(
            "Copy the data, network and settings (not the trained weights) as a short text"
        )
        self.copy_action.triggered.connect(self.copy_link)
        self.open_action = QAction("Open from &Text…", window)
        self.open_action.setStatusTip("Open a lesson link someone copied")
        self.open_action.triggered.connect(self.open_dialog)
        self.dialog: OpenTextDialog | None = None

    def shared_project(self) -> Project:
        """What a lesson link holds: the window's project as Save would write it, without
        the parts `share_text.encode` leaves out (weights, runs, sweep)."""
        doc = self.w.document
        if doc.spec is None:
            raise ShareTextError("There is no network yet: wait for the data to load")
        base = doc.project or Project(doc.session.data, doc.spec, doc.config)
        project = base.replace(data=doc.session.data, network=doc.spec, training=doc.config)
        for extra in self.w.files.extras:  # the speed (watching.py), the sweep
            project = extra(project)
        return project

    def copy_link(self) -> str | None:
        """Put the lesson link on the clipboard; the text, or None when it cannot be made."""
        try:
            text = share_text.encode(self.shared_project())
        except ShareTextError as exc:
            show_error_dialog(self.w, "Cannot copy a lesson link", str(exc))
            return None
        QGuiApplication.clipboard().setText(text)
        self.w.document.announce(f"Lesson link copied ({len(text)} characters)")
        return text

    def open_dialog(self) -> OpenTextDialog:
        """Show the (window-modal, non-blocking) text box, holding the clipboard's text
        when that looks like a lesson link (copied from a chat: one click to open)."""
        if self.dialog is None:
            self.dialog = OpenTextDialog(self.open_text, self.w)
        copied = QGuiApplication.clipboard().text().strip()
        self.dialog.text.setPlainText(copied if copied.startswith(share_text.PREFIX) else "")
        self.dialog.error.hide()
        self.dialog.open()
        return self.dialog

    def open_text(self, text: str) -> str | None:
        """Open a lesson link; None when it is open, else what went wrong (nothing changed)."""
        try:
            loaded = share_text.open_text(text)
        except ShareTextError as exc:
            return f"{exc}\nYour current work stays."
        if not self.w.files.open_path(share_text.WHERE.lower(), loaded=loaded):
            return NOT_OPENED  # the user kept unsaved work, or the runner said why
        return None


def install(window, menu: QMenu) -> ShareActions:
    """Open from Text… after Open Project… and Copy Lesson Link after Save Project As… in
    `menu`, the File menu as FileActions.populate fills it (else both at its end)."""
    sharing = ShareActions(window)
    actions = menu.actions()
    before_save, before_recent = (actions[1], actions[3]) if len(actions) > 3 else (None, None)
    menu.insertAction(before_save, sharing.open_action)
    menu.insertAction(before_recent, sharing.copy_action)
    return sharing


def open_text_at_start(window, text: str) -> bool:
    """`playground open --text`: open `text` in the new window (a problem is shown)."""
    sharing = window.findChild(ShareActions)
    problem = sharing.open_text(text)
    if problem:
        show_error_dialog(window, "Cannot open the lesson link", problem)
    return problem is None
