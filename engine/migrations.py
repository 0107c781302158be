"""One registry of the saved formats (projects, weights files, network specs, settings).

Each format declares its current version and the steps from each older one; the
checks are written once, here: a version that is not an integer >= 1 is damaged,
a newer one is refused with a message naming both versions, an older one is
upgraded one version at a time (n -> n + 1), each step taking and returning the
document as a plain dict. A format is registered by the module that owns it:

    WEIGHTS = register_format("weights", "weights format", current=2, error=WeightsFileError)

    @WEIGHTS.step(1)
    def _kind_of_each_layer(doc): ...
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engine.registry import Registry

Step = Callable[[dict[str, Any]], dict[str, Any]]


class Format:
    """A versioned document format: its current version and its migrations."""

    def __init__(self, name: str, label: str, current: int, error: type[Exception]):
        self.name = name
        self.label = label  # how a message names it: "project format", "network spec"
        self.current = current
        self.error = error
        self.steps: dict[int, Step] = {}

    def step(self, from_version: int) -> Callable[[Step], Step]:
        """Register the migration from `from_version` to `from_version + 1` (once)."""

        def register(fn: Step) -> Step:
            if from_version in self.steps:
                raise ValueError(f"{self.label}: a migration from version {from_version} exists")
            self.steps[from_version] = fn
            return fn

        return register

    def check(self, version: Any, where: str) -> int:
        """The version as an int; `error` when it is damaged or newer than `current`."""
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            raise self.error(
                f"{where} is damaged: its {self.label} version must be an integer >= 1; "
                f"received {version!r}"
            )
        if version > self.current:
            raise self.error(
                f"{where} was saved by a newer Backprop Playground ({self.label} version "
                f"{version}); this version reads up to version {self.current}. "
                f"Update Backprop Playground to open it."
            )
        return version

    def upgrade(self, doc: dict[str, Any], where: str, key: str = "version") -> dict[str, Any]:
        """`doc` brought to the current version (a new dict; `doc` is left as it was)."""
        version = self.check(doc.get(key), where)
        while version < self.current:
            doc = self.steps[version](dict(doc))
            version += 1
            doc[key] = version
        return doc


FORMATS: Registry[Format] = Registry("saved format")


def register_format(name: str, label: str, current: int, error: type[Exception]) -> Format:
    """Declare a saved format (refused if the name is taken)."""
    return FORMATS.register(name, Format(name, label, current, error))


__all__ = ["FORMATS", "Format", "register_format"]
