"""The views that look inside the network, put into the window in one place.

Activations and the loss landscape share the gradient plot's place as tabs, and
paint mode joins the output plot. Kept here so the main window gains one call.
"""

from __future__ import annotations

from PySide6.QtWidgets import QTabWidget

from playground.gui.paint import PaintController
from playground.gui.plots.activation_plot import ActivationPlot
from playground.gui.plots.landscape_plot import LandscapePlot


def install(window) -> QTabWidget:
    """Give `window` its `activation_plot`, `landscape_plot` and `paint`; return the tabs
    (Gradients, Activations, Loss landscape) that take the gradient plot's place."""
    window.activation_plot = ActivationPlot()
    window.landscape_plot = LandscapePlot()
    window.landscape_plot.source = lambda: (window.presenter.last, window.data)
    window.paint = PaintController(window)  # paint your own data in the output plot
    tabs = QTabWidget()
    tabs.setObjectName("healthTabs")
    tabs.addTab(window.gradient_plot, "Gradients")
    tabs.addTab(window.activation_plot, "Activations")
    tabs.addTab(window.landscape_plot, "Loss landscape")
    window.health_tabs = tabs
    return tabs


__all__ = ["install"]
