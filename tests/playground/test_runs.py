"""The runs list (Qt-free): what changed, runs ending on screen, projects, CSV."""

from __future__ import annotations

import csv
import io
import json
from types import SimpleNamespace

import numpy as np
import pytest

from engine.grid import GridEvaluator
from engine.network import Network
from engine.snapshot import HistoryChunk
from engine.spec import LayerSpec, NetworkSpec, TrainConfig
from engine.trainer import Evaluation
from playground.document import project
from playground.document.project import Project, ProjectError
from playground.document.run_recorder import RunRecorder, describe_change
from playground.document.runs import HISTORY_RECORDS, MAX_RUNS, RunList
from playground.document.session import DataChoice

SPEC = NetworkSpec(hidden=(LayerSpec(8, "tanh"), LayerSpec(8, "tanh")))
CONFIG = TrainConfig(optimizer="sgd")


def chunk(start: int, n: int, n_layers: int = 3) -> HistoryChunk:
    steps = np.arange(start + 1, start + n + 1)
    evals = steps[-1:]
    return HistoryChunk.build(
        steps,
        1.0 / steps,
        np.ones((n, n_layers)) * 0.1,
        [1],
        evals,
        [0.5],
        [0.6],
        [0.8],
        [0.75],
    )


def snap(generation, step, *, spec=SPEC, config=CONFIG, history=None, state="running"):
    view = GridEvaluator(((-1, 1), (-1, 1)), 2, "classification", 8).evaluate(Network(spec, 0))
    return SimpleNamespace(
        generation=generation,
        step=step,
        spec=spec,
        config=config,
        state=state,
        view=view,
        history=history if history is not None else HistoryChunk.empty(len(spec.hidden) + 1),
        evaluation=Evaluation(0.5, 0.8, 0.6, 0.75, "accuracy"),
    )


def test_changes_name_the_optimizer_and_the_layer_that_changed():
    recorder = RunRecorder(RunList(), clock=iter(range(100)).__next__)
    recorder.observe(snap(0, 10, history=chunk(0, 10)), "spirals")
    adam = CONFIG.replace(optimizer="adam")
    relu = SPEC.replace(hidden=(LayerSpec(8, "tanh"), LayerSpec(8, "relu")))
    first = recorder.observe(snap(1, 1, config=adam), "spirals")
    second = recorder.observe(snap(2, 1, config=adam, spec=relu), "xor")
    assert first.change == "first run"
    assert second.change == "optimizer sgd → adam"
    third = recorder.finish()
    assert third.change == "data spirals → xor; layer 2 tanh → relu"
    assert describe_change(third, "xor", relu, adam) == "same settings"


def test_a_run_ends_when_a_new_one_starts_and_keeps_its_numbers():
    runs = RunList()
    recorder = RunRecorder(runs, clock=iter(range(100)).__next__)
    recorder.observe(snap(0, 5, history=chunk(0, 5)), "moons")
    recorder.observe(snap(0, 9, history=chunk(5, 4)), "moons")
    assert len(runs) == 0  # still the same run
    recorder.observe(snap(1, 0), "moons")  # Reset: a new generation
    assert len(runs) == 1
    run = runs[0]
    assert (run.name, run.steps, run.data) == ("run 1", 9, "moons")
    assert run.history.steps.tolist() == list(range(1, 10))
    assert run.final["train_loss"] == 0.5 and run.final["test_metric"] == 0.75
    assert run.seconds == 1.0  # seen running from clock 0 to clock 1
    assert run.thumbnail.shape == (48, 48, 3) and run.thumbnail.dtype == np.uint8
    recorder.observe(snap(2, 0), "moons")  # a reset before any step keeps nothing
    assert len(runs) == 1
    recorder.observe(snap(2, 3), "moons")
    recorder.observe(snap(2, 1), "moons")  # a new runner counts from 0 again
    assert len(runs) == 2 and runs[1].steps == 3


def test_a_long_run_keeps_a_bounded_history():
    runs = RunList()
    recorder = RunRecorder(runs)
    for k in range(10):
        recorder.observe(snap(0, (k + 1) * 300, history=chunk(k * 300, 300)), "moons")
    run = recorder.finish()
    assert len(run.history) <= HISTORY_RECORDS and run.history.steps[-1] == 3000


def test_the_list_is_bounded_renamed_and_deleted():
    runs = RunList()
    recorder = RunRecorder(runs)
    for g in range(MAX_RUNS + 3):
        recorder.observe(snap(g, 4), "moons")
    assert len(runs) == MAX_RUNS and runs[0].name == "run 3"  # the latest is still on screen
    runs.rename(0, "  baseline ")
    assert runs[0].name == "baseline"
    with pytest.raises(ValueError, match="empty"):
        runs.rename(0, " ")
    runs.delete(0)
    assert len(runs) == MAX_RUNS - 1 and runs[0].name == "run 4"


def test_runs_survive_saving_and_opening_a_project():
    runs = RunList()
    recorder = RunRecorder(runs)
    recorder.observe(snap(0, 10, history=chunk(0, 10)), "moons")
    recorder.observe(snap(1, 4, config=CONFIG.replace(lr=0.5)), "moons")
    recorder.finish()
    p = Project(DataChoice(), SPEC, CONFIG, runs=tuple(runs.runs))
    back = project.loads(project.dumps(p))
    assert [r.name for r in back.runs] == ["run 1", "run 2"]
    assert back.runs[1].change == "learning rate 0.01 → 0.5"
    for a, b in zip(runs.runs, back.runs, strict=True):
        assert np.array_equal(a.history.loss, b.history.loss)
        assert np.array_equal(a.thumbnail, b.thumbnail)
        assert (a.final, a.steps, a.spec, a.config) == (b.final, b.steps, b.spec, b.config)


def test_a_project_without_runs_opens_with_none_and_damaged_runs_are_named():
    doc = json.loads(project.dumps(Project(DataChoice(), SPEC, CONFIG)))
    assert "runs" not in doc and project.from_dict(doc).runs == ()
    doc["runs"] = [{"name": "x"}]
    with pytest.raises(ProjectError, match="saved run 1 is damaged"):
        project.from_dict(doc)


def test_runs_export_as_csv_with_their_final_numbers():
    runs = RunList()
    recorder = RunRecorder(runs)
    recorder.observe(snap(0, 7), "moons")
    recorder.finish()
    rows = list(csv.DictReader(io.StringIO(runs.to_csv())))
    assert rows[0]["name"] == "run 1" and rows[0]["steps"] == "7"
    assert float(rows[0]["train_loss"]) == 0.5 and rows[0]["metric"] == "accuracy"
    assert rows[0]["layers"] == "8 tanh, 8 tanh" and rows[0]["optimizer"] == "sgd"


def test_a_reset_alone_is_named_by_its_new_seed_and_otherwise_the_seed_is_left_out():
    runs = RunList()
    recorder = RunRecorder(runs)
    recorder.observe(snap(0, 5), "moons")
    recorder.observe(snap(1, 5, config=CONFIG.replace(seed=1)), "moons")
    recorder.observe(snap(2, 5, config=CONFIG.replace(seed=2, optimizer="adam")), "moons")
    recorder.finish()
    assert [r.change for r in runs] == [
        "first run",
        "new weights (seed 0 → 1)",
        "optimizer sgd → adam",
    ]


def test_a_lesson_variant_trains_to_the_numbers_of_playground_train(capsys):
    from pathlib import Path

    from playground.cli import main as cli
    from playground.document.project import read_project
    from playground.document.variants import train_variant, variants_of

    path = Path(__file__).parents[2] / "resources/examples/10-optimizer-sgd.playground.json"
    variants = variants_of(path)
    assert [v.training["optimizer"] for v in variants] == ["sgd", "momentum", "adam"]
    run = train_variant(read_project(path), variants[1])
    assert cli.main(["train", "--project", str(path), "--optimizer", "momentum", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert run.final["train_loss"] == summary["train_loss"]
    assert run.final["test_metric"] == summary["test_accuracy"]
    assert run.steps == summary["steps"] and run.config.optimizer == "momentum"
    assert run.change == "lesson variant: optimizer momentum, learning rate 0.1"


def test_a_damaged_variant_is_named(tmp_path):
    from playground.document.variants import variants_of

    path = tmp_path / "x.playground.json"
    path.write_text(json.dumps({"variants": [{"name": "a", "training": {"lr": -1}}]}))
    with pytest.raises(ValueError, match=r"variant 1 of x\.playground\.json is damaged"):
        variants_of(path)
    path.write_text(json.dumps({"variants": [{"name": "a", "training": {"speed": 1}}]}))
    with pytest.raises(ValueError, match="unknown training settings"):
        variants_of(path)


EXAMPLES = __import__("pathlib").Path(__file__).parents[2] / "resources/examples"
DEEP_SIGMOID = EXAMPLES / "02-vanishing-gradients-sigmoid.playground.json"
DEEP_RELU = EXAMPLES / "03-deep-relu-he-init.playground.json"


def test_the_deep_sigmoid_and_deep_relu_lessons_offer_each_other():
    from playground.document.variants import variants_of

    sigmoid, relu = variants_of(DEEP_SIGMOID)
    assert (sigmoid.name, relu.name) == ("sigmoid", "ReLU + He")
    assert {(h.activation, h.init) for h in relu.hidden} == {("relu", "he_normal")}
    assert len(relu.hidden) == 6
    assert [v.name for v in variants_of(DEEP_RELU)] == ["ReLU + He", "sigmoid"]
    assert {(h.activation, h.init) for h in variants_of(DEEP_RELU)[1].hidden} == {
        ("sigmoid", "xavier_uniform")
    }


def test_a_variant_with_other_layers_trains_that_network_to_the_numbers_of_trainer_fit():
    from engine.trainer import Trainer
    from playground.document.project import read_project
    from playground.document.variants import train_variant, variants_of

    lesson = read_project(DEEP_SIGMOID)
    run = train_variant(lesson, variants_of(DEEP_SIGMOID)[1])
    assert [(h.activation, h.init) for h in run.spec.hidden] == [("relu", "he_normal")] * 6
    assert run.change == (
        "lesson variant: every layer sigmoid → relu, every layer init xavier_uniform → he_normal"
    )
    spec = lesson.network.replace(hidden=(LayerSpec(8, "relu", init="he_normal"),) * 6)
    trainer = Trainer(spec, lesson.training, lesson.build_data(lesson.build_dataset()))
    with np.errstate(over="ignore", invalid="ignore"):
        result = trainer.fit(lesson.training.epochs)
    assert run.final["train_loss"] == result.evaluation.train_loss
    assert run.final["test_metric"] == result.evaluation.test_metric
    assert run.steps == trainer.step_count


@pytest.mark.parametrize(
    ("variant", "problem"),
    [
        ({"layers": ["8:nonsense"]}, "activation"),
        ({"layers": "8:relu"}, "must be a list of layers"),
        ({"layers": ["8:relu:xx"]}, "unknown flag"),
        ({"init": "zeros please"}, "initializer"),
        ({"layers": ["8:relu"] * 99}, "hidden layers"),
    ],
)
def test_a_variant_with_bad_layers_is_refused_naming_the_lesson_and_the_variant(
    tmp_path, variant, problem
):
    from playground.document.variants import variants_of

    doc = json.loads(DEEP_SIGMOID.read_text(encoding="utf-8"))
    doc["variants"] = [{"name": "sigmoid"}, {"name": "odd one", **variant}]
    path = tmp_path / "lesson.playground.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(ValueError, match=r"variant 2 of lesson\.playground\.json is damaged") as e:
        variants_of(path)
    assert "'odd one'" in str(e.value) and problem in str(e.value)
