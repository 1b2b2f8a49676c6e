"""The one way to queue background work: `enqueue` sends a Celery task once the current transaction commits.

A task sent earlier could run before its rows are visible to the worker, or for rows that a rollback then
removes. Only services queue work (views, the admin and tasks call services), and only through here, so that
a transactional outbox can later take this one place over.

A task is named by its dotted path (`"projects.tasks.job_run"`), which is also its Celery name: a services module
then never imports its app's tasks module (which imports the services), and the name is what an outbox stores.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.module_loading import import_string


def enqueue(task: str, *args, **kwargs) -> None:
    """Send the task named `task` with these (JSON-serialisable) arguments after the transaction commits.

    Outside a transaction it is sent at once; if the transaction rolls back it is never sent (Django's
    `on_commit` rules). A misspelt name fails here, in the request, not later in the worker.
    """
    celery_task = import_string(task)
    transaction.on_commit(lambda: celery_task.apply_async(args=args, kwargs=kwargs))
