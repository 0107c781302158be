"""The GUI's document without Qt: its events and its dirty flag."""

from __future__ import annotations

import pytest

from engine.spec import LayerSpec
from playground.document.document import EVENTS, Document, RunState
from playground.document.events import Event, EventGroup
from playground.document.project import Project
from playground.document.session import DataChoice, Session
from playground.document.training_data import make_data

CHOICE = DataChoice(source="moons", params={"n_samples": 60, "noise": 0.1, "seed": 1})


def recorded(doc: Document) -> dict[str, list]:
    """Every event's values, by name, in the order they fired."""
    seen: dict[str, list] = {name: [] for name in EVENTS}
    for name in EVENTS:
        getattr(doc.events, name).connect(seen[name].append)
    return seen


def with_data(choice: DataChoice = CHOICE, session: Session | None = None) -> Document:
    doc = Document(session or Session(data=choice))
    ds = choice.build()
    doc.set_data(choice, ds, make_data(ds, choice.test_ratio, choice.seed))
    return doc


def test_an_event_calls_its_callbacks_once_each_and_stops_after_disconnect():
    event, got = Event("spec"), []
    event.connect(got.append)
    event.connect(got.append)  # connecting twice does not call twice
    event.emit(1)
    event.disconnect(got.append)
    event.disconnect(got.append)  # harmless when already gone
    event.emit(2)
    assert got == [1]
    with pytest.raises(AttributeError, match="no event 'nope'"):
        EventGroup("spec").nope  # noqa: B018


def test_new_data_fires_data_and_session_once_with_the_new_values():
    doc = Document(Session(data=CHOICE))
    seen = recorded(doc)
    ds = CHOICE.build()
    data = make_data(ds, CHOICE.test_ratio, CHOICE.seed)
    doc.set_data(CHOICE, ds, data)
    assert seen["data"] == [data] and seen["session"] == [doc.session]
    assert seen["spec"] == []  # the data event covers the network built for it
    assert doc.spec.input_dim == 2 and doc.spec.task == "classification"
    assert doc.change == "dataset 'moons'"


def test_network_edits_fire_spec_once_with_the_new_spec_and_nothing_when_unchanged():
    doc = with_data()
    seen = recorded(doc)
    hidden = (LayerSpec(3, "relu"),)
    doc.set_hidden(hidden)
    doc.set_hidden(hidden)  # the same again: no event
    doc.set_features(("x1", "x2", "x1*x2"))
    doc.set_loss("mse")
    specs = seen["spec"]
    assert len(specs) == 3 and specs[-1] is doc.spec
    assert specs[0].hidden == hidden and specs[1].features == ("x1", "x2", "x1*x2")
    assert specs[2].loss == "mse" and doc.change == "loss mse"
    assert len(seen["session"]) == 3 and seen["session"][-1] is doc.session


def test_a_config_change_fires_once_and_an_unchanged_one_not_at_all():
    doc = with_data()
    seen = recorded(doc)
    config = doc.config.replace(lr=0.2)
    doc.set_config(config)
    doc.set_config(config)
    assert seen["config"] == [config] and doc.session.config == config
    assert seen["spec"] == [] and seen["data"] == []


def test_the_run_state_fires_only_when_it_changes():
    doc = Document(Session())
    seen = recorded(doc)
    doc.set_run_state(step=5, status="running")
    doc.set_run_state(step=5, status="running")
    doc.set_run_state(status="diverged", message="the loss became NaN")
    assert seen["run_state"] == [
        RunState(step=5, status="running"),
        RunState(step=5, status="diverged", message="the loss became NaN"),
    ]


def test_edits_make_the_document_dirty_and_a_save_or_an_open_makes_it_clean():
    doc = with_data()
    seen = recorded(doc)
    assert not doc.dirty
    doc.set_hidden((LayerSpec(4, "tanh"),))
    assert doc.dirty and seen["dirty"] == [True]
    doc.set_loss("mse")  # still dirty: no second event
    assert seen["dirty"] == [True]
    project = Project(doc.session.data, doc.spec, doc.config, title="saved")
    doc.mark_saved(project, "/tmp/somewhere/p.playground.json", step=0)
    assert not doc.dirty and seen["dirty"] == [True, False]
    assert seen["title"] == ["p.playground.json"] and doc.title() == "p.playground.json"
    doc.set_run_state(step=12)  # training on changes the work too
    assert doc.dirty
    doc.set_run_state(step=0)
    assert not doc.dirty and seen["dirty"] == [True, False, True, False]


def test_loading_a_project_replaces_everything_and_fires_loaded_once():
    doc = with_data()
    other = DataChoice(source="circles", params={"n_samples": 50, "seed": 2})
    ds = other.build()
    session = Session(data=other, hidden=(LayerSpec(2, "relu"),))
    spec = session.spec_for(ds)
    project = Project(other, spec, session.config.replace(lr=0.5), title="Circles")
    seen = recorded(doc)
    data = make_data(ds, other.test_ratio, other.seed)
    doc.load_project(project, ds, data)
    assert seen["loaded"] == [project] and seen["config"] == [project.training]
    assert seen["data"] == [] and seen["spec"] == []  # the views redraw on `loaded`
    assert doc.spec == spec and doc.data is data and doc.session == project.session
    assert doc.dirty  # not yet the saved state: the open marks it once the runner holds it
    doc.mark_saved(project, None, step=0)  # an example: untitled, named by its title
    assert not doc.dirty and doc.title() == "Circles" and doc.path is None
    assert seen["title"] == ["Circles"]
