"""The Qt application: the main window, its panels, plots, editor and inspector."""
