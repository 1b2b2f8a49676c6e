"""Background jobs: long work that runs in Celery and shows its progress to the user.

An app registers a handler in `AppConfig.ready()`:

    handlers.register("progress_report", run_progress_report)

`handler(job, progress)` does the work; it calls `progress(percent, message)` as it goes, and returns either
None, or a `JobResult` with a file to offer for download and/or data to show. It raises `JobError(message)`
for a failure the user should read (bad input found late, for example); other exceptions are logged and the
job is marked failed with a generic message. Start a job with `services.job_start(...)`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


class JobError(Exception):
    """A failure to show to the user as it is."""


@dataclass
class JobResult:
    filename: str = ""
    content: bytes | None = None
    data: dict = field(default_factory=dict)


ProgressFn = Callable[[int, str], None]
HandlerFn = Callable[..., "JobResult | None"]


class JobHandlerRegistry:
    def __init__(self) -> None:
        self._handlers: dict[str, HandlerFn] = {}

    def register(self, kind: str, handler: HandlerFn) -> None:
        self._handlers[kind] = handler

    def get(self, kind: str) -> HandlerFn | None:
        return self._handlers.get(kind)

    def unregister(self, kind: str) -> None:
        self._handlers.pop(kind, None)


handlers = JobHandlerRegistry()
