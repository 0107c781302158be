"""What the application remembers between runs (QSettings), with a schema version.

Stored: the window geometry and splitter layout, the last session (as JSON, by
names), the gradient thresholds and view toggles. Anything unreadable is ignored
and replaced by the defaults (logged, never shown as a traceback). Settings written
by a newer build are left untouched: this run starts from the defaults and keeps
its changes in a temporary file, so going back to an older build never wipes them.
Tests pass a path so they never touch the user's real settings.
"""

from __future__ import annotations

import json
import logging
import math
import os
import tempfile
from typing import Any

from PySide6.QtCore import QByteArray, QSettings

from engine.migrations import register_format
from playground.document.session import Session

ORGANISATION = "BackpropPlayground"
APPLICATION = "playground"
SCHEMA_VERSION = 1
SETTINGS = register_format("settings", "settings schema", SCHEMA_VERSION, ValueError)
log = logging.getLogger(__name__)


class AppSettings:
    """A thin, typed wrapper over QSettings; `path` selects an isolated INI file."""

    def __init__(self, path: str | None = None):
        if path is None:
            self.qsettings = QSettings(ORGANISATION, APPLICATION)
        else:
            self.qsettings = QSettings(str(path), QSettings.Format.IniFormat)
        self._scratch: tempfile.TemporaryDirectory | None = None
        stored = self._int("schema_version", SCHEMA_VERSION)
        try:
            SETTINGS.check(stored, "The settings")
        except ValueError as exc:  # damaged: start from the defaults
            log.warning("%s; ignoring them", exc)
            if stored > SCHEMA_VERSION:  # a newer build's: keep them, write elsewhere
                self._scratch = tempfile.TemporaryDirectory(prefix="playground-settings-")
                scratch = os.path.join(self._scratch.name, "settings.ini")
                self.qsettings = QSettings(scratch, QSettings.Format.IniFormat)
            else:
                self.qsettings.clear()
        self.qsettings.setValue("schema_version", SCHEMA_VERSION)

    # -- typed access ---------------------------------------------------------------------
    def _int(self, key: str, default: int) -> int:
        try:
            return int(self.qsettings.value(key, default))
        except (TypeError, ValueError):
            return default

    def get_float(self, key: str, default: float) -> float:
        try:
            value = float(self.qsettings.value(key, default))
        except (TypeError, ValueError):
            return default
        return value if math.isfinite(value) else default

    def get_bool(self, key: str, default: bool) -> bool:
        value = self.qsettings.value(key, default)
        if isinstance(value, str):
            return value.lower() in ("1", "true", "yes")
        return bool(value)

    def set(self, key: str, value: Any) -> None:
        self.qsettings.setValue(key, value)

    def get_bytes(self, key: str) -> QByteArray | None:
        value = self.qsettings.value(key)
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    # -- the session ----------------------------------------------------------------------
    def load_session(self) -> Session | None:
        text = self.qsettings.value("session/json")
        if not text:
            return None
        try:
            return Session.from_dict(json.loads(str(text)))
        except Exception as exc:  # a damaged or outdated entry must never stop the start
            log.warning("ignoring the remembered session: %s", exc)
            return None

    def save_session(self, session: Session) -> None:
        self.qsettings.setValue("session/json", json.dumps(session.to_dict()))

    # -- gradient thresholds --------------------------------------------------------------
    def gradient_thresholds(self, default: tuple[float, float]) -> tuple[float, float]:
        v = self.get_float("gradients/vanishing", default[0])
        e = self.get_float("gradients/exploding", default[1])
        return (v, e) if 0 < v < e else default

    def set_gradient_thresholds(self, vanishing: float, exploding: float) -> None:
        self.set("gradients/vanishing", float(vanishing))
        self.set("gradients/exploding", float(exploding))

    def sync(self) -> None:
        self.qsettings.sync()
