"""A tiny registry: every pluggable thing in divgan (divergence, objective, trick, model, dataset,
metric, command) is one decorated class or function in one file, looked up by name."""
from __future__ import annotations

from typing import Callable, Generic, Iterator, TypeVar

from .errors import DivganError

T = TypeVar("T")


class Registry(Generic[T]):
    """Name -> object, with a kind for error messages (``unknown divergence 'x'; allowed: ...``)."""

    def __init__(self, kind: str):
        self.kind = kind
        self._items: dict[str, T] = {}

    def register(self, name: str) -> Callable[[T], T]:
        def deco(obj: T) -> T:
            if name in self._items:
                raise ValueError(f"{self.kind} {name!r} registered twice")
            self._items[name] = obj
            try:
                obj.registry_name = name  # type: ignore[attr-defined]
            except (AttributeError, TypeError):
                pass
            return obj

        return deco

    def __getitem__(self, name: str) -> T:
        if name not in self._items:
            raise DivganError(f"unknown {self.kind} {name!r}; allowed: {', '.join(sorted(self._items))}")
        return self._items[name]

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def items(self):
        return self._items.items()

    def names(self) -> list[str]:
        return list(self._items)
