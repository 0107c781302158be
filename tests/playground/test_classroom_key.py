"""The optional `classroom` key of project files: which controls a lesson keeps."""

from __future__ import annotations

import json

import pytest

from playground.document.classroom import CONTROLS, read_classroom
from playground.document.lesson import Lesson
from playground.document.project import ProjectError, dumps, loads, read_project
from playground.gui.file_actions import example_paths


def _example_doc(number: int = 4) -> dict:
    return json.loads(example_paths()[number - 1].read_text(encoding="utf-8"))


def test_a_declaration_is_read_and_written_back():
    doc = _example_doc()
    doc["classroom"] = {"controls": ["lr", "optimizer", "layers", "lr"]}
    project = loads(json.dumps(doc).encode())
    assert project.classroom == ("lr", "optimizer", "layers")  # in order, each once
    again = loads(dumps(project))
    assert again.classroom == project.classroom
    assert Lesson("x", again).classroom_controls == ("lr", "optimizer", "layers")


def test_older_files_without_the_key_open_and_stay_without_it():
    doc = _example_doc(3)
    assert "classroom" not in doc
    project = loads(json.dumps(doc).encode())
    assert project.classroom is None
    assert Lesson("x", project).classroom_controls == ()
    assert "classroom" not in json.loads(dumps(project))


@pytest.mark.parametrize(
    ("entry", "named"),
    [
        ({"controls": ["learning_rate"]}, "'learning_rate'"),
        ({"controls": ["lr", "speedy"]}, "'speedy'"),
        ({"controls": "lr"}, "must be a list"),
        ({"controls": [3]}, "must be a list"),
        ({"control": ["lr"]}, "'control'"),
        (["lr"], "must be an object"),
    ],
)
def test_a_bad_declaration_is_refused_with_a_message_naming_it(tmp_path, entry, named):
    doc = _example_doc()
    doc["classroom"] = entry
    path = tmp_path / "bad.playground.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(ProjectError) as caught:
        read_project(path)
    message = str(caught.value)
    assert "bad.playground.json" in message and "classroom" in message and named in message
    if "unknown control" in message:
        assert "expected some of" in message and " lr," in message  # what is accepted


def test_the_names_are_the_settings_and_the_window_parts():
    assert read_classroom({"controls": list(CONTROLS)}) == CONTROLS
    assert {"lr", "optimizer", "l2", "momentum", "loss", "layers", "gradients"} <= set(CONTROLS)
    assert read_classroom(None) is None


def test_some_lessons_declare_their_controls():
    declared = {p.name[:2]: read_project(p).classroom for p in example_paths()}
    assert declared["04"] == ("lr",) and declared["05"] == ("lr",)
    assert declared["02"] == ("gradients",) and declared["07"] == ("l2",)
    assert declared["03"] is None  # the others keep the plain classroom toolbar
