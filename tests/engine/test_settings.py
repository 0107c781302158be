"""The training settings table (engine/settings.py): one record per TrainConfig field."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from datasets import validation
from engine import settings
from engine.errors import SpecError
from engine.optimizers import OPTIMIZERS, make_optimizer
from engine.settings import MAX_SEED, SETTINGS
from engine.spec import TrainConfig

NUMBERS = [s for s in SETTINGS if s.kind in (int, float)]


def test_train_config_has_one_field_per_setting_with_its_default():
    fields = dataclasses.fields(TrainConfig)
    assert [f.name for f in fields] == [s.name for s in SETTINGS]
    assert [f.default for f in fields] == [s.default for s in SETTINGS]


def test_one_seed_range_for_the_engine_and_the_datasets():
    assert validation.MAX_SEED == MAX_SEED == settings.BY_NAME["seed"].high
    TrainConfig(seed=MAX_SEED)
    with pytest.raises(SpecError, match="seed"):
        TrainConfig(seed=MAX_SEED + 1)
    with pytest.raises(Exception, match="seed"):
        import datasets

        datasets.make("xor", n_samples=10, seed=MAX_SEED + 1)


@pytest.mark.parametrize("s", NUMBERS, ids=lambda s: s.name)
def test_train_config_takes_each_bound_and_refuses_beyond_it(s):
    TrainConfig(**{s.name: s.high})
    if not s.low_open:
        TrainConfig(**{s.name: s.kind(s.low)})
    too_big = s.high + 1 if s.kind is int else s.high * 1.01
    for bad in (too_big, s.kind(s.low) - 1 if s.kind is int else s.low - 1e-3, "1", True):
        with pytest.raises(SpecError, match=f"`{s.name}`"):
            TrainConfig(**{s.name: bad})


def _update(config: TrainConfig) -> np.ndarray:
    opt = make_optimizer(config, 3, np.ones(3, dtype=bool))
    params, grads = np.array([0.5, -1.0, 2.0]), np.array([0.3, -0.2, 0.1])
    for _ in range(2):
        update = opt.compute(params, grads).copy()
    return update


OPTIMIZER_OWN = [s for s in SETTINGS if s.optimizers]


@pytest.mark.parametrize("s", OPTIMIZER_OWN, ids=lambda s: s.name)
@pytest.mark.parametrize("optimizer", OPTIMIZERS.names())
def test_an_optimizer_setting_changes_exactly_the_optimizers_it_names(s, optimizer):
    base = TrainConfig(optimizer=optimizer, lr=0.1)
    changed = base.replace(**{s.name: 0.5 if s.name != "eps" else 0.25})
    differs = not np.array_equal(_update(base), _update(changed))
    assert differs == s.applies_to(optimizer)


def test_the_option_table_lists_each_flag_once():
    table = settings.options_table()
    flags = [s.flag for s in SETTINGS if s.flag]
    assert len(flags) == len(set(flags))
    for flag in flags:
        assert table.count(f"`{flag}`") == 1


def test_early_stopping_keeps_the_last_weights_when_told_not_to_restore():
    from engine.trainer import Trainer
    from tests.engine.test_trainer import net, spirals

    data = spirals(80, seed=2, noise=0.3)
    finals = {}
    for restore in (True, False):
        config = TrainConfig(lr=0.03, batch_size=4, patience=3, restore_best=restore)
        trainer = Trainer(net(64, 64), config, data)
        last = {}
        keep = lambda t, ev, last=last: last.update(flat=t.network.flat.copy())  # noqa: E731
        result = trainer.fit(500, on_epoch=keep)
        assert result.stopped_early
        finals[restore] = (trainer.network.flat.copy(), last["flat"], result)
    kept, last_epoch, result = finals[False]
    assert np.array_equal(kept, last_epoch)  # not put back
    restored, _, best = finals[True]
    assert not np.array_equal(restored, kept) and best.best_epoch == result.best_epoch
    assert result.evaluation.test_loss > best.evaluation.test_loss


def test_the_runner_says_it_kept_the_last_weights():
    from engine.runner import Runner
    from tests.engine.test_runner import reason, wait_for
    from tests.engine.test_trainer import net, spirals

    config = TrainConfig(lr=0.03, batch_size=4, patience=3, epochs=500, restore_best=False)
    with Runner(net(64, 64), config, spirals(80, seed=2, noise=0.3)) as runner:
        runner.start()
        snap = wait_for(runner, reason("finished"))
    assert "Stopped early" in snap.message and "kept the last weights" in snap.message


def test_reset_draws_the_next_seed_and_wraps_within_the_one_range():
    assert TrainConfig(seed=4).next_seed().seed == 5
    assert TrainConfig(seed=MAX_SEED).next_seed().seed == 0
