"""A tiny, Qt-free change notification: a model emits, views subscribe.

The document (playground/document/document.py) owns one `EventGroup`; each named
`Event` calls its callbacks in connection order with the new value. Views
connect when they are built and disconnect when they are closed (the GUI's
`playground.gui.document_link.follow` ties this to the widget's lifetime), so a
closed widget is never called. The pattern is napari's `utils/events`, much smaller.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

Callback = Callable[[Any], Any]
log = logging.getLogger(__name__)


class Event:
    """One kind of change; `emit(value)` calls every connected callback with `value`."""

    def __init__(self, name: str):
        self.name = name
        self._callbacks: list[Callback] = []

    def connect(self, callback: Callback) -> Callback:
        """Call `callback(value)` on every emit (once, however often it is connected)."""
        if callback not in self._callbacks:
            self._callbacks.append(callback)
        return callback

    def disconnect(self, callback: Callback) -> None:
        """Stop calling `callback`; nothing happens when it is not connected."""
        if callback in self._callbacks:
            self._callbacks.remove(callback)

    def emit(self, value: Any) -> None:
        for callback in list(self._callbacks):  # a callback may disconnect itself
            callback(value)

    def __len__(self) -> int:
        return len(self._callbacks)

    def __repr__(self) -> str:
        return f"Event({self.name!r}, {len(self)} callbacks)"


class EventGroup:
    """Named events as attributes: `group.spec.connect(fn)`."""

    def __init__(self, *names: str):
        self._names = names
        for name in names:
            setattr(self, name, Event(name))

    def __iter__(self):
        return (getattr(self, name) for name in self._names)

    def __getattr__(self, name: str) -> Event:  # only reached for a name never declared
        raise AttributeError(f"no event {name!r}; the events are {', '.join(self._names)}")


__all__ = ["Event", "EventGroup"]
