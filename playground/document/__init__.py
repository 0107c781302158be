"""The Qt-free document: sessions, projects, training data, exports, runners.

The GUI and the command line both stand on it; it never imports either of them."""
