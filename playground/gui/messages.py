"""Non-modal messages: a banner above the plots for divergence and errors.

The banner says what happened and what to try, offers the remedy (Reset) and,
for unexpected errors, the technical details on request; the window keeps
working underneath. `show_error_dialog` is the modal-free dialog used for errors
outside training (bad CSV files, unexpected exceptions in slots).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QStyle,
    QWidget,
)

STYLES = {
    "error": ("#fbe3d6", "#D55E00", QStyle.StandardPixmap.SP_MessageBoxCritical),
    "warning": ("#fdf1d6", "#E69F00", QStyle.StandardPixmap.SP_MessageBoxWarning),
    "info": ("#dcebf5", "#0072B2", QStyle.StandardPixmap.SP_MessageBoxInformation),
}


class MessageBanner(QFrame):
    """A dismissable strip with an icon, a message, an optional Reset and Details."""

    resetRequested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("messageBanner")
        self.kind = "info"
        self.details: str | None = None
        self.icon = QLabel()
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.reset_button = QPushButton("Reset")
        self.reset_button.setToolTip("Start again from freshly initialised weights (R)")
        self.reset_button.clicked.connect(self.resetRequested)
        self.details_button = QPushButton("Details…")
        self.details_button.setToolTip("Show the technical details of this error")
        self.details_button.clicked.connect(self._show_details)
        self.close_button = QPushButton("✕")
        self.close_button.setFlat(True)
        self.close_button.setFixedWidth(28)
        self.close_button.setToolTip("Dismiss this message")
        self.close_button.clicked.connect(self.hide)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 4, 4)
        layout.addWidget(self.icon)
        layout.addWidget(self.text, 1)
        for button in (self.reset_button, self.details_button, self.close_button):
            layout.addWidget(button)
        self.hide()

    def show_message(
        self,
        text: str,
        kind: str = "error",
        *,
        offer_reset: bool = False,
        details: str | None = None,
    ) -> None:
        background, border, pixmap = STYLES.get(kind, STYLES["info"])
        self.kind = kind
        self.setStyleSheet(
            f"#messageBanner {{ background: {background}; border: 1px solid {border};"
            f" border-radius: 4px; }}"
        )
        self.icon.setPixmap(self.style().standardIcon(pixmap).pixmap(20, 20))
        self.text.setText(text)
        self.details = details
        self.reset_button.setVisible(offer_reset)
        self.details_button.setVisible(bool(details))
        self.show()

    def message(self) -> str:
        return self.text.text() if self.isVisible() else ""

    def _show_details(self) -> None:
        show_error_dialog(self, "Error details", self.text.text(), self.details)


def show_error_dialog(
    parent: QWidget | None, title: str, text: str, details: str | None = None
) -> QMessageBox:
    """A window-modal message box that does not block the caller (`open`, not `exec`)."""
    box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, parent)
    box.setObjectName("errorDialog")
    if details:
        box.setDetailedText(details)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    if parent is None:  # nothing else owns it: keep it alive until it closes
        _ORPHANS.add(box)
        box.finished.connect(lambda _result: _ORPHANS.discard(box))
    box.open()
    return box


_ORPHANS: set[QMessageBox] = set()


class LessonNotice(QFrame):
    """Under the lesson's explanation: which settings now differ, and a way back."""

    restoreRequested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("lessonNotice")
        background, border, _pixmap = STYLES["info"]
        self.setStyleSheet(
            f"#lessonNotice {{ background: {background}; border: 1px solid {border};"
            f" border-radius: 4px; }}"
        )
        self.text = QLabel()
        self.text.setObjectName("lessonNoticeText")
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.restore_button = QPushButton("Restore lesson settings")
        self.restore_button.setObjectName("restoreLessonButton")
        self.restore_button.setToolTip(
            "Put the lesson's settings back (a changed dataset or network opens the lesson "
            "again at its start)"
        )
        self.restore_button.clicked.connect(self.restoreRequested)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 2, 4, 2)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.restore_button)
        self.hide()

    def show_text(self, text: str) -> None:
        """Show `text` ('' hides the notice: the settings match the lesson again)."""
        self.text.setText(text)
        self.setVisible(bool(text))

    def message(self) -> str:
        return self.text.text() if not self.isHidden() else ""
