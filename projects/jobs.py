"""Background jobs: long work that runs in Celery and shows its progress to the user.

An app contributes a handler (`projects.registry.JobHandler("progress_report", run_progress_report)`).

`handler(job, progress)` does the work; it calls `progress(percent, message)` as it goes, and returns either
None, or a `JobResult` with a file to offer for download and/or data to show. It raises `JobError(message)`
for a failure the user should read (bad input found late, for example); other exceptions are logged and the
job is marked failed with a generic message. Start a job with `services.job_start(...)`.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class JobError(Exception):
    """A failure to show to the user as it is."""


@dataclass
class JobResult:
    filename: str = ""
    content: bytes | None = None
    data: dict = field(default_factory=dict)
