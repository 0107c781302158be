"""The window's views follow the document: picker, controls, editor, diagram, plot, title.

Each view is updated from the document's events (playground/document/document.py),
never from another widget's attributes; the window itself follows `data` and
`spec` to rebuild the runner (connected after these, so the views are current first).
"""

from __future__ import annotations

from engine.losses import losses_for
from playground.document.document import Document
from playground.gui.document_link import follow


class DocumentViews:
    """Connects the document's events to the views of `window` for the window's lifetime."""

    def __init__(self, window, document: Document):
        self.w = window
        self.doc = document
        events = document.events
        for event, callback in (
            (events.data, self.show_data),
            (events.spec, self.show_spec),
            (events.config, self.show_config),
            (events.loaded, self.show_project),
            (events.title, self.show_title),
            (events.dirty, self.show_modified),
        ):
            follow(window, event, callback)

    def show_data(self, data) -> None:
        """New data: the picker's features, the losses the task takes and the plot's points."""
        ds, spec = self.doc.dataset, self.doc.spec
        self.w.picker.set_features(ds.input_dim, spec.features)
        self.w.controls.set_losses(losses_for(ds.task, ds.n_classes), spec.loss)
        self.w.boundary_plot.set_data(data)

    def show_spec(self, spec) -> None:
        """A network edit: the picker shows features chosen in the layer editor."""
        features = tuple(self.doc.session.features)
        if self.w.picker.selected_features() != features:
            self.w.picker.set_features(self.doc.dataset.input_dim, features)

    def show_config(self, config) -> None:
        if self.w.controls.config() != config:  # a reset's seed, a lesson, an opened project
            self.w.controls.set_config(config)

    def show_project(self, project) -> None:
        """An opened project: every view shows it anew (the runner gets its state next)."""
        w, ds, data, spec = self.w, self.doc.dataset, self.doc.data, self.doc.spec
        w.picker.show_dataset(project.data, ds)
        w.picker.set_features(ds.input_dim, spec.features)
        w.controls.set_losses(losses_for(ds.task, ds.n_classes), spec.loss)
        w.controls.set_config(project.training)
        w.controls.set_running(False)
        w.layer_editor.set_document(spec)
        w.network_view.set_spec(spec, data)
        w.boundary_plot.set_data(data)

    def show_title(self, name: str) -> None:
        self.w.setWindowTitle(f"{name}[*] — Backprop Playground" if name else "Backprop Playground")
        self.show_modified(self.doc.dirty)

    def show_modified(self, dirty: bool) -> None:
        """A "*" in the title for unsaved changes to a project (a plain session has none)."""
        if "[*]" in self.w.windowTitle():
            self.w.setWindowModified(dirty)
