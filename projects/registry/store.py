"""Where the metrics' numbers are stored pre-aggregated: the rollups, installed here when the app is ready.

The registry declares what is counted; the rollups (`projects.rollups`, a layer above it) keep the counts. A metric
asks the installed store whether it is kept (`is_tracked`) and reads its numbers from it (`read`); the registry
tells it when new metrics arrive (`follow`). Without a store (before `ProjectsConfig.ready()`), every number is
computed from the raw records. Installing rather than importing keeps the registry free of the layer above it.
"""

from __future__ import annotations

from typing import Any, Protocol


class Store(Protocol):
    def is_tracked(self, metric: Any) -> bool:
        """Whether this metric (or people metric) is the registered one the store keeps."""

    def read(self, keys, project_ids, **options) -> Any:
        """The numbers of these metrics and projects (see `projects.rollups.reads.read`)."""

    def follow(self) -> None:
        """Start keeping the metrics registered since the last call."""


_installed: list[Store] = []


def install(store: Store) -> None:
    _installed[:] = [store]


def current() -> Store | None:
    return _installed[0] if _installed else None
