"""Every training setting through the command line, projects and README.md (no Qt)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from engine.settings import SETTINGS, options_table
from engine.spec import NetworkSpec, TrainConfig
from playground.cli import main as cli
from playground.cli import project_cli, train_cli
from playground.document.project import Project, read_project, write_project
from playground.document.session import DataChoice

FLAGGED = [s for s in SETTINGS if s.flag]


def typed(s, text) -> list[str]:
    """The command-line words that give `s` the value `text` (a switch takes none)."""
    if s.kind is bool:
        return [s.flag if not s.default else f"--no-{s.flag[2:]}"]
    return [s.flag, text]


README = Path(__file__).resolve().parents[2] / "README.md"


def other_value(s):
    """A valid value that is not the default, as typed on a command line and as stored."""
    if s.choices:
        value = next(c for c in reversed(s.choices) if c != s.default)
        return value, value
    if s.kind is bool:
        return None, not s.default
    if s.kind is int:
        value = int(min(s.high, (s.default or 0) + 3))
        return str(value), value
    value = 1e-6 if s.name == "eps" else round((s.low + s.high) / 3, 4)
    return repr(value), value


@pytest.mark.parametrize("s", FLAGGED, ids=lambda s: s.name)
def test_each_flag_round_trips_into_the_train_config(s):
    text, value = other_value(s)
    args = cli.build_parser().parse_args(["train", *typed(s, text)])
    config = train_cli.make_config(args)
    assert getattr(config, s.name) == value
    untouched = train_cli.make_config(cli.build_parser().parse_args(["train"]))
    assert getattr(untouched, s.name) == s.default


@pytest.mark.parametrize("s", [s for s in FLAGGED if s.high is not None], ids=lambda s: s.name)
def test_out_of_range_values_exit_2_naming_the_option(s, capsys):
    too_big = str(int(s.high) + 1) if s.kind is int else f"{s.high * 1.5:g}"
    for bad in (too_big, "-1", "abc"):
        code = cli.main(["train", s.flag, bad])
        err = capsys.readouterr().err
        assert code == 2 and s.flag in err and "Traceback" not in err


def test_an_unknown_choice_exits_2(capsys):
    assert cli.main(["train", "--optimizer", "lion"]) == 2
    assert "--optimizer" in capsys.readouterr().err


@pytest.mark.parametrize("name", project_cli.TRAINING)
def test_each_training_option_overrides_a_project_and_is_saved(name, capsys, tmp_path):
    s = next(s for s in SETTINGS if s.name == name)
    path = tmp_path / "p.playground.json"
    base = ["train", "--dataset", "xor", "--samples", "40", "--epochs", "0", "--json"]
    assert cli.main([*base, "--save-project", str(path)]) == 0
    text, value = other_value(s)
    if s.name == "epochs":
        text, value = "2", 2  # N more epochs; the saved config keeps N
    argv = ["train", "--project", str(path), *typed(s, text), "--save-project", str(path), "--json"]
    code = cli.main(argv)
    out, err = capsys.readouterr()
    assert code == 0, err
    json.loads(out.strip().splitlines()[-1])
    assert getattr(read_project(path).training, s.name) == value


def test_readme_lists_exactly_the_tables_options():
    text = README.read_text(encoding="utf-8")
    found = re.search(
        r"<!-- training-options:start -->\n(.*?)\n<!-- training-options:end -->", text, re.S
    )
    assert found, "README.md has no generated training-option table"
    assert found.group(1) == options_table()
    listed = re.findall(r"^\| `(--[a-z0-9-]+)`", found.group(1), re.M)
    assert listed == [s.flag for s in FLAGGED]


def test_a_project_keeps_every_setting(tmp_path):
    config = TrainConfig(**{s.name: other_value(s)[1] for s in SETTINGS})
    choice = DataChoice(source="xor", params={"n_samples": 40, "noise": 0.0, "seed": 1})
    path = tmp_path / "all.playground.json"
    write_project(Project(choice, NetworkSpec(), config), path)
    assert read_project(path).training == config


def test_a_lessons_differences_name_every_setting_as_the_controls_do():
    from playground.document.lesson import config_differences

    lesson = TrainConfig(batch_size=0, clip_norm=1.0, patience=3)
    mine = TrainConfig(clip_norm=0.0, restore_best=False, eps=1e-6)
    assert config_differences(lesson, mine) == [
        "epsilon 1e-06 (lesson: default)",
        "batch 16 (lesson: full)",
        "clip off (lesson: 1)",
        "patience off (lesson: 3)",
        "restore best off (lesson: on)",
    ]
