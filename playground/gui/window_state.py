"""The window's size, splitters and view toggles, remembered in the settings."""

from __future__ import annotations

DEFAULT_SIZE = (1480, 920)


def default_size(window) -> None:
    """1480 x 920, or 95% of a smaller screen."""
    width, height = DEFAULT_SIZE
    screen = window.screen()
    if screen is not None:
        available = screen.availableGeometry()
        width = min(width, int(available.width() * 0.95))
        height = min(height, int(available.height() * 0.95))
    window.resize(width, height)


def restore_layout(window, settings, splitters) -> None:
    geometry = settings.get_bytes("window/geometry")
    if geometry is not None:
        window.restoreGeometry(geometry)
    for splitter in splitters:
        state = settings.get_bytes(f"window/{splitter.objectName()}")
        if state is not None:
            splitter.restoreState(state)
    window.loss_plot.set_log_y(settings.get_bool("view/log_loss", True))
    window.boundary_plot.discretise_check.setChecked(settings.get_bool("view/discretise", False))
    window.boundary_plot.test_check.setChecked(settings.get_bool("view/test_points", True))


def save_layout(window, settings, splitters) -> None:
    settings.set("window/geometry", window.saveGeometry())
    for splitter in splitters:
        settings.set(f"window/{splitter.objectName()}", splitter.saveState())
    settings.set("view/log_loss", window.loss_plot.log_check.isChecked())
    settings.set("view/discretise", window.boundary_plot.discretise_check.isChecked())
    settings.set("view/test_points", window.boundary_plot.test_check.isChecked())
