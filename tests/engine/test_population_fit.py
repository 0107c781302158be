"""fit_members: every member ends as its lone Trainer.fit (epochs, early stopping, plateau)."""

import numpy as np

from engine.errors import DivergenceError
from engine.population import PopulationTrainer
from engine.population_fit import fit_members
from engine.spec import LayerSpec, NetworkSpec, TrainConfig
from engine.trainer import Trainer
from tests.engine.test_trainer import spirals

SPEC = NetworkSpec(hidden=(LayerSpec(8, "tanh"), LayerSpec(6, "relu")))


def test_every_member_ends_as_its_lone_fit():
    data = spirals(200)
    rows = [  # lr, epochs, patience, schedule
        (0.01, 12, 0, "constant"),
        (0.3, 30, 2, "plateau"),  # stops early, its rate lowered on the plateau first
        (1e5, 10, 0, "constant"),  # diverges
        (0.08, 20, 1, "constant"),
        (0.02, 0, 0, "constant"),  # no epochs: evaluated as it starts
    ]
    configs = [
        TrainConfig(
            optimizer="adam",
            lr=lr,
            batch_size=16,
            seed=seed,
            epochs=epochs,
            patience=patience,
            schedule=schedule,
            plateau_patience=0,
        )
        for seed, (lr, epochs, patience, schedule) in enumerate(rows)
    ]
    pop = PopulationTrainer(SPEC, configs, data)
    curves: dict[int, dict[int, float]] = {i: {} for i in range(len(configs))}
    fits = fit_members(pop, lambda m, epoch, ev: curves[m].__setitem__(epoch, ev.test_loss))
    stopped = 0
    for i, config in enumerate(configs):
        trainer, curve = Trainer(SPEC, config, data), {}
        try:
            result = trainer.fit(
                config.epochs,
                on_epoch=lambda t, ev, curve=curve: curve.__setitem__(t.epoch, ev.test_loss),
            )
        except DivergenceError as exc:
            assert str(fits[i].error) == str(exc) and fits[i].evaluation is None
        else:
            assert fits[i].error is None
            assert fits[i].evaluation == result.evaluation
            assert fits[i].stopped_early == result.stopped_early
            stopped += result.stopped_early
        assert fits[i].epochs == trainer.epoch
        assert curves[i] == curve
        np.testing.assert_allclose(pop.network(i).flat, trainer.network.flat, rtol=0, atol=1e-12)
    assert fits[2].error is not None and stopped >= 1
    assert pop.schedules[1].changes()  # the plateau lowered member 2's rate
    assert pop.active == []
