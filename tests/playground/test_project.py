"""Project files without Qt: round trip, atomic writes, refusals, migration, and the CLI."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

import datasets
from engine.spec import LayerSpec, NetworkSpec, TrainConfig
from engine.trainer_state import capture
from playground.cli import main as cli
from playground.document import project
from playground.document.project import Project, ProjectError, read_project, write_project
from playground.document.session import DataChoice

SPEC = NetworkSpec(hidden=(LayerSpec(5, "tanh", dropout=0.1), LayerSpec(4, "relu", "he_normal")))
CONFIG = TrainConfig(optimizer="adam", lr=0.03, batch_size=9, l2=1e-3, seed=4, epochs=50)
CHOICE = DataChoice(source="moons", params={"n_samples": 80, "noise": 0.1, "seed": 2})


def trained_project(steps: int = 13) -> tuple[Project, object]:
    p = Project(CHOICE, SPEC, CONFIG, title="moons", explanation="two moons")
    trainer = p.build_trainer()
    for _ in range(steps):
        trainer.step()
    return p.replace(state=capture(trainer)), trainer


def test_round_trip_restores_everything_and_continues_like_an_uninterrupted_run(tmp_path):
    saved, trainer = trained_project()
    path = tmp_path / "run.playground.json"
    write_project(saved, path)
    opened = read_project(path)
    assert (opened.data, opened.network, opened.training) == (CHOICE, SPEC, CONFIG)
    assert (opened.title, opened.explanation, opened.dataset) == ("moons", "two moons", None)
    resumed = opened.build_trainer()
    assert (resumed.step_count, resumed.epoch) == (trainer.step_count, trainer.epoch)
    np.testing.assert_array_equal(resumed.network.flat, trainer.network.flat)
    uninterrupted = Project(CHOICE, SPEC, CONFIG).build_trainer()
    expected = [uninterrupted.step().loss for _ in range(40)][13:]
    assert [resumed.step().loss for _ in range(27)] == expected
    np.testing.assert_array_equal(resumed.network.flat, uninterrupted.network.flat)


def test_imported_data_is_embedded_and_needs_no_csv(tmp_path):
    csv = tmp_path / "points.csv"
    rng = np.random.default_rng(0)
    rows = [f"{a!r},{b!r},{int(a > b)}" for a, b in rng.uniform(-1, 1, (30, 2)).tolist()]
    csv.write_text("a,b,label\n" + "\n".join(rows) + "\n")
    ds = datasets.load_csv(csv)
    choice = DataChoice(source="csv", params={"seed": 0}, path=str(csv), test_ratio=0.2)
    path = tmp_path / "csv.playground.json"
    write_project(Project(choice, SPEC.replace(hidden=()), CONFIG, dataset=ds), path)
    csv.unlink()
    opened = read_project(path)
    np.testing.assert_array_equal(opened.build_dataset().X, ds.X)
    np.testing.assert_array_equal(opened.build_dataset().y, ds.y)
    assert opened.build_dataset().feature_names == ("a", "b")


class DiskFull:
    """A file that takes half of what is written, then fails like a full disk."""

    def __init__(self, f):
        self.f = f

    def write(self, data: bytes) -> int:
        self.f.write(data[: len(data) // 2])
        self.f.flush()
        raise OSError(28, "No space left on device")


def test_a_save_failing_halfway_leaves_the_old_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "keep.playground.json"
    write_project(Project(CHOICE, SPEC, CONFIG, title="old"), path)
    before = path.read_bytes()
    real = project._write_atomic
    monkeypatch.setattr(
        project, "_write_atomic", lambda p, write: real(p, lambda f: write(DiskFull(f)))
    )
    with pytest.raises(OSError, match="No space left"):
        write_project(trained_project()[0], path)
    assert path.read_bytes() == before
    assert read_project(path).title == "old"
    assert sorted(os.listdir(tmp_path)) == ["keep.playground.json"]  # no temporary left


@pytest.mark.parametrize(
    "content, message",
    [
        (b"{not json", "not valid JSON"),
        (b"\xff\xfe\x00garbage", "not text"),
        (
            b'{"format": "backprop-playground-weights", "version": 1}',
            "is not a Backprop Playground",
        ),
        (b"[1, 2, 3]", "is not a Backprop Playground project"),
    ],
)
def test_corrupt_and_foreign_files_are_refused_with_a_message(tmp_path, content, message):
    path = tmp_path / "bad.playground.json"
    path.write_bytes(content)
    with pytest.raises(ProjectError, match=message) as info:
        read_project(path)
    assert "bad.playground.json" in str(info.value)


def test_a_newer_version_is_refused_naming_both_versions(tmp_path):
    doc = Project(CHOICE, SPEC, CONFIG).to_dict()
    doc["version"] = project.PROJECT_VERSION + 1
    path = tmp_path / "new.playground.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(
        ProjectError, match=r"newer .*version 2\); this version reads up to version 1"
    ):
        read_project(path)


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: d.pop("network"), r"\['network'\] are missing"),
        (lambda d: d["training"].update(lr=-1), "lr"),
        (lambda d: d["network"].update(hidden=[{"units": 0}]), "units"),
        (lambda d: d.update(title=3), "`title` must be text"),
    ],
)
def test_damaged_contents_are_named(change, message):
    doc = json.loads(project.dumps(trained_project(3)[0]))
    change(doc)
    with pytest.raises(ProjectError, match=message):
        project.from_dict(doc)


def test_state_for_another_network_is_refused_when_built():
    saved, _ = trained_project(3)
    other = saved.replace(network=SPEC.replace(hidden=(LayerSpec(3),)))
    with pytest.raises(Exception, match="layers"):
        project.from_dict(json.loads(project.dumps(other))).build_trainer()


def test_migrations_run_one_version_at_a_time(monkeypatch):
    doc = Project(CHOICE, SPEC, CONFIG).to_dict()
    doc["version"] = 1
    doc["caption"] = doc.pop("title")  # pretend version 1 called the title "caption"
    monkeypatch.setattr(project.PROJECT, "current", 2)
    monkeypatch.setitem(
        project.MIGRATIONS,
        1,
        lambda d: {**{k: v for k, v in d.items() if k != "caption"}, "title": d["caption"]},
    )
    migrated = project.migrate(doc)
    assert migrated["version"] == 2 and migrated["title"] == "" and "caption" not in migrated


def test_suffix_is_added_once():
    assert project.with_suffix("/a/run") == "/a/run.playground.json"
    assert project.with_suffix("/a/run.json") == "/a/run.playground.json"
    assert project.with_suffix("/a/run.playground.json") == "/a/run.playground.json"


# -- the command line -----------------------------------------------------------------------
BASE = ["train", "--dataset", "moons", "--samples", "80", "--noise", "0.1", "--batch-size", "7"]


def summary(capsys, argv) -> dict:
    code = cli.main([*argv, "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out.strip().splitlines()[-1])


def test_cli_save_then_continue_equals_one_uninterrupted_run(capsys, tmp_path):
    path = tmp_path / "cli.playground.json"
    straight = summary(capsys, [*BASE, "--dropout", "0.1", "--epochs", "6"])
    first = summary(
        capsys, [*BASE, "--dropout", "0.1", "--epochs", "2", "--save-project", str(path)]
    )
    assert first["steps"] * 3 == straight["steps"]
    rest = summary(capsys, ["train", "--project", str(path), "--epochs", "4"])
    assert (rest["epochs"], rest["steps"]) == (6, straight["steps"])
    assert rest["train_loss"] == straight["train_loss"]
    assert rest["test_loss"] == straight["test_loss"]
    saved = read_project(path)
    assert saved.state.step == first["steps"]
    assert saved.state.history.steps.tolist() == list(range(1, first["steps"] + 1))


def test_cli_training_options_override_the_project(capsys, tmp_path):
    path = tmp_path / "p.playground.json"
    summary(capsys, [*BASE, "--epochs", "1", "--save-project", str(path)])
    s = summary(
        capsys,
        [
            "train",
            "--project",
            str(path),
            "--lr",
            "0.002",
            "--optimizer",
            "sgd",
            "--epochs",
            "1",
            "--save-project",
            str(path),
        ],
    )
    assert (s["lr"], s["optimizer"], s["epochs"]) == (0.002, "sgd", 2)
    assert read_project(path).training.optimizer == "sgd"


@pytest.mark.parametrize("option", [["--dataset", "xor"], ["--layers", "3:relu"], ["--seed", "2"]])
def test_cli_data_and_architecture_options_conflict_with_a_project(capsys, tmp_path, option):
    path = tmp_path / "p.playground.json"
    summary(capsys, [*BASE, "--epochs", "0", "--save-project", str(path)])
    code = cli.main(["train", "--project", str(path), *option])
    err = capsys.readouterr().err
    assert code == 2 and option[0] in err and "--project" in err and "Traceback" not in err


def test_cli_refuses_bad_projects_with_exit_2(capsys, tmp_path):
    path = tmp_path / "bad.playground.json"
    path.write_text('{"format": "something-else"}')
    assert cli.main(["train", "--project", str(path)]) == 2
    err = capsys.readouterr().err
    assert "bad.playground.json' is not a Backprop Playground project" in err
    assert cli.main([*BASE, "--save-project", str(tmp_path / "none" / "p.json")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_a_saved_project_respects_the_umask_and_writes_through_a_symlink(tmp_path):
    old = os.umask(0o027)
    try:
        real = tmp_path / "real.playground.json"
        write_project(Project(CHOICE, SPEC, CONFIG, title="first"), real)
        assert real.stat().st_mode & 0o777 == 0o640
        link = tmp_path / "link.playground.json"
        link.symlink_to(real)
        write_project(Project(CHOICE, SPEC, CONFIG, title="second"), link)
    finally:
        os.umask(old)
    assert link.is_symlink()
    assert read_project(real).title == "second"


def test_a_fifo_is_refused_instead_of_blocking(tmp_path):
    fifo = tmp_path / "pipe.playground.json"
    os.mkfifo(fifo)
    with pytest.raises(ProjectError, match=f"'{fifo}' is not a regular file"):
        read_project(fifo)


def _example_doc() -> dict:
    from playground.gui.file_actions import example_paths

    return json.loads(example_paths()[0].read_text())


def _deeply_nested(depth: int = 100_000) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize(
    ("make", "needle"),
    [
        (lambda doc: doc["data"].update(params=[1, 2]) or json.dumps(doc), "data.params"),
        (lambda doc: doc["data"]["params"].update(n_samples="many") or json.dumps(doc), "many"),
        (lambda doc: doc["data"].update(source="nope") or json.dumps(doc), "nope"),
        (lambda doc: _deeply_nested(), "nested too deeply"),
    ],
)
def test_every_project_load_error_names_the_file(tmp_path, make, needle):
    path = tmp_path / "broken.playground.json"
    path.write_text(make(_example_doc()))
    with pytest.raises(ProjectError) as info:
        project.open_project(path)
    assert f"'{path}'" in str(info.value) and needle in str(info.value)


def test_train_with_a_project_whose_params_are_a_list_exits_2_naming_it(tmp_path, capsys):
    doc = _example_doc()
    doc["data"]["params"] = [1, 2]
    path = tmp_path / "F.playground.json"
    path.write_text(json.dumps(doc))
    assert cli.main(["train", "--project", str(path)]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and "Traceback" not in err


def test_a_deep_network_with_batch_norm_continues_bit_for_bit(capsys, tmp_path):
    """Running statistics are part of the training state (issue 14)."""
    path = tmp_path / "deep.playground.json"
    deep = [*BASE, "--layers", "6:relu:bn+res,6:tanh:bn,4:tanh:res", "--l2", "0.01"]
    straight = summary(capsys, [*deep, "--epochs", "4"])
    summary(capsys, [*deep, "--epochs", "2", "--save-project", str(path)])
    rest = summary(capsys, ["train", "--project", str(path), "--epochs", "2"])
    assert rest["steps"] == straight["steps"]
    assert rest["train_loss"] == straight["train_loss"]
    assert rest["test_loss"] == straight["test_loss"]
    saved = read_project(path)
    assert saved.network.hidden[0].batch_norm and saved.network.hidden[2].residual
