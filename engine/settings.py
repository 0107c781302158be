"""The training settings, declared once: one `Setting` per `TrainConfig` field.

Each record says everything the rest of the program needs about a setting: its
type, default and bounds (TrainConfig's validation), its command-line flag and
help (`playground train`), its tooltip, label and widget kind (the GUI builds the
toolbar's and the Advanced panel's editors from it), its group (toolbar or
Advanced panel) and, for an optimizer's own hyper-parameter, the optimizers it
applies to. Projects and remembered sessions store each under its `name`, and
README.md lists the flags (a test compares them). Qt-free: widget kinds are
plain strings that playground/gui/controls.py maps to widgets.

Adding a training setting: one record here and the code that acts on it
(usually engine/trainer.py or an optimizer), see docs/architecture.md.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any

from engine.errors import SpecError
from engine.optimizers import OPTIMIZERS
from engine.schedules import SCHEDULES

# The one seed range: TrainConfig, `--seed`, the GUI's seed boxes (a Qt spin box holds a
# 32-bit int) and datasets.make (datasets/validation.py keeps an equal copy, since
# datasets never imports the engine; tests/engine/test_settings.py keeps them equal).
MAX_SEED = 2**31 - 1
EPOCHS_UNTIL_PAUSED = 10**9  # the GUI's "until paused"; the one count above the epochs bound


@dataclass(frozen=True)
class Setting:
    """One training setting. `low`/`high` bound numbers (`low_open`: strictly above `low`).

    `optional`: None is allowed and means "the optimizer's own default" (eps).
    `widget`: "combo" (choices), "presets" (editable list of `presets`), "int", "real",
    "check" (a bool: on or off).
    `special`: what an int/real widget shows at its minimum ("off", "full", "∞").
    `optimizers`: the optimizers that read it; empty means it applies to all.
    """

    name: str
    kind: type
    default: Any
    label: str
    tip: str
    help: str
    low: float = 0.0
    high: float | None = None
    low_open: bool = False
    optional: bool = False
    choices: tuple[str, ...] = ()
    flag: str | None = None
    metavar: str | None = None
    widget: str = "real"
    group: str = "basic"
    special: str = ""
    presets: tuple[str, ...] = ()
    decimals: int = 2
    step: float = 0.1
    optimizers: tuple[str, ...] = ()
    schedules: tuple[str, ...] = ()

    def bounds_text(self) -> str:
        """`> 0 and <= 1000000`, as messages and help show the range."""
        low = f"> {_show(self.low)}" if self.low_open else f">= {_show(self.low)}"
        return low if self.high is None else f"{low} and <= {_show(self.high)}"

    def check(self, value: Any) -> Any:
        """`value` as this setting's type; SpecError (what / expected / received) otherwise."""
        name = self.name
        if value is None and self.optional:
            return None
        if self.choices:
            if not isinstance(value, str) or value not in self.choices:
                raise SpecError(
                    f"Could not interpret {name} {value!r}: expected one of "
                    f"{', '.join(self.choices)}"
                )
            return value
        if self.kind is bool:
            if not isinstance(value, bool):
                raise SpecError(
                    f"Received an invalid value for `{name}`, expected true or false. "
                    f"Received: {name}={value!r}"
                )
            return value
        integer = self.kind is int
        what = "an integer" if integer else "a number"
        ok_type = numbers.Integral if integer else numbers.Real
        if isinstance(value, bool) or not isinstance(value, ok_type):
            raise SpecError(
                f"Received an invalid value for `{name}`, expected {what}. "
                f"Received: {name}={value!r}"
            )
        value = int(value) if integer else float(value)
        bad = not math.isfinite(value) or (value <= self.low if self.low_open else value < self.low)
        if bad or (self.high is not None and value > self.high):
            expected = f"{what if integer else 'a finite number'} {self.bounds_text()}"
            raise SpecError(
                f"Received an invalid value for `{name}`, expected {expected}. "
                f"Received: {name}={value}"
            )
        return value

    def default_text(self) -> str:
        if self.default is None:
            return "the optimizer's own"
        if self.kind is bool:
            return "on" if self.default else "off"
        return f"{self.default:g}" if self.kind is float else str(self.default)

    def range_text(self) -> str:
        if self.kind is bool:
            return f"{self.flag} or --no-{self.flag[2:]}"
        return ", ".join(self.choices) if self.choices else self.bounds_text()

    def help_text(self) -> str:
        """The command-line help: what it is, its range and its default."""
        shown = "" if self.choices or self.kind is bool else f"{self.bounds_text()}, "
        return f"{self.help} ({shown}default {self.default_text()})"

    def applies_to(self, optimizer: str) -> bool:
        return not self.optimizers or optimizer in self.optimizers

    def read_by(self, schedule: str) -> bool:
        """Whether the learning-rate schedule `schedule` reads this setting."""
        return not self.schedules or schedule in self.schedules


def _show(x: float) -> str:
    return str(int(x)) if float(x).is_integer() and abs(x) < 1e15 else f"{x:g}"


def _with_eps() -> tuple[str, ...]:
    return tuple(name for name in OPTIMIZERS.names() if OPTIMIZERS.get(name).default_eps)


def _reading(setting: str) -> tuple[str, ...]:
    """The schedules that read `setting` (each schedule lists what it reads)."""
    return tuple(name for name in SCHEDULES.names() if setting in SCHEDULES.get(name).reads)


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "optimizer", str, "adam", "Optimizer",
        "How the gradient becomes a weight update",
        "the update rule",
        choices=tuple(OPTIMIZERS.names()), flag="--optimizer", widget="combo",
    ),
    Setting(
        "lr", float, 0.01, "Learning rate",
        "Learning rate: the size of each update step. Too large diverges, too small crawls.",
        "learning rate",
        high=1e6, low_open=True, flag="--lr", widget="presets",
        presets=("0.00001", "0.0001", "0.001", "0.003", "0.01", "0.03", "0.1", "0.3", "1", "3",
                 "10"),
    ),
    Setting(
        "momentum", float, 0.9, "Momentum",
        "Momentum: the fraction of the previous step kept in the next (momentum, nesterov)",
        "momentum of momentum/nesterov",
        high=0.9999, flag="--momentum", group="advanced", decimals=4, step=0.01,
        optimizers=("momentum", "nesterov"),
    ),
    Setting(
        "beta1", float, 0.9, "Beta 1",
        "Adam's beta1: how slowly the running mean of the gradient forgets (adam, adamw)",
        "Adam's decay of the gradient's running mean",
        high=0.9999, flag="--beta1", group="advanced", decimals=4, step=0.01,
        optimizers=("adam", "adamw"),
    ),
    Setting(
        "beta2", float, 0.999, "Beta 2",
        "Adam's beta2: how slowly the running mean of the squared gradient forgets",
        "Adam's decay of the squared gradient's running mean",
        high=0.999999, flag="--beta2", group="advanced", decimals=6, step=0.001,
        optimizers=("adam", "adamw"),
    ),
    Setting(
        "rho", float, 0.99, "Rho",
        "RMSprop's rho (PyTorch's alpha): how slowly the mean of the squared gradient forgets",
        "RMSprop's decay of the squared gradient's mean (PyTorch's alpha)",
        high=0.9999, flag="--rho", group="advanced", decimals=4, step=0.01,
        optimizers=("rmsprop",),
    ),
    Setting(
        "eps", float, None, "Epsilon",
        "Added to the root in the denominator; 'default' takes the optimizer's own "
        "(Adam and RMSprop 1e-8, Adagrad 1e-10)",
        "added to the denominator's root",
        high=1.0, low_open=True, optional=True, flag="--eps", widget="presets",
        group="advanced", presets=("default", "1e-10", "1e-8", "1e-7", "1e-6", "1e-4"),
        optimizers=_with_eps(),
    ),
    Setting(
        "batch_size", int, 16, "Batch",
        "Examples per minibatch (full: the whole training set each step)",
        "examples per step; 0 = full batch",
        high=100_000, flag="--batch-size", metavar="N", widget="int", special="full",
    ),
    Setting(
        "l1", float, 0.0, "L1",
        "L1 regularisation: adds l1 * sign(w) to each weight's gradient (sparsity)",
        "L1 penalty on weights",
        high=10.0, flag="--l1", decimals=5, step=0.0001,
    ),
    Setting(
        "l2", float, 0.0, "L2",
        "L2 regularisation: adds l2 * w to each weight's gradient (small weights)",
        "L2 penalty on weights; decoupled decay with adamw",
        high=10.0, flag="--l2", decimals=5, step=0.0001,
    ),
    Setting(
        "dropout", float, 0.0, "Dropout",
        "Dropout: the fraction of hidden units switched off at random in training",
        "dropout rate of the hidden layers",
        high=0.95, flag="--dropout", step=0.05,
    ),
    Setting(
        "clip_norm", float, 0.0, "Clip",
        "Gradient clipping: rescale the gradient when its global norm exceeds this",
        "clip the global gradient norm; 0 = off",
        high=1000.0, flag="--clip", metavar="NORM", special="off", step=0.5,
    ),
    Setting(
        "epochs", int, 100, "Epochs",
        "Stop after this many epochs (∞: train until paused)",
        "epochs to train from where the network is (with --project: its count)",
        high=1_000_000, flag="--epochs", metavar="N", widget="int", special="∞",
    ),
    Setting(
        "patience", int, 0, "Patience",
        "Early stopping: stop after this many epochs without a lower test loss "
        "(off: train on)",
        "stop after N epochs without a better test loss (see --restore-best); 0 = off",
        high=1_000_000, flag="--patience", metavar="N", widget="int", group="advanced",
        special="off", step=1,
    ),
    Setting(
        "restore_best", bool, True, "Restore best",
        "When early stopping stops, put back the weights of the epoch with the lowest test "
        "loss (off: keep the last weights)",
        "when --patience stops training, put back the best epoch's weights",
        flag="--restore-best", widget="check", group="advanced",
    ),
    Setting(
        "schedule", str, "constant", "LR schedule",
        "How the learning rate changes from epoch to epoch (stepped once per epoch)",
        "learning-rate schedule, stepped once per epoch",
        choices=tuple(SCHEDULES.names()), flag="--schedule", widget="combo", group="advanced",
    ),
    Setting(
        "schedule_step", int, 10, "Step every",
        "Step decay: multiply the rate by gamma every this many epochs",
        "epochs between the step schedule's decays",
        low=1, high=1_000_000, flag="--schedule-step", metavar="N", widget="int",
        group="advanced", step=1, schedules=_reading("schedule_step"),
    ),
    Setting(
        "schedule_gamma", float, 0.1, "Gamma",
        "The factor the rate is multiplied by: every N epochs (step), every epoch "
        "(exponential), on a plateau (plateau)",
        "the decay factor of step, exponential and plateau",
        high=1.0, low_open=True, flag="--schedule-gamma", metavar="F", group="advanced",
        decimals=4, step=0.05, schedules=_reading("schedule_gamma"),
    ),
    Setting(
        "schedule_epochs", int, 0, "Schedule epochs",
        "The cosine's horizon T: the epoch at which the rate reaches the minimum "
        "(needed by cosine and warmup_cosine, also when training until paused)",
        "the cosine horizon T_max in epochs (needed by cosine and warmup_cosine); 0 = unset",
        high=1_000_000, flag="--schedule-epochs", metavar="N", widget="int",
        group="advanced", special="unset", step=10, schedules=_reading("schedule_epochs"),
    ),
    Setting(
        "min_lr", float, 0.0, "Minimum rate",
        "The lowest rate: where the cosine ends, the floor of reduce-on-plateau",
        "the rate cosine falls to and plateau stops at (eta_min)",
        high=1e6, flag="--min-lr", metavar="F", widget="presets", group="advanced",
        presets=("0", "1e-6", "1e-5", "0.0001", "0.001"), schedules=_reading("min_lr"),
    ),
    Setting(
        "warmup_epochs", int, 0, "Warm-up epochs",
        "Warm-up: epoch e below W uses lr * (e + 1) / W before the cosine begins",
        "epochs of linear warm-up before the cosine (warmup_cosine)",
        high=1_000_000, flag="--warmup-epochs", metavar="W", widget="int", group="advanced",
        step=1, schedules=_reading("warmup_epochs"),
    ),
    Setting(
        "plateau_patience", int, 10, "Plateau patience",
        "Reduce on plateau: epochs without a better loss that are tolerated before the "
        "rate is reduced",
        "epochs without a better loss before plateau reduces the rate",
        high=1_000_000, flag="--plateau-patience", metavar="N", widget="int",
        group="advanced", step=1, schedules=_reading("plateau_patience"),
    ),
    Setting(
        "dtype", str, "float64", "Precision",
        "The floating-point type training computes in: float64 (exact gradient checks, "
        "bit-exact files) or float32 (faster, about 7 significant digits)",
        "the floating-point type of weights and arithmetic",
        choices=("float64", "float32"), flag="--dtype", widget="combo", group="advanced",
    ),
    Setting(
        "seed", int, 0, "Seed",
        "Seed of the initial weights, the shuffling and dropout; changing it starts again "
        "from step 0 with the weights it draws",
        "seed of the data, the split, the initial weights and the shuffling",
        high=MAX_SEED, flag="--seed", metavar="N", widget="int", group="advanced", step=1,
    ),
)  # fmt: skip

BY_NAME: dict[str, Setting] = {s.name: s for s in SETTINGS}
# Upper bounds, as engine.spec.LIMITS has always offered them.
LIMITS: dict[str, float] = {s.name: s.high for s in SETTINGS if s.high is not None}


def check_all(values: dict[str, Any]) -> dict[str, Any]:
    """Each setting of `values` checked by its record (epochs may be EPOCHS_UNTIL_PAUSED)."""
    out = {}
    for name, value in values.items():
        if name == "epochs" and value == EPOCHS_UNTIL_PAUSED:
            out[name] = value
        else:
            out[name] = BY_NAME[name].check(value)
    return out


def options_table() -> str:
    """The Markdown table of `playground train`'s training options (README.md holds it)."""
    rows = ["| option | default | range | meaning |", "|---|---|---|---|"]
    for s in SETTINGS:
        if s.flag is None:
            continue
        rows.append(f"| `{s.flag}` | {s.default_text()} | {s.range_text()} | {s.help} |")
    return "\n".join(rows)


__all__ = [
    "BY_NAME",
    "EPOCHS_UNTIL_PAUSED",
    "LIMITS",
    "MAX_SEED",
    "SETTINGS",
    "Setting",
    "check_all",
    "options_table",
]
