"""A sweep kept in a project file: the optional `sweep` entry round-trips and is checked."""

from __future__ import annotations

import json

import pytest

from engine.spec import NetworkSpec, TrainConfig
from playground.document import project
from playground.document.project import Project, ProjectError
from playground.document.session import DataChoice
from playground.document.sweep import saved
from playground.document.sweep.trial import TrialSetup, run_trial

CHOICE = DataChoice(source="moons", params={"n_samples": 60, "noise": 0.1, "seed": 2})
SETUP = TrialSetup(dataset="moons", samples=60, features=("x1", "x2"), settings={"epochs": 2})
OPTIONS = {"strategy": "grid", "trials": 2, "workers": 1, "seed": 0, "grid_points": 3}


def sweep_entry(n_rows: int = 2) -> dict:
    rows = [run_trial(SETUP, i, {"lr": lr}) for i, lr in enumerate((0.01, 0.1)[:n_rows])]
    options = {**OPTIONS, "pruner": "none", "scheduler": None}
    return saved.entry(["lr=0.01,0.1", "epochs=2"], options, SETUP, rows)


def with_sweep(entry) -> Project:
    return Project(CHOICE, NetworkSpec(), TrainConfig(), sweep=entry)


def test_the_sweep_and_its_rows_come_back_exactly():
    entry = sweep_entry()
    assert set(entry["rows"][0]["curve"]) == {1, 2}  # per-epoch values, integer epochs
    back = project.loads(project.dumps(with_sweep(entry)))
    assert back.sweep == entry  # rows as results.py holds them: integer epochs in curves
    assert back.sweep["rows"][1]["params"] == {"lr": 0.1}
    assert saved.setup_of(back.sweep) == SETUP
    assert project.from_dict(with_sweep(entry).to_dict()).sweep == entry


def test_a_project_without_a_sweep_has_no_entry_and_older_files_load():
    doc = with_sweep(None).to_dict()
    assert "sweep" not in doc  # the file is as before
    assert project.loads(json.dumps(doc).encode()).sweep is None


def test_rows_past_the_cap_are_left_out(monkeypatch):
    monkeypatch.setattr(saved, "MAX_ROWS", 1)
    assert len(sweep_entry()["rows"]) == 1


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        (lambda e: e.update(params="lr"), "`sweep.params` must be a list"),
        (lambda e: e.update(params=["lr=log:0:1"]), "--param lr"),
        (lambda e: e.update(strategy="annealing"), "`sweep.strategy`"),
        (lambda e: e.update(trials="many"), "`sweep.trials`"),
        (lambda e: e.update(rows={}), "`sweep.rows` must be a list"),
        (lambda e: e["rows"][1].update(state="great"), "`sweep.rows[1]`.state"),
        (lambda e: e["rows"][0].update(test_loss="low"), "`sweep.rows[0]`.test_loss"),
        (lambda e: e["rows"][0].update(curve={"one": 1.0}), "`sweep.rows[0]`.curve"),
        (lambda e: e.update(setup={"colour": "red"}), "`sweep.setup` has unknown"),
        (lambda e: e.pop("rows"), "lacks the entries ['rows']"),
    ],
)
def test_a_malformed_sweep_entry_is_refused_naming_file_and_problem(tmp_path, change, needle):
    doc = json.loads(project.dumps(with_sweep(sweep_entry())))
    change(doc["sweep"])
    path = tmp_path / "bad.playground.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(ProjectError) as info:
        project.read_project(path)
    assert "bad.playground.json" in str(info.value) and needle in str(info.value)


def test_a_sweep_entry_that_is_not_an_object_is_refused():
    doc = with_sweep(None).to_dict()
    doc["sweep"] = [1, 2]
    with pytest.raises(ProjectError, match="`sweep` must be an object"):
        project.from_dict(doc)
