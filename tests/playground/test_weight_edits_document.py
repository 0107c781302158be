"""Which parameter a Target names (playground/document/weight_edits.py), in deep networks too."""

from __future__ import annotations

import json

import pytest

from engine.hand_edits import HAND_KEY, HandEdit, flat_index
from engine.network import Network
from engine.spec import LayerSpec, NetworkSpec
from playground.document import project
from playground.document.weight_edits import Target, current, edited, edits_of, targets_of
from tests.playground.test_project import SPEC, trained_project

DEEP = NetworkSpec(
    hidden=(
        LayerSpec(4, "relu", batch_norm=True, residual=True),
        LayerSpec(4, "relu", residual=True),
    )
)


def test_targets_are_the_dense_weights_and_biases_only_not_batch_norm_or_shortcuts():
    net = Network(DEEP, 0)
    found = targets_of(DEEP, list(range(net.flat.size)))
    dense = sum(
        s[0] * s[1] if len(s) == 2 else s[0]
        for name, s in zip(net.tensor_names, net.tensor_shapes, strict=True)
        if name.count(".") == 2
    )
    assert len(found) == dense
    for target in found:  # each maps back to where the engine keeps it
        at = flat_index(net, target.tensor, target.index)
        assert targets_of(DEEP, [at]) == {target}
    assert Target(0, "weight", (1,)) not in found  # layers.0.bn.weight[1]


def test_names_for_files_and_for_people():
    t = Target.of("layers.1.weight", (2, 0))
    assert (t.layer, t.kind, t.index) == (1, "weight", (2, 0))
    assert t.name == "layers.1.weight[2, 0]" and t.short == "W2[3, 1]"
    assert t.describe(DEEP) == "layer 2 weight: layer 1 unit 1 → layer 2 unit 3"
    bias = Target(2, "bias", (0,))
    assert bias.short == "b3[1]" and bias.describe(DEEP) == "output layer bias of output unit 1"
    first = Target(0, "weight", (0, 1))
    assert first.describe(DEEP) == "layer 1 weight: input x2 → layer 1 unit 1"


def test_a_project_keeps_frozen_weights_and_refuses_a_damaged_hand_entry(tmp_path):
    saved, _trainer = trained_project(5)
    old, _frozen = current(saved.state, SPEC, Target(1, "weight", (0, 2)))
    edit = HandEdit(5, "layers.1.weight", (0, 2), old, 0.25, False, True)
    saved = saved.replace(state=edited(saved.state, SPEC, edit))
    path = tmp_path / "frozen.playground.json"
    project.write_project(saved, path)
    opened = project.read_project(path)
    assert current(opened.state, SPEC, Target(1, "weight", (0, 2))) == (0.25, True)
    assert edits_of(opened.state, SPEC) == (edit,)
    resumed = opened.build_trainer()
    resumed.run_steps(30)
    assert resumed.network.state_dict()["layers.1.weight"][0, 2] == 0.25
    doc = json.loads(path.read_text())
    doc["state"]["trainer"][HAND_KEY]["frozen"] = [-1]
    path.write_text(json.dumps(doc))
    with pytest.raises(project.ProjectError, match=r"hand\.frozen"):
        project.open_project(path)
