"""The NumPy backpropagation engine: specs, network, optimizers, trainer, runner.

Never imports Qt: everything the GUI shows can be computed headless, and a
script can do ``net = engine.load("weights.npz"); net.predict(X)``.
"""

from engine.data import Data
from engine.errors import DivergenceError, EngineError, SpecError, WeightsFileError
from engine.gradcheck import GradcheckResult, TensorCheck, gradcheck
from engine.network import Network
from engine.runner import Runner
from engine.snapshot import HistoryChunk, Snapshot
from engine.spec import LayerSpec, NetworkSpec, TrainConfig
from engine.trainer import Evaluation, FitResult, LayerStats, StepReport, Trainer
from engine.weights_io import load, load_into, save

__all__ = [
    "Data",
    "DivergenceError",
    "EngineError",
    "Evaluation",
    "FitResult",
    "GradcheckResult",
    "HistoryChunk",
    "LayerSpec",
    "LayerStats",
    "Network",
    "NetworkSpec",
    "Runner",
    "Snapshot",
    "SpecError",
    "StepReport",
    "TensorCheck",
    "TrainConfig",
    "Trainer",
    "WeightsFileError",
    "gradcheck",
    "load",
    "load_into",
    "save",
]
