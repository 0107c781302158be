"""Ties a document event's subscription to a widget's lifetime.

`follow(widget, event, callback)` connects `callback` to the Qt-free event and
disconnects it when `widget` is destroyed, so a closed view is never called
(napari's viewer model and its Qt views work the same way).
"""

from __future__ import annotations

from PySide6.QtCore import QObject

from playground.document.events import Callback, Event


def follow(widget: QObject, event: Event, callback: Callback) -> Callback:
    """Call `callback(value)` on `event` for as long as `widget` exists."""
    event.connect(callback)
    widget.destroyed.connect(lambda *_: event.disconnect(callback))
    return callback
