"""Name-keyed registries: files and settings store names, never list indices."""

import importlib
import pkgutil
from collections.abc import Iterator
from typing import Any, Generic, TypeVar

from engine.errors import SpecError

T = TypeVar("T")


class Registry(Generic[T]):
    """A mapping from a public name to an object that refuses duplicates."""

    def __init__(self, kind: str):
        self.kind = kind
        self._items: dict[str, T] = {}
        self._aliases: dict[str, str] = {}

    def register(self, name: str, item: T, *, aliases: tuple[str, ...] = ()) -> T:
        for key in (name, *aliases):
            if key in self._items or key in self._aliases:
                raise ValueError(f"{self.kind} {key!r} is already registered")
        self._items[name] = item
        for alias in aliases:
            self._aliases[alias] = name
        return item

    def canonical(self, name: str) -> str:
        """The registered name for `name` or one of its aliases."""
        if isinstance(name, str):
            if name in self._items:
                return name
            if name in self._aliases:
                return self._aliases[name]
        raise SpecError(
            f"Could not interpret {self.kind} {name!r}: expected one of {', '.join(self.names())}"
        )

    def get(self, name: str) -> T:
        return self._items[self.canonical(name)]

    def names(self) -> list[str]:
        return list(self._items)

    def __contains__(self, name: object) -> bool:
        return name in self._items or name in self._aliases

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)


def classes_in_package(package: str, path: Any, base: type, key: str) -> list[type]:
    """Each subclass of `base` defined in a module of `package` whose `key` attribute is set.

    This is how a registry whose entries live one per file (activations, optimizers,
    layer kinds) finds them: adding an entry is adding its file. `path` is the
    package's `__path__`; modules whose name starts with "_" are skipped.
    """
    found = []
    for info in pkgutil.iter_modules(path):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{package}.{info.name}")
        found += [
            value
            for value in vars(module).values()
            if isinstance(value, type)
            and issubclass(value, base)
            and value.__module__ == module.__name__
            and getattr(value, key)
        ]
    return found
