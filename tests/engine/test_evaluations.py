"""Headless training keeps a bounded, evenly thinned record of its epoch evaluations."""

from __future__ import annotations

import numpy as np

from engine.data import Data
from engine.evaluations import MAX_EVALUATIONS, EvaluationRecord
from engine.snapshot import History
from engine.spec import LayerSpec, NetworkSpec, TrainConfig
from engine.trainer import Trainer


def xor_data(copies: int = 1) -> Data:
    X = np.tile([[-1.0, -1.0], [-1.0, 1.0], [1.0, -1.0], [1.0, 1.0]], (copies, 1))
    y = np.tile([0, 1, 1, 0], copies)
    return Data.from_arrays(X, y, task="classification", n_classes=2, bounds=[(-1.0, 1.0)] * 2)


def test_the_record_stays_bounded_keeping_the_first_the_last_and_an_even_spacing():
    record = EvaluationRecord(capacity=9)
    for epoch in range(1000):
        record.add(epoch)  # any object: the record only keeps them
        kept = record.evaluations()
        assert len(kept) <= 10 and kept[0] == 0 and kept[-1] == epoch
    assert len(record) == 1000
    kept = record.evaluations()
    assert np.all(np.diff(kept[:-1]) == record.stride)  # evenly spaced, then the last


def test_fit_keeps_the_first_and_last_epoch_in_bounded_memory():
    epochs = 2 * MAX_EVALUATIONS + 50
    spec = NetworkSpec(hidden=(LayerSpec(3),))
    trainer = Trainer(spec, TrainConfig(lr=0.01, batch_size=0), xor_data())
    seen = []
    result = trainer.fit(epochs, on_epoch=lambda t, ev: seen.append(ev))
    assert result.epochs == epochs == len(seen)
    assert len(result.evaluations) <= MAX_EVALUATIONS + 1
    assert result.evaluations[0] == seen[0] and result.evaluations[-1] == seen[-1]
    assert result.evaluation == seen[-1]


def test_fit_with_a_history_records_every_step_and_gives_the_same_numbers():
    spec = NetworkSpec(hidden=(LayerSpec(3),))
    config = TrainConfig(lr=0.05, batch_size=2)
    plain = Trainer(spec, config, xor_data(3))
    recorded = Trainer(spec, config, xor_data(3))
    history = History(recorded.n_layers)
    a = plain.fit(5)
    b = recorded.fit(5, history=history)
    assert a.evaluations == b.evaluations
    np.testing.assert_array_equal(plain.network.flat, recorded.network.flat)
    chunk = history.chunk()
    assert chunk.steps.tolist() == list(range(1, recorded.step_count + 1))
    assert chunk.epochs.tolist() == [1, 2, 3, 4, 5]
