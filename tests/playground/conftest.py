"""Fixtures of the GUI tests (helpers live in gui_support)."""

import pytest

from tests.playground.gui_support import close_window, make_window


@pytest.fixture
def window(qtbot, tmp_path):
    """The main window on the default session, isolated settings, shut down afterwards."""
    w = make_window(qtbot, tmp_path)
    yield w
    close_window(w)
